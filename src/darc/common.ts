/**
 * What the three Darc kinds share: the per-PE data behind a Darc (this PE's instance of the
 * value, plus the lock a kind needs), collective creation, conversions, and the codec that
 * turns a Darc in a message into the receiver's own handle on the receiver's instance.
 */
import { ErrorCode, kDarcState, kHoldsLocks, kReleaseHeld, LamellarError } from '../core/index.js';
import { decodeMemberKey, encodeRefKey, RefHandle, releaseIfDecoded, startCollective, type HandleOrigin, type QuietMode, type RefState } from '../memregion/internal.js';
import { registerRefCodec } from '../serde/index.js';
import { Kind, Team, World, type Site } from '../team/index.js';
import { dropOwnedHandles } from './owned.js';
import type { LockWait, RwLock } from './rwlock.js';

export type DarcKind = 'darc' | 'localrw' | 'globalrw';

/** Lock bookkeeping of a GlobalRwDarc, on team PE 0 only (global-rw.ts). */
export interface GlobalLockHost {
  onQuiet(pe: number, mode: QuietMode): string | undefined;
}

export interface DarcData<T> {
  /** This PE's instance. */
  value: T;
  readonly team: Team;
  /** LocalRwDarc: the lock on this PE's instance. */
  local: RwLock | undefined;
  /** GlobalRwDarc, on team PE 0: the one lock for every PE. */
  global: GlobalLockHost | undefined;
  /** GlobalRwDarc: how many collectiveWrite calls this PE has made. */
  cwSeq: number;
  /** GlobalRwDarc: this PE's lock requests not yet granted, and its guards out (global-rw.ts). */
  asking?: LockRequests;
}

/** A GlobalRwDarc's lock requests from this PE, watched as one wait while any is pending. */
export interface LockRequests {
  pending: number;
  writeGuards: number;
  readGuards: number;
  wait: LockWait | undefined;
  /** Where this PE's guards out were taken (LAMELLAR_GUARD_SITES=1 only), for the report. */
  sites?: Set<Site>;
}

export { kDarcState };

/** Darcs travel in AMs as references. */
declare module '../serde/wire.js' {
  interface WireHandles {
    /**
     * Any Darc: it arrives as the receiving PE's own handle on its own instance (team members
     * only).
     */
    darc: DarcBase<any>;
  }
}

const makers = new Map<DarcKind, (st: RefState, origin: HandleOrigin) => DarcBase<unknown>>();

/** Each kind registers how to make its handle, so conversions need no import cycle. */
export function registerDarcKind(kind: DarcKind, make: (st: RefState, origin: HandleOrigin) => DarcBase<unknown>): void {
  makers.set(kind, make);
}

/** Makes a lock's guard when the lock is granted, around the release it is given (DarcBase.guardMaker). */
export type GuardMaker = <G extends Disposable>(release: () => void, make: (release: () => void) => G) => G;

/**
 * What Darc, LocalRwDarc and GlobalRwDarc share: the team, and a distributed lifetime (RefHandle).
 * Each PE holds its own instance of the value; in an AM's arguments a Darc arrives as the receiving
 * PE's own handle on the receiving PE's instance.
 * @example
 * ```ts
 * const d = await Darc.create(world, { hits: 0 });
 * console.log(d.team.numPes);
 * ```
 */
export abstract class DarcBase<T> extends RefHandle {
  /** @internal */
  protected abstract readonly kind: DarcKind;

  /** @internal */
  protected get refLabel(): string {
    return KIND_NAMES[this.kind];
  }

  /** @internal */
  get [kDarcState](): RefState {
    return this.refState;
  }

  /**
   * Lock guards granted through this handle and still held, kept only on a handle an AM received
   * (one the AM layer releases when the AM ends, so not `watched`).
   */
  #guards: Set<Disposable> | undefined;

  /**
   * @internal Called at a lock request: how to make its guard when the lock is granted. Through a
   * handle an AM received (one the AM layer releases when the AM ends, so not `watched`), the
   * guard ends with the AM, as Rust drops it at the end of its scope: one the AM kept (it threw,
   * or did not use `using`) held the lock, on every PE, for ever. Decided at the request: a
   * grant that comes after the AM ended (its request left running) is released at once.
   */
  protected guardMaker(): GuardMaker {
    if (this.watched) return (release, make) => make(release);
    this.#requests++;
    return (release, make) => {
      this.#requests--;
      if (this.isReleased) {
        const g = make(release);
        g[Symbol.dispose]();
        return g;
      }
      const set = (this.#guards ??= new Set());
      const g = make(() => {
        set.delete(g);
        release();
      });
      set.add(g);
      return g;
    };
  }

  /** @internal The AM layer: the AM whose arguments held this handle has ended; so do its guards. */
  override [kReleaseHeld](): void {
    const held = this.#guards;
    this.#guards = undefined;
    super[kReleaseHeld]();
    if (held === undefined) return;
    // Each on its own: one release that throws must not keep the others' locks held.
    let first: { err: unknown } | undefined;
    for (const g of [...held]) {
      try {
        g[Symbol.dispose]();
      } catch (err) {
        first ??= { err };
      }
    }
    if (first !== undefined) throw first.err;
  }

  /** @internal The AM layer: whether guards or lock requests made through this handle are out. */
  [kHoldsLocks](): boolean {
    return this.#requests > 0 || (this.#guards !== undefined && this.#guards.size > 0);
  }

  /** Lock requests made through this handle (not `watched`) and not granted yet. */
  #requests = 0;

  /** @internal This PE's data; throws USE_AFTER_RELEASE once the handle is released. */
  protected get data(): DarcData<T> {
    return this.refState.data as DarcData<T>;
  }

  /**
   * The team the Darc was created on.
   * @example
   * ```ts
   * const d = await Darc.create(world, 0);
   * console.log(d.team === world.team); // true
   * ```
   */
  get team(): Team {
    return this.data.team;
  }

  /**
   * This PE's number in the Darc's team (`team.myPe`; Lamellar's `darc.my_pe()`).
   * @example
   * ```ts
   * const d = await Darc.create(world, 0);
   * console.log(d.myPe === world.myPe); // true on the world team
   * ```
   */
  get myPe(): number {
    return this.data.team.myPe;
  }

  /**
   * How many PEs hold an instance (`team.numPes`; Lamellar's `darc.num_pes()`).
   * @example
   * ```ts
   * const d = await Darc.create(world, 0);
   * console.log(d.numPes === world.numPes); // true on the world team
   * ```
   */
  get numPes(): number {
    return this.data.team.numPes;
  }

  /**
   * Prints this Darc as this PE sees it, one line on stdout (Lamellar's `darc.print()`): its kind
   * and id (the same on every PE), this PE's number in its team, the references to it on this PE
   * (handles, plus AMs running here with it in their arguments and operations in flight), the
   * handles this PE has sent in messages since the last lifetime round, and for a LocalRwDarc
   * this PE's lock. Not a collective. Other PEs' counts are not kept here (the lifetime
   * coordinator asks each PE when it matters), so they are not shown. Throws USE_AFTER_RELEASE
   * on a released handle.
   * @example
   * ```ts
   * const d = await Darc.create(world, 0);
   * d.print(); // Darc 0:1 on team PE 0 of 2: 1 reference on this PE, 0 handles sent since the last lifetime round
   * ```
   */
  print(): void {
    const st = this.refState;
    const team = this.data.team;
    const refs = st.refs;
    const parts = [
      `${KIND_NAMES[this.kind]} ${st.key} on team PE ${team.myPe} of ${team.numPes}`,
      `${refs} reference${refs === 1 ? '' : 's'} on this PE, ${st.encodes} handle${st.encodes === 1 ? '' : 's'} sent since the last lifetime round`,
    ];
    const lock = this.kind === 'localrw' ? this.data.local : undefined;
    if (lock !== undefined) parts.push(`lock ${lock.writer ? 'held by a writer' : lock.readers > 0 ? `held by ${lock.readers} reader${lock.readers === 1 ? '' : 's'}` : 'free'}`);
    if (st.mode.kind === 'convert') parts.push(`converting to ${KIND_NAMES[st.mode.target as DarcKind] ?? st.mode.target}`);
    console.log(`${parts[0]}: ${parts.slice(1).join('; ')}`);
  }

  /** @internal Collective conversion into another kind; see RefHandle.convertInto. */
  protected async into<H>(kind: DarcKind): Promise<H> {
    return this.convertInto(kind, (st) => makers.get(kind)!(st, 'converted') as H, KIND_NAMES[kind]);
  }
}

export const KIND_NAMES: Record<DarcKind, string> = { darc: 'Darc', localrw: 'LocalRwDarc', globalrw: 'GlobalRwDarc' };

function darcTeamOf(t: unknown, what: string): Team {
  if (t instanceof World) return t.team;
  if (t instanceof Team) return t;
  throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what} takes a World or a Team as its first argument`);
}

/** Collective over the team: every member makes its own instance from `value`. */
export async function createDarc<T, H>(teamOrWorld: unknown, value: T, kind: DarcKind, make: (st: RefState) => H): Promise<H> {
  const what = `${KIND_NAMES[kind]}.create()`;
  const team = darcTeamOf(teamOrWorld, what);
  const start = await startCollective(team, Kind.darcCreation, what);
  const data: DarcData<T> = { value, team, local: undefined, global: undefined, cwSeq: 0 };
  const st = start.makeState(
    'Darc',
    {
      free() {
        // Every PE released everything: the value goes, and the handles it held with it.
        const value = data.value;
        data.value = undefined as T;
        dropOwnedHandles(value);
      },
      onQuiet: (pe, mode) => data.global?.onQuiet(pe, mode),
    },
    data,
  );
  // The handle exists before anyone can send one here, so an early AM cannot free the Darc.
  const handle = make(st);
  await start.ready();
  return handle;
}

export function registerDarcCodec(kind: DarcKind, ctor: { readonly prototype: DarcBase<unknown>; readonly name: string }): void {
  registerRefCodec<DarcBase<unknown>>({
    name: `lamellar.${KIND_NAMES[kind]}`,
    ctor,
    encode(w, darc) {
      encodeRefKey(w, darc[kDarcState], darc);
    },
    again(darc) {
      darc[kDarcState].noteEncode();
    },
    decode(r, ctx) {
      return makers.get(kind)!(decodeMemberKey(r, ctx, `a ${KIND_NAMES[kind]}`), 'decoded');
    },
    copy(darc) {
      return makers.get(kind)!(darc[kDarcState], 'decoded');
    },
    release(h) {
      releaseIfDecoded(h);
    },
  });
}
