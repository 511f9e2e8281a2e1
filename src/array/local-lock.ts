/**
 * LocalLockArray: one reader-writer lock per PE over that PE's part. Every element op, put and
 * get takes the owner's lock (directly in shared memory on shmem; inside the owner's runtime AM
 * on tcp). Local data only through guards: `readLocalData()` (shared) and `writeLocalData()`
 * (exclusive).
 */
import { kConstruct } from '../core/index.js';
import { pin, unpin, type HandleOrigin, type RefState } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind } from './base.js';
import type { ElemType, ReadonlyTypedArrayOf, TypedArrayOf, World } from './deps.js';
import { newLocalDataGuard, type LocalDataGuard } from './guard.js';
import { LOCAL_LOCK, lock, unlock } from './lock.js';
import { kArray, type ArrayMeta } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type ElemRef } from './iter/index.js';
import { MutableArray } from './mutable.js';
import type { ArrayKind, ArrayOptions } from './types.js';

/**
 * A distributed array with one reader-writer lock per PE over that PE's part: every element op,
 * put and get takes the owner's lock (in shared memory on shmem, inside the owner's runtime on
 * tcp),
 * and local data is reached only through guards.
 * @example
 * ```ts
 * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
 * await ll.add(3, 1);
 * {
 *   using w = await ll.writeLocalData();
 *   w.value.fill(0);
 * }
 * ```
 */
export class LocalLockArray<T extends ElemType = ElemType> extends MutableArray<T> {
  /** @internal */
  protected readonly kind: ArrayKind = 'LocalLockArray';

  private constructor(token: symbol, state: RefState, origin: HandleOrigin, meta: ArrayMeta<T>, offset: number, length: number) {
    super(token, state, origin, meta, offset, length);
  }

  static {
    registerArrayKind('LocalLockArray', LocalLockArray, (st, origin, meta, off, len) => new LocalLockArray(kConstruct, st, origin, meta, off, len));
  }

  /**
   * Collective over the team (or world): a zeroed LocalLockArray; every member calls it with the
   * same options.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'f64', length: 64, distribution: 'cyclic' });
   * ```
   */
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

  /**
   * Waits for this PE's read lock; the guard's `value` is this PE's part, read-only. Release it
   * (`using`, or `release()`) to let writers in.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * {
   *   using r = await ll.readLocalData();
   *   console.log(r.value.length);
   * }
   * ```
   */
  readLocalData(): Promise<LocalDataGuard<ReadonlyTypedArrayOf<T>>> {
    // The same view as a write guard's, typed read-only (docs/arrays.md: by type only).
    return this.#guard(false) as Promise<LocalDataGuard<TypedArrayOf<T>>> as unknown as Promise<LocalDataGuard<ReadonlyTypedArrayOf<T>>>;
  }

  /**
   * Waits for this PE's write lock; the guard's `value` is this PE's part, writable.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * {
   *   using w = await ll.writeLocalData();
   *   w.value[0] = 42;
   * }
   * ```
   */
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
    return newLocalDataGuard(
      data,
      () => {
        unlock(w, LOCAL_LOCK, write);
        unpin(ai.state);
      },
      'LocalLockArray',
    );
  }
}

