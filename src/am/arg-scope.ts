/**
 * Lifetimes of runtime references (memory regions, Darcs) that arrive inside an AM's arguments.
 *
 * In Lamellar an AM owns the Darcs and regions in its fields and drops them when it finishes.
 * JS has no destructors, so the engine opens a scope while it decodes a request's arguments; a
 * ref codec's `decode` calls `holdWhileAmRuns(release)` to tie the handle it returns to that AM,
 * and the engine runs the releases once the AM has finished (after its reply is encoded) or has
 * failed. Outside a scope (a decoded result, a user's own decode) it returns false and the
 * decoded handle belongs to whoever receives it.
 *
 * Sharing (`FrameShares`): the AMs of one incoming frame that carry the same reference decode it
 * once (serde's RefMemo). The decoded handle's releases then belong to a `Shared` record with a
 * count of holders: one per AM that received it, plus one for the frame, dropped when the frame
 * has been handled; the handle is released when the last holder lets go. AMs that run to their
 * end one after another share it. While one that received it is still running (it suspended:
 * its entries were taken, and the record counts it `live`), the next AM gets its own handle,
 * copied from the first (its release is its own entry, as a decode's), so one AM's drop() never
 * reaches a handle another AM is still using.
 *
 * No allocation on the common path: one shared stack; a synchronous AM's entries are run off
 * its top in place, and only an AM that suspends takes its entries away (a splice).
 */
import { kHoldsLocks, kReleaseHeld } from '../core/index.js';
import type { RefHolds } from '../serde/index.js';

/** The releases of one handle shared by several AMs, and how many still hold it. */
class Shared {
  /**
   * How many of its holders are AMs that suspended (or run later) and have not finished: while
   * one is, the next AM of the frame gets a copy, so that neither can release the other's.
   */
  live = 0;

  constructor(
    readonly releases: Held[],
    public holders: number,
  ) {}

  [kReleaseHeld](): void {
    if (--this.holders === 0) for (const r of this.releases) release(r);
  }

  /** Whether a handle in it holds lock guards or requests that end with their AM (kHoldsLocks). */
  holdsLocks(): boolean {
    for (const r of this.releases) if (typeof r === 'object' && !(r instanceof Shared) && r[kHoldsLocks]?.() === true) return true;
    return false;
  }
}

/** Something to release once its AM has finished: a handle (kReleaseHeld), a function, a shared record. */
export interface HeldHandle {
  [kReleaseHeld](): void;
  [kHoldsLocks]?(): boolean;
}
type Held = (() => void) | HeldHandle | Shared;

/** What an AM holds: run with `runReleases` when it has finished. */
export type HeldList = Held[];

const held: Held[] = [];
let depth = 0;

/** Set while `decodeOwned` runs: the handles decoded meanwhile. */
let owned: Held[] | undefined;

/**
 * Called by a handle decoded from a message; false when no AM argument scope is open. The AM
 * layer holds the handle itself and calls its `kReleaseHeld` (or the function) once its AM has
 * finished.
 */
export function holdWhileAmRuns(handle: HeldHandle | (() => void)): boolean {
  if (owned !== undefined) {
    owned.push(handle);
    return false;
  }
  if (depth === 0) return false;
  held.push(handle);
  return true;
}

/** @internal Engine: before decoding an AM's arguments. Returns a mark for the calls below. */
export function openArgScope(): number {
  depth++;
  return held.length;
}

/** @internal Engine: after decoding, taking the AM's entries away (for an AM that may suspend). */
export function closeArgScope(mark: number): HeldList | undefined {
  depth--;
  return take(mark);
}

/** The entries above `mark`, taken by an AM that outlives this turn (its shared ones marked live). */
function take(mark: number): HeldList | undefined {
  if (held.length === mark) return undefined;
  const list = held.splice(mark);
  for (const h of list) if (h instanceof Shared) h.live++;
  return list;
}

/**
 * @internal Engine: after decoding, leaving the AM's entries on the stack. The AM must then run
 * synchronously up to `releaseFrom(mark)` or `takeHeld(mark)`: nothing else decodes meanwhile.
 */
export function endArgDecode(): void {
  depth--;
}

/** @internal Engine: the entries of an AM that turned out to suspend. */
export function takeHeld(mark: number): HeldList | undefined {
  return take(mark);
}

/** @internal Engine: a synchronous AM has finished: runs its entries and pops them. */
export function releaseFrom(mark: number): void {
  while (held.length > mark) release(held.pop()!);
}

/**
 * @internal Engine: once the AM whose entries were taken (`closeArgScope`, `takeHeld`) has
 * finished. A release that throws must not stop the others.
 */
export function runReleases(list: HeldList | undefined): void {
  if (list === undefined) return;
  for (const h of list) {
    if (h instanceof Shared) h.live--;
    release(h);
  }
}

function release(h: Held): void {
  try {
    if (typeof h === 'function') h();
    else h[kReleaseHeld]();
  } catch {}
}

/** Token of a shared value whose codec registered nothing to release (a Team). */
const NOTHING = new Shared([], Number.POSITIVE_INFINITY);

/**
 * The engine's side of serde's RefMemo for one incoming frame at a time: each shared handle
 * gets a `Shared` record, held by the frame until `endFrame`.
 */
export class FrameShares implements RefHolds {
  readonly #shares: Shared[] = [];
  /**
   * Set by the engine while it decodes the arguments of many AMs in one value (a TypedAmGroup's
   * message, whose entries run concurrently): every repeat of a handle is a copy.
   */
  copyEvery = false;

  mark(): number {
    return held.length;
  }

  share(mark: number): unknown {
    if (held.length === mark) return NOTHING;
    // One holder for the AM decoding now (its entry replaces the codec's releases on the
    // stack), one for the frame.
    const s = new Shared(held.splice(mark), 2);
    held.push(s);
    this.#shares.push(s);
    return s;
  }

  again(token: unknown): void {
    const s = token as Shared;
    if (s === NOTHING) return;
    s.holders++;
    held.push(s);
  }

  busy(token: unknown): boolean {
    // Also while the handle holds a lock guard (or request) an earlier AM of the frame took and
    // kept: its guards end only when every AM sharing the handle has ended, so a later AM that
    // waited for that lock through the same handle waited for itself (a LocalRwDarc read hung
    // this way, and a GlobalRwDarc's job-wide lock stayed held on every PE).
    const s = token as Shared;
    return this.copyEvery || s.live > 0 || s.holdsLocks();
  }

  /** The frame has been handled: drops its hold on every handle it shared. */
  endFrame(): void {
    const list = this.#shares;
    if (list.length === 0) return;
    for (const s of list) release(s);
    list.length = 0;
  }
}

/**
 * Runs `decode` (even inside an AM's argument scope) so that the handles it makes belong to the
 * caller, as a decoded result's do, and returns with the value a `release` of those handles, for
 * a value that in the end reaches nobody (a collective that fails). A collective's message is
 * decoded as it arrives, not when the collective completes: the reference counting of the
 * handles in it (memregion/quiesce.ts) takes a handled message for a counted one.
 */
export function decodeOwned<T>(decode: () => T): { value: T; release: () => void } {
  const outer = owned;
  const list: Held[] = [];
  owned = list;
  try {
    const value = decode();
    return { value, release: () => runReleases(list) };
  } catch (err) {
    runReleases(list);
    throw err;
  } finally {
    owned = outer;
  }
}
