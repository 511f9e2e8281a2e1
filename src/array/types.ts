/**
 * Array vocabulary shared by every array type: distributions, kinds, the element ops and which
 * element types support which op (Lamellar's rules), and the value checks every public call makes
 * before anything is applied. Values are checked into what the kernels see: numbers and bigints
 * (bool as 0/1), or typed arrays of the storage type (two u64 words per 128-bit element).
 */
import { ErrorCode, LamellarError } from '../core/index.js';
import type { ElemType, OneSidedMemoryRegion, SharedMemoryRegion } from '../memregion/index.js';
import type { AtomicLocalData } from './atomic.js';
import { elemClass, readWide, storageCtor, storageOf, writeWide, type ArrayData, type ArrayElemType, type ArrayValue, type LocalView, type ReadonlyLocalView } from './elem.js';
import type { LocalDataGuard } from './guard.js';

export type { ArrayElemType, ArrayValue, ArrayData, LocalView, ReadonlyLocalView, IntElemType, FloatElemType, BitwiseElemType, ArithElemType } from './elem.js';

/**
 * How an array's elements are spread over its team: `'block'` gives each PE one contiguous run,
 * `'cyclic'` deals elements round robin (element i on PE i % numPes), with Lamellar's index
 * formulas.
 * @example
 * ```ts
 * const d: Distribution = 'block';
 * const a = await UnsafeArray.create(world, { type: 'f64', length: 100, distribution: d });
 * ```
 */
export type Distribution = 'block' | 'cyclic';

/**
 * What every array type's `create` takes.
 * @example
 * ```ts
 * const opts: ArrayOptions<'i32'> = { type: 'i32', length: 1024, distribution: 'cyclic' };
 * const a = await LocalLockArray.create(world, opts);
 * ```
 */
export interface ArrayOptions<T extends ArrayElemType> {
  /**
   * The element type (`'u8'`, `'f64'`, `'i64'`...).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'i64', length: 4, distribution: 'block' });
   * ```
   */
  type: T;
  /**
   * The number of elements over all PEs (at most 2^32 - 1); any length, including one smaller than
   * the team.
   * @example
   * ```ts
   * const a = await ReadOnlyArray.create(world, { type: 'u8', length: 3, distribution: 'block' });
   * ```
   */
  length: number;
  /**
   * `'block'` or `'cyclic'` (see Distribution).
   * @example
   * ```ts
   * const a = await UnsafeArray.create(world, { type: 'u32', length: 8, distribution: 'cyclic' });
   * ```
   */
  distribution: Distribution;
}

/** The five array kinds; the code is what travels on the wire. */
export const KINDS = ['UnsafeArray', 'ReadOnlyArray', 'AtomicArray', 'LocalLockArray', 'GlobalLockArray'] as const;
export type ArrayKind = (typeof KINDS)[number];

/** Element ops as small integers, for tight switch statements and the wire. */
export const Op = {
  load: 0,
  store: 1,
  swap: 2,
  add: 3,
  sub: 4,
  mul: 5,
  div: 6,
  rem: 7,
  bitAnd: 8,
  bitOr: 9,
  bitXor: 10,
  shl: 11,
  shr: 12,
  compareExchange: 13,
  compareExchangeEpsilon: 14,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];
export const OP_NAMES: readonly string[] = Object.keys(Op);

/** True for ops that only read (a read lock is enough). */
export const isReadOp = (op: OpCode): boolean => op === Op.load;

export const isBig = (t: ArrayElemType): boolean => t === 'i64' || t === 'u64';

/**
 * Which ops each element type has (Lamellar's rules): floats have no bit ops or shifts; bool has
 * only load, store, swap, compareExchange and the bit ops; compareExchangeEpsilon is for floats.
 */
function supports(type: ArrayElemType, op: OpCode): boolean {
  // load, store, swap and compareExchange exist for every type: decided before the type's class
  // is looked up (this runs once per element op of AtomicLocalData and AtomicElement).
  if (op <= Op.swap || op === Op.compareExchange) return true;
  if (op === Op.compareExchangeEpsilon) return type === 'f32' || type === 'f64';
  const cls = elemClass(type);
  if (cls === 'float') return !(op >= Op.bitAnd && op <= Op.shr);
  if (cls === 'bool') return op >= Op.bitAnd && op <= Op.bitXor;
  return true;
}

/** Throws UNSUPPORTED_OP when element type `type` has no `op` (as in Lamellar). */
export function checkOpSupported(type: ArrayElemType, op: OpCode, what: string): void {
  if (!supports(type, op)) {
    throw new LamellarError(ErrorCode.UNSUPPORTED_OP, `${what}: arrays of '${type}' do not support ${OP_NAMES[op]}`, {
      details: { type, op: OP_NAMES[op] },
    });
  }
}

const INT_RANGES: Partial<Record<ArrayElemType, readonly [number, number]>> = {
  i8: [-128, 127],
  u8: [0, 255],
  i16: [-32768, 32767],
  u16: [0, 65535],
  i32: [-(2 ** 31), 2 ** 31 - 1],
  u32: [0, 2 ** 32 - 1],
};
const BIG_RANGES: Partial<Record<ArrayElemType, readonly [bigint, bigint]>> = {
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  u64: [0n, 2n ** 64n - 1n],
  i128: [-(2n ** 127n), 2n ** 127n - 1n],
  u128: [0n, 2n ** 128n - 1n],
};

/** A value in a message: `2n`, `"2"` (cut), `null`, `an array`, `an object`, `a function`. */
export function shownValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function badValue(type: ArrayElemType, v: unknown, what: string, why: string): LamellarError {
  const shown = shownValue(v);
  return new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: ${shown} is not a valid '${type}' value (${why})`, {
    details: { type, value: typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v },
  });
}

/** A value as the kernels see it: numbers (bool as 0/1) and bigints. */
export type Scalar = number | bigint;

/**
 * Throws TYPE_MISMATCH unless `v` is one value of `type` (bigint for 64/128-bit, boolean for
 * bool, in range for ints), and returns it as the kernels see it (bool as 0/1). An f32 value
 * comes back rounded to f32: every op then sees the value the element would hold
 * (`compareExchange(i, 0.1, x)` after `store(i, 0.1)` compares f32(0.1) with f32(0.1)).
 */
export function checkValue(type: ArrayElemType, v: unknown, what: string): Scalar {
  // Compared by name, not looked up in BIG_RANGES first: every element store of an iterator
  // comes here, and a keyed lookup with varying keys made each call about twice as slow once
  // a program had used a few element types.
  if (type === 'i64' || type === 'u64' || type === 'i128' || type === 'u128') {
    if (typeof v !== 'bigint') throw badValue(type, v, what, 'a bigint is required');
    const big = BIG_RANGES[type]!;
    if (v < big[0] || v > big[1]) throw badValue(type, v, what, 'out of range');
    return v;
  }
  if (type === 'bool') {
    if (typeof v !== 'boolean') throw badValue(type, v, what, 'a boolean is required');
    return v ? 1 : 0;
  }
  if (typeof v !== 'number') throw badValue(type, v, what, 'a number is required');
  if (type === 'f32') return Math.fround(v);
  const r = INT_RANGES[type];
  if (r !== undefined) {
    if (!Number.isInteger(v)) throw badValue(type, v, what, 'an integer is required');
    if (v < r[0] || v > r[1]) throw badValue(type, v, what, 'out of range');
  }
  return v;
}

/** The scalar of an op result (element `k` of storage `out`) as the API gives it. */
export function scalarOut<T extends ArrayElemType>(type: T, out: ArrayLike<unknown>, k: number): ArrayValue<T> {
  const cls = elemClass(type);
  if (cls === 'bool') return (out[k] !== 0) as ArrayValue<T>;
  if (cls === 'wide') {
    const w = out as BigUint64Array;
    const v = (w[2 * k + 1]! << 64n) | w[2 * k]!;
    return (type === 'i128' ? BigInt.asIntN(128, v) : v) as ArrayValue<T>;
  }
  return out[k] as ArrayValue<T>;
}

/**
 * Throws TYPE_MISMATCH unless the epsilon of compareExchangeEpsilon is a number, INVALID_ARGUMENT
 * unless it is finite and not negative: `|element - current| < epsilon` would never hold for NaN
 * or a negative one (every exchange silently failing), and would always hold for Infinity.
 */
export function checkEpsilon(eps: unknown, what: string): number {
  const e = checkValue('f64', eps, `${what} (epsilon)`) as number;
  if (!(e >= 0 && e < Infinity)) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: epsilon must be a finite number >= 0, got ${e}`, { details: { epsilon: e } });
  }
  return e;
}

/**
 * Values of a batch: one value for every index, or one per index, as a typed array of the
 * element type (a `Uint8Array` of 0/1 for bool, a `BigUint64Array` of two words per element for
 * i128/u128), a plain array of values, or another array's local data: a guard
 * (`readLocalData()`), an `AtomicLocalData`, a ReadOnlyArray's `localData()`, a memory region's
 * local part, or any iterable of values (a generator), whose items are taken at the call.
 * @example
 * ```ts
 * await a.batchAdd([0, 1], new Uint32Array([5, 6]));
 * await a.batchAdd([0, 1], 1);
 * await a.batchAdd(7, [1, 2, 3]); // one index, many values
 * const ll = await LocalLockArray.create(world, { type: 'u32', length: 8, distribution: 'block' });
 * using g = await ll.readLocalData();
 * await a.batchAdd(0, g); // another array's local data as the values
 * ```
 */
export type BatchValues<T extends ArrayElemType> =
  | ArrayValue<T>
  | ArrayData<T>
  | LocalView<T>
  | ReadonlyLocalView<T>
  | readonly ArrayValue<T>[]
  | Iterable<ArrayValue<T>>
  | BatchSource<T>
  | (T extends ElemType ? SharedMemoryRegion<T> | OneSidedMemoryRegion<T> : never);

/**
 * Another array's local data standing as a batch op's indices or values (Lamellar's OpInput): a
 * lock-array guard over this PE's part (`readLocalData()`, `writeLocalData()`, `readLock()`,
 * `writeLock()`) or an AtomicLocalData, of element type `T`. Its elements are read when the op
 * is called; a released guard throws USE_AFTER_RELEASE.
 * @example
 * ```ts
 * const idx = await LocalLockArray.create(world, { type: 'u32', length: 8, distribution: 'block' });
 * using g = await idx.readLocalData();
 * const src: BatchSource<'u32'> = g;
 * await a.batchAdd(src, 1); // this PE's part of idx as the indices
 * ```
 */
export type BatchSource<T extends ArrayElemType> = T extends ArrayElemType ? LocalDataGuard<ReadonlyLocalView<T>> | AtomicLocalData<T> : never;

/** Storage values of a batch: a scalar, or a typed array of the storage type. */
export type Values = Scalar | ArrayLike<Scalar>;

function badValues(type: ArrayElemType, v: unknown, what: string): LamellarError {
  const ctor = storageCtor(type);
  const got = ArrayBuffer.isView(v) ? v.constructor.name : v === null ? 'null' : typeof v;
  return new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: values must be a '${type}' value, a ${ctor.name} or an array of values, got ${got}`, {
    details: { type, got },
  });
}

/** Number of elements in a (non-scalar) batch value argument, or -1 for a scalar. */
export function valuesLength(type: ArrayElemType, v: unknown): number {
  if (typeof v !== 'object' || v === null) return -1;
  const len = (v as ArrayLike<unknown>).length;
  if (typeof len !== 'number') return -1;
  return Array.isArray(v) ? len : len / storageOf(type).words;
}

/**
 * A checked batch value argument (already resolved from guards and local data): a scalar, or a
 * storage typed array of exactly `n` elements of `type` (a plain array is checked element by
 * element and copied into one). Unequal numbers of values and indices are refused.
 */
export function checkValues(type: ArrayElemType, v: unknown, n: number, what: string): Values {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return checkValue(type, v, what);
  const { words } = storageOf(type);
  const ctor = storageCtor(type);
  let arr: ArrayLike<Scalar>;
  let count: number;
  if (v instanceof ctor) {
    arr = v as unknown as ArrayLike<Scalar>;
    count = arr.length / words;
    if (type === 'bool') for (let k = 0; k < arr.length; k++) if (arr[k] !== 0 && arr[k] !== 1) throw badValue(type, arr[k], `${what} (value ${k}; nothing was applied)`, 'bool storage holds 0 or 1');
  } else if (Array.isArray(v)) {
    count = v.length;
    const out = new ctor(count * words) as unknown as Scalar[];
    for (let k = 0; k < count; k++) {
      const x = checkValue(type, v[k], `${what} (value ${k}; nothing was applied)`);
      if (words === 2) writeWide(out as unknown as BigUint64Array, k, x as bigint);
      else out[k] = x;
    }
    arr = out;
  } else throw badValues(type, v, what);
  if (count !== n) {
    // A 128-bit type's storage holds two words a value: an odd number of words is no whole count.
    const shown = Number.isInteger(count) ? `${count} values` : `${count * words} words (${words} per ${type} value)`;
    throw new LamellarError(
      ErrorCode.INVALID_ARGUMENT,
      `${what}: ${shown} for ${n} ${n === 1 ? 'index' : 'indices'} (the lists must be equally long; nothing was applied)`,
      { details: { values: count, indices: n } },
    );
  }
  return arr;
}

/** Integer division and remainder by zero, and shifts past the width, are refused at the call. */
export function checkOperand(type: ArrayElemType, op: OpCode, v: Values, what: string): void {
  // The op first: most ops have no operand rule, and this runs once per element op.
  const division = op === Op.div || op === Op.rem;
  if (!division && op !== Op.shl && op !== Op.shr) return;
  const cls = elemClass(type);
  if (cls === 'float' || cls === 'bool') return;
  const bits = bitsOf(type);
  const bad = (x: Scalar): boolean => (division ? x === 0 || x === 0n : x < 0 || x >= bits);
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (bad(v)) throw operandError(type, op, v, what);
    return;
  }
  if (cls === 'wide') {
    const w = v as BigUint64Array;
    for (let k = 0; k < w.length / 2; k++) {
      const x = readWide(w, k, false);
      // A shift amount is read as unsigned: a negative i128 amount is huge, hence refused.
      if (bad(x)) throw operandError(type, op, type === 'i128' ? BigInt.asIntN(128, x) : x, what);
    }
    return;
  }
  for (let k = 0; k < v.length; k++) if (bad(v[k]!)) throw operandError(type, op, v[k]!, what);
}

/**
 * A shift amount given as one number is checked before it is read as an element value: on an
 * unsigned type `shr(i, -1)` is a shift outside `[0, bits)` (INVALID_ARGUMENT), not a bad 'u32'.
 */
export function checkShiftAmount(type: ArrayElemType, op: OpCode, v: unknown, what: string): void {
  if ((op === Op.shl || op === Op.shr) && (typeof v === 'number' || typeof v === 'bigint')) checkOperand(type, op, v, what);
}

function bitsOf(type: ArrayElemType): number {
  return storageCtor(type).BYTES_PER_ELEMENT * 8 * storageOf(type).words;
}

function operandError(type: ArrayElemType, op: OpCode, v: Scalar, what: string): LamellarError {
  const why = op === Op.div || op === Op.rem ? 'integer division by zero' : `shift amount outside [0, ${bitsOf(type)})`;
  return new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: ${why} on '${type}' (${String(v)})`, { details: { type, op: OP_NAMES[op], value: String(v) } });
}
