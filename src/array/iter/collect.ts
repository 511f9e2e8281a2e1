/**
 * `collect(ArrayType, distribution)`: a new distributed array made of every member's items,
 * concatenated in team PE order (Lamellar's AsyncTeamFrom<(Vec<T>, Distribution)>). Each member
 * checks its items against the element type first; the counts are exchanged (with the outcome,
 * so that a failure anywhere stops every member before anything is allocated); then an
 * UnsafeArray is created (collective), each member puts its items at its offset, and the array
 * is converted to the type asked for.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import { checkElemType, ELEM_CTORS, type ElemType, type TypedArrayOf } from '../../memregion/internal.js';
import type { Team } from '../../team/index.js';
import type { AtomicArray } from '../atomic.js';
import { createArray, kindOfClass, type ArrayBase } from '../base.js';
import type { GlobalLockArray } from '../global-lock.js';
import type { LocalLockArray } from '../local-lock.js';
import type { ReadOnlyArray } from '../read-only.js';
import { checkValue, type ArrayKind, type Distribution } from '../types.js';
import type { UnsafeArray } from '../unsafe.js';

/**
 * The array classes `collect` can make.
 *
 * @example
 * ```ts
 * const kind: ArrayClass = ReadOnlyArray;
 * const c = await a.distIter().collect(kind, 'block');
 * ```
 */
export type ArrayClass = typeof UnsafeArray | typeof ReadOnlyArray | typeof AtomicArray | typeof LocalLockArray | typeof GlobalLockArray;

/**
 * The array `collect(C, distribution, E)` resolves to.
 *
 * @example
 * ```ts
 * const c: Collected<typeof ReadOnlyArray, 'f64'> = await a.distIter().map((x) => x / 2).collect(ReadOnlyArray, 'block', 'f64');
 * ```
 */
export type Collected<C, E extends ElemType> = C extends typeof ReadOnlyArray
  ? ReadOnlyArray<E>
  : C extends typeof AtomicArray
    ? AtomicArray<E>
    : C extends typeof LocalLockArray
      ? LocalLockArray<E>
      : C extends typeof GlobalLockArray
        ? GlobalLockArray<E>
        : UnsafeArray<E>;

export interface CollectTarget {
  readonly kind: ArrayKind;
  readonly dist: Distribution;
  readonly type: ElemType;
}

/** Checks collect's arguments at the call (INVALID_ARGUMENT, or TYPE_MISMATCH for the type). */
export function checkTarget(cls: unknown, dist: unknown, type: unknown, fallback: ElemType, what: string): CollectTarget {
  const kind = kindOfClass(cls);
  if (kind === undefined) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: the array type must be UnsafeArray, ReadOnlyArray, AtomicArray, LocalLockArray or GlobalLockArray`);
  }
  if (dist !== 'block' && dist !== 'cyclic') throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: distribution must be 'block' or 'cyclic', got ${String(dist)}`);
  return { kind, dist, type: type === undefined ? fallback : checkElemType(type, what) };
}

/** The items as a typed array of the element type; a bad item throws TYPE_MISMATCH naming it. */
export function typedItems(items: readonly unknown[], type: ElemType, what: string): TypedArrayOf<ElemType> {
  const out = new ELEM_CTORS[type](items.length) as unknown as Float64Array;
  for (let k = 0; k < items.length; k++) out[k] = checkValue(type, items[k], `${what} (item ${k} of this PE)`) as number;
  return out as unknown as TypedArrayOf<ElemType>;
}

/**
 * Collective, once every member's count is known (`counts`, in team PE order): creates the array,
 * puts this PE's items at its offset, and converts.
 */
export async function buildArray(team: Team, t: CollectTarget, mine: TypedArrayOf<ElemType>, counts: readonly number[]): Promise<ArrayBase> {
  let at = 0;
  for (let pe = 0; pe < team.myPe; pe++) at += counts[pe]!;
  const total = counts.reduce((x, y) => x + y, 0);
  const u = (await createArray('UnsafeArray', team, { type: t.type, length: total, distribution: t.dist })) as UnsafeArray;
  if (mine.length > 0) await u.put(at, mine);
  await team.barrier();
  switch (t.kind) {
    case 'UnsafeArray':
      return u;
    case 'ReadOnlyArray':
      return u.intoReadOnly();
    case 'AtomicArray':
      return u.intoAtomic();
    case 'LocalLockArray':
      return u.intoLocalLock();
    default:
      return u.intoGlobalLock();
  }
}
