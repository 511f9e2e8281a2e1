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

/**
 * Which PEs of a parent team form a new team, and in which order (team PE 0, 1, ...). Every PE
 * number an arch takes or returns is relative to the parent team. BlockedArch and StridedArch cover
 * the usual layouts; implement this interface for any other (a permutation, blocks of strides...):
 * team creation checks it (in range, no PE twice, `teamPe` the inverse of `parentPe`).
 * @example
 * ```ts
 * // The PEs of the parent in reverse order.
 * const reversed = (n: number): LamellarArch => ({
 *   numPes: n,
 *   startPe: 0,
 *   endPe: n - 1,
 *   parentPe: (t) => n - 1 - t,
 *   teamPe: (p) => (p >= 0 && p < n ? n - 1 - p : undefined),
 * });
 * const team = await world.createTeamFromArch(reversed(world.numPes));
 * ```
 */
export interface LamellarArch {
  /**
   * The number of PEs in the team.
   * @example
   * ```ts
   * const arch: LamellarArch = new BlockedArch(0, 2);
   * console.log(arch.numPes); // 2
   * ```
   */
  readonly numPes: number;
  /**
   * The lowest parent PE in the team (inclusive).
   * @example
   * ```ts
   * console.log(new StridedArch(1, 2, 3).startPe); // 1
   * ```
   */
  readonly startPe: number;
  /**
   * The highest parent PE in the team (inclusive).
   * @example
   * ```ts
   * console.log(new StridedArch(1, 2, 3).endPe); // 5
   * ```
   */
  readonly endPe: number;
  /**
   * The parent PE of team PE `teamPe`; throws PE_OUT_OF_RANGE if there is no such team PE.
   * @example
   * ```ts
   * console.log(new StridedArch(1, 2, 3).parentPe(2)); // 5
   * ```
   */
  parentPe(teamPe: number): number;
  /**
   * The team PE of parent PE `parentPe`, or undefined if that PE is not in the team.
   * @example
   * ```ts
   * console.log(new StridedArch(1, 2, 3).teamPe(3)); // 1
   * console.log(new StridedArch(1, 2, 3).teamPe(2)); // undefined
   * ```
   */
  teamPe(parentPe: number): number | undefined;
}

/**
 * A contiguous block of the parent: team PE `i` is parent PE `startPe + i`. `new
 * BlockedArch(startPe, numPes)`; both are checked (INVALID_ARGUMENT).
 * @example
 * ```ts
 * // The first half of the world (on members; undefined elsewhere).
 * const half = await world.createTeamFromArch(new BlockedArch(0, Math.max(1, world.numPes >> 1)));
 * ```
 */
export class BlockedArch implements LamellarArch {
  /**
   * The first parent PE of the block.
   * @example
   * ```ts
   * console.log(new BlockedArch(2, 3).startPe); // 2
   * ```
   */
  readonly startPe: number;
  /**
   * The number of PEs in the block.
   * @example
   * ```ts
   * console.log(new BlockedArch(2, 3).numPes); // 3
   * ```
   */
  readonly numPes: number;

  constructor(startPe: number, numPes: number) {
    this.startPe = checkInteger(startPe, 'BlockedArch startPe', 0, Number.MAX_SAFE_INTEGER);
    this.numPes = checkInteger(numPes, 'BlockedArch numPes', 1, Number.MAX_SAFE_INTEGER);
  }

  /**
   * The last parent PE of the block, `startPe + numPes - 1`.
   * @example
   * ```ts
   * console.log(new BlockedArch(2, 3).endPe); // 4
   * ```
   */
  get endPe(): number {
    return this.startPe + this.numPes - 1;
  }

  /**
   * The parent PE of team PE `teamPe` (`startPe + teamPe`); throws PE_OUT_OF_RANGE outside the
   * team.
   * @example
   * ```ts
   * console.log(new BlockedArch(2, 3).parentPe(1)); // 3
   * ```
   */
  parentPe(teamPe: number): number {
    return this.startPe + checkPe(teamPe, this.numPes, 'team PE');
  }

  /**
   * The team PE of parent PE `parentPe`, or undefined if it is outside the block.
   * @example
   * ```ts
   * console.log(new BlockedArch(2, 3).teamPe(4)); // 2
   * ```
   */
  teamPe(parentPe: number): number | undefined {
    const t = parentPe - this.startPe;
    return Number.isInteger(t) && t >= 0 && t < this.numPes ? t : undefined;
  }

  /**
   * `'BlockedArch(startPe, numPes)'`, as error messages name it.
   * @example
   * ```ts
   * console.log(String(new BlockedArch(0, 4))); // BlockedArch(0, 4)
   * ```
   */
  toString(): string {
    return `BlockedArch(${this.startPe}, ${this.numPes})`;
  }
}

/**
 * Every `stride`-th PE of the parent: team PE `i` is parent PE `startPe + i * stride`. `new
 * StridedArch(0, 2, Math.ceil(n / 2))` is the even PEs of a team of `n`.
 * @example
 * ```ts
 * const evens = await world.createTeamFromArch(new StridedArch(0, 2, Math.ceil(world.numPes / 2)));
 * if (evens.isMember) await evens.barrier();
 * ```
 */
export class StridedArch implements LamellarArch {
  /**
   * The first parent PE.
   * @example
   * ```ts
   * console.log(new StridedArch(1, 2, 3).startPe); // 1
   * ```
   */
  readonly startPe: number;
  /**
   * The distance between consecutive team PEs, in parent PEs.
   * @example
   * ```ts
   * console.log(new StridedArch(1, 2, 3).stride); // 2
   * ```
   */
  readonly stride: number;
  /**
   * The number of PEs in the team.
   * @example
   * ```ts
   * console.log(new StridedArch(1, 2, 3).numPes); // 3
   * ```
   */
  readonly numPes: number;

  constructor(startPe: number, stride: number, numPes: number) {
    this.startPe = checkInteger(startPe, 'StridedArch startPe', 0, Number.MAX_SAFE_INTEGER);
    this.stride = checkInteger(stride, 'StridedArch stride', 1, Number.MAX_SAFE_INTEGER);
    this.numPes = checkInteger(numPes, 'StridedArch numPes', 1, Number.MAX_SAFE_INTEGER);
  }

  /**
   * The last parent PE, `startPe + (numPes - 1) * stride`.
   * @example
   * ```ts
   * console.log(new StridedArch(1, 2, 3).endPe); // 5
   * ```
   */
  get endPe(): number {
    return this.startPe + (this.numPes - 1) * this.stride;
  }

  /**
   * The parent PE of team PE `teamPe`; throws PE_OUT_OF_RANGE outside the team.
   * @example
   * ```ts
   * console.log(new StridedArch(1, 2, 3).parentPe(1)); // 3
   * ```
   */
  parentPe(teamPe: number): number {
    return this.startPe + checkPe(teamPe, this.numPes, 'team PE') * this.stride;
  }

  /**
   * The team PE of parent PE `parentPe`, or undefined if it is not one of the strided PEs.
   * @example
   * ```ts
   * console.log(new StridedArch(1, 2, 3).teamPe(5)); // 2
   * ```
   */
  teamPe(parentPe: number): number | undefined {
    const d = parentPe - this.startPe;
    if (!Number.isInteger(d) || d < 0 || d % this.stride !== 0) return undefined;
    const t = d / this.stride;
    return t < this.numPes ? t : undefined;
  }

  /**
   * `'StridedArch(startPe, stride, numPes)'`, as error messages name it.
   * @example
   * ```ts
   * console.log(String(new StridedArch(0, 2, 2))); // StridedArch(0, 2, 2)
   * ```
   */
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
    const back = arch.teamPe(p);
    if (back !== i) {
      throw new LamellarError(
        ErrorCode.INVALID_ARGUMENT,
        `${name}: teamPe(parentPe(${i})) is ${String(back)}, expected ${i} (parentPe(${i}) is ${p}, teamPe(${p}) is ${String(back)}); teamPe must be the inverse of parentPe`,
        { details: { teamPe: i, parentPe: p } },
      );
    }
    seen.add(p);
    out[i] = p;
  }
  return out;
}
