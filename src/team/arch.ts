/**
 * Team architectures (Lamellar's lamellar_arch.rs): an arch says which PEs of a parent team
 * form a new team, and in which order. `BlockedArch` takes a contiguous run of parent PEs,
 * `StridedArch` every stride-th one; any object implementing `LamellarArch` describes a custom
 * layout (a permutation, blocks of strides, ...).
 *
 * All PE numbers an arch sees and returns are relative to the parent team, not world ids.
 * `resolveArch` turns an arch into the explicit list of parent PEs in team order, checking it
 * against the parent first: that list is what team creation compares across PEs.
 */
import { checkInteger, checkPe, ErrorCode, LamellarError } from '../core/index.js';

/** Describes which parent-team PEs form a team, and their order (team PE 0, 1, ...). */
export interface LamellarArch {
  /** Number of PEs in the team. */
  readonly numPes: number;
  /** Lowest parent PE in the team (inclusive). */
  readonly startPe: number;
  /** Highest parent PE in the team (inclusive). */
  readonly endPe: number;
  /** The parent PE of team PE `teamPe`; throws PE_OUT_OF_RANGE if there is no such team PE. */
  parentPe(teamPe: number): number;
  /** The team PE of parent PE `parentPe`, or undefined if that PE is not in the team. */
  teamPe(parentPe: number): number | undefined;
}

/** Team PE `i` is parent PE `startPe + i`: a contiguous block of the parent. */
export class BlockedArch implements LamellarArch {
  readonly startPe: number;
  readonly numPes: number;

  constructor(startPe: number, numPes: number) {
    this.startPe = checkInteger(startPe, 'BlockedArch startPe', 0, Number.MAX_SAFE_INTEGER);
    this.numPes = checkInteger(numPes, 'BlockedArch numPes', 1, Number.MAX_SAFE_INTEGER);
  }

  get endPe(): number {
    return this.startPe + this.numPes - 1;
  }

  parentPe(teamPe: number): number {
    return this.startPe + checkPe(teamPe, this.numPes, 'team PE');
  }

  teamPe(parentPe: number): number | undefined {
    const t = parentPe - this.startPe;
    return Number.isInteger(t) && t >= 0 && t < this.numPes ? t : undefined;
  }

  toString(): string {
    return `BlockedArch(${this.startPe}, ${this.numPes})`;
  }
}

/** Team PE `i` is parent PE `startPe + i * stride`; `(0, 2, ceil(n / 2))` is the even PEs. */
export class StridedArch implements LamellarArch {
  readonly startPe: number;
  readonly stride: number;
  readonly numPes: number;

  constructor(startPe: number, stride: number, numPes: number) {
    this.startPe = checkInteger(startPe, 'StridedArch startPe', 0, Number.MAX_SAFE_INTEGER);
    this.stride = checkInteger(stride, 'StridedArch stride', 1, Number.MAX_SAFE_INTEGER);
    this.numPes = checkInteger(numPes, 'StridedArch numPes', 1, Number.MAX_SAFE_INTEGER);
  }

  get endPe(): number {
    return this.startPe + (this.numPes - 1) * this.stride;
  }

  parentPe(teamPe: number): number {
    return this.startPe + checkPe(teamPe, this.numPes, 'team PE') * this.stride;
  }

  teamPe(parentPe: number): number | undefined {
    const d = parentPe - this.startPe;
    if (!Number.isInteger(d) || d < 0 || d % this.stride !== 0) return undefined;
    const t = d / this.stride;
    return t < this.numPes ? t : undefined;
  }

  toString(): string {
    return `StridedArch(${this.startPe}, ${this.stride}, ${this.numPes})`;
  }
}

const isArch = (a: unknown): a is LamellarArch =>
  typeof a === 'object' &&
  a !== null &&
  typeof (a as LamellarArch).parentPe === 'function' &&
  typeof (a as LamellarArch).teamPe === 'function';

/** A short name for messages: the arch's own toString if it has one, else its class. */
export function archName(arch: LamellarArch): string {
  const s = String(arch);
  return s === '[object Object]' ? `${arch.constructor?.name ?? 'custom'} arch` : s;
}

/**
 * Checks `arch` against a parent team of `parentNumPes` PEs and returns its parent PEs in team
 * order. Throws PE_OUT_OF_RANGE when the arch reaches beyond the parent, and INVALID_ARGUMENT
 * when it is not an arch or contradicts itself (a PE twice, a PE outside [startPe, endPe],
 * teamPe not the inverse of parentPe). Team creation (create.ts) catches this and still joins
 * the parent's exchange, so the other members reject with it instead of waiting.
 */
export function resolveArch(arch: LamellarArch, parentNumPes: number): number[] {
  if (!isArch(arch)) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'a team arch must implement LamellarArch (numPes, startPe, endPe, parentPe(), teamPe()), e.g. new BlockedArch(0, 2)');
  }
  const name = archName(arch);
  const n = checkInteger(arch.numPes, `${name}: numPes`, 1, Number.MAX_SAFE_INTEGER);
  const start = checkInteger(arch.startPe, `${name}: startPe`, 0, Number.MAX_SAFE_INTEGER);
  const end = checkInteger(arch.endPe, `${name}: endPe`, start, Number.MAX_SAFE_INTEGER);
  if (n > parentNumPes || end >= parentNumPes) {
    throw new LamellarError(
      ErrorCode.PE_OUT_OF_RANGE,
      `${name} does not fit in a parent team of ${parentNumPes} PE(s): it has ${n} PE(s) spanning parent PEs ${start}..${end}`,
      { details: { numPes: n, startPe: start, endPe: end, parentNumPes } },
    );
  }
  const out = new Array<number>(n);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const p = arch.parentPe(i);
    if (!Number.isInteger(p) || p < start || p > end) {
      throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${name}: parentPe(${i}) is ${String(p)}, outside its own range ${start}..${end}`, {
        details: { teamPe: i, parentPe: p },
      });
    }
    if (seen.has(p)) {
      throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${name}: parent PE ${p} appears twice (team PEs ${out.indexOf(p)} and ${i})`, {
        details: { teamPe: i, parentPe: p },
      });
    }
    if (arch.teamPe(p) !== i) {
      throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${name}: teamPe(${p}) is ${String(arch.teamPe(p))} but parentPe(${i}) is ${p}; the two must be inverses`, {
        details: { teamPe: i, parentPe: p },
      });
    }
    seen.add(p);
    out[i] = p;
  }
  return out;
}
