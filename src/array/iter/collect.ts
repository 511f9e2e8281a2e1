/**
 * `collect(ArrayType, distribution)`: a new distributed array made of every member's items,
 * concatenated in team PE order (Lamellar's AsyncTeamFrom<(Vec<T>, Distribution)>). Each member
 * checks its items against the element type first; the counts are exchanged (with the outcome,
 * so that a failure anywhere stops every member before anything is allocated); then an
 * UnsafeArray is created (collective), each member puts its items at its offset, and the array
 * is converted to the type asked for.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import { followOnCollective, type Team } from '../../team/index.js';
import type { AtomicArray } from '../atomic.js';
import type { ArrayBase } from '../base.js';
import { checkArrayElemType, createArray, kindOfClass } from '../create.js';
import { storageCtor, storageOf, writeWide, type ArrayElemType } from '../elem.js';
import type { GlobalLockArray } from '../global-lock.js';
import type { LocalLockArray } from '../local-lock.js';
import type { ReadOnlyArray } from '../read-only.js';
import { checkValue, type ArrayKind, type Distribution } from '../types.js';
import type { UnsafeArray } from '../unsafe.js';
import { isThenable, settleItems } from './schedule.js';

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
export type Collected<C, E extends ArrayElemType> = C extends typeof ReadOnlyArray
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
  readonly type: ArrayElemType;
}

/** A member's collected items as storage of the target's element type (two words per element for 128-bit), and how many. */
export interface Stored {
  readonly data: ArrayLike<unknown>;
  readonly n: number;
}

/** Checks collect's arguments at the call (INVALID_ARGUMENT, or TYPE_MISMATCH for the type). */
export function checkTarget(cls: unknown, dist: unknown, type: unknown, fallback: ArrayElemType, what: string): CollectTarget {
  const kind = kindOfClass(cls);
  if (kind === undefined) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: the array type must be UnsafeArray, ReadOnlyArray, AtomicArray, LocalLockArray or GlobalLockArray`);
  }
  if (dist !== 'block' && dist !== 'cyclic') throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: distribution must be 'block' or 'cyclic', got ${String(dist)}`);
  return { kind, dist, type: type === undefined ? fallback : checkArrayElemType(type, what) };
}

/** The items as storage of the element type; a bad item throws TYPE_MISMATCH naming it. */
export function storeItems(items: readonly unknown[], type: ArrayElemType, what: string): Stored {
  const n = items.length;
  const out = new (storageCtor(type))(n * storageOf(type).words) as unknown as Float64Array;
  const wide = storageOf(type).words === 2;
  let k = 0;
  try {
    for (; k < n; k++) {
      // bool is checked into 0/1, which its u8 storage takes as is.
      const x = checkValue(type, items[k], `${what} (item ${k} of this PE)`);
      if (wide) writeWide(out as unknown as BigUint64Array, k, x as bigint);
      else out[k] = x as number;
    }
  } catch (err) {
    throw refusedItem(err, items, k, what);
  }
  return { data: out, n };
}

/**
 * The error for a refused item: promise items (collect after an async map) are observed, so
 * their rejections are not unhandled ones, and named, with the consumer that takes them.
 */
export function refusedItem(err: unknown, items: readonly unknown[], k: number, what: string): unknown {
  if (!isThenable(items[k])) return err;
  void settleItems(items);
  return new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: the items are promises (an async map?); collectAsync awaits them`, { details: { position: k } });
}

/**
 * Collective, once every member's count is known (`counts`, in team PE order): creates the array,
 * puts this PE's items at its offset, and converts.
 */
export async function buildArray(team: Team, t: CollectTarget, mine: Stored, counts: readonly number[]): Promise<ArrayBase> {
  let at = 0;
  for (let pe = 0; pe < team.myPe; pe++) at += counts[pe]!;
  const total = counts.reduce((x, y) => x + y, 0);
  // Steps of a consumer the program started: they may come after its world's shutdown was
  // called, which waits for the consumer (followOnCollective).
  const u = (await followOnCollective(() => createArray('UnsafeArray', team, { type: t.type, length: total, distribution: t.dist }))) as UnsafeArray;
  if (mine.n > 0) await u.put(at, mine.data as never);
  await followOnCollective(() => team.barrier());
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
