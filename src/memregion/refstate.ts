/**
 * Distributed reference counting, per PE: one `RefState` per shared object (memory region,
 * Darc) on every PE that may hold a handle to it, found by a key that is the same everywhere.
 *
 * Counts: `refs` is the number of live handles on this PE, plus pins (an RDMA operation or a
 * lock guard in progress); handles that arrive inside an AM's arguments count until that AM
 * has finished. `acquires` only grows, so a reader can tell whether anything was taken between
 * two looks; `encodes` counts handles written into messages since this PE last sent marks.
 *
 * When `refs` falls to `baseline` (0, or 1 while this PE converts the object), this PE is
 * *quiet* and tells the coordinator. The coordinator (quiesce.ts) then checks, with marks sent
 * through the same FIFO channels as the AMs, that no handle is still in a message; only then
 * is the object freed (or converted) on every PE. Nothing is freed while any PE holds a handle.
 */
import { deferred, ErrorCode, LamellarError, type Deferred } from '../core/index.js';
import type { WorldRuntime } from '../team/index.js';

/**
 * What a PE's count fell to its baseline for: dropping the object, or a conversion into `target`
 * (the `epoch`-th conversion of the object on that PE, so a late report of a finished conversion
 * is recognised as stale).
 */
export type QuietMode = { readonly kind: 'free' } | { readonly kind: 'convert'; readonly target: string; readonly epoch: number };

/** The mode of a PE that dropped its handles (the default). */
export const FREE: QuietMode = Object.freeze({ kind: 'free' });

/** Whether two PEs are quiet for the same thing. */
export function sameMode(a: QuietMode, b: QuietMode): boolean {
  if (a.kind === 'free' || b.kind === 'free') return a.kind === b.kind;
  return a.target === b.target && a.epoch === b.epoch;
}

/** What a PE in mode `m` did, for mismatch messages: "dropped its handle" or "is converting it to localrw". */
export function describeMode(m: QuietMode): string {
  return m.kind === 'free' ? 'dropped its handle' : `is converting it to ${m.target}`;
}

/** The messages a RefState sends; installed by quiesce.ts (kept apart to avoid an import cycle). */
export interface RefProtocol {
  quiet(st: RefState): void;
}
let protocol: RefProtocol | undefined;
export function setRefProtocol(p: RefProtocol): void {
  protocol = p;
}

export interface RefHooks {
  /** Every PE is quiet in mode 'free' with nothing in flight: release this PE's resources. */
  free(): void;
  /**
   * On the coordinator: world PE `pe` reports quiet in `mode`. Returning a message aborts that
   * PE's conversion with COLLECTIVE_MISMATCH (it skipped a collective the others are in).
   */
  onQuiet?(pe: number, mode: QuietMode): string | undefined;
}

export class RefState {
  refs = 0;
  acquires = 0;
  encodes = 0;
  everEncoded = false;
  baseline = 0;
  mode: QuietMode = FREE;
  /** Messages this PE sent the coordinator about this object; the coordinator keeps the newest. */
  seq = 0;
  freed = false;
  /** Whatever the owning module keeps here (region addresses, a Darc's value and lock). */
  data: unknown;
  /** Conversions completed on this PE; tags conversion modes so a late report is recognised. */
  conversions = 0;
  /** Set while this PE converts the object; settled by the coordinator's verdict. */
  conversion: Deferred<void> | undefined;
  /**
   * Set from this PE's *clean* answer to a round until the coordinator's verdict (finish, or
   * resume when another PE was not clean). In between this PE must not take a new handle out of
   * nothing (a WeakDarc upgrade): the coordinator may already be freeing the object everywhere.
   */
  verdict: Deferred<void> | undefined;
  /** Bytes of this PE's heap that freeing the object gives back (reclaim.ts); 0 for none. */
  heapBytes = 0;
  /** Settled when this PE frees the object (whenFreed). */
  #gone: Deferred<void> | undefined;

  constructor(
    readonly rt: WorldRuntime,
    readonly registry: Registry,
    /** World PE that coordinates this object's lifetime (team PE 0, or a one-sided owner). */
    readonly coord: number,
    readonly id: number,
    /** World PEs that may hold handles, in order; the coordinator asks each of them. */
    readonly participants: readonly number[],
    /** Only this PE can know the object until it is first sent (one-sided regions). */
    readonly privateUntilSent: boolean,
    /** For messages: 'shared memory region', 'Darc'... */
    readonly label: string,
    readonly hooks: RefHooks,
  ) {}

  get key(): string {
    return refKey(this.coord, this.id);
  }

  /** Counts one more handle or pin on this PE. */
  acquire(): void {
    if (this.freed) throw released(this.label);
    this.refs++;
    this.acquires++;
  }

  /** Undoes one `acquire`. Reaching the baseline makes this PE quiet. */
  release(): void {
    // Why no message when refs rises again: the coordinator learns it from the next round,
    // whose probe sees `refs` or `acquires` move and fails; a quiet report is all it needs.
    if (--this.refs === this.baseline) this.quiet();
  }

  /** A handle to this object is being written into a message. */
  noteEncode(): void {
    this.encodes++;
    this.everEncoded = true;
  }

  quiet(): void {
    if (this.freed || this.rt.closed) return;
    if (this.privateUntilSent && !this.everEncoded && this.mode.kind === 'free') {
      // Never sent: no other PE can know this object, so there is nothing to ask anyone.
      this.finish(FREE);
      return;
    }
    protocol!.quiet(this);
  }

  /** Resolves once the object is freed on this PE (its resources given back). */
  whenFreed(): Promise<void> {
    if (this.freed) return Promise.resolve();
    return (this.#gone ??= deferred<void>()).promise;
  }

  /** This PE answered a round clean: hold upgrades until the verdict. */
  awaitingVerdict(): void {
    this.verdict ??= deferred<void>();
  }

  /** The round this PE answered clean is over (finished or resumed). */
  settleVerdict(): void {
    const v = this.verdict;
    this.verdict = undefined;
    v?.resolve();
  }

  /** The coordinator's verdict, on this PE. */
  finish(mode: QuietMode): void {
    if (this.freed) return;
    // Settled after the state changes below, so a waiter sees it freed or converted.
    queueMicrotask(() => this.settleVerdict());
    if (mode.kind === 'free') {
      this.freed = true;
      this.registry.states.delete(this.key);
      this.hooks.free();
      this.#gone?.resolve();
      return;
    }
    this.mode = FREE;
    this.baseline = 0;
    this.conversions++;
    this.conversion?.resolve();
  }

  abortConversion(err: LamellarError): void {
    if (this.mode.kind !== 'convert') return;
    this.mode = FREE;
    this.baseline = 0;
    this.conversion?.reject(err);
    if (this.refs === 0) this.quiet();
  }
}

export const refKey = (coord: number, id: number): string => `${coord}:${id}`;

/** Every RefState of one PE, by key. */
export class Registry {
  readonly states = new Map<string, RefState>();
  /** Next object id this PE hands out when it coordinates a new object. */
  nextId = 1;
  constructor(readonly rt: WorldRuntime) {}
}

const registries = new WeakMap<WorldRuntime, Registry>();

export function registryOf(rt: WorldRuntime): Registry {
  let r = registries.get(rt);
  if (r === undefined) {
    r = new Registry(rt);
    registries.set(rt, r);
  }
  return r;
}

/** USE_AFTER_RELEASE for a clone that moved into an AM when the AM was sent. */
export function moved(label: string): LamellarError {
  return new LamellarError(
    ErrorCode.USE_AFTER_RELEASE,
    `this ${label} handle was made by clone() and moved into the AM whose arguments or result carried it, as a clone in a Lamellar AM does: it was released once sent (send the handle itself to keep using it, or clone() again)`,
    { details: { label, moved: true } },
  );
}

export function releasedWithOwner(label: string): LamellarError {
  return new LamellarError(
    ErrorCode.USE_AFTER_RELEASE,
    `this ${label} handle was dropped with the Darc whose value held it, once that Darc was freed on every PE (a Darc owns the clones in its value, as in Lamellar: to go on using the object, keep a handle of your own outside the value, the original or another clone)`,
    { details: { label, withOwner: true } },
  );
}

export function released(label: string, how = 'released'): LamellarError {
  return new LamellarError(
    ErrorCode.USE_AFTER_RELEASE,
    `this ${label} handle was ${how}: it was dropped or converted, or it arrived in an AM that has finished (clone() a handle to keep it past its AM)`,
    { details: { label } },
  );
}
