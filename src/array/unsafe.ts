/**
 * UnsafeArray: no protection at all. Element ops are plain loads and stores on the owner's
 * memory: concurrent ops on one element from several PEs may lose updates (by design, as in
 * Lamellar, where they are `unsafe`). Local access is named for what it is.
 */
import { kConstruct } from '../core/index.js';
import type { HandleOrigin, RefState } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind } from './base.js';
import type { ElemType, TypedArrayOf, World } from './deps.js';
import { kArray, type ArrayMeta } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type ElemRef } from './iter/index.js';
import { MutableArray } from './mutable.js';
import type { ArrayKind, ArrayOptions } from './types.js';

/**
 * A distributed array with no protection at all: element ops are plain loads and stores on the
 * owner's memory, so concurrent ops on one element from several PEs may lose updates (by design,
 * as Lamellar's UnsafeArray). The fastest array when the program itself guarantees that no two PEs
 * write one element at once; local access is named for what it is.
 * @example
 * ```ts
 * const u = await UnsafeArray.create(world, { type: 'f64', length: 1000, distribution: 'block' });
 * u.unsafeLocalData().fill(world.myPe);
 * await world.barrier();
 * const x = await u.load(999);
 * ```
 */
export class UnsafeArray<T extends ElemType = ElemType> extends MutableArray<T> {
  /** @internal */
  protected readonly kind: ArrayKind = 'UnsafeArray';

  private constructor(token: symbol, state: RefState, origin: HandleOrigin, meta: ArrayMeta<T>, offset: number, length: number) {
    super(token, state, origin, meta, offset, length);
  }

  static {
    registerArrayKind('UnsafeArray', UnsafeArray, (st, origin, meta, off, len) => new UnsafeArray(kConstruct, st, origin, meta, off, len));
  }

  /**
   * Collective over the team (or world): a zeroed UnsafeArray; every member calls it with the same
   * options.
   * @example
   * ```ts
   * const u = await UnsafeArray.create(world, { type: 'u8', length: 64, distribution: 'cyclic' });
   * ```
   */
  static create<T extends ElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<UnsafeArray<T>> {
    return createArray('UnsafeArray', team, opts) as Promise<UnsafeArray<T>>;
  }

  /**
   * Collective, mutable: every PE walks its own part with global indices; items are ElemRef
   * handles that write through.
   *
   * @example
   * ```ts
   * await a.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
   * ```
   */
  distIterMut(): IndexedDistIter<ElemRef<T>, T> {
    return new IndexedDistIter(iterChain(this, true));
  }

  /**
   * Mutable, this PE's part only (local indices, no barrier); items are ElemRef handles.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.value += 1);
   * ```
   */
  localIterMut(): IndexedLocalIter<ElemRef<T>, T> {
    return new IndexedLocalIter(iterChain(this, true));
  }

  /**
   * This PE's part as a typed array view on the array's memory: no copy, no locking, no protection
   * from other PEs' ops.
   * @example
   * ```ts
   * const u = await UnsafeArray.create(world, { type: 'i32', length: 64, distribution: 'block' });
   * const mine: Int32Array = u.unsafeLocalData();
   * mine.fill(-1);
   * ```
   */
  unsafeLocalData(): TypedArrayOf<T> {
    const ai = this[kArray];
    const [s, e] = this.localRange();
    return (ai.meta.views[ai.meta.team.myPe]! as unknown as TypedArrayOf<T>).subarray(s, e) as TypedArrayOf<T>;
  }
}

