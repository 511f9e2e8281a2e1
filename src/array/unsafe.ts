/**
 * UnsafeArray: no protection at all. Element ops are plain loads and stores on the owner's
 * memory: concurrent ops on one element from several PEs may lose updates (by design, as in
 * Lamellar, where they are `unsafe`). Local access is named for what it is.
 */
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind } from './base.js';
import type { ElemType, TypedArrayOf, World } from './deps.js';
import { kArray } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type ElemRef } from './iter/index.js';
import { MutableArray } from './mutable.js';
import type { ArrayKind, ArrayOptions } from './types.js';

export class UnsafeArray<T extends ElemType = ElemType> extends MutableArray<T> {
  protected readonly kind: ArrayKind = 'UnsafeArray';

  /** Collective over the team (or world): a zeroed array. */
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

  /** This PE's part, as a view on the array's memory: no copy, no locking, no protection. */
  unsafeLocalData(): TypedArrayOf<T> {
    const ai = this[kArray];
    const [s, e] = this.localRange();
    return (ai.meta.views[ai.meta.team.myPe]! as unknown as TypedArrayOf<T>).subarray(s, e) as TypedArrayOf<T>;
  }
}

registerArrayKind('UnsafeArray', UnsafeArray, (st, origin, meta, off, len) => new UnsafeArray(st, origin, meta, off, len));
