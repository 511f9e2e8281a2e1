/**
 * GlobalLockArray: one reader-writer lock for the whole array, kept on team PE 0 (a word in its
 * memory, taken directly on shmem and by runtime AM on tcp). Element ops take it (read for
 * loads, write otherwise) around the whole batch. Guards give this PE's part under the global
 * lock; `readLock()`/`writeLock()` hold it as a guard over the whole array (a read guard has
 * consistent reductions); `collectiveWriteLocalData()` is collective: one write lock held for
 * all PEs at once, released when the last PE releases its guard.
 */
import { kConstruct, kGuardSite, kTeamInternals } from '../core/index.js';
import { pin, unpin, type HandleOrigin, type RefState } from '../memregion/internal.js';
import { captureSite, reserveNamedBarriers, State, type Team } from '../team/index.js';
import { createArray, registerArrayKind } from './create.js';
import { checkChunkSize, newLocalChunks, type LocalChunks } from './chunks.js';
import type { World } from './deps.js';
import type { ArrayElemType, LocalView, ReadonlyLocalView } from './elem.js';
import { newLocalDataGuard, type LocalDataGuard } from './guard.js';
import { COLLECTIVE_LEFT, GLOBAL_LOCK, guardSitesText, kCollectiveWrite, noteGuard, type GuardSite } from './lock.js';
import { newArrayReadGuard, newArrayWriteGuard, type ArrayReadGuard, type ArrayWriteGuard } from './lock-guard.js';
import { kArray, type ArrayMeta } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type ElemRef } from './iter/index.js';
import { MutableArray } from './mutable.js';
import { acquireGlobal, releaseGlobal } from './ops/engine.js';
import { collectiveDone, CollectiveDoneAm } from './ops/remote.js';
import type { ArrayKind, ArrayOptions } from './types.js';

/** ", taken at file:///app.ts:9:21" for a report, or nothing when no guard's line is known. */
function takenText(sites: ReadonlySet<GuardSite>): string {
  const t = guardSitesText(sites);
  return t === '' ? '' : `, taken${t}`;
}

/** Guards of each GlobalLockArray held on this PE (for the report of a request that waits). */
const guardsHere = new WeakMap<ArrayMeta, Set<GuardSite>>();

/**
 * A distributed array under one reader-writer lock for the whole array (kept on team PE 0): every
 * element op, put and get takes it, and local data is reached through guards; a global write lock
 * excludes every other PE's readers and writers. `readLock()`/`writeLock()` hold the lock as a
 * guard over the whole array; a read guard's reductions see one consistent array.
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
export class GlobalLockArray<T extends ArrayElemType = ArrayElemType> extends MutableArray<T> {
  /** @internal */
  // A getter, not a field: a handle is made per AM that carries one, and this is one store less.
  protected get kind(): ArrayKind {
    return 'GlobalLockArray';
  }

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
  static create<T extends ArrayElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<GlobalLockArray<T>> {
    return createArray('GlobalLockArray', team, opts) as Promise<GlobalLockArray<T>>;
  }

  /**
   * Collective, mutable: every PE walks its own part with global indices; items are ElemRef
   * handles that write through, under one write lock taken for all PEs at once (collective) and
   * held for the whole iteration.
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'u32', length: 32, distribution: 'block' });
   * await gl.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
   * ```
   */
  distIterMut(): IndexedDistIter<ElemRef<T>, T> {
    return new IndexedDistIter(iterChain(this, true));
  }

  /**
   * Mutable, this PE's part only (local indices, no barrier); items are ElemRef handles, under
   * the global write lock held for the whole iteration (other PEs wait).
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'u32', length: 32, distribution: 'block' });
   * await gl.localIterMut().forEach((x) => { x.value += 1; });
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
  readLocalData(): Promise<LocalDataGuard<ReadonlyLocalView<T>>> {
    // The same view as a write guard's, typed read-only (docs/arrays.md: by type only).
    return this.#take(false, (d, rel) => newLocalDataGuard<ReadonlyLocalView<T>>(d as unknown as ReadonlyLocalView<T>, rel, 'GlobalLockArray'));
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
  writeLocalData(): Promise<LocalDataGuard<LocalView<T>>> {
    return this.#take(true, (d, rel) => newLocalDataGuard(d, rel, 'GlobalLockArray'));
  }

  /**
   * Waits for the global read lock; the guard's `value` is this PE's part in chunks of `n`
   * elements (the last may be shorter), each a read-only view. INVALID_ARGUMENT unless `n` is a
   * positive integer (checked before waiting).
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'u32', length: 1024, distribution: 'block' });
   * using g = await gl.readLocalChunks(256);
   * for (const chunk of g.value) use(chunk);
   * ```
   */
  readLocalChunks(n: number): Promise<LocalDataGuard<LocalChunks<ReadonlyLocalView<T>>>> {
    const words = this[kArray].meta.words;
    checkChunkSize(n, 'GlobalLockArray.readLocalChunks');
    return this.#take(false, (d, rel) => newLocalDataGuard(newLocalChunks<ReadonlyLocalView<T>>(d, n, words, 'GlobalLockArray.readLocalChunks'), rel, 'GlobalLockArray'));
  }

  /**
   * Waits for the global write lock; the guard's `value` is this PE's part in chunks of `n`
   * elements (the last may be shorter), each a writable view.
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'u32', length: 1024, distribution: 'block' });
   * using g = await gl.writeLocalChunks(256);
   * for (const chunk of g.value) chunk.fill(1);
   * ```
   */
  writeLocalChunks(n: number): Promise<LocalDataGuard<LocalChunks<LocalView<T>>>> {
    const words = this[kArray].meta.words;
    checkChunkSize(n, 'GlobalLockArray.writeLocalChunks');
    return this.#take(true, (d, rel) => newLocalDataGuard(newLocalChunks<LocalView<T>>(d, n, words, 'GlobalLockArray.writeLocalChunks'), rel, 'GlobalLockArray'));
  }

  /**
   * Waits for the global read lock and holds it as a guard over the whole array (one-sided): no
   * PE writes while it is held, so its reductions see one consistent array.
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'u32', length: 32, distribution: 'block' });
   * using g = await gl.readLock();
   * const [lo, hi] = [await g.min(), await g.max()];
   * ```
   */
  readLock(): Promise<ArrayReadGuard<T>> {
    return this.#take(false, (d, rel) => newArrayReadGuard<T>({ array: this, scope: 'global', write: false }, d as unknown as ReadonlyLocalView<T>, rel, 'GlobalLockArray read'));
  }

  /**
   * Waits for the global write lock (excluding every reader and writer on every PE) and holds it
   * as a guard; `localData()` is this PE's part, writable.
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'u32', length: 32, distribution: 'block' });
   * using g = await gl.writeLock();
   * g.localData().fill(0);
   * ```
   */
  writeLock(): Promise<ArrayWriteGuard<T>> {
    return this.#take(true, (d, rel) => newArrayWriteGuard<T>({ array: this, scope: 'global', write: true }, d, rel, 'GlobalLockArray write'));
  }

  async #take<G extends LocalDataGuard<unknown>>(write: boolean, make: (data: LocalView<T>, release: () => void) => G): Promise<G> {
    const ai = this[kArray];
    const data = this.lentView() as unknown as LocalView<T>;
    const sites = guardsHere.get(ai.meta);
    const held = sites?.size ?? 0;
    // Where the lock word is not mapped (tcp) the wait is team PE 0's, which reports its queue; a
    // request made while this PE holds a guard may wait for itself, so it is watched here too,
    // with its call (rare: no capture for other requests).
    const end = held > 0 && ai.meta.locks[0] === null
      ? ai.state.rt.watchWait(
          `GlobalLockArray.${write ? 'write' : 'read'} guard (the lock is kept on team PE 0; this PE holds ${held} guard${held === 1 ? '' : 's'} of it${takenText(sites!)})`,
          State.inLock,
          [],
        )
      : undefined;
    pin(ai.state);
    try {
      await acquireGlobal(this, ai, write, true);
    } catch (err) {
      unpin(ai.state);
      throw err;
    } finally {
      end?.();
    }
    // Where the lock word is mapped, its wait reports name this PE's guards on it too.
    const word = ai.meta.locks[0] ?? null;
    const guard: G = make(data, () => {
      const site = guard[kGuardSite];
      guardsHere.get(ai.meta)?.delete(site);
      if (word !== null) noteGuard(word, GLOBAL_LOCK, site, false);
      // Launched, not awaited: waitAll() and shutdown cover it (it is an AM on tcp).
      releaseGlobal(this, ai, write);
      unpin(ai.state);
    });
    const site = guard[kGuardSite];
    let mine = guardsHere.get(ai.meta);
    if (mine === undefined) guardsHere.set(ai.meta, (mine = new Set()));
    mine.add(site);
    if (word !== null) noteGuard(word, GLOBAL_LOCK, site, true);
    return guard;
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
  async collectiveWriteLocalData(): Promise<LocalDataGuard<LocalView<T>>> {
    const team = this[kArray].meta.team;
    // Every PE arrives first, so the lock requests each made before this call (a guard it
    // awaited on its way here) are granted and released before team PE 0 asks for the write
    // lock: asked first, it queued ahead of such a request, whose PE then never arrived.
    const site = captureSite();
    const what = 'GlobalLockArray.collectiveWriteLocalData()';
    return this.#collectiveWrite(async (take) => {
      // Both meetings take their numbers here, still within the call (#collectiveWrite pins the
      // array and calls this at once; see reserveNamedBarriers).
      const [open, close] = reserveNamedBarriers(team, what, site);
      await open();
      await take();
      await close();
    });
  }

  /**
   * @internal collectiveWriteLocalData with its meeting given: `meet(take)` must bring every PE
   * together, run `take` (team PE 0 takes the write lock for all), and bring every PE together
   * again after it. A distributed consumer meets through places it reserved at its call, so that
   * a PE that refused the call takes the same ones (iter/consume.ts).
   */
  [kCollectiveWrite](meet: (take: () => Promise<void>) => Promise<void>): Promise<LocalDataGuard<LocalView<T>>> {
    return this.#collectiveWrite(meet);
  }

  async #collectiveWrite(meet: (take: () => Promise<void>) => Promise<void>): Promise<LocalDataGuard<LocalView<T>>> {
    const ai = this[kArray];
    const team = ai.meta.team;
    pin(ai.state);
    try {
      await meet(async () => {
        if (team.myPe !== 0) return;
        await acquireGlobal(this, ai, true);
        // Set while holding the lock, before the meeting lets anyone release a guard.
        Atomics.store(ai.meta.locks[0]!, COLLECTIVE_LEFT, team.numPes);
      });
    } catch (err) {
      unpin(ai.state);
      throw err;
    }
    const w = ai.meta.locks[0] ?? null;
    return newLocalDataGuard(
      this.lentView() as unknown as LocalView<T>,
      () => {
        if (w !== null) collectiveDone(w);
        else void team[kTeamInternals].launchOwned(0, CollectiveDoneAm, { a: this });
        unpin(ai.state);
      },
      'GlobalLockArray collective',
    );
  }
}
