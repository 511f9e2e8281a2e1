/**
 * GlobalLockArray: one reader-writer lock for the whole array, kept on team PE 0 (a word in its
 * memory, taken directly on shmem and by runtime AM on tcp). Element ops take it (read for
 * loads, write otherwise) around the whole batch. Guards give this PE's part under the global
 * lock; `collectiveWriteLocalData()` is collective: one write lock held for all PEs at once,
 * released when the last PE releases its guard.
 */
import { kConstruct } from '../core/index.js';
import { pin, unpin, type HandleOrigin, type RefState } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind } from './base.js';
import type { ElemType, ReadonlyTypedArrayOf, TypedArrayOf, World } from './deps.js';
import { newLocalDataGuard, type LocalDataGuard } from './guard.js';
import { COLLECTIVE_LEFT } from './lock.js';
import { kArray, type ArrayMeta } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type ElemRef } from './iter/index.js';
import { MutableArray } from './mutable.js';
import { acquireGlobal, releaseGlobal } from './ops/engine.js';
import { collectiveDone, CollectiveDoneAm } from './ops/remote.js';
import type { ArrayKind, ArrayOptions } from './types.js';

/**
 * A distributed array under one reader-writer lock for the whole array (kept on team PE 0): every
 * element op, put and get takes it, and local data is reached through guards; a global write lock
 * excludes every other PE's readers and writers.
 * @example
 * ```ts
 * const gl = await GlobalLockArray.create(world, { type: 'i32', length: 32, distribution: 'block' });
 * await gl.store(0, 5);
 * {
 *   using r = await gl.readLocalData();
 *   console.log(r.value[0]);
 * }
 * ```
 */
export class GlobalLockArray<T extends ElemType = ElemType> extends MutableArray<T> {
  /** @internal */
  protected readonly kind: ArrayKind = 'GlobalLockArray';

  private constructor(token: symbol, state: RefState, origin: HandleOrigin, meta: ArrayMeta<T>, offset: number, length: number) {
    super(token, state, origin, meta, offset, length);
  }

  static {
    registerArrayKind('GlobalLockArray', GlobalLockArray, (st, origin, meta, off, len) => new GlobalLockArray(kConstruct, st, origin, meta, off, len));
  }

  /**
   * Collective over the team (or world): a zeroed GlobalLockArray; every member calls it with the
   * same options.
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'u16', length: 32, distribution: 'cyclic' });
   * ```
   */
  static create<T extends ElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<GlobalLockArray<T>> {
    return createArray('GlobalLockArray', team, opts) as Promise<GlobalLockArray<T>>;
  }

  /**
   * Collective, mutable: every PE walks its own part with global indices; items are ElemRef
   * handles that write through, under one write lock taken for all PEs at once (collective) and held for the whole iteration.
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
   * Mutable, this PE's part only (local indices, no barrier); items are ElemRef handles, under the global write lock held for the whole iteration (other PEs wait).
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
   * Waits for the global read lock; the guard's `value` is this PE's part, read-only.
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'u16', length: 32, distribution: 'cyclic' });
   * {
   *   using r = await gl.readLocalData();
   *   const first = r.value[0];
   * }
   * ```
   */
  readLocalData(): Promise<LocalDataGuard<ReadonlyTypedArrayOf<T>>> {
    // The same view as a write guard's, typed read-only (docs/arrays.md: by type only).
    return this.#guard(false) as Promise<LocalDataGuard<TypedArrayOf<T>>> as unknown as Promise<LocalDataGuard<ReadonlyTypedArrayOf<T>>>;
  }

  /**
   * Waits for the global write lock (no other PE reads or writes meanwhile); the guard's `value` is
   * this PE's part.
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'u16', length: 32, distribution: 'cyclic' });
   * {
   *   using w = await gl.writeLocalData();
   *   w.value.fill(1);
   * }
   * ```
   */
  writeLocalData(): Promise<LocalDataGuard<TypedArrayOf<T>>> {
    return this.#guard(true);
  }

  #data(): TypedArrayOf<T> {
    const ai = this[kArray];
    const [s, e] = this.localRange();
    return (ai.meta.views[ai.meta.team.myPe]! as unknown as TypedArrayOf<T>).subarray(s, e) as TypedArrayOf<T>;
  }

  async #guard(write: boolean): Promise<LocalDataGuard<TypedArrayOf<T>>> {
    const ai = this[kArray];
    pin(ai.state);
    try {
      await acquireGlobal(this, ai, write);
    } catch (err) {
      unpin(ai.state);
      throw err;
    }
    return newLocalDataGuard(
      this.#data(),
      () => {
        // Launched, not awaited: waitAll() and shutdown cover it (it is an AM on tcp).
        releaseGlobal(this, ai, write);
        unpin(ai.state);
      },
      'GlobalLockArray',
    );
  }

  /**
   * Collective over the team: every member asks, team PE 0 takes the write lock once for all, and
   * each member's guard gives its own part; the lock is released when the last member releases its
   * guard.
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'u16', length: 32, distribution: 'cyclic' });
   * {
   *   using w = await gl.collectiveWriteLocalData();
   *   w.value.fill(world.myPe);
   * }
   * ```
   */
  async collectiveWriteLocalData(): Promise<LocalDataGuard<TypedArrayOf<T>>> {
    const ai = this[kArray];
    const team = ai.meta.team;
    pin(ai.state);
    try {
      if (team.myPe === 0) {
        await acquireGlobal(this, ai, true);
        // Set while holding the lock, before the barrier lets anyone release a guard.
        Atomics.store(ai.meta.locks[0]!, COLLECTIVE_LEFT, team.numPes);
      }
      await team.barrier();
    } catch (err) {
      unpin(ai.state);
      throw err;
    }
    const w = ai.meta.locks[0] ?? null;
    return newLocalDataGuard(
      this.#data(),
      () => {
        if (w !== null) collectiveDone(w);
        else void team.execAmPe(0, CollectiveDoneAm, { a: this });
        unpin(ai.state);
      },
      'GlobalLockArray collective',
    );
  }
}

