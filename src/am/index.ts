/**
 * am: active messages. `defineAm` registers an AM on every PE (SPMD); the engine encodes
 * launches into per-destination aggregation buffers, executes incoming AMs, and settles handles
 * from replies. Groups (AmGroup, TaskGroup) build on the same engine. `closure(fn, env)` makes an
 * AM from an inline, self-contained function, sent as source once per destination.
 *
 * Words: a *launch* sends an AM; a *record* is one AM or reply inside a *frame*; a frame is what
 * the lamella moves.
 */
export { defineAm, returnAm, isReturnedAm, checkAm, lookupAm, amIdOf, markUrgentAm, definitionsAwaited, sealRuntimeAmNames } from './define.js';
export type { AmDef, AmArgs, AmExec, AmResultOf, AmWireGuard, DefinedAm, ReturnedAm, ReturnsAm } from './define.js';
export { closure, isClosureAm, type ClosureAm } from './closure.js';
export type { AmContext, AmTeam, AmLauncher } from './context.js';
export { AmHandle, LocalAmHandle, MultiAmHandle, kSettle, newAmHandle, newLocalAmHandle, newMultiAmHandle, type HandleCounter } from './handle.js';
export { BUSY_AM, BUSY_CLOSURE, Engine, type EngineHost } from './engine.js';
export type { OldestPending } from './outcomes.js';
export { Counter, PairCounter } from './counter.js';
export { AmGroup, TaskGroup, type AmGroupResults } from './group.js';
export { TypedAmGroup, TypedAmGroupResult, type TypedAmGroupEntry, type TypedAmGroupOptions, type EntryArgs } from './typed-group.js';
export { decodeOwned, holdWhileAmRuns } from './arg-scope.js';
export { amOnStack } from './sites.js';
export { kTeamLaunch, type TeamLaunch, type TeamLaunchOps } from './launch.js';
