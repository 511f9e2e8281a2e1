/**
 * The element ops of every array type that may write (all but ReadOnlyArray): each op has a
 * single-index form, a `fetch…` form returning the old value where Lamellar has one, and
 * `batch…` forms over many indices with one value or one value per index (results in input
 * order, as a typed array). Bit ops and shifts exist only on integer arrays and
 * compareExchangeEpsilon only on float arrays: the `this` parameter refuses the others at
 * compile time, and every call checks again at run time (UNSUPPORTED_OP). Every argument is
 * checked before anything is applied.
 */
import { checkData, type ElemType, type ElemValue, type TypedArrayOf } from '../memregion/internal.js';
import { ArrayBase, checkRangeOf, rangeIndices } from './base.js';
import { checkIndex, checkIndices } from './layout.js';
import { kArray } from './meta.js';
import { canCopyDirect, copyRange } from './ops/copy.js';
import type { View } from './ops/kernels.js';
import type { OpResult } from './ops/engine.js';
import { checkEpsilon, checkOperand, checkOpSupported, checkValue, checkValues, Op, type BatchIndices, type BatchValues, type FloatElemType, type IntElemType, type OpCode } from './types.js';

/** `this` of integer-only ops (bit ops, shifts). */
export type IntOnly<T extends ElemType> = MutableArray<T> & { readonly type: IntElemType };
/** `this` of float-only ops (compareExchangeEpsilon). */
export type FloatOnly<T extends ElemType> = MutableArray<T> & { readonly type: FloatElemType };

/** Result of compareExchange: `ok` when the element held `current` (and now holds `new`); `value` is what it held. */
export interface CompareExchangeResult<V> {
  ok: boolean;
  value: V;
}

/** Results of a batch compareExchange, in input order: `ok[k]` is 1 on success. */
export interface BatchCompareExchangeResult<A> {
  ok: Uint8Array;
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

export abstract class MutableArray<T extends ElemType = ElemType> extends ArrayBase<T> {
  /** Checks and applies one op at one index. */
  protected one(op: OpCode, name: string, index: number, value: unknown, fetch: boolean, cur: unknown = 0, eps = 0): Promise<OpResult> {
    const what = `${this.kind}.${name}`;
    checkOpSupported(this.type, op, what);
    checkIndex(index, this.length, what);
    const v = checkValue(this.type, value, what);
    checkOperand(this.type, op, v, what);
    const c = op === Op.compareExchange || op === Op.compareExchangeEpsilon ? checkValue(this.type, cur, `${what} (current)`) : 0;
    return this.run(op, [index], v, c, eps, fetch);
  }

  /** Checks every index and value first (nothing is applied on a bad one), then applies the batch. */
  protected many(op: OpCode, name: string, indices: BatchIndices, values: unknown, fetch: boolean, cur: unknown = 0, eps = 0): Promise<OpResult> {
    const what = `${this.kind}.${name}`;
    checkOpSupported(this.type, op, what);
    const idx = checkIndices(indices, this.length, what);
    const v = checkValues(this.type, values, idx.length, what);
    checkOperand(this.type, op, v, what);
    const c = op === Op.compareExchange || op === Op.compareExchangeEpsilon ? checkValues(this.type, cur, idx.length, `${what} (current)`) : 0;
    return this.run(op, idx, v, c, eps, fetch);
  }

  /** Writes `value` at `index`. */
  store(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.store, 'store', index, value, false).then(NOTHING);
  }

  batchStore(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.store, 'batchStore', indices, values, false).then(NOTHING);
  }

  /** Writes `value` at `index` and resolves to the old value. */
  swap(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.swap, 'swap', index, value, true).then(firstOf<ElemValue<T>>);
  }

  batchSwap(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.swap, 'batchSwap', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  add(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.add, 'add', index, value, false).then(NOTHING);
  }

  fetchAdd(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.add, 'fetchAdd', index, value, true).then(firstOf<ElemValue<T>>);
  }

  batchAdd(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.add, 'batchAdd', indices, values, false).then(NOTHING);
  }

  batchFetchAdd(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.add, 'batchFetchAdd', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  sub(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.sub, 'sub', index, value, false).then(NOTHING);
  }

  fetchSub(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.sub, 'fetchSub', index, value, true).then(firstOf<ElemValue<T>>);
  }

  batchSub(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.sub, 'batchSub', indices, values, false).then(NOTHING);
  }

  batchFetchSub(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.sub, 'batchFetchSub', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  mul(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.mul, 'mul', index, value, false).then(NOTHING);
  }

  fetchMul(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.mul, 'fetchMul', index, value, true).then(firstOf<ElemValue<T>>);
  }

  batchMul(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.mul, 'batchMul', indices, values, false).then(NOTHING);
  }

  batchFetchMul(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.mul, 'batchFetchMul', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  div(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.div, 'div', index, value, false).then(NOTHING);
  }

  fetchDiv(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.div, 'fetchDiv', index, value, true).then(firstOf<ElemValue<T>>);
  }

  batchDiv(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.div, 'batchDiv', indices, values, false).then(NOTHING);
  }

  batchFetchDiv(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.div, 'batchFetchDiv', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  rem(index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.rem, 'rem', index, value, false).then(NOTHING);
  }

  fetchRem(index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.rem, 'fetchRem', index, value, true).then(firstOf<ElemValue<T>>);
  }

  batchRem(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.rem, 'batchRem', indices, values, false).then(NOTHING);
  }

  batchFetchRem(indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.rem, 'batchFetchRem', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  bitAnd(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.bitAnd, 'bitAnd', index, value, false).then(NOTHING);
  }

  fetchBitAnd(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.bitAnd, 'fetchBitAnd', index, value, true).then(firstOf<ElemValue<T>>);
  }

  batchBitAnd(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.bitAnd, 'batchBitAnd', indices, values, false).then(NOTHING);
  }

  batchFetchBitAnd(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.bitAnd, 'batchFetchBitAnd', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  bitOr(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.bitOr, 'bitOr', index, value, false).then(NOTHING);
  }

  fetchBitOr(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.bitOr, 'fetchBitOr', index, value, true).then(firstOf<ElemValue<T>>);
  }

  batchBitOr(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.bitOr, 'batchBitOr', indices, values, false).then(NOTHING);
  }

  batchFetchBitOr(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.bitOr, 'batchFetchBitOr', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  bitXor(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.bitXor, 'bitXor', index, value, false).then(NOTHING);
  }

  fetchBitXor(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.bitXor, 'fetchBitXor', index, value, true).then(firstOf<ElemValue<T>>);
  }

  batchBitXor(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.bitXor, 'batchBitXor', indices, values, false).then(NOTHING);
  }

  batchFetchBitXor(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.bitXor, 'batchFetchBitXor', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  shl(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.shl, 'shl', index, value, false).then(NOTHING);
  }

  fetchShl(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.shl, 'fetchShl', index, value, true).then(firstOf<ElemValue<T>>);
  }

  batchShl(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.shl, 'batchShl', indices, values, false).then(NOTHING);
  }

  batchFetchShl(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.shl, 'batchFetchShl', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }

  shr(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<void> {
    return this.one(Op.shr, 'shr', index, value, false).then(NOTHING);
  }

  fetchShr(this: IntOnly<T>, index: number, value: ElemValue<T>): Promise<ElemValue<T>> {
    return this.one(Op.shr, 'fetchShr', index, value, true).then(firstOf<ElemValue<T>>);
  }

  batchShr(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.shr, 'batchShr', indices, values, false).then(NOTHING);
  }

  batchFetchShr(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<TypedArrayOf<T>> {
    return this.many(Op.shr, 'batchFetchShr', indices, values, true).then(allOf<TypedArrayOf<T>>);
  }
  /** Stores `newValue` if the element equals `current`; `value` is the element before. */
  compareExchange(index: number, current: ElemValue<T>, newValue: ElemValue<T>): Promise<CompareExchangeResult<ElemValue<T>>> {
    return this.one(Op.compareExchange, 'compareExchange', index, newValue, true, current).then((r) => ({ ok: r.ok![0] === 1, value: r.out![0] as ElemValue<T> }));
  }

  batchCompareExchange(indices: BatchIndices, current: BatchValues<T>, newValues: BatchValues<T>): Promise<BatchCompareExchangeResult<TypedArrayOf<T>>> {
    return this.many(Op.compareExchange, 'batchCompareExchange', indices, newValues, true, current).then((r) => ({ ok: r.ok!, values: r.out as unknown as TypedArrayOf<T> }));
  }

  /** Float arrays: stores `newValue` if |element - current| < epsilon. */
  compareExchangeEpsilon(this: FloatOnly<T>, index: number, current: ElemValue<T>, newValue: ElemValue<T>, epsilon: number): Promise<CompareExchangeResult<ElemValue<T>>> {
    return this.one(Op.compareExchangeEpsilon, 'compareExchangeEpsilon', index, newValue, true, current, checkEpsilon(epsilon, `${this.kind}.compareExchangeEpsilon`)).then((r) => ({
      ok: r.ok![0] === 1,
      value: r.out![0] as ElemValue<T>,
    }));
  }

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

  /** Copies `data` into elements [index, index + data.length), split by owner. */
  put(index: number, data: TypedArrayOf<T>): Promise<void> {
    const what = `${this.kind}.put`;
    checkData(data, this.type, what);
    checkRangeOf(this.kind, 'put', index, data.length, this.length);
    const ai = this[kArray];
    if (canCopyDirect(ai, true)) {
      copyRange(ai, index, data as unknown as View, true);
      return DONE;
    }
    return this.run(Op.store, rangeIndices(index, data.length), data, 0, 0, false).then(NOTHING);
  }
}

