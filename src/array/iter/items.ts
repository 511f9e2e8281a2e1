/**
 * The items of mutable iterators: a handle on one element of this PE's part that writes through.
 * `ElemRef` (UnsafeArray, LocalLockArray, GlobalLockArray) reads and writes plainly, under the
 * lock the iteration holds; it throws USE_AFTER_RELEASE once the iteration has ended (the lock is
 * gone by then). `AtomicElement` (AtomicArray) makes every access atomic, as Lamellar's
 * AtomicElement does, and works as long as the array handle does.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import type { ElemType, ElemValue, TypedArrayOf } from '../../memregion/internal.js';
import type { AtomicLocalData, FloatLocalData, IntLocalData } from '../atomic.js';
import { checkValue, type FloatElemType, type IntElemType } from '../types.js';

/** @internal What the ElemRefs of one iteration share: the view, and whether the lock is held. */
export interface RefSession<T extends ElemType = ElemType> {
  readonly v: TypedArrayOf<T>;
  readonly type: T;
  readonly label: string;
  /** How a bad stored value is named in its TYPE_MISMATCH (built once, not per store). */
  readonly what: string;
  open: boolean;
}

function closed(label: string): LamellarError {
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
export class ElemRef<T extends ElemType = ElemType> {
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
  load(): ElemValue<T> {
    const s = this.#s;
    if (!s.open) throw closed(s.label);
    return s.v[this.#i] as ElemValue<T>;
  }

  /**
   * Writes the element (the value is checked against the element type).
   *
   * @example
   * ```ts
   * await a.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
   * ```
   */
  store(value: ElemValue<T>): void {
    const s = this.#s;
    if (!s.open) throw closed(s.label);
    (s.v as unknown as Float64Array)[this.#i] = checkValue(s.type, value, s.what) as number;
  }

  /**
   * The element, as a property.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => { x.value += 1; });
   * ```
   */
  get value(): ElemValue<T> {
    return this.load();
  }

  set value(v: ElemValue<T>) {
    this.store(v);
  }
}

/** @internal What the AtomicElements of one iteration share. */
export interface AtomicSession<T extends ElemType = ElemType> {
  readonly data: AtomicLocalData<T>;
  /** This PE's part of the window, for the integer fast paths; null for floats. */
  readonly ints: TypedArrayOf<T> | null;
  readonly owner: { readonly isReleased: boolean };
  readonly type: T;
}

/**
 * `this` of the integer-only operations (bit ops, shifts) of an AtomicElement.
 *
 * @example
 * ```ts
 * const bits = (x: IntElement<'u32'>) => x.fetchBitOr(1);
 * ```
 */
export type IntElement<T extends ElemType> = AtomicElement<T> & { readonly type: IntElemType };
/**
 * `this` of the float-only operation (`compareExchangeEpsilon`) of an AtomicElement.
 *
 * @example
 * ```ts
 * const near = (x: FloatElement<'f64'>) => x.compareExchangeEpsilon(1, 2, 1e-9);
 * ```
 */
export type FloatElement<T extends ElemType> = AtomicElement<T> & { readonly type: FloatElemType };

/**
 * One element of this PE's part of an AtomicArray, yielded by its `distIterMut()` and
 * `localIterMut()`: every operation is atomic (as Lamellar's AtomicElement). Bit operations and
 * shifts exist only for integer arrays, `compareExchangeEpsilon` only for float ones (refused by
 * the type, and at run time with UNSUPPORTED_OP).
 *
 * @example
 * ```ts
 * await a.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
 * await a.localIterMut().forEach((x) => x.fetchAdd(1));
 * ```
 */
export class AtomicElement<T extends ElemType = ElemType> {
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
  load(): ElemValue<T> {
    const s = this.#s;
    if (s.ints !== null && !s.owner.isReleased) return Atomics.load(s.ints as unknown as Int32Array, this.#i) as ElemValue<T>;
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
  store(value: ElemValue<T>): void {
    const s = this.#s;
    if (s.ints !== null && !s.owner.isReleased) Atomics.store(s.ints as unknown as Int32Array, this.#i, checkValue(s.type, value, 'AtomicElement.store') as number);
    else s.data.store(this.#i, value);
  }

  /**
   * The element, as a property (an atomic load or store).
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => { x.value = 3; });
   * ```
   */
  get value(): ElemValue<T> {
    return this.load();
  }

  set value(v: ElemValue<T>) {
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
  swap(value: ElemValue<T>): ElemValue<T> {
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
  fetchAdd(value: ElemValue<T>): ElemValue<T> {
    return this.#s.data.fetchAdd(this.#i, value);
  }

  /**
   * Atomically subtracts `value`; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchSub(1));
   * ```
   */
  fetchSub(value: ElemValue<T>): ElemValue<T> {
    return this.#s.data.fetchSub(this.#i, value);
  }

  /**
   * Atomically multiplies by `value`; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchMul(2));
   * ```
   */
  fetchMul(value: ElemValue<T>): ElemValue<T> {
    return this.#s.data.fetchMul(this.#i, value);
  }

  /**
   * Atomically divides by `value` (integer division on integer arrays); returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchDiv(2));
   * ```
   */
  fetchDiv(value: ElemValue<T>): ElemValue<T> {
    return this.#s.data.fetchDiv(this.#i, value);
  }

  /**
   * Atomically takes the remainder by `value`; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchRem(10));
   * ```
   */
  fetchRem(value: ElemValue<T>): ElemValue<T> {
    return this.#s.data.fetchRem(this.#i, value);
  }

  /**
   * Integer arrays: atomically ANDs `value` in; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchBitAnd(0xff));
   * ```
   */
  fetchBitAnd(this: IntElement<T>, value: ElemValue<T>): ElemValue<T> {
    return (this.#s.data as IntLocalData<T>).fetchBitAnd(this.#i, value);
  }

  /**
   * Integer arrays: atomically ORs `value` in; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchBitOr(1 << world.myPe));
   * ```
   */
  fetchBitOr(this: IntElement<T>, value: ElemValue<T>): ElemValue<T> {
    return (this.#s.data as IntLocalData<T>).fetchBitOr(this.#i, value);
  }

  /**
   * Integer arrays: atomically XORs `value` in; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchBitXor(1));
   * ```
   */
  fetchBitXor(this: IntElement<T>, value: ElemValue<T>): ElemValue<T> {
    return (this.#s.data as IntLocalData<T>).fetchBitXor(this.#i, value);
  }

  /**
   * Integer arrays: atomically shifts left by `value`; returns the old value.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchShl(1));
   * ```
   */
  fetchShl(this: IntElement<T>, value: ElemValue<T>): ElemValue<T> {
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
  fetchShr(this: IntElement<T>, value: ElemValue<T>): ElemValue<T> {
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
  add(value: ElemValue<T>): void {
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
  sub(value: ElemValue<T>): void {
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
  mul(value: ElemValue<T>): void {
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
  div(value: ElemValue<T>): void {
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
  rem(value: ElemValue<T>): void {
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
  bitAnd(this: IntElement<T>, value: ElemValue<T>): void {
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
  bitOr(this: IntElement<T>, value: ElemValue<T>): void {
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
  bitXor(this: IntElement<T>, value: ElemValue<T>): void {
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
  shl(this: IntElement<T>, value: ElemValue<T>): void {
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
  shr(this: IntElement<T>, value: ElemValue<T>): void {
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
  compareExchange(current: ElemValue<T>, value: ElemValue<T>): { ok: boolean; value: ElemValue<T> } {
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
  compareExchangeEpsilon(this: FloatElement<T>, current: ElemValue<T>, value: ElemValue<T>, epsilon: number): { ok: boolean; value: ElemValue<T> } {
    return (this.#s.data as FloatLocalData<T>).compareExchangeEpsilon(this.#i, current, value, epsilon);
  }
}
