/**
 * Reader-writer locks in shared memory: one i32 word, 0 = free, n > 0 = n readers, -1 = a
 * writer. Every PE that maps the word's heap takes the lock with Atomics directly (shmem);
 * elsewhere the owner takes it for the caller inside a runtime AM. Waiting never blocks the
 * event loop. Readers can overtake a waiting writer: element ops are short, and guards are meant
 * to be.
 *
 * Waiting is queued: each PE keeps one FIFO of its waiters per lock word, and only the waiter at
 * its head waits on the word (Atomics.waitAsync); when the head gets the lock, the next waiter
 * tries at once. An unlock wakes the word's waiters with Atomics.notify (at most one per PE) and
 * kicks this PE's own queue directly, so a hand-off between two ops of one PE costs a microtask,
 * not an event-loop turn. Without the queue every waiter waited on the word and every unlock
 * woke all of them: K queued ops cost K^2 wake-ups (K = 8,000 took over a minute).
 */

import { userSite } from '../core/index.js';
import type { Site } from '../team/index.js';

/** Word indices inside each PE's lock area. */
export const LOCAL_LOCK = 0;
/** On team PE 0 only: the GlobalLockArray's lock. */
export const GLOBAL_LOCK = 1;
/** On team PE 0 only: collective write guards not yet released. */
export const COLLECTIVE_LEFT = 2;

export function tryLock(w: Int32Array, i: number, write: boolean): boolean {
  if (write) return Atomics.compareExchange(w, i, 0, -1) === 0;
  let cur = Atomics.load(w, i);
  while (cur >= 0) {
    const seen = Atomics.compareExchange(w, i, cur, cur + 1);
    if (seen === cur) return true;
    cur = seen;
  }
  return false;
}

/** A diagnosed wait over one queue's episode (see WorldRuntime.watchLock). */
export interface LockWait {
  restart(): void;
  end(): void;
  /** The call that waits, if the episode has none yet (a guard's; element ops keep none). */
  site(s: Site): void;
}

/** Begins a LockWait for word `i` of a lock area; `describe` says what is stuck at report time. */
export type WatchLockWord = (i: number, describe: () => string) => LockWait;

const watches = new WeakMap<Int32Array, WatchLockWord>();

/**
 * Makes waits for the words of lock area `w` diagnosed: while this PE's queue for a word is
 * non-empty it is one watched wait, restarted at every grant, so a queue that has not moved for
 * LAMELLAR_DEADLOCK_TIMEOUT is reported (a guard kept while this PE asks again waits for itself).
 * One wait per episode, no stack capture for element ops: on shmem a contended op can start an
 * episode of its own, and a capture costs several times the op.
 */
export function watchLockArea(w: Int32Array, watch: WatchLockWord): void {
  watches.set(w, watch);
}

/** This PE's waiters for one lock word, oldest first. */
class WaitQueue {
  readonly write: boolean[] = [];
  readonly resolve: (() => void)[] = [];
  head = 0;
  /** Set while the pump sleeps: wakes it without waiting for the notify's event-loop task. */
  wake: (() => void) | undefined;
  /** The diagnosed wait of this episode (the queue non-empty), if the area is watched. */
  wait: LockWait | undefined;

  get size(): number {
    return this.write.length - this.head;
  }

  push(write: boolean, resolve: () => void): void {
    this.write.push(write);
    this.resolve.push(resolve);
  }

  shift(): () => void {
    const r = this.resolve[this.head]!;
    this.resolve[this.head] = noop;
    this.head++;
    // Compact now and then, so a long-lived queue does not keep every waiter it ever had.
    if (this.head > 1024 && this.head * 2 > this.write.length) {
      this.write.splice(0, this.head);
      this.resolve.splice(0, this.head);
      this.head = 0;
    }
    return r;
  }
}

const noop = (): void => {};
/** Contended words only: a lock taken at the first try never creates a queue. */
const queues = new WeakMap<Int32Array, Map<number, WaitQueue>>();

function queueOf(w: Int32Array, i: number): WaitQueue | undefined {
  return queues.get(w)?.get(i);
}

/** Takes the lock if it is free and nobody here waits for it; never queues. */
export function tryTake(w: Int32Array, i: number, write: boolean): boolean {
  const q = queueOf(w, i);
  return (q === undefined || q.size === 0) && tryLock(w, i, write);
}

/** Takes the lock; resolves at once (no await needed) when it is free and nobody here waits. */
export function lock(w: Int32Array, i: number, write: boolean): Promise<void> | undefined {
  const q = queueOf(w, i);
  // A waiter already queued here goes first: no overtaking within a PE.
  if ((q === undefined || q.size === 0) && tryLock(w, i, write)) return undefined;
  return enqueue(w, i, write, q);
}

function enqueue(w: Int32Array, i: number, write: boolean, existing: WaitQueue | undefined): Promise<void> {
  let q = existing;
  if (q === undefined) {
    let byIndex = queues.get(w);
    if (byIndex === undefined) queues.set(w, (byIndex = new Map()));
    q = new WaitQueue();
    byIndex.set(i, q);
  }
  const start = q.size === 0;
  const p = new Promise<void>((resolve) => q.push(write, resolve));
  if (start) {
    const queue = q;
    q.wait = watches.get(w)?.(i, () => describeQueue(w, i, queue));
    void pump(w, i, q);
  }
  return p;
}

/** A guard's captured stack (guard.ts), formatted only when a report names it. */
export type GuardSite = { stack?: string };

/** Per lock area, per word: the guards this PE holds on it now, by where each was taken. */
const guardsHeld = new WeakMap<Int32Array, Map<number, Set<GuardSite>>>();

/** A guard on word `i` of `w`, taken where `site` says, was taken (true) or released (false) on this PE. */
export function noteGuard(w: Int32Array, i: number, site: GuardSite, taken: boolean): void {
  let byIndex = guardsHeld.get(w);
  if (byIndex === undefined) guardsHeld.set(w, (byIndex = new Map()));
  let sites = byIndex.get(i);
  if (sites === undefined) byIndex.set(i, (sites = new Set()));
  if (taken) sites.add(site);
  else sites.delete(site);
}

/**
 * " at file:///app.ts:12:9", or with several guards " (the first at …)", to follow "took" or
 * "taken": the line a leaked guard came from is the fix, and it is usually far from the call
 * that waits.
 */
export function guardSitesText(sites: ReadonlySet<GuardSite>): string {
  let first: string | undefined;
  for (const s of sites) {
    first = userSite(s.stack);
    if (first !== undefined) break;
  }
  if (first === undefined) return '';
  return sites.size === 1 ? ` at ${first}` : ` (the first at ${first})`;
}

/** "2 ops or guard requests queued here, the first a write; the lock is held by a writer". */
function describeQueue(w: Int32Array, i: number, q: WaitQueue): string {
  const cur = Atomics.load(w, i);
  const sites = cur === 0 ? undefined : guardsHeld.get(w)?.get(i);
  const mine = sites?.size ?? 0;
  // A guard this PE still holds is the usual culprit: a port of Rust's read_local_data() kept
  // past its use while the same PE goes on to an op or guard that needs the lock.
  const here = mine === 0 ? '' : `, ${mine === 1 ? 'a guard' : `${mine} guards`} this PE took${guardSitesText(sites!)} and has not released`;
  const held = cur === -1 ? `a writer${here}` : cur > 0 ? `${cur} reader${cur === 1 ? '' : 's'}${here}` : 'nobody this instant';
  const n = q.size;
  // "here": on tcp team PE 0's queue also holds the requests it serves for other PEs.
  // Ops hold a lock only while they run, so a lock held for a whole timeout is most likely held by
  // guards: a port of Rust's `read_local_data()` that never releases its guard, say.
  const hint = cur !== 0 ? ' (a guard holds the lock until it is released: bind each guard with `using`, or call its release())' : '';
  return `${n} op${n === 1 ? '' : 's'} or guard request${n === 1 ? '' : 's'} queued here, the first a ${q.write[q.head] === true ? 'write' : 'read'}; the lock is held by ${held}${hint}`;
}

/** Names the call waiting for word `i` of `w` in its report, if the wait has no site yet. */
export function noteWaitSite(w: Int32Array, i: number, site: Site): void {
  queueOf(w, i)?.wait?.site(site);
}

/** Grants the lock to this PE's waiters in order, sleeping on the word while another holds it. */
async function pump(w: Int32Array, i: number, q: WaitQueue): Promise<void> {
  while (q.size > 0) {
    const write = q.write[q.head]!;
    if (tryLock(w, i, write)) {
      q.shift()();
      if (q.size > 0) q.wait?.restart();
      continue;
    }
    const cur = Atomics.load(w, i);
    // Free again between the failed attempt and now: try again at once.
    if (cur === 0 || (!write && cur > 0)) continue;
    const r = Atomics.waitAsync(w, i, cur);
    if (!r.async) continue;
    await new Promise<void>((resolve) => {
      q.wake = resolve;
      void r.value.then(() => resolve());
    });
    q.wake = undefined;
  }
  q.wait?.end();
  q.wait = undefined;
  const byIndex = queues.get(w);
  byIndex?.delete(i);
  if (byIndex?.size === 0) queues.delete(w);
}

export function unlock(w: Int32Array, i: number, write: boolean): void {
  if (write) Atomics.store(w, i, 0);
  else if (Atomics.sub(w, i, 1) !== 1) return;
  Atomics.notify(w, i);
  queueOf(w, i)?.wake?.();
}

/** How many of this PE's ops wait for the lock word (for reports of what a PE waits for). */
export function queuedOn(w: Int32Array, i: number): number {
  return queueOf(w, i)?.size ?? 0;
}

/**
 * GlobalLockArray's collective write lock with its meeting given (global-lock.ts): a symbol, so
 * the iterators reach it without importing the class.
 */
export const kCollectiveWrite = Symbol('lamellar.collectiveWrite');
