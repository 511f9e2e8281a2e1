/**
 * array: distributed arrays (Lamellar's LamellarArrays). Five types over one symmetric,
 * zero-initialised region per array: UnsafeArray, ReadOnlyArray, AtomicArray, LocalLockArray,
 * GlobalLockArray; block and cyclic distributions; element types i8..f64, bool, i128, u128;
 * element ops with fetch and batch forms; put/get; sub-arrays; collective conversions;
 * one-sided reductions; lock guards; distributed, local and one-sided iterators (iter/).
 * Guide: docs/arrays.md.
 */
import './unsafe.js';
import './read-only.js';
import './atomic.js';
import './local-lock.js';
import './global-lock.js';

export { UnsafeArray } from './unsafe.js';
export { ReadOnlyArray } from './read-only.js';
export { AtomicArray, AtomicLocalData } from './atomic.js';
export { LocalLockArray } from './local-lock.js';
export { GlobalLockArray } from './global-lock.js';
export { LocalDataGuard } from './guard.js';
export { registerReduction, type ReductionFn } from '../team/index.js';
export {
  DistIter,
  IndexedDistIter,
  LocalIter,
  IndexedLocalIter,
  OnesidedIter,
  IndexedOnesidedIter,
  ElemRef,
  AtomicElement,
  Schedule,
  ASYNC_LANES,
  SLICE_MS,
  type ChunkSchedule,
  type ChunkOf,
  type LocalChunkOf,
  type ArithElement,
  type BitwiseElement,
  type IntElement,
  type FloatElement,
  type ArrayClass,
  type Collected,
} from './iter/index.js';
export { ArrayReadGuard, ArrayWriteGuard } from './lock-guard.js';
export { LocalChunks } from './chunks.js';
export type { ArrayBase, RegionFor } from './base.js';
export type { MutableArray } from './mutable.js';
export type { CompareExchangeResult, BatchCompareExchangeResult, BatchIndices } from './op-types.js';
export type {
  ArrayOptions,
  Distribution,
  BatchValues,
  BatchSource,
  ArrayElemType,
  ArrayValue,
  ArrayData,
  LocalView,
  ReadonlyLocalView,
  IntElemType,
  FloatElemType,
  BitwiseElemType,
  ArithElemType,
} from './types.js';
