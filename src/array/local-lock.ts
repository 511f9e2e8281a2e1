/**
 * LocalLockArray: one reader-writer lock per PE over that PE's part. Every element op, put and
 * get takes the owner's lock (directly in shared memory on shmem; inside the owner's runtime AM
 * on tcp). Local data only through guards: `readLocalData()` (shared) and `writeLocalData()`
 * (exclusive), or in chunks; `readLock()`/`writeLock()` hold this PE's lock as a guard over the
 * whole array, and a read guard has the reductions.
 */
import { kConstruct, kGuardSite, nextTurn, starving } from '../core/index.js';
import { pin, unpin, type HandleOrigin, type RefState } from '../memregion/internal.js';
import { captureSite, type Team } from '../team/index.js';
import { createArray, registerArrayKind } from './create.js';
import { checkChunkSize, newLocalChunks, type LocalChunks } from './chunks.js';
import type { World } from './deps.js';
import type { ArrayElemType, LocalView, ReadonlyLocalView } from './elem.js';
import { newLocalDataGuard, type LocalDataGuard } from './guard.js';
import { LOCAL_LOCK, lock, noteGuard, noteWaitSite, unlock } from './lock.js';
import { newArrayReadGuard, newArrayWriteGuard, type ArrayReadGuard, type ArrayWriteGuard } from './lock-guard.js';
import { kArray, type ArrayMeta } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type ElemRef } from './iter/index.js';
import { MutableArray } from './mutable.js';
import type { ArrayKind, ArrayOptions } from './types.js';

/**
 * A distributed array with one reader-writer lock per PE over that PE's part: every element op,
 * put and get takes the owner's lock (in shared memory on shmem, inside the owner's runtime on
 * tcp), and local data is reached only through guards. `readLock()`/`writeLock()` hold this PE's
 * lock as a guard over the whole array; a read guard has the reductions.
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
export class LocalLockArray<T extends ArrayElemType = ArrayElemType> extends MutableArray<T> {
  /** @internal */
  // A getter, not a field: a handle is made per AM that carries one, and this is one store less.
  protected get kind(): ArrayKind {
    return 'LocalLockArray';
  }

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
  static create<T extends ArrayElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<LocalLockArray<T>> {
    return createArray('LocalLockArray', team, opts) as Promise<LocalLockArray<T>>;
  }

  /**
   * Collective, mutable: every PE walks its own part with global indices; items are ElemRef
   * handles that write through, under each PE's write lock held for the whole iteration.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * await ll.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
   * ```
   */
  distIterMut(): IndexedDistIter<ElemRef<T>, T> {
    return new IndexedDistIter(iterChain(this, true));
  }

  /**
   * Mutable, this PE's part only (local indices, no barrier); items are ElemRef handles, under
   * this PE's write lock held for the whole iteration.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * await ll.localIterMut().forEach((x) => { x.value += 1; });
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
  readLocalData(): Promise<LocalDataGuard<ReadonlyLocalView<T>>> {
    // The same view as a write guard's, typed read-only (docs/arrays.md: by type only).
    return this.#take(false, (d, rel) => newLocalDataGuard<ReadonlyLocalView<T>>(d as unknown as ReadonlyLocalView<T>, rel, 'LocalLockArray'));
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
  writeLocalData(): Promise<LocalDataGuard<LocalView<T>>> {
    return this.#take(true, (d, rel) => newLocalDataGuard(d, rel, 'LocalLockArray'));
  }

  /**
   * Waits for this PE's read lock; the guard's `value` is this PE's part in chunks of `n`
   * elements (the last may be shorter), each a read-only view. INVALID_ARGUMENT unless `n` is a
   * positive integer (checked before waiting).
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 1024, distribution: 'block' });
   * using g = await ll.readLocalChunks(256);
   * for (const chunk of g.value) use(chunk);
   * ```
   */
  readLocalChunks(n: number): Promise<LocalDataGuard<LocalChunks<ReadonlyLocalView<T>>>> {
    const words = this[kArray].meta.words;
    checkChunkSize(n, 'LocalLockArray.readLocalChunks');
    return this.#take(false, (d, rel) => newLocalDataGuard(newLocalChunks<ReadonlyLocalView<T>>(d, n, words, 'LocalLockArray.readLocalChunks'), rel, 'LocalLockArray'));
  }

  /**
   * Waits for this PE's write lock; the guard's `value` is this PE's part in chunks of `n`
   * elements (the last may be shorter), each a writable view.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 1024, distribution: 'block' });
   * using g = await ll.writeLocalChunks(256);
   * for (const chunk of g.value) chunk.fill(1);
   * ```
   */
  writeLocalChunks(n: number): Promise<LocalDataGuard<LocalChunks<LocalView<T>>>> {
    const words = this[kArray].meta.words;
    checkChunkSize(n, 'LocalLockArray.writeLocalChunks');
    return this.#take(true, (d, rel) => newLocalDataGuard(newLocalChunks<LocalView<T>>(d, n, words, 'LocalLockArray.writeLocalChunks'), rel, 'LocalLockArray'));
  }

  /**
   * Waits for this PE's read lock and holds it as a guard over the whole array (one-sided). Its
   * reductions fold every PE's part, each under its owner's read lock.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * using g = await ll.readLock();
   * const total = await g.sum();
   * ```
   */
  readLock(): Promise<ArrayReadGuard<T>> {
    return this.#take(false, (d, rel) => newArrayReadGuard<T>({ array: this, scope: 'local', write: false }, d as unknown as ReadonlyLocalView<T>, rel, 'LocalLockArray read'));
  }

  /**
   * Waits for this PE's write lock and holds it as a guard (one-sided); `localData()` is this
   * PE's part, writable.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * using g = await ll.writeLock();
   * g.localData().fill(0);
   * ```
   */
  writeLock(): Promise<ArrayWriteGuard<T>> {
    return this.#take(true, (d, rel) => newArrayWriteGuard<T>({ array: this, scope: 'local', write: true }, d, rel, 'LocalLockArray write'));
  }

  async #take<G extends LocalDataGuard<unknown>>(write: boolean, make: (data: LocalView<T>, release: () => void) => G): Promise<G> {
    const ai = this[kArray];
    const me = ai.meta.team.myPe;
    const data = this.lentView() as unknown as LocalView<T>;
    const w = ai.meta.locks[me]!;
    pin(ai.state);
    try {
      const wait = lock(w, LOCAL_LOCK, write);
      if (wait !== undefined) {
        // A guard's wait names its call if it is reported (a guard already held here, say).
        noteWaitSite(w, LOCAL_LOCK, captureSite(undefined, 8));
        await wait;
      } else if (starving()) await nextTurn(undefined);
    } catch (err) {
      unpin(ai.state);
      throw err;
    }
    const guard: G = make(data, () => {
      noteGuard(w, LOCAL_LOCK, guard[kGuardSite], false);
      unlock(w, LOCAL_LOCK, write);
      unpin(ai.state);
    });
    noteGuard(w, LOCAL_LOCK, guard[kGuardSite], true);
    return guard;
  }
}
