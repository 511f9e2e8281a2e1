/**
 * Array vocabulary shared by every array type: distributions, kinds, the element ops and which
 * element types support which op (Lamellar's rules: no bit ops or shifts on floats,
 * compareExchangeEpsilon only on floats), and the value checks every public call makes before
 * anything is applied.
 */
import { ErrorCode, LamellarError } from '../core/index.js';
import { ELEM_CTORS, type ElemType, type ElemValue, type TypedArrayOf } from '../memregion/internal.js';

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
 * The integer element types, which have bit ops and shifts.
 * @example
 * ```ts
 * const t: IntElemType = 'u16';
 * ```
 */
export type IntElemType = Exclude<ElemType, 'f32' | 'f64'>;
/**
 * The floating-point element types, which have compareExchangeEpsilon.
 * @example
 * ```ts
 * const t: FloatElemType = 'f32';
 * ```
 */
export type FloatElemType = 'f32' | 'f64';

/**
 * What every array type's `create` takes.
 * @example
 * ```ts
 * const opts: ArrayOptions<'i32'> = { type: 'i32', length: 1024, distribution: 'cyclic' };
 * const a = await LocalLockArray.create(world, opts);
 * ```
 */
export interface ArrayOptions<T extends ElemType> {
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

const isFloat = (t: ElemType): boolean => t === 'f32' || t === 'f64';
export const isBig = (t: ElemType): boolean => t === 'i64' || t === 'u64';

/** Throws UNSUPPORTED_OP when element type `type` has no `op` (as in Lamellar). */
export function checkOpSupported(type: ElemType, op: OpCode, what: string): void {
  const bitOrShift = op >= Op.bitAnd && op <= Op.shr;
  if ((bitOrShift && isFloat(type)) || (op === Op.compareExchangeEpsilon && !isFloat(type))) {
    throw new LamellarError(ErrorCode.UNSUPPORTED_OP, `${what}: arrays of '${type}' do not support ${OP_NAMES[op]}`, {
      details: { type, op: OP_NAMES[op] },
    });
  }
}

const INT_RANGES: Partial<Record<ElemType, readonly [number, number]>> = {
  i8: [-128, 127],
  u8: [0, 255],
  i16: [-32768, 32767],
  u16: [0, 65535],
  i32: [-(2 ** 31), 2 ** 31 - 1],
  u32: [0, 2 ** 32 - 1],
};
const BIG_RANGES: Partial<Record<ElemType, readonly [bigint, bigint]>> = {
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  u64: [0n, 2n ** 64n - 1n],
};

function badValue(type: ElemType, v: unknown, what: string, why: string): LamellarError {
  const shown = typeof v === 'bigint' ? `${v}n` : typeof v === 'number' ? String(v) : typeof v;
  return new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: ${shown} is not a valid '${type}' value (${why})`, {
    details: { type, value: typeof v === 'bigint' || typeof v === 'number' ? String(v) : typeof v },
  });
}

/**
 * Throws TYPE_MISMATCH unless `v` is one value of `type` (bigint for 64-bit, in range for ints).
 * An f32 value comes back rounded to f32: every op then sees the value the element would hold
 * (`compareExchange(i, 0.1, x)` after `store(i, 0.1)` compares f32(0.1) with f32(0.1)).
 */
export function checkValue<T extends ElemType>(type: T, v: unknown, what: string): ElemValue<T> {
  if (isBig(type)) {
    if (typeof v !== 'bigint') throw badValue(type, v, what, 'a bigint is required');
    const [lo, hi] = BIG_RANGES[type]!;
    if (v < lo || v > hi) throw badValue(type, v, what, 'out of range');
    return v as ElemValue<T>;
  }
  if (typeof v !== 'number') throw badValue(type, v, what, 'a number is required');
  if (type === 'f32') return Math.fround(v) as ElemValue<T>;
  const r = INT_RANGES[type];
  if (r !== undefined) {
    if (!Number.isInteger(v)) throw badValue(type, v, what, 'an integer is required');
    if (v < r[0] || v > r[1]) throw badValue(type, v, what, 'out of range');
  }
  return v as ElemValue<T>;
}

/** Throws TYPE_MISMATCH unless the epsilon of compareExchangeEpsilon is a number. */
export function checkEpsilon(eps: unknown, what: string): number {
  return checkValue('f64', eps, `${what} (epsilon)`);
}

/**
 * Element indices of a batch: any array-like of numbers (a plain array, a Uint32Array, ...) or a
 * 64-bit integer typed array, whose bigints are taken as the numbers they are.
 *
 * @example
 * ```ts
 * await a.batchAdd(new Uint32Array([0, 5, 9]), 1);
 * await a.batchAdd(BigInt64Array.from([0n, 5n]), 1);
 * ```
 */
export type BatchIndices = ArrayLike<number> | BigInt64Array | BigUint64Array;

/**
 * The values of a batch op: one value for every index, or one per index (a typed array of the
 * element type, or an array of values).
 * @example
 * ```ts
 * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
 * await a.batchAdd([0, 1, 2], 5);
 * await a.batchAdd([0, 1, 2], new Uint32Array([1, 2, 3]));
 * await a.batchAdd([0, 1, 2], [1, 2, 3]);
 * ```
 */
export type BatchValues<T extends ElemType> = ElemValue<T> | TypedArrayOf<T> | readonly ElemValue<T>[];

/**
 * A checked batch value argument: a scalar, or a typed array of exactly `n` elements of `type`
 * (a plain array is checked element by element and copied into one).
 */
export function checkValues<T extends ElemType>(type: T, v: unknown, n: number, what: string): ElemValue<T> | TypedArrayOf<T> {
  if (typeof v === 'number' || typeof v === 'bigint') return checkValue(type, v, what);
  let arr: TypedArrayOf<T>;
  if (v instanceof ELEM_CTORS[type]) arr = v as TypedArrayOf<T>;
  else if (Array.isArray(v)) {
    arr = new ELEM_CTORS[type](v.length) as TypedArrayOf<T>;
    for (let k = 0; k < v.length; k++) (arr as unknown as unknown[])[k] = checkValue(type, v[k], `${what} (value ${k})`);
  } else {
    const got = ArrayBuffer.isView(v) ? v.constructor.name : v === null ? 'null' : typeof v;
    throw new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: values must be a '${type}' value, a ${ELEM_CTORS[type].name} or an array of values, got ${got}`, {
      details: { type, got },
    });
  }
  if (arr.length !== n) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: ${arr.length} values for ${n} indices`, { details: { values: arr.length, indices: n } });
  }
  return arr;
}

/** Integer division and remainder by zero, and shifts past the width, are refused at the call. */
export function checkOperand(type: ElemType, op: OpCode, v: ElemValue<ElemType> | TypedArrayOf<ElemType>, what: string): void {
  if (isFloat(type)) return;
  const division = op === Op.div || op === Op.rem;
  if (!division && op !== Op.shl && op !== Op.shr) return;
  const bits = ELEM_CTORS[type].BYTES_PER_ELEMENT * 8;
  const bad = (x: number | bigint): boolean => (division ? x === 0 || x === 0n : x < 0 || x >= bits);
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (bad(v)) throw operandError(type, op, v, what);
    return;
  }
  for (let k = 0; k < v.length; k++) if (bad(v[k]!)) throw operandError(type, op, v[k]!, what);
}

function operandError(type: ElemType, op: OpCode, v: number | bigint, what: string): LamellarError {
  const why = op === Op.div || op === Op.rem ? 'integer division by zero' : `shift amount outside [0, ${ELEM_CTORS[type].BYTES_PER_ELEMENT * 8})`;
  return new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: ${why} on '${type}' (${String(v)})`, { details: { type, op: OP_NAMES[op], value: String(v) } });
}
