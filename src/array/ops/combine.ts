/**
 * The arithmetic of every read-modify-write op, per element class, as plain two-argument
 * functions chosen once per batch (never created per element). Results are stored through the
 * typed array, which wraps integers to the element width exactly as Rust's wrapping ops would.
 *
 * The kernels treat every value as `number` for the type checker; at run time 64-bit arrays
 * carry bigints, and the BIG table below is only ever called with bigints.
 */
import type { ArrayElemType } from '../elem.js';
import { Op, type OpCode } from '../types.js';

export type Combine = (a: number, b: number) => number;

const first: Combine = (_a, b) => b;

const INT: Partial<Record<OpCode, Combine>> = {
  [Op.add]: (a, b) => a + b,
  [Op.sub]: (a, b) => a - b,
  // Math.imul keeps the low 32 bits exactly, which is all an element of <= 32 bits stores.
  [Op.mul]: (a, b) => Math.imul(a, b),
  [Op.div]: (a, b) => Math.trunc(a / b),
  [Op.rem]: (a, b) => a % b,
  [Op.bitAnd]: (a, b) => a & b,
  [Op.bitOr]: (a, b) => a | b,
  [Op.bitXor]: (a, b) => a ^ b,
  [Op.shl]: (a, b) => a << b,
  [Op.shr]: (a, b) => a >> b,
};
const UINT_SHR: Combine = (a, b) => a >>> b;

const FLOAT: Partial<Record<OpCode, Combine>> = {
  [Op.add]: (a, b) => a + b,
  [Op.sub]: (a, b) => a - b,
  [Op.mul]: (a, b) => a * b,
  [Op.div]: (a, b) => a / b,
  [Op.rem]: (a, b) => a % b,
};

type BigCombine = (a: bigint, b: bigint) => bigint;
const BIG: Partial<Record<OpCode, BigCombine>> = {
  [Op.add]: (a, b) => a + b,
  [Op.sub]: (a, b) => a - b,
  [Op.mul]: (a, b) => a * b,
  [Op.div]: (a, b) => a / b,
  [Op.rem]: (a, b) => a % b,
  [Op.bitAnd]: (a, b) => a & b,
  [Op.bitOr]: (a, b) => a | b,
  [Op.bitXor]: (a, b) => a ^ b,
  // Shift amounts were checked to lie in [0, 64); the store wraps the widened result.
  [Op.shl]: (a, b) => a << b,
  [Op.shr]: (a, b) => a >> b,
};

/** The combine function of `op` on `type` (swap and store simply take the new value). */
export function combineFor(type: ArrayElemType, op: OpCode): Combine {
  if (op === Op.swap || op === Op.store) return first;
  if (type === 'i64' || type === 'u64') return BIG[op] as unknown as Combine;
  if (type === 'f32' || type === 'f64') return FLOAT[op]!;
  // 128-bit elements never use these (ops/wide.ts combines them itself).
  if (type === 'i128' || type === 'u128') return first;
  if (op === Op.shr && type[0] === 'u') return UINT_SHR;
  return INT[op]!;
}
