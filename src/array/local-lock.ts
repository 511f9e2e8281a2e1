/**
 * LocalLockArray: one reader-writer lock per PE over that PE's part. Every element op, put and
 * get takes the owner's lock (directly in shared memory on shmem; inside the owner's runtime AM
 * on tcp). Local data only through guards: `readLocalData()` (shared) and `writeLocalData()`
 * (exclusive), or in chunks; `readLock()`/`writeLock()` hold this PE's lock as a guard over the
 * whole array, and a read guard has the reductions.
 */
import { pin, unpin } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind } from './base.js';
import { checkChunkSize, LocalChunks } from './chunks.js';
import type { World } from './deps.js';
import type { ArrayElemType, LocalView } from './elem.js';
import { LocalDataGuard } from './guard.js';
import { LOCAL_LOCK, lock, unlock } from './lock.js';
import { ArrayReadGuard, ArrayWriteGuard } from './lock-guard.js';
import { kArray } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type ElemRef } from './iter/index.js';
import { MutableArray } from './mutable.js';
import type { ArrayKind, ArrayOptions } from './types.js';

export class LocalLockArray<T extends ArrayElemType = ArrayElemType> extends MutableArray<T> {
  protected readonly kind: ArrayKind = 'LocalLockArray';

  /** Collective over the team (or world): a zeroed array. */
  static create<T extends ArrayElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<LocalLockArray<T>> {
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
  readLocalData(): Promise<LocalDataGuard<Readonly<LocalView<T>>>> {
    return this.#take(false, (d, rel) => new LocalDataGuard(d, rel, 'LocalLockArray'));
  }

  /** Waits for this PE's write lock; the guard's `value` is this PE's part. */
  writeLocalData(): Promise<LocalDataGuard<LocalView<T>>> {
    return this.#take(true, (d, rel) => new LocalDataGuard(d, rel, 'LocalLockArray'));
  }

  /**
   * Waits for this PE's read lock; the guard's `value` is this PE's part in chunks of `n`
   * elements (the last may be shorter), each a read-only view.
   *
   * @example
   * ```ts
   * using g = await array.readLocalChunks(256);
   * for (const chunk of g.value) use(chunk);
   * ```
   */
  readLocalChunks(n: number): Promise<LocalDataGuard<LocalChunks<Readonly<LocalView<T>>>>> {
    const words = this[kArray].meta.words;
    checkChunkSize(n, 'LocalLockArray.readLocalChunks');
    return this.#take(false, (d, rel) => new LocalDataGuard(new LocalChunks<LocalView<T>>(d, n, words, 'LocalLockArray.readLocalChunks'), rel, 'LocalLockArray'));
  }

  /**
   * Waits for this PE's write lock; the guard's `value` is this PE's part in chunks of `n`.
   *
   * @example
   * ```ts
   * using g = await array.writeLocalChunks(256);
   * for (const chunk of g.value) chunk.fill(1);
   * ```
   */
  writeLocalChunks(n: number): Promise<LocalDataGuard<LocalChunks<LocalView<T>>>> {
    const words = this[kArray].meta.words;
    checkChunkSize(n, 'LocalLockArray.writeLocalChunks');
    return this.#take(true, (d, rel) => new LocalDataGuard(new LocalChunks<LocalView<T>>(d, n, words, 'LocalLockArray.writeLocalChunks'), rel, 'LocalLockArray'));
  }

  /**
   * Waits for this PE's read lock and holds it as a guard over the whole array (one-sided).
   * Its reductions fold every PE's part under that PE's read lock.
   *
   * @example
   * ```ts
   * using g = await array.readLock();
   * const total = await g.sum();
   * ```
   */
  readLock(): Promise<ArrayReadGuard<T>> {
    return this.#take(false, (d, rel) => new ArrayReadGuard<T>({ array: this, scope: 'local', write: false }, d, rel, 'LocalLockArray read'));
  }

  /**
   * Waits for this PE's write lock and holds it as a guard (one-sided); `localData()` is this
   * PE's part.
   *
   * @example
   * ```ts
   * using g = await array.writeLock();
   * g.localData().fill(0);
   * ```
   */
  writeLock(): Promise<ArrayWriteGuard<T>> {
    return this.#take(true, (d, rel) => new ArrayWriteGuard<T>({ array: this, scope: 'local', write: true }, d, rel, 'LocalLockArray write'));
  }

  async #take<G>(write: boolean, make: (data: LocalView<T>, release: () => void) => G): Promise<G> {
    const ai = this[kArray];
    const me = ai.meta.team.myPe;
    const data = this.localView() as unknown as LocalView<T>;
    const w = ai.meta.locks[me]!;
    pin(ai.state);
    try {
      const wait = lock(w, LOCAL_LOCK, write);
      if (wait !== undefined) await wait;
    } catch (err) {
      unpin(ai.state);
      throw err;
    }
    return make(data, () => {
      unlock(w, LOCAL_LOCK, write);
      unpin(ai.state);
    });
  }
}

registerArrayKind('LocalLockArray', LocalLockArray, (st, origin, meta, off, len) => new LocalLockArray(st, origin, meta, off, len));
