/**
 * The memregion machinery that the darc and array layers build on; not part of the public API.
 * Importing it also installs the region allocators (through ./index.js).
 */
import './index.js';

export { kRegionInternals, allocShared, type RegionInternals } from './shared.js';
export { allocOneSided } from './one-sided.js';
export { RefHandle, pin, unpin, encodeRefKey, decodeRefKey, decodeMemberKey, releaseIfDecoded, releaseWithOwner, type HandleOrigin } from './handle.js';
export { RefState, registryOf, released, describeMode, FREE, sameMode, type QuietMode, type RefHooks } from './refstate.js';
export { quietView, abortConversionOn, post } from './quiesce.js';
export { refuseCollective, startCollective, type CollectiveStart } from './collective.js';
export { ELEM_TYPES, ELEM_CTORS, elemCode, elemTypeOfCode, checkElemType, checkAttached, checkData, checkRange, checkCount, badWindow } from './types.js';
export type { ElemType, ElemValue, TypedArrayOf, TypedArrayMap, AnyTypedArray, ReadonlyTypedArray, ReadonlyTypedArrayOf } from './types.js';
