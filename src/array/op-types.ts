/**
 * The types in the element ops' signatures (MutableArray): the `this` types that refuse an op
 * at compile time for element types that lack it, what a batch op takes as indices, and what
 * compareExchange resolves to.
 */
import type { ElemType, OneSidedMemoryRegion, ReadonlyTypedArray, SharedMemoryRegion } from '../memregion/index.js';
import type { ArithElemType, ArrayElemType, BitwiseElemType, FloatElemType, IntElemType } from './elem.js';
import type { MutableArray } from './mutable.js';
import type { BatchSource } from './types.js';

/**
 * The `this` type of the arithmetic ops (add, sub, mul, div, rem and their fetch and batch
 * forms): every element type but bool. A bool array is refused at compile time.
 * @example
 * ```ts
 * await a.add(0, 1); // u32: fine
 * const flags = await AtomicArray.create(world, { type: 'bool', length: 4, distribution: 'block' });
 * // flags.add(0, true) does not compile: bool has no arithmetic
 * ```
 */
export type ArithOnly<T extends ArrayElemType> = MutableArray<T> & { readonly type: ArithElemType };
/**
 * The `this` type of the bit ops (bitAnd, bitOr, bitXor and their fetch and batch forms):
 * integer and bool element types. A float array is refused at compile time.
 * @example
 * ```ts
 * const flags = await AtomicArray.create(world, { type: 'bool', length: 4, distribution: 'block' });
 * await flags.bitOr(0, true);
 * ```
 */
export type BitwiseOnly<T extends ArrayElemType> = MutableArray<T> & { readonly type: BitwiseElemType };
/**
 * The `this` type of the shifts (shl, shr and their fetch and batch forms): an array whose
 * element type is an integer type. A float or bool array is refused at compile time.
 * @example
 * ```ts
 * await a.shl(0, 2); // u32: fine
 * const f = await AtomicArray.create(world, { type: 'f64', length: 4, distribution: 'block' });
 * // f.shl(0, 1) does not compile: shifts need an integer element type
 * ```
 */
export type IntOnly<T extends ArrayElemType> = MutableArray<T> & { readonly type: IntElemType };
/**
 * The `this` type of the float-only ops (compareExchangeEpsilon): an array of f32 or f64.
 * @example
 * ```ts
 * const f = await AtomicArray.create(world, { type: 'f64', length: 4, distribution: 'block' });
 * const r = await f.compareExchangeEpsilon(0, 0.1, 0.2, 1e-9);
 * ```
 */
export type FloatOnly<T extends ArrayElemType> = MutableArray<T> & { readonly type: FloatElemType };

/**
 * The indices of a batch op: one index (with many values: each is applied to it in turn), or
 * many: any array-like of numbers (a plain array, a Uint32Array, a read-only view...), a 64-bit
 * integer typed array (its bigints taken as the numbers they are), or another array's local data
 * (a guard, an AtomicLocalData, a memory region's local part), or any iterable of numbers (a
 * generator, a Set), whose items are taken at the call. Each index is checked before anything
 * is applied.
 * @example
 * ```ts
 * await a.batchAdd(new Uint32Array([0, 5, 9]), 1);
 * await a.batchAdd(BigInt64Array.from([0n, 5n]), 1);
 * await a.batchAdd(7, [1, 2]); // one index, two values
 * await a.batchAdd(new Set([1, 3]), 1); // any iterable
 * const idx = await UnsafeArray.create(world, { type: 'u32', length: 8, distribution: 'block' });
 * await a.batchAdd(idx.unsafeLocalData(), 1); // another array's local data
 * ```
 */
export type BatchIndices =
  | number
  | ArrayLike<number>
  | Iterable<number>
  | BigInt64Array
  | BigUint64Array
  | ReadonlyTypedArray<BigInt64Array>
  | ReadonlyTypedArray<BigUint64Array>
  | BatchSource<ElemType>
  | SharedMemoryRegion<ElemType>
  | OneSidedMemoryRegion<ElemType>;

/**
 * What compareExchange resolves to: whether it stored, and what the element held before.
 * @example
 * ```ts
 * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
 * const r: CompareExchangeResult<number> = await a.compareExchange(0, 0, 7);
 * if (!r.ok) console.log(`element 0 held ${r.value}, not 0`);
 * ```
 */
export interface CompareExchangeResult<V> {
  /**
   * True when the element held `current` (within epsilon for compareExchangeEpsilon) and now holds
   * the new value.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const { ok } = await a.compareExchange(2, 0, 1);
   * if (ok) console.log('this PE claimed element 2');
   * ```
   */
  ok: boolean;
  /**
   * The element's value before the call (equal to `current` when `ok`).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const { value } = await a.compareExchange(2, 0, 1);
   * ```
   */
  value: V;
}

/**
 * What a batch compareExchange resolves to, in input order: per index, whether it stored and the
 * value before.
 * @example
 * ```ts
 * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
 * const r = await a.batchCompareExchange([0, 1, 2], 0, 1);
 * const claimed = [0, 1, 2].filter((_, k) => r.ok[k] === 1);
 * ```
 */
export interface BatchCompareExchangeResult<A> {
  /**
   * Per index in input order: 1 where the exchange happened, 0 where it did not.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const { ok } = await a.batchCompareExchange([3, 4], [0, 0], [9, 9]);
   * const stored = ok.reduce((s, x) => s + x, 0);
   * ```
   */
  ok: Uint8Array;
  /**
   * Per index in input order: the element's value before the call.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const { values } = await a.batchCompareExchange([3, 4], 0, 9);
   * const was: Uint32Array = values;
   * ```
   */
  values: A;
}
