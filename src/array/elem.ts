/**
 * Element types of arrays: the ten memory-region types, plus `bool`, `i128` and `u128`, which
 * arrays store in a region of another type:
 *   bool        one u8 per element, 0 or 1; values are `boolean` at the API
 *   i128, u128  two u64 words per element, low word first (two's complement); values `bigint`
 * Everything that depends on the element type below the API (storage, reading an element,
 * wrapping a value to the type, converting results for the caller) is decided here, once.
 */
import { ELEM_CTORS, type ElemType, type ReadonlyTypedArray, type TypedArrayOf } from '../memregion/internal.js';

/**
 * Every element type an array can hold.
 *
 * @example
 * ```ts
 * const t: ArrayElemType = 'u128';
 * await AtomicArray.create(world, { type: t, length: 100, distribution: 'block' });
 * ```
 */
export type ArrayElemType = ElemType | 'bool' | 'i128' | 'u128';

/**
 * One element of type `T`: `boolean` for bool, `bigint` for 64- and 128-bit integers, else `number`.
 *
 * @example
 * ```ts
 * const v: ArrayValue<'i128'> = -1n;
 * ```
 */
export type ArrayValue<T extends ArrayElemType> = T extends 'bool' ? boolean : T extends 'i64' | 'u64' | 'i128' | 'u128' ? bigint : number;

/**
 * Many elements of type `T`, as results (`get`, `batchLoad`, fetch batches) give them: the typed
 * array of the type; `Uint8Array` of 0/1 for bool; `bigint[]` for i128/u128 (no typed array holds
 * 128-bit integers).
 *
 * @example
 * ```ts
 * const wide = await AtomicArray.create(world, { type: 'u128', length: 8, distribution: 'block' });
 * const vals: ArrayData<'u128'> = await wide.get(0, 4); // bigint[]
 * ```
 */
export type ArrayData<T extends ArrayElemType> = T extends ElemType ? TypedArrayOf<T> : T extends 'bool' ? Uint8Array : bigint[];

/**
 * This PE's elements as a live view on the array's memory: the typed array of the type;
 * `Uint8Array` of 0/1 for bool; for i128/u128 a `BigUint64Array` of two words per element,
 * low word first.
 *
 * @example
 * ```ts
 * const wide = await UnsafeArray.create(world, { type: 'u128', length: 8, distribution: 'block' });
 * const words: LocalView<'u128'> = wide.unsafeLocalData(); // BigUint64Array, two words per element
 * ```
 */
export type LocalView<T extends ArrayElemType> = T extends ElemType ? TypedArrayOf<T> : T extends 'bool' ? Uint8Array : BigUint64Array;

/**
 * This PE's elements as a read-only view (ReadOnlyArray's `localData()`, read guards): a
 * LocalView typed read-only (no element assignment, `set`, `fill`, `sort`...; see
 * ReadonlyTypedArray). Read-only by type only: at run time it is the view itself.
 * @example
 * ```ts
 * const mine: ReadonlyLocalView<'u32'> = ro.localData();
 * const localMax = mine.reduce((m, x) => Math.max(m, x), 0);
 * ```
 */
export type ReadonlyLocalView<T extends ArrayElemType> = T extends ArrayElemType ? ReadonlyTypedArray<LocalView<T>> : never;

/**
 * Integer element types (arithmetic, bit ops and shifts).
 *
 * @example
 * ```ts
 * function shiftAll<T extends IntElemType>(a: AtomicArray<T>, by: ArrayValue<T>) { return a.batchShl([0, 1], by); }
 * ```
 */
export type IntElemType = Exclude<ArrayElemType, 'f32' | 'f64' | 'bool'>;
/**
 * Floating-point element types (compareExchangeEpsilon).
 *
 * @example
 * ```ts
 * const t: FloatElemType = 'f32';
 * ```
 */
export type FloatElemType = 'f32' | 'f64';
/**
 * Types with bit ops (integers and bool).
 *
 * @example
 * ```ts
 * const t: BitwiseElemType = 'bool';
 * ```
 */
export type BitwiseElemType = Exclude<ArrayElemType, 'f32' | 'f64'>;
/**
 * Types with arithmetic (all but bool).
 *
 * @example
 * ```ts
 * const t: ArithElemType = 'f64';
 * ```
 */
export type ArithElemType = Exclude<ArrayElemType, 'bool'>;

/** How an element type behaves below the API. */
export type ElemClass = 'int' | 'big' | 'float' | 'bool' | 'wide';

export const ARRAY_ELEM_TYPES: readonly ArrayElemType[] = Object.freeze(['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64', 'bool', 'i128', 'u128']);

export function elemClass(t: ArrayElemType): ElemClass {
  switch (t) {
    case 'f32':
    case 'f64':
      return 'float';
    case 'i64':
    case 'u64':
      return 'big';
    case 'bool':
      return 'bool';
    case 'i128':
    case 'u128':
      return 'wide';
    default:
      return 'int';
  }
}

/** The memory-region type an array of `t` is stored as, and storage words per element. */
export function storageOf(t: ArrayElemType): { region: ElemType; words: 1 | 2 } {
  if (t === 'bool') return { region: 'u8', words: 1 };
  if (t === 'i128' || t === 'u128') return { region: 'u64', words: 2 };
  return { region: t, words: 1 };
}

/** The typed array that holds the storage of `t` (words for 128-bit types). */
export function storageCtor(t: ArrayElemType): (typeof ELEM_CTORS)[ElemType] {
  return ELEM_CTORS[storageOf(t).region];
}

const M64 = (1n << 64n) - 1n;

/** Element `k` of a 128-bit word view, as a bigint of `t` (signed for i128). */
export function readWide(words: BigUint64Array, k: number, signed: boolean): bigint {
  const v = (words[2 * k + 1]! << 64n) | words[2 * k]!;
  return signed ? BigInt.asIntN(128, v) : v;
}

/** Writes `v` (any bigint; wrapped to 128 bits) as element `k` of a word view. */
export function writeWide(words: BigUint64Array, k: number, v: bigint): void {
  words[2 * k] = v & M64;
  words[2 * k + 1] = (v >> 64n) & M64;
}

const wrappers = new Map<ArrayElemType, (x: unknown) => unknown>();

/**
 * A function that wraps one value to the element type, as storing it would (integers wrap,
 * f32 rounds, bool becomes a boolean). Made once per type; it writes through a one-element
 * scratch array, so it allocates nothing per call.
 */
export function wrapScratch(t: ArrayElemType): (x: unknown) => unknown {
  let w = wrappers.get(t);
  if (w !== undefined) return w;
  const cls = elemClass(t);
  if (cls === 'bool') w = (x) => Boolean(x);
  else if (cls === 'wide') w = t === 'i128' ? (x) => BigInt.asIntN(128, x as bigint) : (x) => BigInt.asUintN(128, x as bigint);
  else {
    const s = new ELEM_CTORS[t as ElemType](1) as unknown as unknown[];
    w = (x) => {
      s[0] = x;
      return s[0];
    };
  }
  wrappers.set(t, w);
  return w;
}

/** Element `k` of a storage view, as the API's value (boolean for bool, bigint for 128-bit). */
export function readElem(t: ArrayElemType, view: ArrayLike<unknown>, k: number): unknown {
  const cls = elemClass(t);
  if (cls === 'bool') return view[k] !== 0;
  if (cls === 'wide') return readWide(view as BigUint64Array, k, t === 'i128');
  return view[k];
}

/** Results (storage values, `n` elements) as the API gives many: bigint[] for 128-bit, else as is. */
export function toArrayData(t: ArrayElemType, out: unknown): unknown {
  if (elemClass(t) !== 'wide') return out;
  const words = out as BigUint64Array;
  const n = words.length / 2;
  const res = new Array<bigint>(n);
  for (let k = 0; k < n; k++) res[k] = readWide(words, k, t === 'i128');
  return res;
}
