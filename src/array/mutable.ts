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
import { completedVoid, peCounters } from '../core/index.js';
import { ArrayBase, type RegionFor } from './base.js';
import { toArrayData, type ArrayData, type ArrayElemType, type ArrayValue, type LocalView, type ReadonlyLocalView } from './elem.js';
import { batchIndices, resolveSource } from './input.js';
import { checkIndex, checkRangeOf } from './layout.js';
import { kArray } from './meta.js';
import { canCopyDirect, copyRange } from './ops/copy.js';
import { storeAsRange } from './ops/range.js';
import type { View } from './ops/kernels.js';
import { checksWhileCombining, type OpResult } from './ops/engine.js';
import type { ArithOnly, BatchCompareExchangeResult, BatchIndices, BitwiseOnly, CompareExchangeResult, FloatOnly, IntOnly } from './op-types.js';
import { putSource } from './transfer.js';
import { checkEpsilon, checkOperand, checkOpSupported, checkShiftAmount, checkValue, checkValues, Op, scalarOut, type BatchValues, type OpCode } from './types.js';

const NOTHING = (): void => undefined;
const NO_RESULT = (): OpResult => ({ out: null, ok: null });

/**
 * The element ops of every array type that may write (UnsafeArray, AtomicArray, LocalLockArray,
 * GlobalLockArray), inherited by each. Every op takes an index into the whole array and runs on
 * whichever PE owns the element: on shmem straight in its memory, on tcp and ofi gathered with the
 * other element ops this task makes through the handle into one request per owner. `fetch…` forms resolve to the old value, `batch…` forms take many indices with one value
 * for all or one per index and are split by owner (never one message per element). Bit ops and
 * shifts are refused where Lamellar has none (bool has no arithmetic, bit ops are for integers and
 * bool, shifts for integers, `compareExchangeEpsilon` for floats). Every argument is checked before
 * anything is applied.
 * @example
 * ```ts
 * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
 * await a.add(3, 1);
 * const old = await a.fetchAdd(3, 1);
 * await a.batchAdd(new Uint32Array([1, 5, 9, 5]), 1);
 * const values: Uint32Array = await a.batchLoad([1, 5, 9]);
 * ```
 */
export abstract class MutableArray<T extends ArrayElemType = ArrayElemType> extends ArrayBase<T> {
  /** @internal Checks and applies one op at one index. */
  protected one<R>(map: (r: OpResult) => R, op: OpCode, name: string, index: number, value: unknown, fetch: boolean, cur?: unknown, eps = 0): Promise<R> {
    const what = `${this.kind}.${name}`;
    checkOpSupported(this.type, op, what);
    checkIndex(index, this.length, what);
    this.checkOpen(what);
    checkShiftAmount(this.type, op, value, what);
    const v = checkValue(this.type, value, what);
    checkOperand(this.type, op, v, what);
    const c = op === Op.compareExchange || op === Op.compareExchangeEpsilon ? checkValue(this.type, cur, `${what} (current)`) : 0;
    return this.run(op, [index], v, c, eps, fetch, undefined, map);
  }

  /**
   * @internal Checks every index and value first (nothing is applied on a bad one), then applies
   * the batch.
   */
  protected many(op: OpCode, name: string, indices: unknown, values: unknown, fetch: boolean, cur?: unknown, eps = 0): Promise<OpResult> {
    const what = `${this.kind}.${name}`;
    checkOpSupported(this.type, op, what);
    this.checkOpen(what);
    const cas = op === Op.compareExchange || op === Op.compareExchangeEpsilon;
    const vIn = resolveSource(values, what);
    checkShiftAmount(this.type, op, vIn, what);
    const cIn = cas ? resolveSource(cur, what) : 0;
    const raw = resolveSource(indices, what);
    // A histogram's indices are checked by the pass that counts them (ops/engine.ts); an error
    // is thrown here all the same, before anything is applied.
    const late = raw instanceof Uint32Array && typeof vIn !== 'object' && checksWhileCombining(this[kArray], op, vIn, fetch, raw.length);
    const idx = late ? raw : batchIndices(this.type, raw, cas ? [vIn, cIn] : [vIn], this.length, what);
    const v = checkValues(this.type, vIn, idx.length, what);
    checkOperand(this.type, op, v, what);
    const c = cas ? checkValues(this.type, cIn, idx.length, `${what} (current)`) : 0;
    const run = op === Op.store && typeof v === 'object' ? storeAsRange(typeof raw === 'number', idx, v as View, this[kArray].meta.words) : undefined;
    if (run !== undefined) return this.range(run.index, run.data, true).then(NO_RESULT);
    return this.run(op, idx, v, c, eps, fetch, late ? { len: this.length, what } : undefined);
  }

  // Made on first use, not per handle: an AM per edge that carries the array gets a handle each.
  #firstFn: ((r: OpResult) => ArrayValue<T>) | undefined;
  #allFn: ((r: OpResult) => ArrayData<T>) | undefined;
  get #first(): (r: OpResult) => ArrayValue<T> {
    return (this.#firstFn ??= (r) => scalarOut(this.type, r.out!, 0));
  }
  get #all(): (r: OpResult) => ArrayData<T> {
    return (this.#allFn ??= (r) => toArrayData(this.type, r.out) as ArrayData<T>);
  }

  /**
   * Writes `value` to element `index`, on whichever PE owns it; resolves once written.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * await a.store(3, 42);
   * ```
   */
  store(index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(NOTHING, Op.store, 'store', index, value, false);
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
  swap(index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(this.#first, Op.swap, 'swap', index, value, true);
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
  batchSwap(indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.swap, 'batchSwap', indices, values, true).then(this.#all);
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
  add(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(NOTHING, Op.add, 'add', index, value, false);
  }

  /**
   * Like `add`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchAdd(3, 1);
   * ```
   */
  fetchAdd(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(this.#first, Op.add, 'fetchAdd', index, value, true);
  }

  /**
   * Applies `add` in a batch, in Lamellar's three forms: many indices with one value, many indices
   * with one value each (equally long lists), or one index with many values (each applied in
   * turn). An index may repeat: each occurrence applies. Split by owning PE, applied there in one
   * pass; nothing is applied if any index or value is bad.
   * @example
   * ```ts
   * await a.batchAdd(new Uint32Array([1, 5, 9, 5]), 1); // many indices, one value
   * await a.batchAdd([0, 2], [1, 1]);                   // one value per index
   * await a.batchAdd(7, [1, 2, 3]);                     // one index, many values
   * ```
   */
  batchAdd(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
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
  batchFetchAdd(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.add, 'batchFetchAdd', indices, values, true).then(this.#all);
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
  sub(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(NOTHING, Op.sub, 'sub', index, value, false);
  }

  /**
   * Like `sub`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchSub(3, 1);
   * ```
   */
  fetchSub(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(this.#first, Op.sub, 'fetchSub', index, value, true);
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
  batchSub(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
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
  batchFetchSub(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.sub, 'batchFetchSub', indices, values, true).then(this.#all);
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
  mul(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(NOTHING, Op.mul, 'mul', index, value, false);
  }

  /**
   * Like `mul`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchMul(3, 3);
   * ```
   */
  fetchMul(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(this.#first, Op.mul, 'fetchMul', index, value, true);
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
  batchMul(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
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
  batchFetchMul(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.mul, 'batchFetchMul', indices, values, true).then(this.#all);
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
  div(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(NOTHING, Op.div, 'div', index, value, false);
  }

  /**
   * Like `div`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchDiv(3, 2);
   * ```
   */
  fetchDiv(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(this.#first, Op.div, 'fetchDiv', index, value, true);
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
  batchDiv(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
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
  batchFetchDiv(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.div, 'batchFetchDiv', indices, values, true).then(this.#all);
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
  rem(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(NOTHING, Op.rem, 'rem', index, value, false);
  }

  /**
   * Like `rem`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchRem(3, 5);
   * ```
   */
  fetchRem(this: ArithOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(this.#first, Op.rem, 'fetchRem', index, value, true);
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
  batchRem(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
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
  batchFetchRem(this: ArithOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.rem, 'batchFetchRem', indices, values, true).then(this.#all);
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
  bitAnd(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(NOTHING, Op.bitAnd, 'bitAnd', index, value, false);
  }

  /**
   * Like `bitAnd`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchBitAnd(3, 0xff);
   * ```
   */
  fetchBitAnd(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(this.#first, Op.bitAnd, 'fetchBitAnd', index, value, true);
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
  batchBitAnd(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
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
  batchFetchBitAnd(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.bitAnd, 'batchFetchBitAnd', indices, values, true).then(this.#all);
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
  bitOr(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(NOTHING, Op.bitOr, 'bitOr', index, value, false);
  }

  /**
   * Like `bitOr`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchBitOr(3, 0b100);
   * ```
   */
  fetchBitOr(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(this.#first, Op.bitOr, 'fetchBitOr', index, value, true);
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
  batchBitOr(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
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
  batchFetchBitOr(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.bitOr, 'batchFetchBitOr', indices, values, true).then(this.#all);
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
  bitXor(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(NOTHING, Op.bitXor, 'bitXor', index, value, false);
  }

  /**
   * Like `bitXor`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchBitXor(3, 1);
   * ```
   */
  fetchBitXor(this: BitwiseOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(this.#first, Op.bitXor, 'fetchBitXor', index, value, true);
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
  batchBitXor(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<void> {
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
  batchFetchBitXor(this: BitwiseOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.bitXor, 'batchFetchBitXor', indices, values, true).then(this.#all);
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
  shl(this: IntOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(NOTHING, Op.shl, 'shl', index, value, false);
  }

  /**
   * Like `shl`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchShl(3, 2);
   * ```
   */
  fetchShl(this: IntOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(this.#first, Op.shl, 'fetchShl', index, value, true);
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
  batchFetchShl(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.shl, 'batchFetchShl', indices, values, true).then(this.#all);
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
  shr(this: IntOnly<T>, index: number, value: ArrayValue<T>): Promise<void> {
    return this.one(NOTHING, Op.shr, 'shr', index, value, false);
  }

  /**
   * Like `shr`, and resolves to the element's value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const before = await a.fetchShr(3, 1);
   * ```
   */
  fetchShr(this: IntOnly<T>, index: number, value: ArrayValue<T>): Promise<ArrayValue<T>> {
    return this.one(this.#first, Op.shr, 'fetchShr', index, value, true);
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
  batchFetchShr(this: IntOnly<T>, indices: BatchIndices, values: BatchValues<T>): Promise<ArrayData<T>> {
    return this.many(Op.shr, 'batchFetchShr', indices, values, true).then(this.#all);
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
  compareExchange(index: number, current: ArrayValue<T>, newValue: ArrayValue<T>): Promise<CompareExchangeResult<ArrayValue<T>>> {
    return this.one((r) => ({ ok: r.ok![0] === 1, value: scalarOut(this.type, r.out!, 0) }), Op.compareExchange, 'compareExchange', index, newValue, true, current);
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
  batchCompareExchange(indices: BatchIndices, current: BatchValues<T>, newValues: BatchValues<T>): Promise<BatchCompareExchangeResult<ArrayData<T>>> {
    return this.many(Op.compareExchange, 'batchCompareExchange', indices, newValues, true, current).then((r) => ({ ok: r.ok!, values: this.#all(r) }));
  }

  /**
   * Float arrays: stores `newValue` at `index` if `|element - current| < epsilon`; resolves like
   * compareExchange. An epsilon that is NaN, negative or infinite throws INVALID_ARGUMENT.
   * @example
   * ```ts
   * const f = await AtomicArray.create(world, { type: 'f64', length: 4, distribution: 'block' });
   * const r = await f.compareExchangeEpsilon(0, 0.1, 0.2, 1e-9);
   * ```
   */
  compareExchangeEpsilon(this: FloatOnly<T>, index: number, current: ArrayValue<T>, newValue: ArrayValue<T>, epsilon: number): Promise<CompareExchangeResult<ArrayValue<T>>> {
    const eps = checkEpsilon(epsilon, `${this.kind}.compareExchangeEpsilon`);
    return this.one((r) => ({ ok: r.ok![0] === 1, value: scalarOut(this.type, r.out!, 0) }), Op.compareExchangeEpsilon, 'compareExchangeEpsilon', index, newValue, true, current, eps);
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
  ): Promise<BatchCompareExchangeResult<ArrayData<T>>> {
    return this.many(Op.compareExchangeEpsilon, 'batchCompareExchangeEpsilon', indices, newValues, true, current, checkEpsilon(epsilon, `${this.kind}.batchCompareExchangeEpsilon`)).then((r) => ({
      ok: r.ok!,
      values: this.#all(r),
    }));
  }

  /**
   * Copies `data` into elements `[index, index + length)`, split by owning PE. `data` is a typed
   * array of the element type (128-bit: a `bigint[]` or words; bool: 0/1 or a `boolean[]`), a
   * read-only view (another array's local data), or a memory region of the same type: its local
   * part, or a whole one-sided region.
   * @example
   * ```ts
   * const f = await UnsafeArray.create(world, { type: 'f64', length: 16, distribution: 'block' });
   * await f.put(0, new Float64Array([1, 2, 3]));
   * const region = world.allocOneSidedMemRegion('f64', 4);
   * await f.put(3, region); // from a memory region (or a subRegion)
   * ```
   */
  put(index: number, data: ArrayData<T> | LocalView<T> | ReadonlyLocalView<T> | readonly ArrayValue<T>[] | RegionFor<T>): Promise<void> {
    const what = `${this.kind}.put`;
    this.checkOpen(what);
    const src = putSource(this.type, data, what);
    if (src instanceof Promise) return this.track(src.then((v) => this.#putView(index, v)));
    return this.#putView(index, src);
  }

  #putView(index: number, data: View): Promise<void> {
    const n = data.length / this[kArray].meta.words;
    checkRangeOf(this.kind, 'put', index, n, this.length);
    peCounters.putBytes += data.byteLength;
    const ai = this[kArray];
    if (canCopyDirect(ai, true)) {
      copyRange(ai, index, data, true);
      return completedVoid();
    }
    return this.range(index, data, true);
  }
}
