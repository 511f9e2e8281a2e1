/**
 * Element types of memory regions (and, later, arrays): the names users write, the typed array
 * each one maps to, and the checks every public call makes before a byte moves.
 */
import { ErrorCode, LamellarError } from '../core/index.js';

/** The element types a region or array can hold; 64-bit integers are bigint. */
export type ElemType = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f32' | 'f64';

/** Element type name -> the typed array that holds it. */
export interface TypedArrayMap {
  i8: Int8Array;
  u8: Uint8Array;
  i16: Int16Array;
  u16: Uint16Array;
  i32: Int32Array;
  u32: Uint32Array;
  i64: BigInt64Array;
  u64: BigUint64Array;
  f32: Float32Array;
  f64: Float64Array;
}

/** The typed array of element type `T`, e.g. `TypedArrayOf<'f64'>` is `Float64Array`. */
export type TypedArrayOf<T extends ElemType> = TypedArrayMap[T];

/** One element of type `T`: number, or bigint for i64/u64. */
export type ElemValue<T extends ElemType> = T extends 'i64' | 'u64' ? bigint : number;

export type AnyTypedArray = TypedArrayMap[ElemType];

type Ctor<T extends ElemType> = {
  new (length: number): TypedArrayOf<T>;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArrayOf<T>;
  readonly BYTES_PER_ELEMENT: number;
};

export const ELEM_CTORS: { readonly [K in ElemType]: Ctor<K> } = Object.freeze({
  i8: Int8Array,
  u8: Uint8Array,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
  f32: Float32Array,
  f64: Float64Array,
});

export const ELEM_TYPES: readonly ElemType[] = Object.freeze(Object.keys(ELEM_CTORS) as ElemType[]);

/** A small stable code per type, for the wire and for collective fingerprints. */
export const elemCode = (t: ElemType): number => ELEM_TYPES.indexOf(t);

export function elemTypeOfCode(code: number): ElemType {
  const t = ELEM_TYPES[code];
  if (t === undefined) throw new LamellarError(ErrorCode.DESERIALIZE, `unknown element type code ${code}`);
  return t;
}

export function checkElemType(type: unknown, what: string): ElemType {
  if (typeof type !== 'string' || !(type in ELEM_CTORS)) {
    throw new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: element type must be one of ${ELEM_TYPES.join(', ')}, got ${String(type)}`, {
      details: { type },
    });
  }
  return type as ElemType;
}

/** Throws TYPE_MISMATCH unless `data` is a typed array of exactly the region's element type. */
export function checkData<T extends ElemType>(data: unknown, type: T, what: string): TypedArrayOf<T> {
  const ctor = ELEM_CTORS[type];
  if (!(data instanceof ctor)) {
    const got = ArrayBuffer.isView(data) ? data.constructor.name : data === null ? 'null' : typeof data;
    throw new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: a region of '${type}' takes a ${ctor.name}, got ${got}`, {
      details: { expected: ctor.name, got },
    });
  }
  return data as TypedArrayOf<T>;
}

/** Throws INDEX_OUT_OF_BOUNDS unless [index, index + count) lies inside [0, length). */
export function checkRange(index: unknown, count: number, length: number, what: string): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index + count > length) {
    throw new LamellarError(
      ErrorCode.INDEX_OUT_OF_BOUNDS,
      `${what}: elements [${String(index)}, ${typeof index === 'number' ? index + count : '?'}) are outside the region's ${length} elements`,
      { details: { index, count, length } },
    );
  }
  return index;
}

/** Throws INVALID_ARGUMENT unless `n` is a whole number of elements >= 0. */
export function checkCount(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > Number.MAX_SAFE_INTEGER) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: element count must be a non-negative integer, got ${String(n)}`, {
      details: { n },
    });
  }
  return n;
}

/** Throws INDEX_OUT_OF_BOUNDS unless [start, end) is a range of `length` elements (subRegion). */
export function checkWindow(start: unknown, end: unknown, length: number, what: string): void {
  if (typeof start !== 'number' || typeof end !== 'number' || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > length) {
    throw new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `${what}: [${String(start)}, ${String(end)}) is not a range of the region's ${length} elements`, {
      details: { start, end, length },
    });
  }
}
