/**
 * Batch inputs (Lamellar's OpInput): indices and values may be a scalar, a typed array or a
 * plain array, or another array's local data: a lock-array guard, an AtomicLocalData, a memory
 * region's local part. This resolves each to what the checks take, and builds the index list of
 * the one-index-many-values form (`batchAdd(7, [1, 2, 3])`).
 */
import { ErrorCode, kOpInput, LamellarError } from '../core/index.js';
import { OneSidedMemoryRegion, SharedMemoryRegion } from '../memregion/index.js';
import { checkAttached } from '../memregion/internal.js';
import { checkIndex, checkIndices } from './layout.js';
import { valuesLength, type ArrayElemType } from './types.js';

/**
 * A guard, atomic local data or region as the typed array it stands for; an iterable that is not
 * array-like (a generator, a Set: Lamellar takes `&mut dyn Iterator` as a batch input) as the
 * array of its items, read at the call; anything else as is. A detached typed array is refused
 * (INVALID_ARGUMENT, naming `what`).
 */
export function resolveSource(x: unknown, what: string): unknown {
  if (typeof x !== 'object' || x === null) return x;
  // A detached typed array reads as empty: the batch would silently do nothing.
  if (ArrayBuffer.isView(x)) return checkAttached(x, what);
  if (kOpInput in x) return (x as { [kOpInput](): unknown })[kOpInput]();
  if (x instanceof SharedMemoryRegion || x instanceof OneSidedMemoryRegion) return x.unsafeLocalData();
  if (!('length' in x) && typeof (x as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') return Array.from(x as Iterable<unknown>);
  return x;
}

/**
 * The checked index list of a batch. A single index with `n` values (the longest of the value
 * arguments; 1 when all are scalars) stands for that index `n` times: every value is applied
 * to it, in order for the fetch forms' results. With no values (`batchAdd(7, [])`) it applies
 * nothing, as an empty index list does.
 */
export function batchIndices(type: ArrayElemType, indices: unknown, values: readonly unknown[], len: number, what: string): ArrayLike<number> {
  const idx = resolveSource(indices, what);
  if (typeof idx === 'number') {
    checkIndex(idx, len, what);
    let n = -1;
    for (const v of values) n = Math.max(n, valuesLength(type, v));
    return new Uint32Array(n < 0 ? 1 : n).fill(idx);
  }
  if (typeof idx === 'bigint') throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: an index is a number, got a bigint`);
  return checkIndices(idx, len, what);
}
