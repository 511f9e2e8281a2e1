/**
 * iter: array iterators (Lamellar's array/iterator). Three kinds, each an immutable description
 * of adapters that a consumer turns into one fused loop per chunk:
 * - distributed (`distIter`, `distIterMut`): collective, each PE walks its own part, global
 *   indices; `reduce`/`sum`/`count` are all-reduces and `collect` makes a new array;
 * - local (`localIter`, `localIterMut`): this PE's part only, local indices, no barrier;
 * - one-sided (`onesidedIter`, `bufferedOnesidedIter`): the whole array in global order from one
 *   PE, fetched in chunks, as an async iterable with local consumers.
 * Schedules (schedule.ts) decide chunking, yielding and async concurrency. Guide: docs/arrays.md.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import type { ArrayBase } from '../base.js';
import { kArray } from '../meta.js';
import type { Lease } from './access.js';
import type { Chain } from './chain.js';
import { checkAdapterCount } from './window.js';
import { onesidedChain } from './onesided.js';

export { DistIter, IndexedDistIter } from './dist.js';
export { LocalIter, IndexedLocalIter, type ChunkOf, type LocalChunkOf } from './local.js';
export { OnesidedIter, IndexedOnesidedIter, defaultChunk } from './onesided.js';
export { ElemRef, AtomicElement, type ArithElement, type BitwiseElement, type IntElement, type FloatElement } from './items.js';
export type { Lease } from './access.js';
export { consumersIdle, running } from './running.js';
export { Schedule, ASYNC_LANES, SLICE_MS, type ChunkSchedule } from './schedule.js';
export type { ArrayClass, Collected } from './collect.js';

/**
 * @internal The description an array's iterator starts from (throws USE_AFTER_RELEASE if
 * released); `lease`: a guard's, whose lock the iteration uses instead of taking one.
 */
export function iterChain(a: ArrayBase, mut: boolean, lease?: Lease): Chain {
  void a[kArray];
  return lease === undefined ? { array: a, mut, idx: [], tail: [] } : { array: a, mut, idx: [], tail: [], lease };
}

/** @internal A one-sided description fetching `n` elements per transfer. */
export function onesidedOf(a: ArrayBase, n: number, what: string): Chain {
  void a[kArray];
  return onesidedChain(a, checkAdapterCount(n, 1, what));
}

/** @internal A ReadOnlyArray refuses mutable iterators at run time too (for JavaScript callers). */
export function noMutIter(what: string): never {
  throw new LamellarError(ErrorCode.UNSUPPORTED_OP, `ReadOnlyArray.${what}: a ReadOnlyArray has no mutable iterators; convert it (intoUnsafe, intoAtomic, …) to write`, {
    details: { op: what },
  });
}
