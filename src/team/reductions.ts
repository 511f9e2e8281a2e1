/**
 * Reductions by name: the built-in ops of team collectives (`sum prod min max and or xor`) and
 * any function registered with `registerReduction`. Arrays (`a.reduce(name)`) and teams
 * (`team.allReduce(value, name)`) share this one registry; it lives in the team layer because
 * arrays may use teams but not the other way round.
 */
import { ErrorCode, LamellarError } from '../core/index.js';

/**
 * A reduction: combines an accumulator with one more value. Must be associative.
 * @example
 * ```ts
 * const gcd: ReductionFn<number> = (x, y) => (y === 0 ? x : gcd(y, x % y));
 * registerReduction('gcd2', gcd);
 * ```
 */
export type ReductionFn<V> = (acc: V, x: V) => V;

type AnyFn = (acc: never, x: never) => unknown;

const reductions = new Map<string, AnyFn>();

/** The built-in ops of team collectives. */
export const BUILTIN_OPS = ['sum', 'prod', 'min', 'max', 'and', 'or', 'xor'] as const;
export type BuiltinOp = (typeof BUILTIN_OPS)[number];

/**
 * Registers a reduction for `reduce(name)` on arrays and for `allReduce`/scans on teams. Register
 * at module level so every PE has it (SPMD). `fn(acc, x)` gets numbers, or bigints for 64-bit
 * values, booleans for `bool` arrays; typed arrays are reduced element by element.
 *
 * @example
 * registerReduction<number>('absmax', (a, b) => Math.max(Math.abs(a), Math.abs(b)));
 * const m = await world.allReduce(world.myPe - 1, 'absmax');
 */
export function registerReduction<V extends number | bigint | boolean>(name: string, fn: ReductionFn<V>): void {
  if (typeof name !== 'string' || name.length === 0 || typeof fn !== 'function') {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'registerReduction(name, fn) needs a non-empty name and a function');
  }
  if (reductions.has(name)) throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `a reduction named '${name}' is already registered`, { details: { name } });
  reductions.set(name, fn as AnyFn);
}

/** The registered reduction `name`, or undefined. */
export function lookupReduction(name: string): ((acc: number, x: number) => number) | undefined {
  return reductions.get(name) as unknown as ((acc: number, x: number) => number) | undefined;
}

registerReduction<number>('sum', (a, b) => a + b);
registerReduction<number>('prod', (a, b) => a * b);
// A NaN wins, wherever it is, as in Math.max and Math.min: `b > a ? b : a` kept or dropped it
// by its place (a NaN first in a part swallowed the part; one later was skipped). So does 0 over
// -0 in max and -0 over 0 in min, as there and in allReduce, whichever comes first.
registerReduction<number>('max', (a, b) => (b > a || b !== b || (b === 0 && a === 0 && Object.is(a, -0)) ? b : a));
registerReduction<number>('min', (a, b) => (b < a || b !== b || (b === 0 && a === 0 && Object.is(b, -0)) ? b : a));
