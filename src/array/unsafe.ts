/**
 * UnsafeArray: no protection at all. Element ops are plain loads and stores on the owner's
 * memory: concurrent ops on one element from several PEs may lose updates (by design, as in
 * Lamellar, where they are `unsafe`). Local access is named for what it is. Reductions are
 * one-sided and, like everything here, see whatever the memory holds while they run.
 */
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind } from './base.js';
import { LocalChunks } from './chunks.js';
import type { World } from './deps.js';
import type { ArrayElemType, ArrayValue, LocalView } from './elem.js';
import { kArray } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type ElemRef } from './iter/index.js';
import { MutableArray } from './mutable.js';
import type { ArrayKind, ArrayOptions } from './types.js';

export class UnsafeArray<T extends ArrayElemType = ArrayElemType> extends MutableArray<T> {
  protected readonly kind: ArrayKind = 'UnsafeArray';

  /** Collective over the team (or world): a zeroed array. */
  static create<T extends ArrayElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<UnsafeArray<T>> {
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
  unsafeLocalData(): LocalView<T> {
    return this.localView() as unknown as LocalView<T>;
  }

  /**
   * This PE's part in chunks of `n` elements (the last may be shorter), each a view on the
   * array's memory: no copy, no locking.
   *
   * @example
   * ```ts
   * for (const chunk of array.localChunks(1024)) chunk.fill(1);
   * ```
   */
  localChunks(n: number): LocalChunks<LocalView<T>> {
    return new LocalChunks<LocalView<T>>(this.localView(), n, this[kArray].meta.words, 'UnsafeArray.localChunks');
  }

  /**
   * One-sided: the sum of the elements, to the calling PE only (undefined for an empty array).
   * Any PE may call it alone. Not atomic: concurrent writes race with it.
   *
   * @example
   * ```ts
   * if (world.myPe === 0) console.log(await array.sum());
   * ```
   */
  sum(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('sum');
  }

  /**
   * One-sided: the product of the elements, to the calling PE only.
   *
   * @example
   * ```ts
   * const p = await array.prod();
   * ```
   */
  prod(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('prod');
  }

  /**
   * One-sided: the largest element, to the calling PE only.
   *
   * @example
   * ```ts
   * const hi = await array.max();
   * ```
   */
  max(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('max');
  }

  /**
   * One-sided: the smallest element, to the calling PE only.
   *
   * @example
   * ```ts
   * const lo = await array.min();
   * ```
   */
  min(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('min');
  }

  /**
   * One-sided: reduces with a reduction registered by `registerReduction(name, fn)` (at module
   * level); INVALID_ARGUMENT for an unknown name.
   *
   * @example
   * ```ts
   * registerReduction<number>('minAbs', (acc, x) => (Math.abs(x) < Math.abs(acc) ? x : acc));
   * const m = await array.reduce('minAbs');
   * ```
   */
  reduce(name: string): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith(name);
  }
}

registerArrayKind('UnsafeArray', UnsafeArray, (st, origin, meta, off, len) => new UnsafeArray(st, origin, meta, off, len));
