/**
 * Team collectives beyond Lamellar (OpenSHMEM's and MPI's): allReduce, broadcast, allGather,
 * gather and the two scans, on any team. Each is one exchange on the team's channel
 * (coll/channel.ts), so it is sequenced and matched like every other collective, and its values
 * travel through the project's codec. Reductions fold in team PE order, so every member computes
 * exactly the same result (floating-point sums included).
 *
 * Bad input (an unknown op, a root out of range, `and` on floats) still takes part in the
 * exchange: the caller rejects with its own coded error and every other member rejects too,
 * so nobody waits and the team stays usable.
 */
import { checkPe, ErrorCode, LamellarError } from '../core/index.js';
import type { Channel, ExchangeOptions } from './coll/channel.js';
import { Kind } from './coll/kinds.js';
import type { Site } from './coll/site.js';
import { BUILTIN_OPS, lookupReduction } from './reductions.js';

/**
 * Typed arrays that team reductions work on, element by element.
 * @example
 * ```ts
 * const sums = await world.allReduce(new Float64Array([world.myPe, 1]), 'sum');
 * ```
 */
export type NumericArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/**
 * What `allReduce` and the scans take: a number, a bigint, or a typed array (element-wise).
 * @example
 * ```ts
 * const v: Reducible = 5n;
 * const total = await world.allReduce(v, 'sum');
 * ```
 */
export type Reducible = number | bigint | NumericArray;

/**
 * The result type of reducing `T`: numbers stay numbers (not literal types), arrays keep their
 * type.
 * @example
 * ```ts
 * type R = Reduced<3>; // number
 * type S = Reduced<Uint32Array>; // Uint32Array
 * ```
 */
export type Reduced<T extends Reducible> = T extends number ? number : T extends bigint ? bigint : T;

/**
 * A built-in op, or the name of a reduction registered with `registerReduction`.
 * @example
 * ```ts
 * const op: ReduceOp = 'max';
 * const biggest = await world.allReduce(world.myPe, op);
 * ```
 */
export type ReduceOp = 'sum' | 'prod' | 'min' | 'max' | 'and' | 'or' | 'xor' | (string & {});

/**
 * Ops with an identity, so `exclusiveScan` gives team PE 0 a value (not undefined).
 * @example
 * ```ts
 * const op: IdentityOp = 'sum';
 * const before: number = await world.exclusiveScan(1, op); // my PE number
 * ```
 */
export type IdentityOp = 'sum' | 'prod' | 'and' | 'or' | 'xor';

const BIT_OPS = new Set(['and', 'or', 'xor']);
const isFloatArray = (v: unknown): boolean => v instanceof Float32Array || v instanceof Float64Array;

function isNumericArray(v: unknown): v is NumericArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * "number", "bigint", "Float64Array[3]": part of the call description compared across members.
 * A typed array is named by its element type (its toStringTag), so a Node Buffer is a Uint8Array
 * here, as it is on arrival.
 */
function shapeOf(v: Reducible): string {
  return typeof v === 'number' || typeof v === 'bigint' ? typeof v : `${v[Symbol.toStringTag]}[${v.length}]`;
}

/** Checks a value and op; returns the error to take part with, or undefined. */
function checkReduce(what: string, value: unknown, op: unknown): LamellarError | undefined {
  if (typeof value !== 'number' && typeof value !== 'bigint' && !isNumericArray(value)) {
    return new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: the value must be a number, a bigint or a typed array, got ${value === null ? 'null' : typeof value}`);
  }
  if (typeof op !== 'string' || (!(BUILTIN_OPS as readonly string[]).includes(op) && lookupReduction(op) === undefined)) {
    return new LamellarError(
      ErrorCode.INVALID_ARGUMENT,
      `${what}: unknown op '${String(op)}'; use one of ${BUILTIN_OPS.join(', ')} or a name given to registerReduction()`,
      { details: { op } },
    );
  }
  if (BIT_OPS.has(op)) {
    if (isFloatArray(value) || (typeof value === 'number' && !(Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 32))) {
      return new LamellarError(
        ErrorCode.UNSUPPORTED_OP,
        `${what}: '${op}' needs integers (32-bit for numbers), bigints or integer typed arrays, got ${typeof value === 'number' ? value : value.constructor.name}`,
        { details: { op } },
      );
    }
  }
  return undefined;
}

type Scalar = number | bigint;

function scalarOp(op: string, big: boolean): (a: Scalar, b: Scalar) => Scalar {
  switch (op) {
    case 'sum': return (a, b) => (a as number) + (b as number);
    case 'prod': return (a, b) => (a as number) * (b as number);
    // NaN wins, as in Math.min and Math.max; so does -0 over 0 in min and 0 over -0 in max,
    // whichever PE's comes first.
    case 'min': return (a, b) => (b < a || b !== b || (b === 0 && a === 0 && Object.is(b, -0)) ? b : a);
    case 'max': return (a, b) => (b > a || b !== b || (b === 0 && a === 0 && Object.is(a, -0)) ? b : a);
    // Numbers: 32-bit, unsigned when both are (so 0xffffffff & x stays positive).
    case 'and': return big ? (a, b) => (a as bigint) & (b as bigint) : (a, b) => bits((a as number) & (b as number), a, b);
    case 'or': return big ? (a, b) => (a as bigint) | (b as bigint) : (a, b) => bits((a as number) | (b as number), a, b);
    case 'xor': return big ? (a, b) => (a as bigint) ^ (b as bigint) : (a, b) => bits((a as number) ^ (b as number), a, b);
    default: return lookupReduction(op) as unknown as (a: Scalar, b: Scalar) => Scalar;
  }
}

const bits = (r: number, a: Scalar, b: Scalar): number => ((a as number) >= 0 && (b as number) >= 0 ? r >>> 0 : r | 0);

/**
 * out[k] = a[k] op b[k] (wrapping to the element type, as the array stores; `out` may be `a`).
 * Sum and prod are plain loops: the op's closure per element took 3x as long on 1M doubles. A
 * 32-bit product is Math.imul's, exact in its low bits as the array's own `mul` is (a product of
 * doubles past 2^53 had lost them). A registered op must return the type it combines, as for
 * numbers and bigints: a string stored into a typed array would be converted without a word.
 */
function combineInto(op: string, f: (a: Scalar, b: Scalar) => Scalar, out: NumericArray, a: NumericArray, b: NumericArray): void {
  const o = out as unknown as Scalar[];
  const x = a as unknown as Scalar[];
  const y = b as unknown as Scalar[];
  const n = out.length;
  if (op === 'sum') for (let k = 0; k < n; k++) o[k] = (x[k] as number) + (y[k] as number);
  else if (op === 'prod' && (out instanceof Int32Array || out instanceof Uint32Array)) for (let k = 0; k < n; k++) o[k] = Math.imul(x[k] as number, y[k] as number);
  else if (op === 'prod') for (let k = 0; k < n; k++) o[k] = (x[k] as number) * (y[k] as number);
  else {
    const want = out instanceof BigInt64Array || out instanceof BigUint64Array ? 'bigint' : 'number';
    for (let k = 0; k < n; k++) {
      const r = f(x[k]!, y[k]!);
      if (typeof r !== want) throw typeMismatch(op, r, want);
      o[k] = r;
    }
  }
}

function typeMismatch(op: string, got: unknown, want: string): LamellarError {
  return new LamellarError(
    ErrorCode.TYPE_MISMATCH,
    `reduction '${op}' returned ${got === null ? 'null' : typeof got} when combining ${want}s; a reduction returns the type it combines`,
    { details: { op } },
  );
}

/**
 * The op's identity, shaped like `all[0]`. 'and' has every bit set: for numbers 0xffffffff when
 * every operand is non-negative (the op is unsigned then, and the other PEs' results are), else
 * -1; for a Uint8ClampedArray 255 (a fill with -1 would clamp to 0).
 */
function identity(op: string, all: readonly Reducible[]): Reducible | undefined {
  const like = all[0]!;
  const scalar = (big: boolean): Scalar | undefined => {
    switch (op) {
      case 'sum': case 'or': case 'xor': return big ? 0n : 0;
      case 'prod': return big ? 1n : 1;
      case 'and': return big ? -1n : typeof like === 'number' && all.every((v) => (v as number) >= 0) ? 0xffffffff : -1;
      default: return undefined;
    }
  };
  if (typeof like === 'number' || typeof like === 'bigint') return scalar(typeof like === 'bigint');
  const s = scalar(like instanceof BigInt64Array || like instanceof BigUint64Array);
  if (s === undefined) return undefined;
  const out = like.slice() as unknown as Scalar[] & { fill(v: Scalar): void };
  out.fill(like instanceof Uint8ClampedArray && s === -1 ? 255 : s);
  return out as unknown as Reducible;
}

/**
 * Folds `vals[0..to)` in order; undefined when the range is empty. An array result is `vals[0]`,
 * folded into in place: every value an exchange hands out is this call's own (this PE's copied at
 * the call, the others decoded into arrays of their own), so nothing else sees it change. A fresh
 * array per fold cost an 8 MB allocation, its page faults and its GC per 1M-double allReduce.
 */
function fold(op: string, vals: Reducible[], to: number): Reducible | undefined {
  if (to <= 0) return undefined;
  const first = vals[0]!;
  const f = scalarOp(op, typeof first === 'bigint' || first instanceof BigInt64Array || first instanceof BigUint64Array);
  if (typeof first !== 'number' && typeof first !== 'bigint') {
    // Every member's array has the same type and length: both are in the call's description.
    for (let i = 1; i < to; i++) combineInto(op, f, first, first, vals[i] as NumericArray);
    return first;
  }
  const scalar = typeof first;
  let acc: Scalar = first;
  for (let i = 1; i < to; i++) {
    acc = f(acc, vals[i] as Scalar);
    // A registered op may return anything; the call is typed as returning what it combines.
    // Every member folds the same values alike, so every member rejects alike.
    if (typeof acc !== scalar) throw typeMismatch(op, acc, scalar);
  }
  return acc;
}

async function reduceExchange(ch: Channel, kind: number, name: string, value: Reducible, op: ReduceOp, site: Site): Promise<Reducible[]> {
  const bad = checkReduce(name, value, op);
  const desc = bad === undefined ? `${name}(${shapeOf(value)}, '${op}')` : `${name}()`;
  const all = (await ch.exchange(kind, desc, value, bad === undefined ? { site } : { invalid: bad, site })) as Reducible[];
  checkBitWidths(name, op, all);
  return all;
}

/**
 * A bit op on numbers is 32-bit: signed when an operand is negative, unsigned otherwise. One PE's
 * -1 and another's 0xffffffff fit no one 32-bit type (the result read 0xffffffff as -1), which
 * no PE could see alone: every PE refuses the same values after the exchange, so all agree.
 */
function checkBitWidths(what: string, op: string, all: readonly Reducible[]): void {
  if (!BIT_OPS.has(op) || typeof all[0] !== 'number') return;
  const negative = all.findIndex((v) => (v as number) < 0);
  const high = all.findIndex((v) => (v as number) >= 2 ** 31);
  if (negative < 0 || high < 0) return;
  throw new LamellarError(
    ErrorCode.UNSUPPORTED_OP,
    `${what}: '${op}' on numbers is 32-bit, signed when an operand is negative: team PE ${negative} passed ${String(all[negative])} and team PE ${high} ${String(all[high])}, ` +
      'which no 32-bit integer type holds both of; pass bigints (or an integer typed array) instead',
    { details: { op, pes: [negative, high] } },
  );
}

export async function allReduce(ch: Channel, value: Reducible, op: ReduceOp, site: Site): Promise<Reducible> {
  const all = await reduceExchange(ch, Kind.allReduce, 'allReduce', value, op, site);
  return fold(op, all, all.length)!;
}

export async function scan(ch: Channel, value: Reducible, op: ReduceOp, inclusive: boolean, site: Site): Promise<Reducible | undefined> {
  const name = inclusive ? 'inclusiveScan' : 'exclusiveScan';
  const all = await reduceExchange(ch, inclusive ? Kind.inclusiveScan : Kind.exclusiveScan, name, value, op, site);
  const upto = inclusive ? ch.me + 1 : ch.me;
  if (!(BUILTIN_OPS as readonly string[]).includes(op) && upto < all.length) {
    // A registered op may throw, or return another type, at any step, and a PE folds only its
    // prefix: team PE 0 resolved where the others rejected. Every step is taken on every PE first
    // (into a copy: fold writes into its first value), so all reject alike. Built-in ops cannot fail.
    const first = all[0]!;
    fold(op, [typeof first === 'number' || typeof first === 'bigint' ? first : (first.slice() as NumericArray), ...all.slice(1)], all.length);
  }
  return upto === 0 ? identity(op, all) : fold(op, all, upto);
}

function rootCheck(name: string, rootPe: unknown, numPes: number): LamellarError | undefined {
  try {
    checkPe(rootPe as number, numPes, `${name} root PE`);
    return undefined;
  } catch (err) {
    return err as LamellarError;
  }
}

export async function broadcast<T>(ch: Channel, value: T, rootPe: number, site: Site): Promise<T> {
  const bad = rootCheck('broadcast()', rootPe, ch.pes.length);
  const opts: ExchangeOptions = bad !== undefined ? { invalid: bad, site } : { token: rootPe !== ch.me, label: 'broadcast() value', site };
  const all = await ch.exchange(Kind.broadcast, `broadcast(root ${String(rootPe)})`, value, opts);
  return all[rootPe] as T;
}

export async function allGather<T>(ch: Channel, value: T, site: Site): Promise<T[]> {
  return (await ch.exchange(Kind.allGather, 'allGather()', value, { label: 'allGather() value', site })) as T[];
}

export async function gather<T>(ch: Channel, value: T, rootPe: number, site: Site): Promise<T[] | undefined> {
  const bad = rootCheck('gather()', rootPe, ch.pes.length);
  const opts: ExchangeOptions = bad !== undefined ? { invalid: bad, site } : { onlyTo: rootPe, label: 'gather() value', site };
  const all = await ch.exchange(Kind.gather, `gather(root ${String(rootPe)})`, value, opts);
  return ch.me === rootPe ? (all as T[]) : undefined;
}
