/**
 * GlobalRwDarc: one reader-writer lock for all PEs, kept on team PE 0, guarding data that is
 * still per PE (a write guard on PE 3 changes PE 3's instance, while no other PE holds the
 * lock). Lock and unlock are internal AMs to team PE 0; the lock waits there, in arrival order.
 *
 * collectiveWrite() is collective: every member asks, team PE 0 takes the write lock once all
 * have asked, and releases it once all have released their guards. A member that drops its
 * handle or converts while the others wait in a collectiveWrite fails them all with
 * COLLECTIVE_MISMATCH rather than leaving them hanging.
 */
import type { AmContext, Engine } from '../am/index.js';
import { config, ErrorCode, kConstruct, LamellarError, warn, WarningCode } from '../core/index.js';
import { abortConversionOn, describeMode, pin, post, quietView, registryOf, unpin, type HandleOrigin, type QuietMode, type RefState } from '../memregion/internal.js';
import { defineAm } from '../am/index.js';
import { captureSite, kTeamInternals, siteText, type Team, type World } from '../team/index.js';
import { createDarc, DarcBase, registerDarcCodec, registerDarcKind, type DarcData, type DarcKind, type GlobalLockHost, type GuardMaker, type LockRequests } from './common.js';
import type { Darc } from './darc.js';
import type { LocalRwDarc } from './local-rw.js';
import { firstSite, GUARD_SITES_HINT, newDarcReadGuard, newDarcWriteGuard, RwLock, type DarcReadGuard, type DarcWriteGuard } from './rwlock.js';

interface Slot {
  readonly arrived: Set<number>;
  readonly waiters: ((r: CwReply) => void)[];
  granted: boolean;
  released: number;
  readonly timer: NodeJS.Timeout;
}

/** Team PE 0's answer to a collectiveWrite request: the lock's token, or why it failed. */
type CwReply = { token: number } | { err: string };

/** The lock state on team PE 0. */
class GlobalLock implements GlobalLockHost {
  readonly lock: RwLock;
  /**
   * Guards out, by token: whether it writes, the PE holding it and, under LAMELLAR_GUARD_SITES=1,
   * the line that took it (named in a deadlock report).
   */
  readonly held = new Map<number, { write: boolean; pe: number; at?: string }>();
  readonly slots = new Map<number, Slot>();
  /** Failed collectiveWrite numbers: members that arrive later get the same error at once. */
  readonly failed = new Map<number, string>();
  nextToken = 1;

  constructor(readonly st: RefState) {
    const rt = st.rt;
    this.lock = new RwLock((describe) => rt.watchLock(() => `${describe()}; ${this.holders()}`, undefined, undefined, "a GlobalRwDarc's lock"));
  }

  /** "held by PE 1 (write)", "held by PEs 0, 2 (read)", or a collectiveWrite(). */
  holders(): string {
    if ([...this.slots.values()].some((s) => s.granted)) return 'held by a collectiveWrite()';
    const pes = [...this.held.values()];
    if (pes.length === 0) return 'held by a guard being taken';
    const write = pes[0]!.write;
    const list = [...new Set(pes.map((h) => h.pe))].sort((a, b) => a - b);
    // A guard kept on another PE is the usual cause; where it was taken is that PE's line.
    const at = pes.find((h) => h.at !== undefined)?.at;
    const where = at !== undefined ? `, taken at ${at}` : config().guardSites ? '' : GUARD_SITES_HINT;
    return `held by PE${list.length === 1 ? '' : 's'} ${list.join(', ')} (${write ? 'write' : 'read'}${where})`;
  }

  /** A PE that dropped its handle or converts can never join a pending collectiveWrite. */
  onQuiet(pe: number, mode: QuietMode): string | undefined {
    // Every pending one it has not joined, not only the first: the others' callers waited for
    // ever, their pins keeping the Darc alive. The first message is the one returned (the
    // caller tells that PE's conversion once).
    let first: string | undefined;
    for (const [seq, slot] of [...this.slots]) {
      if (slot.granted || slot.arrived.has(pe)) continue;
      const msg = mismatch(pe, mode, seq);
      this.fail(seq, msg);
      first ??= msg;
    }
    return first;
  }

  fail(seq: number, err: string): void {
    this.failed.set(seq, err);
    const slot = this.slots.get(seq);
    if (slot === undefined) return;
    this.slots.delete(seq);
    clearTimeout(slot.timer);
    for (const w of slot.waiters) w({ err });
  }
}

function mismatch(pe: number, mode: QuietMode, seq: number): string {
  const what = describeMode(mode);
  return `mismatched collective calls on a GlobalRwDarc: PE ${pe} ${what} while other PEs wait in collectiveWrite() #${seq}; every team PE must call collectiveWrite() the same number of times`;
}

function engineOf(ctx: AmContext): Engine {
  return (ctx.world as unknown as Team)[kTeamInternals].runtime.engine;
}

function lockOf(ctx: AmContext, k: string): GlobalLock {
  const rt = (ctx.world as unknown as Team)[kTeamInternals].runtime;
  const st = registryOf(rt).states.get(k);
  if (st === undefined) throw new LamellarError(ErrorCode.INTERNAL, `GlobalRwDarc ${k} is not known on PE ${ctx.currentPe}`);
  const d = st.data as DarcData<unknown>;
  d.global ??= new GlobalLock(st);
  return d.global as GlobalLock;
}

const Lock = defineAm('lamellar/grw-lock', async (ctx, a: { key: string; write: boolean; at?: string }): Promise<number> => {
  const g = lockOf(ctx, a.key);
  await engineOf(ctx).parked(a.write ? g.lock.write(ctx.srcPe) : g.lock.read(ctx.srcPe));
  const t = g.nextToken++;
  g.held.set(t, a.at === undefined ? { write: a.write, pe: ctx.srcPe } : { write: a.write, pe: ctx.srcPe, at: a.at });
  return t;
});

const Unlock = defineAm('lamellar/grw-unlock', (ctx, a: { key: string; token: number }): void => {
  const g = lockOf(ctx, a.key);
  const h = g.held.get(a.token);
  if (h === undefined) return;
  g.held.delete(a.token);
  if (h.write) g.lock.releaseWrite();
  else g.lock.releaseRead();
});

const CollectiveLock = defineAm('lamellar/grw-cw', (ctx, a: { key: string; seq: number }): Promise<CwReply> => {
  const g = lockOf(ctx, a.key);
  const st = g.st;
  const n = st.participants.length;
  const failed = g.failed.get(a.seq);
  if (failed !== undefined) return Promise.resolve({ err: failed });
  let slot = g.slots.get(a.seq);
  if (slot === undefined) {
    const secs = config().deadlockTimeoutSecs;
    const s: Slot = {
      arrived: new Set(),
      waiters: [],
      granted: false,
      released: 0,
      timer: setTimeout(() => {
        const missing = st.participants.filter((pe) => !s.arrived.has(pe));
        warn(
          WarningCode.DEADLOCK,
          `PE ${ctx.currentPe} keeps a GlobalRwDarc's lock, where collectiveWrite() #${a.seq} has waited ${secs} s for PE(s) ${missing.join(', ')} to call it ` +
            `(PE(s) ${[...s.arrived].join(', ')} have); every team PE calls collectiveWrite() the same number of times`,
        );
      }, secs * 1000),
    };
    s.timer.unref();
    slot = s;
    g.slots.set(a.seq, slot);
  }
  const reply = new Promise<CwReply>((resolve) => slot.waiters.push(resolve));
  slot.arrived.add(ctx.srcPe);
  // A member already known to have dropped its handle, or to be converting, will never come.
  const view = quietView(st);
  const gone = st.participants.findIndex((pe, i) => view.quiet[i] && !slot.arrived.has(pe));
  if (gone >= 0) {
    const pe = st.participants[gone]!;
    const msg = mismatch(pe, view.mode[gone]!, a.seq);
    g.fail(a.seq, msg);
    if (view.mode[gone]!.kind !== 'free') abortConversionOn(st, pe, msg);
    return reply;
  }
  if (slot.arrived.size === n) {
    void g.lock.write().then(() => {
      slot.granted = true;
      clearTimeout(slot.timer);
      const t = g.nextToken++;
      for (const w of slot.waiters) w({ token: t });
    });
  }
  // Waits for every participant and then the lock: as grw-lock, not this PE's work meanwhile.
  return engineOf(ctx).parked(reply);
});

const CollectiveUnlock = defineAm('lamellar/grw-cw-unlock', (ctx, a: { key: string; seq: number }): void => {
  const g = lockOf(ctx, a.key);
  const slot = g.slots.get(a.seq);
  if (slot === undefined || ++slot.released < g.st.participants.length) return;
  g.slots.delete(a.seq);
  g.lock.releaseWrite();
});

/**
 * Counts a lock request of this PE. A request made while this PE holds a guard of the same Darc
 * may wait for itself (a write guard kept while asking for a read guard): it begins one diagnosed
 * wait, with the call's site, which each answer restarts and the last ends, so it is reported
 * after LAMELLAR_DEADLOCK_TIMEOUT if no answer comes. Requests made holding nothing are watched
 * only on the lock's host (a stack capture per request cost 3-7 µs against a ~30 µs lock
 * round trip on one PE).
 */
function askingOf<T>(st: RefState, d: DarcData<T>, write: boolean): LockRequests {
  const a = (d.asking ??= { pending: 0, writeGuards: 0, readGuards: 0, wait: undefined });
  a.pending++;
  if (a.wait === undefined && a.writeGuards + a.readGuards > 0) {
    const what = (): string => {
      const mine = a.writeGuards > 0 ? `${a.writeGuards} write guard${a.writeGuards === 1 ? '' : 's'}` : a.readGuards > 0 ? `${a.readGuards} read guard${a.readGuards === 1 ? '' : 's'}` : 'no guard';
      const f = firstSite(a.sites);
      const where = f === undefined ? '' : f.n === 1 ? `, taken at ${f.at},` : ` (the first taken at ${f.at})`;
      const hint = config().guardSites ? '' : GUARD_SITES_HINT;
      return `GlobalRwDarc.${write ? 'write' : 'read'}() (the lock is kept on PE ${st.coord}; this PE holds ${mine} of it${where} and has ${a.pending} request${a.pending === 1 ? '' : 's'} pending${hint})`;
    };
    // Few frames: askingOf, #lock, read()/write() and the user's call.
    a.wait = st.rt.watchLock(what, captureSite(undefined, 6), `GlobalRwDarc ${write ? 'write' : 'read'}()`);
  }
  return a;
}

function answered(a: LockRequests): void {
  if (a.wait === undefined) a.pending--;
  else if (--a.pending > 0) a.wait.restart();
  else {
    a.wait.end();
    a.wait = undefined;
  }
}

/**
 * One reader-writer lock for all PEs, kept on team PE 0, guarding data that is still per PE
 * (Lamellar's GlobalRwDarc): a write guard on PE 3 changes PE 3's instance while no other PE holds
 * the lock. Locking and unlocking are messages to team PE 0; waiters are served in arrival order.
 * @example
 * ```ts
 * const g = await GlobalRwDarc.create(world, [0]);
 * {
 *   using w = await g.write(); // no other PE reads or writes now
 *   w.value[0] = (w.value[0] ?? 0) + 1;
 * }
 * ```
 */
export class GlobalRwDarc<T> extends DarcBase<T> {
  /** @internal */
  // A getter, not a field: a handle is made per AM that carries one, and this is one store less.
  protected get kind(): DarcKind {
    return 'globalrw';
  }

  private constructor(token: symbol, state: RefState, origin: HandleOrigin) {
    super(token, state, origin);
    this.noteLabel(this.refLabel);
  }

  static {
    registerDarcKind('globalrw', (st, origin) => new GlobalRwDarc(kConstruct, st, origin));
  }

  /**
   * Collective over the team (or world): every member passes its own instance.
   * @example
   * ```ts
   * const g = await GlobalRwDarc.create(world, { log: [] as string[] });
   * ```
   */
  static create<T>(team: World | Team, value: T): Promise<GlobalRwDarc<T>> {
    return createDarc(team, value, 'globalrw', (st) => new GlobalRwDarc<T>(kConstruct, st, 'new'));
  }

  #lock(w: boolean): Promise<{ st: RefState; d: DarcData<T>; release: () => void }> {
    const st = this.refState;
    const d = this.data;
    const world = st.rt.world;
    // The pin keeps the Darc alive and unconverted from the request until the unlock is sent;
    // the unlock travels ahead of any later lifetime message from this PE (same channel).
    // Few frames: #lock, read()/write() and the user's call (a few µs: only when asked for).
    const site = config().guardSites ? captureSite(undefined, 6) : undefined;
    // Refused before the pin: a launch refused after it (the world shut down) left it held.
    st.rt.checkOpen(w ? 'GlobalRwDarc.write()' : 'GlobalRwDarc.read()');
    pin(st);
    const asking = askingOf(st, d, w);
    // With sites recorded, the lock's host learns the line too: its report names the holder's.
    const args = site === undefined ? { key: st.key, write: w } : { key: st.key, write: w, at: siteText(site) };
    return Promise.resolve(world.execAmPe(st.coord, Lock, args)).then(
      (t) => {
        answered(asking);
        if (w) asking.writeGuards++;
        else asking.readGuards++;
        if (site !== undefined) (asking.sites ??= new Set()).add(site);
        return {
          st,
          d,
          release: () => {
            if (w) asking.writeGuards--;
            else asking.readGuards--;
            if (site !== undefined) asking.sites!.delete(site);
            post(st.rt, st.coord, Unlock, { key: st.key, token: t });
            unpin(st);
          },
        };
      },
      (err: unknown) => {
        answered(asking);
        unpin(st);
        throw err;
      },
    );
  }

  /**
   * Shared access to this PE's instance, while no PE holds the write lock.
   * @example
   * ```ts
   * const g = await GlobalRwDarc.create(world, 0);
   * using r = await g.read();
   * console.log(r.value);
   * ```
   */
  read(): Promise<DarcReadGuard<T>> {
    // Not async: a released handle throws at the call, as LocalRwDarc's lock requests do.
    const guard = this.guardMaker();
    return this.#lock(false).then(({ d, release }) => guard(release, (r) => newDarcReadGuard(() => d.value, r)));
  }

  /**
   * Exclusive access across all PEs; the guard gives (and may replace) this PE's instance.
   * @example
   * ```ts
   * const g = await GlobalRwDarc.create(world, 0);
   * using w = await g.write();
   * w.value = world.myPe;
   * ```
   */
  write(): Promise<DarcWriteGuard<T>> {
    const guard = this.guardMaker();
    return this.#lock(true).then(({ d, release }) => guard(release, (r) => newDarcWriteGuard(() => d.value, (v) => (d.value = v), r)));
  }

  /**
   * Collective over the team: every member gets a write guard on its own instance at the same time,
   * and the lock is released once every member has released its guard. A member that drops or
   * converts instead fails the others with COLLECTIVE_MISMATCH.
   * @example
   * ```ts
   * const g = await GlobalRwDarc.create(world, 0);
   * {
   *   using w = await g.collectiveWrite();
   *   w.value = 0;
   * }
   * ```
   */
  collectiveWrite(): Promise<DarcWriteGuard<T>> {
    return this.#collectiveWrite(this.refState, this.guardMaker());
  }

  async #collectiveWrite(st: RefState, guard: GuardMaker): Promise<DarcWriteGuard<T>> {
    const d = this.data;
    const world = st.rt.world;
    const s = d.cwSeq++;
    pin(st);
    let r: CwReply;
    try {
      r = await world.execAmPe(st.coord, CollectiveLock, { key: st.key, seq: s });
    } catch (err) {
      unpin(st);
      throw err;
    }
    if ('err' in r) {
      unpin(st);
      throw new LamellarError(ErrorCode.COLLECTIVE_MISMATCH, r.err, { details: { seq: s } });
    }
    const release = (): void => {
      post(st.rt, st.coord, CollectiveUnlock, { key: st.key, seq: s });
      unpin(st);
    };
    return guard(release, (rel) => newDarcWriteGuard(() => d.value, (v) => (d.value = v), rel));
  }

  /**
   * Another handle to the same Darc, dropped separately.
   * Sent in an AM's arguments or result, a clone moves into that AM, as in Lamellar: it is
   * released once the AM is sent (`{ d: d.clone() }` leaves nothing behind).
   * @example
   * ```ts
   * const g = await GlobalRwDarc.create(world, 0);
   * const kept = g.clone();
   * await kept.drop();
   * ```
   */
  clone(): GlobalRwDarc<T> {
    return new GlobalRwDarc<T>(kConstruct, this.refState, 'cloned');
  }

  /**
   * Collective: becomes a Darc once every PE holds only this handle and no lock is held (this
   * handle is released).
   * @example
   * ```ts
   * const g = await GlobalRwDarc.create(world, 0);
   * const plain = await g.intoDarc();
   * ```
   */
  intoDarc(): Promise<Darc<T>> {
    return this.into<Darc<T>>('darc');
  }

  /**
   * Collective: becomes a LocalRwDarc once every PE holds only this handle and no lock is held
   * (this handle is released).
   * @example
   * ```ts
   * const g = await GlobalRwDarc.create(world, 0);
   * const local = await g.intoLocalRw();
   * ```
   */
  intoLocalRw(): Promise<LocalRwDarc<T>> {
    return this.into<LocalRwDarc<T>>('localrw');
  }
}

registerDarcCodec('globalrw', GlobalRwDarc);
