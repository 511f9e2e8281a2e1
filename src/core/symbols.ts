/**
 * Every symbol that names an internal member of a public class, in one place (undici keeps its
 * `kFoo` symbols in lib/core/symbols.js the same way). A member keyed by one of these is not part
 * of the API: it is marked `@internal`, so it is left out of the published declarations, and
 * users cannot name it (the symbols are not exported from the package). Layers above reach each
 * other's internals only through these keys, never through public fields.
 */
import { ErrorCode, LamellarError } from './errors.js';

/** Team: its runtime, id, allgather and fingerprint (team/team.ts). */
export const kTeamInternals = Symbol('lamellar.teamInternals');
/** Team: the launch operations groups use (am/launch.ts). */
export const kTeamLaunch = Symbol('lamellar.teamLaunch');
/** AM handles: settle from the engine (am/handle.ts). */
export const kSettle = Symbol('lamellar.settle');
/** AM handles: whether anyone asked for the result (am/handle.ts). */
export const kObserved = Symbol('lamellar.observed');
/** AM handles: the task-group counter a launch reports to (am/handle.ts). */
export const kGroup = Symbol('lamellar.group');
/** MultiAmHandle: one member's part has settled (am/handle.ts). */
export const kMultiPart = Symbol('lamellar.multiPart');
/** AM definitions: made by defineAm (a forged object lacks it) (am/define.ts). */
export const kAmDef = Symbol('lamellar.amDef');
/** AM definitions of the runtime's own messages (names under `lamellar/`): stats leave them out (am/define.ts). */
export const kRuntimeAm = Symbol('lamellar.runtimeAm');
/** Values made by returnAm (am/define.ts). */
export const kReturnedAm = Symbol('lamellar.returnedAm');
/** Closure AMs: the per-source record the engine reads (am/closure.ts). */
export const kClosure = Symbol('lamellar.closure');
/** Closure AMs: the function itself (am/closure.ts). */
export const kClosureFn = Symbol('lamellar.closureFn');
/** Array iterators: the chain of adapters behind an iterator (array/iter/chain.ts). */
export const kChain = Symbol('lamellar.iterChain');
/** SharedMemoryRegion: what arrays build on (memregion/shared.ts). */
export const kRegionInternals = Symbol('lamellar.regionInternals');
/**
 * Memory regions, Darcs and arrays: the reference-counting state behind a handle
 * (memregion/handle.ts).
 */
export const kRefState = Symbol('lamellar.refState');
/** Darcs: the reference-counting state (darc/common.ts). */
export const kDarcState = Symbol('lamellar.darcState');
/**
 * A handle that arrived in an AM's arguments, released when its AM finishes: the AM layer holds
 * the handle itself and calls this (no closure per decoded handle).
 */
export const kReleaseHeld = Symbol('lamellar.releaseHeld');
/**
 * A handle that arrived in an AM's arguments and holds lock guards (or lock requests) that end
 * with its AM: the AM layer gives a later AM of the same frame a copy rather than this handle,
 * whose guards would outlive the AM that took them (am/arg-scope.ts).
 */
export const kHoldsLocks = Symbol('lamellar.holdsLocks');
/** Arrays: layout, region and state (array/meta.ts). */
export const kArray = Symbol('lamellar.arrayInternals');
/** Lock-array guards: the stack captured where the guard was taken (array/guard.ts). */
export const kGuardSite = Symbol('lamellar.guardSite');
/** Batch inputs: a guard's or AtomicLocalData's elements, as storage (array/guard.ts, array/atomic.ts). */
export const kOpInput = Symbol('lamellar.opInput');

/**
 * The token the package passes to the constructors of classes users get from the runtime
 * (World, Team, handles, guards, arrays): their constructors are private in the types and check
 * for it at run time, so `new World()` fails clearly in JavaScript too.
 */
export const kConstruct = Symbol('lamellar.construct');

/** Throws unless `token` is kConstruct: `what` is made by the runtime, through `use`. */
export function checkConstruct(token: unknown, what: string, use: string): void {
  if (token !== kConstruct) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what} has no public constructor: use ${use}`, { details: { class: what } });
  }
}
