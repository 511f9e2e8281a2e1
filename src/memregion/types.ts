/**
 * Element types of memory regions (and, later, arrays): the names users write, the typed array
 * each one maps to, and the checks every public call makes before a byte moves.
 */
import { ErrorCode, LamellarError, shownNumber } from '../core/index.js';

/**
 * The element types of regions and arrays: signed and unsigned integers of 8 to 64 bits and 32- and
 * 64-bit floats. 64-bit integers are `bigint` values.
 * @example
 * ```ts
 * const t: ElemType = 'u64';
 * const a = await AtomicArray.create(world, { type: t, length: 4, distribution: 'block' });
 * await a.add(0, 1n);
 * ```
 */
export type ElemType = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f32' | 'f64';

/**
 * Element type name to the typed array that holds it (e.g. `f64` to `Float64Array`).
 * @example
 * ```ts
 * const view: TypedArrayMap['i16'] = new Int16Array(4);
 * ```
 */
export interface TypedArrayMap {
  /** `'i8'` elements live in an Int8Array. */
  i8: Int8Array;
  /** `'u8'` elements live in a Uint8Array. */
  u8: Uint8Array;
  /** `'i16'` elements live in an Int16Array. */
  i16: Int16Array;
  /** `'u16'` elements live in a Uint16Array. */
  u16: Uint16Array;
  /** `'i32'` elements live in an Int32Array. */
  i32: Int32Array;
  /** `'u32'` elements live in a Uint32Array. */
  u32: Uint32Array;
  /** `'i64'` elements live in a BigInt64Array. */
  i64: BigInt64Array;
  /** `'u64'` elements live in a BigUint64Array. */
  u64: BigUint64Array;
  /** `'f32'` elements live in a Float32Array. */
  f32: Float32Array;
  /** `'f64'` elements live in a Float64Array. */
  f64: Float64Array;
}

/**
 * The typed array of element type `T`: `TypedArrayOf<'f64'>` is `Float64Array`.
 * @example
 * ```ts
 * const r = await world.allocSharedMemRegion('i32', 4);
 * const mine: TypedArrayOf<'i32'> = r.unsafeLocalData(); // Int32Array
 * ```
 */
export type TypedArrayOf<T extends ElemType> = TypedArrayMap[T];

/**
 * One element of type `T`: a number, or a bigint for i64/u64.
 * @example
 * ```ts
 * const x: ElemValue<'u64'> = 5n;
 * const y: ElemValue<'f32'> = 0.5;
 * ```
 */
export type ElemValue<T extends ElemType> = T extends 'i64' | 'u64' ? bigint : number;

/**
 * Any of the typed arrays an element type maps to.
 * @example
 * ```ts
 * const views: AnyTypedArray[] = [new Uint8Array(2), new Float64Array(2), new BigInt64Array(2)];
 * ```
 */
export type AnyTypedArray = TypedArrayMap[ElemType];

/**
 * The methods that write through a typed array view (`subarray` returns a writable view): what
 * ReadonlyTypedArray leaves out.
 * @example
 * ```ts
 * type Gone = 'set' | 'fill'; // among them
 * ```
 */
type TypedArrayMutators = 'set' | 'fill' | 'copyWithin' | 'sort' | 'reverse' | 'subarray';

/**
 * A typed array `A` seen read-only: elements can be read, iterated, sliced (into a new,
 * writable copy) and reduced, but not assigned, and it has no `set`, `fill`, `copyWithin`,
 * `sort` or `reverse`; `subarray` gives another read-only view. Read-only by type only: at run
 * time it is the typed array itself, a view on the array's memory, so a cast that writes through
 * it changes the array. Nothing is copied and nothing is checked on access.
 * @example
 * ```ts
 * const ro = await ReadOnlyArray.create(world, { type: 'f64', length: 100, distribution: 'block' });
 * const mine: ReadonlyTypedArray<Float64Array> = ro.localData();
 * const total = mine.reduce((s, x) => s + x, 0); // reading is fine
 * const copy = mine.slice();                     // a writable Float64Array copy
 * ```
 */
export type ReadonlyTypedArray<A extends AnyTypedArray> = Omit<A, TypedArrayMutators | number> & {
  readonly [index: number]: A extends BigInt64Array | BigUint64Array ? bigint : number;
  /** A read-only view of elements [begin, end) (no copy). */
  subarray(begin?: number, end?: number): ReadonlyTypedArray<A>;
};

/**
 * The read-only view of element type `T`'s typed array, e.g. `ReadonlyTypedArrayOf<'f64'>` is
 * a read-only `Float64Array`. See `ReadonlyTypedArray` for what is enforced.
 * @example
 * ```ts
 * const ro = await ReadOnlyArray.create(world, { type: 'u32', length: 8, distribution: 'cyclic' });
 * const view: ReadonlyTypedArrayOf<'u32'> = ro.localData();
 * ```
 */
export type ReadonlyTypedArrayOf<T extends ElemType> = ReadonlyTypedArray<TypedArrayOf<T>>;

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

/** What a put/get was given instead of a typed array, for messages: its class (`SharedMemoryRegion`, `Array`), or its type. */
export function describeData(data: unknown): string {
  if (typeof data !== 'object' || data === null) return data === null ? 'null' : typeof data;
  const ctor: unknown = (data as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'object';
}

/** "an Int32Array", "a Float64Array": a typed array's name with its article. */
export const withArticle = (name: string): string => `${name.startsWith('Int') ? 'an' : 'a'} ${name}`;

/** Throws TYPE_MISMATCH unless `data` is a typed array of exactly the region's element type. */
export function checkData<T extends ElemType>(data: unknown, type: T, what: string, orRegion = '', owner = 'a region'): TypedArrayOf<T> {
  const ctor = ELEM_CTORS[type];
  if (!(data instanceof ctor)) {
    const got = describeData(data);
    throw new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: ${owner} of '${type}' takes ${withArticle(ctor.name)}${orRegion}, got ${got}`, {
      details: { expected: ctor.name, got },
    });
  }
  return checkAttached(data as TypedArrayOf<T>, what);
}

/** Throws INVALID_ARGUMENT if `data`'s buffer was detached; else returns it. */
export function checkAttached<A extends ArrayBufferView>(data: A, what: string): A {
  if (data.byteLength !== 0 || !isDetached(data)) return data;
  throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: the ${describeData(data)}'s buffer is detached (it was transferred to another thread, or by structuredClone): it holds no data`, {
    details: { detached: true },
  });
}

/**
 * Whether `data`'s ArrayBuffer was detached (transferred). Node 20 has no `detached` property; a
 * detached view reads as empty, and only then is the buffer asked (its slice() throws), so
 * the check costs nothing for data that has bytes. Without it, a put from one failed in V8's
 * own words: a TypeError without a code, thrown on shmem and rejected on tcp and ofi.
 */
function isDetached(data: ArrayBufferView): boolean {
  const b = data.buffer;
  if (!(b instanceof ArrayBuffer)) return false;
  try {
    b.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

/** Throws INDEX_OUT_OF_BOUNDS unless [index, index + count) lies inside [0, length). */
export function checkRange(index: unknown, count: number, length: number, what: string): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index + count > length) {
    // A fraction or NaN is not out of range: say what it is instead.
    const problem = typeof index !== 'number'
      ? `index ${typeof index === 'string' ? JSON.stringify(index) : String(index)} is a ${index === null ? 'null' : typeof index}, not an integer`
      : Number.isNaN(index) || (Number.isFinite(index) && !Number.isInteger(index))
        ? `index ${index} is not an integer`
        : `elements [${index}, ${index + count}) are outside the region's ${length} elements`;
    throw new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `${what}: ${problem}`, { details: { index, count, length } });
  }
  return index;
}

/** Throws INVALID_ARGUMENT unless `n` is a whole number of elements >= 0. */
export function checkCount(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > Number.MAX_SAFE_INTEGER) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: element count must be a non-negative integer, got ${shownNumber(n)}`, {
      details: { n },
    });
  }
  return n;
}

/** Throws INDEX_OUT_OF_BOUNDS unless [start, end) is a range of `length` elements (subRegion). */
export function checkWindow(start: unknown, end: unknown, length: number, what: string): void {
  if (typeof start !== 'number' || typeof end !== 'number' || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > length) {
    throw badWindow(start, end, length, `${what}: `, "the region's");
  }
}

/** A bound as the caller wrote it: `2n`, `"2"`, `null`. */
const shownBound = (v: unknown): string => (typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v));

/**
 * The INDEX_OUT_OF_BOUNDS error of a window [start, end) that is not one of `length` elements
 * (sub-regions, sub-arrays); a bound that is not a number says so, as an element index does.
 */
export function badWindow(start: unknown, end: unknown, length: number, prefix: string, whose: string): LamellarError {
  const notNumber = ([['start', start], ['end', end]] as const).find(([, v]) => typeof v !== 'number');
  const why = notNumber === undefined
    ? ''
    : `: ${notNumber[0]} is ${notNumber[1] === null ? 'null' : notNumber[1] === undefined ? 'missing (undefined)' : `a ${typeof notNumber[1]}`}; bounds are numbers${typeof notNumber[1] === 'bigint' ? ' (Number(i))' : ''}`;
  return new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `${prefix}[${shownBound(start)}, ${shownBound(end)}) is not a range of ${whose} ${length} elements${why}`, {
    details: { start, end, length },
  });
}
