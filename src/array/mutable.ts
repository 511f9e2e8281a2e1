/**
 * The element ops of every array type that may write (all but ReadOnlyArray): each op has a
 * single-index form, a `fetch…` form returning the old value where Lamellar has one, and
 * `batch…` forms over many indices with one value or one value per index (results in input
 * order, as a typed array). Bit ops and shifts exist only on integer arrays and
 * compareExchangeEpsilon only on float arrays: the `this` parameter refuses the others at
 * compile time, and every call checks again at run time (UNSUPPORTED_OP). Every argument is
 * checked before anything is applied.
 */
import { peCounters } from '../core/index.js';
import { checkData, type ElemType, type ElemValue, type TypedArrayOf } from '../memregion/internal.js';
import { ArrayBase, checkRangeOf, rangeIndices } from './base.js';
import { checkIndex, checkIndices } from './layout.js';
import { kArray } from './meta.js';
import { canCopyDirect, copyRange } from './ops/copy.js';
import type { View } from './ops/kernels.js';
import type { OpResult } from './ops/engine.js';
import { checkEpsilon, checkOperand, checkOpSupported, checkValue, checkValues, Op, type BatchIndices, type BatchValues, type FloatElemType, type IntElemType, type OpCode } from './types.js';

/**
 * The `this` type of the integer-only ops (bit ops and shifts): an array whose element type is an
 * integer type. A float array is refused at compile time.
 * @example
 * ```ts
 * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
 * await a.bitOr(0, 0b100); // fine: u32
 * const f = await AtomicArray.create(world, { type: 'f64', length: 4, distribution: 'block' });
 * // f.bitOr(0, 1) does not compile: bit ops need an integer element type
 * ```
 */
export type IntOnly<T extends ElemType> = MutableArray<T> & { readonly type: IntElemType };
/**
 * The `this` type of the float-only ops (compareExchangeEpsilon): an array of f32 or f64.
 * @example
 * ```ts
 * const f = await AtomicArray.create(world, { type: 'f64', length: 4, distribution: 'block' });
 * const r = await f.compareExchangeEpsilon(0, 0.1, 0.2, 1e-9);
 * ```
 */
export type FloatOnly<T extends ElemType> = MutableArray<T> & { readonly type: FloatElemType };

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

const NOTHING = (): void => undefined;
const DONE: Promise<void> = Promise.resolve();
function firstOf<V>(r: OpResult): V {
  return r.out![0] as V;
}
function allOf<A>(r: OpResult): A {
  return r.out as unknown as A;
}

/**
 * The element ops of every array type that may write (UnsafeArray, AtomicArray, LocalLockArray,
 * GlobalLockArray), inherited by each. Every op takes an index into the whole array and runs on
 * whichever PE owns the element: on shmem straight in its memory, on tcp as one request to the
 * owner. `fetch…` forms resolve to the old value, `batch…` forms take many indices with one value
 * for all or one per index and are split by owner (never one message per element). Bit ops and
 * shifts exist only on integer arrays, `compareExchangeEpsilon` only on float arrays. Every
 * argument is checked before anything is applied.
 * @example
 * ```ts
 * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
 * await a.add(3, 1);
 * const old = await a.fetchAdd(3, 1);
 * await a.batchAdd(new Uint32Array([1, 5, 9, 5]), 1);
 * const values: Uint32Array = await a.batchLoad([1, 5, 9]);
 * ```
 */
export abstract class MutableArray<T extends ElemType = ElemType> extends ArrayBase<T> {
  /** @internal Checks and applies one op at one index. */
  protected one(op: OpCode, name: string, index: number, value: unknown, fetch: boolean, cur: unknown = 0, eps = 0): Promise<OpResult> {
    const what = `${this.kind}.${name}`;
    checkOpSupported(this.type, op, what);
    checkIndex(index, this.length, what);
    const v = checkValue(this.type, value, what);
    checkOperand(this.type, op, v, what);
    const c = op === Op.compareExchange || op === Op.compareExchangeEpsilon ? checkValue(this.type, cur, `${what} (current)`) : 0;
    return this.run(op, [index], v, c, eps, fetch);
  }

  /**
   * @internal Checks every index and value first (nothing is applied on a bad one), then applies
   * the batch.
   */
  protected many(op: OpCode, name: string, indices: BatchIndices, values: unknown, fetch: boolean, cur: unknown = 0, eps = 0): Promise<OpResult> {
    const what = `${this.kind}.${name}`;
    checkOpSupported(this.type, op, what);
    const idx = checkIndices(indices, this.length, what);
    const v = checkValues(this.type, values, idx.length, what);
    checkOperand(this.type, op, v, what);
    const c = op === Op.compareExchange || op === Op.compareExchangeEpsilon ? checkValues(this.type, cur, idx.length, `${what} (current)`) : 0;
    return this.run(op, idx, v, c, eps, fetch);
  }

  /**
   * Writes `value` to element `index`, on whichever PE owns it; resolves once written.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.store(3, 42);
   * ```
   */
  store(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.store, 'store', index, value, false).then(NOTHING);
  }

  /**
   * Writes `values` (one for all, or one per index) to the elements at `indices`; resolves once all
   * are written. Split by owning PE.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.batchStore([0, 1, 2], 7);
   * await a.batchStore(new Uint32Array([3, 4]), new Uint32Array([30, 40]));
   * ```
   */
  batchStore(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.store, 'batchStore', indices, values, false).then(NOTHING);
  }

  /**
   * Writes `value` to element `index` and resolves to the value it replaced.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const old = await a.swap(3, 9);
   * ```
   */
  swap(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.swap, 'swap', index, value, true).then(firstOf<ElemValue<T>>);
  }

  /**
   * Writes `values` to the elements at `indices` and resolves to the replaced values, in input
   * order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const olds: Uint32Array = await a.batchSwap([1, 2], new Uint32Array([5, 6]));
   * ```
   */
  batchSwap(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.swap, 'batchSwap', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  /**
   * Adds `value` to element `index` (`element += value`), on whichever PE owns it; resolves once
   * applied.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.add(3, 1);
   * ```
   */
  add(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.add, 'add', index, value, false).then(NOTHING);
  }

  /**
   * Like `add`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchAdd(3, 1);
   * ```
   */
  fetchAdd(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.add, 'fetchAdd', index, value, true).then(firstOf<ElemValue<T>>);
  }

  /**
   * Applies `add` to every element in `indices`, with one value for all or one per index (an index
   * may repeat: each occurrence applies); resolves once all are applied. Split by owning PE,
   * applied there in one pass.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.batchAdd(new Uint32Array([1, 5, 9, 5]), 1);
   * await a.batchAdd([0, 2], [1, 1]);
   * ```
   */
  batchAdd(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.add, 'batchAdd', indices, values, false).then(NOTHING);
  }

  /**
   * Like `batchAdd`, and resolves to each element's value before its update, in input order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const olds: Uint32Array = await a.batchFetchAdd([1, 5], 1);
   * ```
   */
  batchFetchAdd(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.add, 'batchFetchAdd', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  /**
   * Subtracts `value` from element `index` (`element -= value`), on whichever PE owns it; resolves
   * once applied.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.sub(3, 1);
   * ```
   */
  sub(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.sub, 'sub', index, value, false).then(NOTHING);
  }

  /**
   * Like `sub`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchSub(3, 1);
   * ```
   */
  fetchSub(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.sub, 'fetchSub', index, value, true).then(firstOf<ElemValue<T>>);
  }

  /**
   * Applies `sub` to every element in `indices`, with one value for all or one per index (an index
   * may repeat: each occurrence applies); resolves once all are applied. Split by owning PE,
   * applied there in one pass.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.batchSub(new Uint32Array([1, 5, 9, 5]), 1);
   * await a.batchSub([0, 2], [1, 1]);
   * ```
   */
  batchSub(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.sub, 'batchSub', indices, values, false).then(NOTHING);
  }

  /**
   * Like `batchSub`, and resolves to each element's value before its update, in input order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const olds: Uint32Array = await a.batchFetchSub([1, 5], 1);
   * ```
   */
  batchFetchSub(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.sub, 'batchFetchSub', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  /**
   * Multiplies element `index` by `value` (`element *= value`), on whichever PE owns it; resolves
   * once applied.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.mul(3, 3);
   * ```
   */
  mul(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.mul, 'mul', index, value, false).then(NOTHING);
  }

  /**
   * Like `mul`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchMul(3, 3);
   * ```
   */
  fetchMul(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.mul, 'fetchMul', index, value, true).then(firstOf<ElemValue<T>>);
  }

  /**
   * Applies `mul` to every element in `indices`, with one value for all or one per index (an index
   * may repeat: each occurrence applies); resolves once all are applied. Split by owning PE,
   * applied there in one pass.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.batchMul(new Uint32Array([1, 5, 9, 5]), 3);
   * await a.batchMul([0, 2], [3, 3]);
   * ```
   */
  batchMul(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.mul, 'batchMul', indices, values, false).then(NOTHING);
  }

  /**
   * Like `batchMul`, and resolves to each element's value before its update, in input order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const olds: Uint32Array = await a.batchFetchMul([1, 5], 3);
   * ```
   */
  batchFetchMul(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.mul, 'batchFetchMul', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  /**
   * Divides element `index` by `value` (integer division on integer types; a zero divisor is
   * refused) (`element /= value`), on whichever PE owns it; resolves once applied.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.div(3, 2);
   * ```
   */
  div(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.div, 'div', index, value, false).then(NOTHING);
  }

  /**
   * Like `div`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchDiv(3, 2);
   * ```
   */
  fetchDiv(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.div, 'fetchDiv', index, value, true).then(firstOf<ElemValue<T>>);
  }

  /**
   * Applies `div` to every element in `indices`, with one value for all or one per index (an index
   * may repeat: each occurrence applies); resolves once all are applied. Split by owning PE,
   * applied there in one pass.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.batchDiv(new Uint32Array([1, 5, 9, 5]), 2);
   * await a.batchDiv([0, 2], [2, 2]);
   * ```
   */
  batchDiv(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.div, 'batchDiv', indices, values, false).then(NOTHING);
  }

  /**
   * Like `batchDiv`, and resolves to each element's value before its update, in input order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const olds: Uint32Array = await a.batchFetchDiv([1, 5], 2);
   * ```
   */
  batchFetchDiv(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.div, 'batchFetchDiv', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  /**
   * Replaces element `index` by its remainder modulo `value` (a zero divisor is refused) (`element
   * %= value`), on whichever PE owns it; resolves once applied.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.rem(3, 5);
   * ```
   */
  rem(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.rem, 'rem', index, value, false).then(NOTHING);
  }

  /**
   * Like `rem`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchRem(3, 5);
   * ```
   */
  fetchRem(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.rem, 'fetchRem', index, value, true).then(firstOf<ElemValue<T>>);
  }

  /**
   * Applies `rem` to every element in `indices`, with one value for all or one per index (an index
   * may repeat: each occurrence applies); resolves once all are applied. Split by owning PE,
   * applied there in one pass.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.batchRem(new Uint32Array([1, 5, 9, 5]), 5);
   * await a.batchRem([0, 2], [5, 5]);
   * ```
   */
  batchRem(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.rem, 'batchRem', indices, values, false).then(NOTHING);
  }

  /**
   * Like `batchRem`, and resolves to each element's value before its update, in input order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const olds: Uint32Array = await a.batchFetchRem([1, 5], 5);
   * ```
   */
  batchFetchRem(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.rem, 'batchFetchRem', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  /**
   * ANDs element `index` with `value` (`element &= value`), on whichever PE owns it; resolves once
   * applied.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.bitAnd(3, 0xff);
   * ```
   */
  bitAnd(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.bitAnd, 'bitAnd', index, value, false).then(NOTHING);
  }

  /**
   * Like `bitAnd`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchBitAnd(3, 0xff);
   * ```
   */
  fetchBitAnd(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.bitAnd, 'fetchBitAnd', index, value, true).then(firstOf<ElemValue<T>>);
  }

  /**
   * Applies `bitAnd` to every element in `indices`, with one value for all or one per index (an
   * index may repeat: each occurrence applies); resolves once all are applied. Split by owning PE,
   * applied there in one pass.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.batchBitAnd(new Uint32Array([1, 5, 9, 5]), 0xff);
   * await a.batchBitAnd([0, 2], [0xff, 0xff]);
   * ```
   */
  batchBitAnd(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.bitAnd, 'batchBitAnd', indices, values, false).then(NOTHING);
  }

  /**
   * Like `batchBitAnd`, and resolves to each element's value before its update, in input order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const olds: Uint32Array = await a.batchFetchBitAnd([1, 5], 0xff);
   * ```
   */
  batchFetchBitAnd(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.bitAnd, 'batchFetchBitAnd', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  /**
   * ORs `value` into element `index` (`element |= value`), on whichever PE owns it; resolves once
   * applied.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.bitOr(3, 0b100);
   * ```
   */
  bitOr(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.bitOr, 'bitOr', index, value, false).then(NOTHING);
  }

  /**
   * Like `bitOr`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchBitOr(3, 0b100);
   * ```
   */
  fetchBitOr(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.bitOr, 'fetchBitOr', index, value, true).then(firstOf<ElemValue<T>>);
  }

  /**
   * Applies `bitOr` to every element in `indices`, with one value for all or one per index (an
   * index may repeat: each occurrence applies); resolves once all are applied. Split by owning PE,
   * applied there in one pass.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.batchBitOr(new Uint32Array([1, 5, 9, 5]), 0b100);
   * await a.batchBitOr([0, 2], [0b100, 0b100]);
   * ```
   */
  batchBitOr(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.bitOr, 'batchBitOr', indices, values, false).then(NOTHING);
  }

  /**
   * Like `batchBitOr`, and resolves to each element's value before its update, in input order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const olds: Uint32Array = await a.batchFetchBitOr([1, 5], 0b100);
   * ```
   */
  batchFetchBitOr(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.bitOr, 'batchFetchBitOr', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  /**
   * XORs element `index` with `value` (`element ^= value`), on whichever PE owns it; resolves once
   * applied.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.bitXor(3, 1);
   * ```
   */
  bitXor(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.bitXor, 'bitXor', index, value, false).then(NOTHING);
  }

  /**
   * Like `bitXor`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchBitXor(3, 1);
   * ```
   */
  fetchBitXor(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.bitXor, 'fetchBitXor', index, value, true).then(firstOf<ElemValue<T>>);
  }

  /**
   * Applies `bitXor` to every element in `indices`, with one value for all or one per index (an
   * index may repeat: each occurrence applies); resolves once all are applied. Split by owning PE,
   * applied there in one pass.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.batchBitXor(new Uint32Array([1, 5, 9, 5]), 1);
   * await a.batchBitXor([0, 2], [1, 1]);
   * ```
   */
  batchBitXor(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.bitXor, 'batchBitXor', indices, values, false).then(NOTHING);
  }

  /**
   * Like `batchBitXor`, and resolves to each element's value before its update, in input order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const olds: Uint32Array = await a.batchFetchBitXor([1, 5], 1);
   * ```
   */
  batchFetchBitXor(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.bitXor, 'batchFetchBitXor', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  /**
   * Shifts element `index` left by `value` bits (within the element width) (`element <<= value`),
   * on whichever PE owns it; resolves once applied.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.shl(3, 2);
   * ```
   */
  shl(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.shl, 'shl', index, value, false).then(NOTHING);
  }

  /**
   * Like `shl`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchShl(3, 2);
   * ```
   */
  fetchShl(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.shl, 'fetchShl', index, value, true).then(firstOf<ElemValue<T>>);
  }

  /**
   * Applies `shl` to every element in `indices`, with one value for all or one per index (an index
   * may repeat: each occurrence applies); resolves once all are applied. Split by owning PE,
   * applied there in one pass.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.batchShl(new Uint32Array([1, 5, 9, 5]), 2);
   * await a.batchShl([0, 2], [2, 2]);
   * ```
   */
  batchShl(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.shl, 'batchShl', indices, values, false).then(NOTHING);
  }

  /**
   * Like `batchShl`, and resolves to each element's value before its update, in input order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const olds: Uint32Array = await a.batchFetchShl([1, 5], 2);
   * ```
   */
  batchFetchShl(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.shl, 'batchFetchShl', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  /**
   * Shifts element `index` right by `value` bits (within the element width) (`element >>= value`),
   * on whichever PE owns it; resolves once applied.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.shr(3, 1);
   * ```
   */
  shr(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.shr, 'shr', index, value, false).then(NOTHING);
  }

  /**
   * Like `shr`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchShr(3, 1);
   * ```
   */
  fetchShr(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.shr, 'fetchShr', index, value, true).then(firstOf<ElemValue<T>>);
  }

  /**
   * Applies `shr` to every element in `indices`, with one value for all or one per index (an index
   * may repeat: each occurrence applies); resolves once all are applied. Split by owning PE,
   * applied there in one pass.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.batchShr(new Uint32Array([1, 5, 9, 5]), 1);
   * await a.batchShr([0, 2], [1, 1]);
   * ```
   */
  batchShr(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.shr, 'batchShr', indices, values, false).then(NOTHING);
  }

  /**
   * Like `batchShr`, and resolves to each element's value before its update, in input order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const olds: Uint32Array = await a.batchFetchShr([1, 5], 1);
   * ```
   */
  batchFetchShr(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.shr, 'batchFetchShr', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }
  /**
   * Stores `newValue` at `index` if the element equals `current`; resolves to whether it did and to
   * the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const { ok, value } = await a.compareExchange(0, 0, world.myPe + 1);
   * console.log(ok ? 'claimed element 0' : `element 0 already held ${value}`);
   * ```
   */
  compareExchange(index: number, current: ElemValue<T>, newValue: ElemValue<T>): Promise<CompareExchangeResult<ElemValue<T>>> {
    return this.one(Op.compareExchange, 'compareExchange', index, newValue, true, current).then((r) => ({ ok: r.ok![0] === 1, value: r.out![0] as ElemValue<T> }));
  }

  /**
   * compareExchange at every index in `indices` (`current` and `newValues`: one value for all, or
   * one per index); results in input order.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const r = await a.batchCompareExchange([0, 1, 2], 0, world.myPe + 1);
   * const mine = [0, 1, 2].filter((_, k) => r.ok[k] === 1);
   * ```
   */
  batchCompareExchange(indices: BatchIndices, current: BatchValues<T>, newValues: BatchValues<T>): Promise<BatchCompareExchangeResult<TypedArrayOf<T>>> {
    return this.many(Op.compareExchange, 'batchCompareExchange', indices, newValues, true, current).then((r) => ({ ok: r.ok!, values: r.out as unknown as TypedArrayOf<T> }));
  }

  /**
   * Float arrays: stores `newValue` at `index` if `|element - current| < epsilon`; resolves like
   * compareExchange.
   * @example
   * ```ts
   * const f = await AtomicArray.create(world, { type: 'f64', length: 4, distribution: 'block' });
   * const r = await f.compareExchangeEpsilon(0, 0.1, 0.2, 1e-9);
   * ```
   */
  compareExchangeEpsilon(this: FloatOnly<T>, index: number, current: ElemValue<T>, newValue: ElemValue<T>, epsilon: number): Promise<CompareExchangeResult<ElemValue<T>>> {
    return this.one(Op.compareExchangeEpsilon, 'compareExchangeEpsilon', index, newValue, true, current, checkEpsilon(epsilon, `${this.kind}.compareExchangeEpsilon`)).then((r) => ({
      ok: r.ok![0] === 1,
      value: r.out![0] as ElemValue<T>,
    }));
  }

  /**
   * compareExchangeEpsilon at every index in `indices`, one `epsilon` for all; results in input
   * order.
   * @example
   * ```ts
   * const f = await AtomicArray.create(world, { type: 'f64', length: 4, distribution: 'block' });
   * const r = await f.batchCompareExchangeEpsilon([0, 1], 0, 1.5, 1e-9);
   * ```
   */
  batchCompareExchangeEpsilon(
    this: FloatOnly<T>,
    indices: BatchIndices,
    current: BatchValues<T>,
    newValues: BatchValues<T>,
    epsilon: number,
  ): Promise<BatchCompareExchangeResult<TypedArrayOf<T>>> {
    return this.many(Op.compareExchangeEpsilon, 'batchCompareExchangeEpsilon', indices, newValues, true, current, checkEpsilon(epsilon, `${this.kind}.batchCompareExchangeEpsilon`)).then((r) => ({
      ok: r.ok!,
      values: r.out as unknown as TypedArrayOf<T>,
    }));
  }

  /**
   * Copies `data` (a typed array of the element type) into elements `[index, index + data.length)`,
   * split by owning PE; resolves once written everywhere.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.put(0, new Uint32Array([1, 2, 3]));
   * ```
   */
  put(index: number, data: TypedArrayOf<T>): Promise<void> {
    const what = `${this.kind}.put`;
    checkData(data, this.type, what);
    checkRangeOf(this.kind, 'put', index, data.length, this.length);
    peCounters.putBytes += data.byteLength;
    const ai = this[kArray];
    if (canCopyDirect(ai, true)) {
      copyRange(ai, index, data as unknown as View, true);
      return DONE;
    }
    return this.run(Op.store, rangeIndices(index, data.length), data, 0, 0, false).then(NOTHING);
  }
}

