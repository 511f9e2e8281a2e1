/**
 * array: distributed arrays (Lamellar's LamellarArrays). Five types over one symmetric,
 * zero-initialised region per array: UnsafeArray, ReadOnlyArray, AtomicArray, LocalLockArray,
 * GlobalLockArray; block and cyclic distributions; element ops with fetch and batch forms;
 * put/get; sub-arrays; collective conversions and reductions; distributed, local and one-sided
 * iterators (iter/). Guide: docs/arrays.md.
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
  type IntElement,
  type FloatElement,
  type ArrayClass,
  type Collected,
} from './iter/index.js';
export type { ArrayBase } from './base.js';
export type { MutableArray, CompareExchangeResult, BatchCompareExchangeResult } from './mutable.js';
export type { ArrayOptions, Distribution, IntElemType, FloatElemType, BatchIndices, BatchValues } from './types.js';
