/**
 * lamellar: an asynchronous tasking and PGAS runtime for Node.js, modelled on PNNL's Lamellar.
 * This file is the public API; everything else is internal.
 */
export { initWorld, World, Team, type WorldOptions, type PeStats, type Reducible, type Reduced, type ReduceOp, type IdentityOp, type NumericArray } from './team/index.js';
export { BlockedArch, StridedArch, type LamellarArch } from './team/index.js';
export {
  defineAm,
  returnAm,
  closure,
  AmHandle,
  MultiAmHandle,
  LocalAmHandle,
  AmGroup,
  TaskGroup,
  TypedAmGroup,
  TypedAmGroupResult,
  type AmDef,
  type AmExec,
  type AmWireGuard,
  type AmContext,
  type AmTeam,
  type AmLauncher,
  type AmArgs,
  type AmResultOf,
  type AmGroupResults,
  type TypedAmGroupEntry,
  type TypedAmGroupOptions,
  type EntryArgs,
  type ReturnedAm,
  type ReturnsAm,
  type DefinedAm,
  type ClosureAm,
} from './am/index.js';
export {
  LamellarError,
  RemoteAmError,
  ErrorCode,
  isLamellarError,
  type AnyLamellarError,
  type ErrorCodeValue,
  type ErrorDetails,
  type ErrorDetailsMap,
  type ErrorDetailsBase,
  type LamellarErrorOptions,
  type Backend,
} from './core/index.js';
export type { ReceivedError, Wire, WireCheck, WireHandle, WireHandles, WirePrimitive, WireReceived, WireTypedArray } from './serde/index.js';
export * from './memregion/index.js';
export * from './darc/index.js';
export * from './array/index.js';

import { sealRuntimeAmNames } from './am/index.js';

// The modules above have defined every runtime AM (each at module level), so a 'lamellar/' name
// defined from here on is a program's: refused, or it would pass for the runtime's.
sealRuntimeAmNames();
