/**
 * The element ops of every array type that may write (all but ReadOnlyArray): each op has a
 * single-index form, a `fetch…` form returning the old value where Lamellar has one, and
 * `batch…` forms (results in input order). Which types have which ops follows Lamellar: bit ops
 * on integers and bool, shifts and arithmetic on numbers but not bool (shifts not on floats
 * either), compareExchangeEpsilon on floats only. The `this` parameter refuses the others at
 * compile time, and every call checks again at run time (UNSUPPORTED_OP). Every argument is
 * checked before anything is applied.
 *
 * Batch forms (Lamellar's three): many indices with one value, many indices with one value
 * each, and one index with many values (`batchAdd(7, [1, 2, 3])` applies all three to element
 * 7). Index and value lists of different lengths are refused (INVALID_ARGUMENT) rather than
 * truncated: see docs/arrays.md.
 */
import type { ElemType, OneSidedMemoryRegion, SharedMemoryRegion } from '../memregion/index.js';
import { ArrayBase, checkRangeOf, rangeIndices, type RegionFor } from './base.js';
import { toArrayData, type ArithElemType, type ArrayData, type ArrayElemType, type ArrayValue, type BitwiseElemType, type FloatElemType, type IntElemType, type LocalView } from './elem.js';
import { batchIndices, resolveSource } from './input.js';
import { checkIndex } from './layout.js';
import { kArray } from './meta.js';
import { canCopyDirect, copyRange } from './ops/copy.js';
import type { View } from './ops/kernels.js';
import type { OpResult } from './ops/engine.js';
import { putSource } from './transfer.js';
import { checkEpsilon, checkOperand, checkOpSupported, checkValue, checkValues, Op, scalarOut, type BatchSource, type BatchValues, type OpCode } from './types.js';

/** `this` of arithmetic ops (add, sub, mul, div, rem): every type but bool. */
export type ArithOnly<T extends ArrayElemType> = MutableArray<T> & { readonly type: ArithElemType };
/** `this` of bit ops: integers and bool. */
export type BitwiseOnly<T extends ArrayElemType> = MutableArray<T> & { readonly type: BitwiseElemType };
/** `this` of shifts: integers. */
export type IntOnly<T extends ArrayElemType> = MutableArray<T> & { readonly type: IntElemType };
/** `this` of float-only ops (compareExchangeEpsilon). */
export type FloatOnly<T extends ArrayElemType> = MutableArray<T> & { readonly type: FloatElemType };

/**
 * Indices of a batch: one index, or many: an array or typed array of indices, or another
 * array's local data (a guard, an AtomicLocalData, a memory region's local part).
 *
 * @example
 * ```ts
 * await a.batchAdd(7, [1, 2]);                           // one index
 * await a.batchAdd(idxArray.unsafeLocalData(), 1);       // another array's local data
 * ```
 */
export type BatchIndices = number | ArrayLike<number> | BigInt64Array | BigUint64Array | BatchSource<unknown> | SharedMemoryRegion<ElemType> | OneSidedMemoryRegion<ElemType>;

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

export abstract class MutableArray<T extends ArrayElemType = ArrayElemType> extends ArrayBase<T> {
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
  protected many(op: OpCode, name: string, indices: unknown, values: unknown, fetch: boolean, cur: unknown = 0, eps = 0): Promise<OpResult> {
    const what = `${this.kind}.${name}`;
    checkOpSupported(this.type, op, what);
    const cas = op === Op.compareExchange || op === Op.compareExchangeEpsilon;
    const vIn = resolveSource(values);
    const cIn = cas ? resolveSource(cur) : 0;
    const idx = batchIndices(this.type, indices, cas ? [vIn, cIn] : [vIn], this.length, what);
    const v = checkValues(this.type, vIn, idx.length, what);
    checkOperand(this.type, op, v, what);
    const c = cas ? checkValues(this.type, cIn, idx.length, `${what} (current)`) : 0;
    return this.run(op, idx, v, c, eps, fetch);
  }

  #first = (r: OpResult): ArrayValue<T> => scalarOut(this.type, r.out!, 0);
  #all = (r: OpResult): ArrayData<T> => toArrayData(this.type, r.out) as ArrayData<T>;

  /** Writes `value` at `index`. */
  store(index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(Op.store, 'store', index, value, false).then(NOTHING);
  }

  batchStore(indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.store, 'batchStore', indices, values, false).then(NOTHING);
  }

  /** Writes `value` at `index` and resolves to the old value. */
  swap(index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(Op.swap, 'swap', index, value, true).then(this.#first);
  }

  batchSwap(indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.swap, 'batchSwap', indices, values, true).then(this.#all);
  }

  add(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(Op.add, 'add', index, value, false).then(NOTHING);
  }

  fetchAdd(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(Op.add, 'fetchAdd', index, value, true).then(this.#first);
  }

  /**
   * Adds in a batch, in Lamellar's three forms; nothing is applied if any index or value is bad.
   *
   * @example
   * ```ts
   * await array.batchAdd(indices, 1);           // many indices, one value
   * await array.batchAdd(indices, values);      // one value per index (equally long lists)
   * await array.batchAdd(7, [1, 2, 3]);         // one index, many values
   * ```
   */
  batchAdd(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.add, 'batchAdd', indices, values, false).then(NOTHING);
  }

  batchFetchAdd(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.add, 'batchFetchAdd', indices, values, true).then(this.#all);
  }

  sub(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(Op.sub, 'sub', index, value, false).then(NOTHING);
  }

  fetchSub(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(Op.sub, 'fetchSub', index, value, true).then(this.#first);
  }

  batchSub(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.sub, 'batchSub', indices, values, false).then(NOTHING);
  }

  batchFetchSub(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.sub, 'batchFetchSub', indices, values, true).then(this.#all);
  }

  mul(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(Op.mul, 'mul', index, value, false).then(NOTHING);
  }

  fetchMul(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(Op.mul, 'fetchMul', index, value, true).then(this.#first);
  }

  batchMul(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.mul, 'batchMul', indices, values, false).then(NOTHING);
  }

  batchFetchMul(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.mul, 'batchFetchMul', indices, values, true).then(this.#all);
  }

  div(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(Op.div, 'div', index, value, false).then(NOTHING);
  }

  fetchDiv(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(Op.div, 'fetchDiv', index, value, true).then(this.#first);
  }

  batchDiv(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.div, 'batchDiv', indices, values, false).then(NOTHING);
  }

  batchFetchDiv(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.div, 'batchFetchDiv', indices, values, true).then(this.#all);
  }

  rem(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(Op.rem, 'rem', index, value, false).then(NOTHING);
  }

  fetchRem(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(Op.rem, 'fetchRem', index, value, true).then(this.#first);
  }

  batchRem(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.rem, 'batchRem', indices, values, false).then(NOTHING);
  }

  batchFetchRem(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.rem, 'batchFetchRem', indices, values, true).then(this.#all);
  }

  bitAnd(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(Op.bitAnd, 'bitAnd', index, value, false).then(NOTHING);
  }

  fetchBitAnd(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(Op.bitAnd, 'fetchBitAnd', index, value, true).then(this.#first);
  }

  batchBitAnd(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.bitAnd, 'batchBitAnd', indices, values, false).then(NOTHING);
  }

  batchFetchBitAnd(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.bitAnd, 'batchFetchBitAnd', indices, values, true).then(this.#all);
  }

  bitOr(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(Op.bitOr, 'bitOr', index, value, false).then(NOTHING);
  }

  fetchBitOr(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(Op.bitOr, 'fetchBitOr', index, value, true).then(this.#first);
  }

  batchBitOr(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.bitOr, 'batchBitOr', indices, values, false).then(NOTHING);
  }

  batchFetchBitOr(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.bitOr, 'batchFetchBitOr', indices, values, true).then(this.#all);
  }

  bitXor(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(Op.bitXor, 'bitXor', index, value, false).then(NOTHING);
  }

  fetchBitXor(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(Op.bitXor, 'fetchBitXor', index, value, true).then(this.#first);
  }

  batchBitXor(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.bitXor, 'batchBitXor', indices, values, false).then(NOTHING);
  }

  batchFetchBitXor(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.bitXor, 'batchFetchBitXor', indices, values, true).then(this.#all);
  }

  shl(this: IntOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(Op.shl, 'shl', index, value, false).then(NOTHING);
  }

  fetchShl(this: IntOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(Op.shl, 'fetchShl', index, value, true).then(this.#first);
  }

  batchShl(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.shl, 'batchShl', indices, values, false).then(NOTHING);
  }

  batchFetchShl(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.shl, 'batchFetchShl', indices, values, true).then(this.#all);
  }

  shr(this: IntOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(Op.shr, 'shr', index, value, false).then(NOTHING);
  }

  fetchShr(this: IntOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(Op.shr, 'fetchShr', index, value, true).then(this.#first);
  }

  batchShr(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
    return this.many(Op.shr, 'batchShr', indices, values, false).then(NOTHING);
  }

  batchFetchShr(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.shr, 'batchFetchShr', indices, values, true).then(this.#all);
  }
  /** Stores `newValue` if the element equals `current`; `value` is the element before. */
  compareExchange(index: number, current: ArrayValue<T>, newValue: ArrayValue<T>): Promise<CompareExchangeResult<ArrayValue<T>>> {
    return this.one(Op.compareExchange, 'compareExchange', index, newValue, true, current).then((r) => ({ ok: r.ok![0] === 1, value: scalarOut(this.type, r.out!, 0) }));
  }

  batchCompareExchange(indices: BatchIndices, current: BatchValues<T>, newValues: BatchValues<T>): Promise<BatchCompareExchangeResult<ArrayData<T>>> {
    return this.many(Op.compareExchange, 'batchCompareExchange', indices, newValues, true, current).then((r) => ({ ok: r.ok!, values: this.#all(r) }));
  }

  /** Float arrays: stores `newValue` if |element - current| < epsilon. */
  compareExchangeEpsilon(this: FloatOnly<T>, index: number, current: ArrayValue<T>, newValue: ArrayValue<T>, epsilon: number): Promise<CompareExchangeResult<ArrayValue<T>>> {
    return this.one(Op.compareExchangeEpsilon, 'compareExchangeEpsilon', index, newValue, true, current, checkEpsilon(epsilon, `${this.kind}.compareExchangeEpsilon`)).then((r) => ({
      ok: r.ok![0] === 1,
      value: scalarOut(this.type, r.out!, 0),
    }));
  }

  batchCompareExchangeEpsilon(
    this: FloatOnly<T>,
    indices: BatchIndices,
    current: BatchValues<T>,
    newValues: BatchValues<T>,
    epsilon: number,
  ): Promise<BatchCompareExchangeResult<ArrayData<T>>> {
    return this.many(Op.compareExchangeEpsilon, 'batchCompareExchangeEpsilon', indices, newValues, true, current, checkEpsilon(epsilon, `${this.kind}.batchCompareExchangeEpsilon`)).then((r) => ({
      ok: r.ok!,
      values: this.#all(r),
    }));
  }

  /**
   * Copies `data` into elements [index, index + length), split by owner. `data` is a typed
   * array of the element type (128-bit: a `bigint[]` or words; bool: 0/1 or a `boolean[]`) or a
   * memory region of the same type: its local part, or a whole one-sided region.
   *
   * @example
   * ```ts
   * await array.put(0, new Float64Array([1, 2, 3]));
   * await array.put(3, region);                  // from a memory region (or a subRegion)
   * ```
   */
  put(index: number, data: ArrayData<T> | LocalView<T> | readonly ArrayValue<T>[] | RegionFor<T>): Promise<void> {
    const what = `${this.kind}.put`;
    const src = putSource(this.type, data, what);
    if (src instanceof Promise) return this.track(src.then((v) => this.#putView(index, v)));
    return this.#putView(index, src);
  }

  #putView(index: number, data: View): Promise<void> {
    const n = data.length / this[kArray].meta.words;
    checkRangeOf(this.kind, 'put', index, n, this.length);
    const ai = this[kArray];
    if (canCopyDirect(ai, true)) {
      copyRange(ai, index, data, true);
      return DONE;
    }
    return this.run(Op.store, rangeIndices(index, n), data, 0, 0, false).then(NOTHING);
  }
}
