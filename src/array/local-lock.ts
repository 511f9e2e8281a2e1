/**
 * LocalLockArray: one reader-writer lock per PE over that PE's part. Every element op, put and
 * get takes the owner's lock (directly in shared memory on shmem; inside the owner's runtime AM
 * on tcp). Local data only through guards: `readLocalData()` (shared) and `writeLocalData()`
 * (exclusive).
 */
import { pin, unpin } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind } from './base.js';
import type { ElemType, TypedArrayOf, World } from './deps.js';
import { LocalDataGuard } from './guard.js';
import { LOCAL_LOCK, lock, unlock } from './lock.js';
import { kArray } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type ElemRef } from './iter/index.js';
import { MutableArray } from './mutable.js';
import type { ArrayKind, ArrayOptions } from './types.js';

export class LocalLockArray<T extends ElemType = ElemType> extends MutableArray<T> {
  protected readonly kind: ArrayKind = 'LocalLockArray';

  /** Collective over the team (or world): a zeroed array. */
  static create<T extends ElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<LocalLockArray<T>> {
    return createArray('LocalLockArray', team, opts) as Promise<LocalLockArray<T>>;
  }

  /**
   * Collective, mutable: every PE walks its own part with global indices; items are ElemRef
   * handles that write through, under each PE's write lock held for the whole iteration.
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
   * Mutable, this PE's part only (local indices, no barrier); items are ElemRef handles, under this PE's write lock held for the whole iteration.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.value += 1);
   * ```
   */
  localIterMut(): IndexedLocalIter<ElemRef<T>, T> {
    return new IndexedLocalIter(iterChain(this, true));
  }

  /** Waits for this PE's read lock; the guard's `value` is this PE's part, read-only. */
  readLocalData(): Promise<LocalDataGuard<Readonly<TypedArrayOf<T>>>> {
    return this.#guard(false);
  }

  /** Waits for this PE's write lock; the guard's `value` is this PE's part. */
  writeLocalData(): Promise<LocalDataGuard<TypedArrayOf<T>>> {
    return this.#guard(true);
  }

  async #guard(write: boolean): Promise<LocalDataGuard<TypedArrayOf<T>>> {
    const ai = this[kArray];
    const me = ai.meta.team.myPe;
    const [s, e] = this.localRange();
    const w = ai.meta.locks[me]!;
    pin(ai.state);
    try {
      const wait = lock(w, LOCAL_LOCK, write);
      if (wait !== undefined) await wait;
    } catch (err) {
      unpin(ai.state);
      throw err;
    }
    const data = (ai.meta.views[me]! as unknown as TypedArrayOf<T>).subarray(s, e) as TypedArrayOf<T>;
    return new LocalDataGuard(
      data,
      () => {
        unlock(w, LOCAL_LOCK, write);
        unpin(ai.state);
      },
      'LocalLockArray',
    );
  }
}

registerArrayKind('LocalLockArray', LocalLockArray, (st, origin, meta, off, len) => new LocalLockArray(st, origin, meta, off, len));
