/**
 * The items of mutable iterators: a handle on one element of this PE's part that writes through.
 * `ElemRef` (UnsafeArray, LocalLockArray, GlobalLockArray) reads and writes plainly, under the
 * lock the iteration holds; it throws USE_AFTER_RELEASE once the iteration has ended (the lock is
 * gone by then). `AtomicElement` (AtomicArray) makes every access atomic, as Lamellar's
 * AtomicElement does (on a 128-bit array, under the element's lock), and works as long as the
 * array handle does. Values are the API's: booleans for bool, bigints for 64- and 128-bit types.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import type { ArithLocalData, AtomicLocalData, BitwiseLocalData, FloatLocalData, IntLocalData } from '../atomic.js';
import type { ArithElemType, ArrayElemType, ArrayValue, BitwiseElemType, FloatElemType, IntElemType } from '../elem.js';
import { checkValue } from '../types.js';
import type { Reader } from './access.js';

/** @internal What the ElemRefs of one iteration share: the storage view, and whether the lock is held. */
export interface RefSession<T extends ArrayElemType = ArrayElemType> {
  readonly v: ArrayLike<unknown>;
  readonly type: T;
  /** null: an element is `v[i]` (the ten region types); else its reader (bool, 128-bit: ValueElemRef). */
  readonly read: Reader | null;
  /** 128-bit: an element is two words, written with writeWide (ValueElemRef). */
  readonly wide: boolean;
  readonly label: string;
  /** How a bad stored value is named in its TYPE_MISMATCH (built once, not per store). */
  readonly what: string;
  open: boolean;
}

export function closed(label: string): LamellarError {
  return new LamellarError(ErrorCode.USE_AFTER_RELEASE, `this ${label} element handle belongs to an iteration that has ended; use it inside the iteration`);
}

/**
 * One element of this PE's part, yielded by `distIterMut()`/`localIterMut()` of UnsafeArray,
 * LocalLockArray and GlobalLockArray. Valid during the iteration (which holds the lock on lock
 * arrays); afterwards every access throws USE_AFTER_RELEASE.
 *
 * @example
 * ```ts
 * await a.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
 * await a.localIterMut().forEach((x) => { x.value *= 2; });
 * ```
 */
export class ElemRef<T extends ArrayElemType = ArrayElemType> {
  readonly #s: RefSession<T>;
  readonly #i: number;

  /** @internal */
  constructor(s: RefSession<T>, i: number) {
    this.#s = s;
    this.#i = i;
  }

  /**
   * Reads the element.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => { if (x.load() > 9) x.store(9); });
   * ```
   */
  load(): ArrayValue<T> {
    const s = this.#s;
    if (!s.open) throw closed(s.label);
    return s.v[this.#i] as ArrayValue<T>;
  }

  /**
   * Writes the element (the value is checked against the element type).
   *
   * @example
   * ```ts
   * await a.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
   * ```
   */
  store(value: ArrayValue<T>): void {
    const s = this.#s;
    if (!s.open) throw closed(s.label);
    (s.v as Float64Array)[this.#i] = checkValue(s.type, value, s.what) as number;
  }

  /**
   * The element, as a property.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => { x.value += 1; });
   * ```
   */
  get value(): ArrayValue<T> {
    return this.load();
  }

  set value(v: ArrayValue<T>) {
    this.store(v);
  }
}

/** @internal What the AtomicElements of one iteration share. */
export interface AtomicSession<T extends ArrayElemType = ArrayElemType> {
  readonly data: AtomicLocalData<T>;
  /** This PE's part of the window, for the integer fast paths; null for floats, bool and 128-bit. */
  readonly ints: Int32Array | null;
  readonly owner: { readonly isReleased: boolean };
  readonly type: T;
}

/**
 * `this` of the arithmetic operations (add, sub, mul, div, rem and their fetch forms) of an
 * AtomicElement: every type but bool.
 *
 * @example
 * ```ts
 * const bump = (x: ArithElement<'u128'>) => x.fetchAdd(1n);
 * ```
 */
export type ArithElement<T extends ArrayElemType> = AtomicElement<T> & { readonly type: ArithElemType };
/**
 * `this` of the bit operations (bitAnd, bitOr, bitXor and their fetch forms) of an
 * AtomicElement: integers and bool.
 *
 * @example
 * ```ts
 * const set = (x: BitwiseElement<'bool'>) => x.fetchBitOr(true);
 * ```
 */
export type BitwiseElement<T extends ArrayElemType> = AtomicElement<T> & { readonly type: BitwiseElemType };
/**
 * `this` of the shifts of an AtomicElement: integer arrays only.
 *
 * @example
 * ```ts
 * const twice = (x: IntElement<'u32'>) => x.fetchShl(1);
 * ```
 */
export type IntElement<T extends ArrayElemType> = AtomicElement<T> & { readonly type: IntElemType };
/**
 * `this` of the float-only operation (`compareExchangeEpsilon`) of an AtomicElement.
 *
 * @example
 * ```ts
 * const near = (x: FloatElement<'f64'>) => x.compareExchangeEpsilon(1, 2, 1e-9);
 * ```
 */
export type FloatElement<T extends ArrayElemType> = AtomicElement<T> & { readonly type: FloatElemType };

/**
 * One element of this PE's part of an AtomicArray, yielded by its `distIterMut()` and
 * `localIterMut()`: every operation is atomic (as Lamellar's AtomicElement; on a 128-bit array it
 * holds the element's lock, as the array's ops do). The operations follow the array's per-type
 * rules: arithmetic on every type but bool, bit operations on integers and bool, shifts on
 * integers, `compareExchangeEpsilon` on floats (refused by the type, and at run time with
 * UNSUPPORTED_OP).
 *
 * @example
 * ```ts
 * await a.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
 * await a.localIterMut().forEach((x) => x.fetchAdd(1));
 * ```
 */
export class AtomicElement<T extends ArrayElemType = ArrayElemType> {
  readonly #s: AtomicSession<T>;
  readonly #i: number;

  /** @internal */
  constructor(s: AtomicSession<T>, i: number) {
    this.#s = s;
    this.#i = i;
  }

  /**
   * Element type of the array.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => console.log(x.type));   // 'u32'
   * ```
   */
  get type(): T {
    return this.#s.type;
  }

  /**
   * Atomically reads the element.
   *
   * @example
   * ```ts
   * const seen = await a.localIterMut().map((x) => x.load()).collect();
   * ```
   */
  load(): ArrayValue<T> {
    const s = this.#s;
    if (s.ints !== null && !s.owner.isReleased) return Atomics.load(s.ints, this.#i) as ArrayValue<T>;
    return s.data.load(this.#i);
  }

  /**
   * Atomically writes the element.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.store(0));
   * ```
   */
  store(value: ArrayValue<T>): void {
    const s = this.#s;
    if (s.ints !== null && !s.owner.isReleased) Atomics.store(s.ints, this.#i, checkValue(s.type, value, 'AtomicElement.store') as number);
    else s.data.store(this.#i, value);
  }

  /**
   * The element, as a property (an atomic load or store). `x.value += 1` is a load and then a
   * store, not one atomic update: another PE's op may land between them and be lost. Use
   * `x.add(1)` (Lamellar's `*x += 1` on an AtomicElement) or `fetchAdd`.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => { x.value = 3; });
   * ```
   */
  get value(): ArrayValue<T> {
    return this.load();
  }

  set value(v: ArrayValue<T>) {
    this.store(v);
  }

  /**
   * Atomically writes `value`; returns the old value.
   *
   * @example
   * ```ts
   * const olds = await a.localIterMut().map((x) => x.swap(0)).collect();
   * ```
   */
  swap(value: ArrayValue<T>): ArrayValue<T> {
    return this.#s.data.swap(this.#i, value);
  }

  /**
   * Atomically adds `value`; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchAdd(1));
   * ```
   */
  fetchAdd(this: ArithElement<T>, value: ArrayValue<T>): ArrayValue<T> {
    return (this.#s.data as ArithLocalData<T>).fetchAdd(this.#i, value);
  }

  /**
   * Atomically subtracts `value`; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchSub(1));
   * ```
   */
  fetchSub(this: ArithElement<T>, value: ArrayValue<T>): ArrayValue<T> {
    return (this.#s.data as ArithLocalData<T>).fetchSub(this.#i, value);
  }

  /**
   * Atomically multiplies by `value`; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchMul(2));
   * ```
   */
  fetchMul(this: ArithElement<T>, value: ArrayValue<T>): ArrayValue<T> {
    return (this.#s.data as ArithLocalData<T>).fetchMul(this.#i, value);
  }

  /**
   * Atomically divides by `value` (integer division on integer arrays); returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchDiv(2));
   * ```
   */
  fetchDiv(this: ArithElement<T>, value: ArrayValue<T>): ArrayValue<T> {
    return (this.#s.data as ArithLocalData<T>).fetchDiv(this.#i, value);
  }

  /**
   * Atomically takes the remainder by `value`; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchRem(10));
   * ```
   */
  fetchRem(this: ArithElement<T>, value: ArrayValue<T>): ArrayValue<T> {
    return (this.#s.data as ArithLocalData<T>).fetchRem(this.#i, value);
  }

  /**
   * Integer arrays: atomically ANDs `value` in; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchBitAnd(0xff));
   * ```
   */
  fetchBitAnd(this: BitwiseElement<T>, value: ArrayValue<T>): ArrayValue<T> {
    return (this.#s.data as BitwiseLocalData<T>).fetchBitAnd(this.#i, value);
  }

  /**
   * Integer arrays: atomically ORs `value` in; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchBitOr(1 << world.myPe));
   * ```
   */
  fetchBitOr(this: BitwiseElement<T>, value: ArrayValue<T>): ArrayValue<T> {
    return (this.#s.data as BitwiseLocalData<T>).fetchBitOr(this.#i, value);
  }

  /**
   * Integer arrays: atomically XORs `value` in; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchBitXor(1));
   * ```
   */
  fetchBitXor(this: BitwiseElement<T>, value: ArrayValue<T>): ArrayValue<T> {
    return (this.#s.data as BitwiseLocalData<T>).fetchBitXor(this.#i, value);
  }

  /**
   * Integer arrays: atomically shifts left by `value`; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchShl(1));
   * ```
   */
  fetchShl(this: IntElement<T>, value: ArrayValue<T>): ArrayValue<T> {
    return (this.#s.data as IntLocalData<T>).fetchShl(this.#i, value);
  }

  /**
   * Integer arrays: atomically shifts right by `value`; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchShr(1));
   * ```
   */
  fetchShr(this: IntElement<T>, value: ArrayValue<T>): ArrayValue<T> {
    return (this.#s.data as IntLocalData<T>).fetchShr(this.#i, value);
  }

  /**
   * The operators of Lamellar's AtomicElement (`+=` …): the fetch forms without a result.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.add(1));   // Lamellar's `*x += 1`
   * ```
   */
  add(this: ArithElement<T>, value: ArrayValue<T>): void {
    this.fetchAdd(value);
  }

  /**
   * Atomically subtracts `value`.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.sub(1));
   * ```
   */
  sub(this: ArithElement<T>, value: ArrayValue<T>): void {
    this.fetchSub(value);
  }

  /**
   * Atomically multiplies by `value`.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.mul(3));
   * ```
   */
  mul(this: ArithElement<T>, value: ArrayValue<T>): void {
    this.fetchMul(value);
  }

  /**
   * Atomically divides by `value`.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.div(3));
   * ```
   */
  div(this: ArithElement<T>, value: ArrayValue<T>): void {
    this.fetchDiv(value);
  }

  /**
   * Atomically takes the remainder by `value`.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.rem(3));
   * ```
   */
  rem(this: ArithElement<T>, value: ArrayValue<T>): void {
    this.fetchRem(value);
  }

  /**
   * Integer arrays: atomically ANDs `value` in.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.bitAnd(0xf));
   * ```
   */
  bitAnd(this: BitwiseElement<T>, value: ArrayValue<T>): void {
    this.fetchBitAnd(value);
  }

  /**
   * Integer arrays: atomically ORs `value` in.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.bitOr(1 << world.myPe));
   * ```
   */
  bitOr(this: BitwiseElement<T>, value: ArrayValue<T>): void {
    this.fetchBitOr(value);
  }

  /**
   * Integer arrays: atomically XORs `value` in.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.bitXor(1));
   * ```
   */
  bitXor(this: BitwiseElement<T>, value: ArrayValue<T>): void {
    this.fetchBitXor(value);
  }

  /**
   * Integer arrays: atomically shifts left by `value`.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.shl(1));
   * ```
   */
  shl(this: IntElement<T>, value: ArrayValue<T>): void {
    this.fetchShl(value);
  }

  /**
   * Integer arrays: atomically shifts right by `value`.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.shr(1));
   * ```
   */
  shr(this: IntElement<T>, value: ArrayValue<T>): void {
    this.fetchShr(value);
  }

  /**
   * Stores `value` if the element equals `current`; `value` of the result is what it held.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.compareExchange(0, world.myPe));
   * ```
   */
  compareExchange(current: ArrayValue<T>, value: ArrayValue<T>): { ok: boolean; value: ArrayValue<T> } {
    return this.#s.data.compareExchange(this.#i, current, value);
  }

  /**
   * Float arrays: stores `value` if |element − current| < epsilon.
   *
   * @example
   * ```ts
   * const f = await AtomicArray.create(world, { type: 'f64', length: 8, distribution: 'block' });
 * await f.localIterMut().forEach((x) => x.compareExchangeEpsilon(0.5, 1.5, 1e-6));
   * ```
   */
  compareExchangeEpsilon(this: FloatElement<T>, current: ArrayValue<T>, value: ArrayValue<T>, epsilon: number): { ok: boolean; value: ArrayValue<T> } {
    return (this.#s.data as FloatLocalData<T>).compareExchangeEpsilon(this.#i, current, value, epsilon);
  }
}
