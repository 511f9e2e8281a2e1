/**
 * Local iterators: the calling PE walks its own part of an array, with no barrier and no data
 * movement (Lamellar's LocalIterator). `enumerate` gives local indices (0 .. numElemsLocal − 1).
 */
import type { ElemType, ReadonlyTypedArrayOf, TypedArrayOf } from '../../memregion/index.js';
import type { ArrayElemType, ArrayValue } from '../elem.js';
import type { Distribution } from '../types.js';
import { chainsOf, checkFn, checkSum, kChain, withIdx, withTail, type Chain } from './chain.js';
import { checkTarget, type ArrayClass, type Collected } from './collect.js';
import { checkedCollective, consumeLocal, elemTypeOf, type Consume, type ConsumerName } from './consume.js';
import { checkSchedule, type Schedule } from './schedule.js';
import { checkAdapterCount } from './window.js';
import { kArray } from '../meta.js';
import { ErrorCode, LamellarError } from '../../core/index.js';

/**
 * A chunk of a one-sided iterator's `chunks(n)` over items `I` of an array of element type `T`:
 * the element type's typed array (`TypedArrayOf<T>`, a fresh array per transfer; a local
 * iterator's is a read-only view of the array's memory, `LocalChunkOf`) when the items are the
 * plain element values of a type stored one per typed-array element; else an array of the items
 * (bool values, 128-bit bigints, element handles, `enumerate` or `zip` pairs, chunks).
 *
 * @example
 * ```ts
 * for await (const c of a.bufferedOnesidedIter(100).chunks(100)) c.sort();   // c: Uint32Array on a u32 array
 * const pairs = await a.localIter().enumerate().chunks(2).collect();   // [[i, x], [i, x]][]
 * ```
 */
export type ChunkOf<I, T extends ArrayElemType = ArrayElemType> = [I] extends [number | bigint] ? (T extends ElemType ? ([I] extends [ArrayValue<T>] ? TypedArrayOf<T> : I[]) : I[]) : I[];

/**
 * A chunk of a local iterator's `chunks(n)`: as `ChunkOf`, but a typed-array chunk is a
 * read-only view (`ReadonlyTypedArrayOf<T>`), since it is the array's own memory, read under
 * whatever the iterator holds (a ReadOnlyArray, a read lock): as Rust's `local_iter`, which
 * lends `&T`. Write through `localIterMut()`, a write guard's `writeLocalChunks(n)` or an
 * UnsafeArray's `localChunks(n)`.
 *
 * @example
 * ```ts
 * const firsts = await a.localIter().chunks(4).map((c) => c[0]!).collect(); // c: ReadonlyTypedArrayOf<'u32'>
 * ```
 */
export type LocalChunkOf<I, T extends ArrayElemType = ArrayElemType> = [I] extends [number | bigint]
  ? T extends ElemType
    ? [I] extends [ArrayValue<T>]
      ? ReadonlyTypedArrayOf<T>
      : I[]
    : I[]
  : I[];

/**
 * An iterator over this PE's part of an array, made by `localIter()` or `localIterMut()` and
 * their adapters. Nothing runs until a consumer is awaited; each consumer runs one fused loop.
 *
 * @example
 * ```ts
 * const total = await a.localIter().map((x) => x * 2).sum();
 * const big = await a.localIter().filter((x) => x > 10).collect();
 * ```
 */
export class LocalIter<I, T extends ArrayElemType = ArrayElemType> {
  /** @internal */
  readonly [kChain]: Chain;

  /** @internal Made by the arrays' `localIter()` and `localIterMut()`. */
  constructor(chain: Chain) {
    this[kChain] = chain;
  }

  /**
   * Items become `f(item)`.
   *
   * @example
   * ```ts
   * const doubled = await a.localIter().map((x) => x * 2).collect();
   * ```
   */
  map<R>(f: (x: I) => R): LocalIter<R, T> {
    return new LocalIter(withTail(this[kChain], { op: 'map', f: checkFn(f, 'LocalIter.map') }));
  }

  /**
   * Keeps the items for which `f` is true.
   *
   * @example
   * ```ts
   * const big = await a.localIter().filter((x) => x > 10).count();
   * ```
   */
  filter(f: (x: I) => boolean): LocalIter<I, T> {
    return new LocalIter(withTail(this[kChain], { op: 'filter', f: checkFn(f, 'LocalIter.filter') }));
  }

  /**
   * Items become `f(item)`, dropping those where it returns `undefined` (Lamellar's `None`).
   *
   * @example
   * ```ts
   * const halves = await a.localIter().filterMap((x) => (x % 2 === 0 ? x / 2 : undefined)).collect();
   * ```
   */
  filterMap<R>(f: (x: I) => R | undefined): LocalIter<R, T> {
    return new LocalIter(withTail(this[kChain], { op: 'filterMap', f: checkFn(f, 'LocalIter.filterMap') }));
  }

  /**
   * Items become `[k, item]` with k = 0, 1, 2, … counting the items that reach this point.
   *
   * @example
   * ```ts
   * const firstEvens = await a.localIter().filter((x) => x % 2 === 0).monotonic().filter(([k]) => k < 3).collect();
   * ```
   */
  monotonic(): LocalIter<[number, I], T> {
    return new LocalIter(withTail(this[kChain], { op: 'monotonic' }));
  }

  /**
   * Calls `f` on every item, in order. Rejects with the first error `f` throws.
   *
   * @example
   * ```ts
   * await a.localIter().forEach((x) => console.log(x));
   * ```
   */
  forEach(f: (x: I) => void): Promise<void> {
    return this.#run('forEach', f, 'static') as Promise<void>;
  }

  /**
   * `forEach` under a schedule (see `Schedule`).
   *
   * @example
   * ```ts
   * await a.localIter().forEachWithSchedule(Schedule.chunk(4096), (x) => use(x));
   * ```
   */
  forEachWithSchedule(schedule: Schedule, f: (x: I) => void): Promise<void> {
    return this.#run('forEach', f, schedule) as Promise<void>;
  }

  /**
   * Calls `f` on every item and awaits what it returns, with up to ASYNC_LANES items in flight.
   *
   * @example
   * ```ts
   * await a.localIter().forEachAsync(async (x) => { await other.add(x % other.length, 1); });
   * ```
   */
  forEachAsync(f: (x: I) => PromiseLike<unknown> | void): Promise<void> {
    return this.#run('forEachAsync', f, 'static') as Promise<void>;
  }

  /**
   * `forEachAsync` under a schedule (which decides which items are in flight together).
   *
   * @example
   * ```ts
   * await a.localIter().forEachAsyncWithSchedule('dynamic', (x) => other.add(x % other.length, 1));
   * ```
   */
  forEachAsyncWithSchedule(schedule: Schedule, f: (x: I) => PromiseLike<unknown> | void): Promise<void> {
    return this.#run('forEachAsync', f, schedule) as Promise<void>;
  }

  /**
   * Folds the items with `f` in order; `undefined` when there are none.
   *
   * @example
   * ```ts
   * const max = await a.localIter().reduce((m, x) => (x > m ? x : m));
   * ```
   */
  reduce(f: (acc: I, x: I) => I): Promise<I | undefined> {
    return this.#run('reduce', f, 'static') as Promise<I | undefined>;
  }

  /**
   * `reduce` under a schedule.
   *
   * @example
   * ```ts
   * const max = await a.localIter().reduceWithSchedule('guided', (m, x) => (x > m ? x : m));
   * ```
   */
  reduceWithSchedule(schedule: Schedule, f: (acc: I, x: I) => I): Promise<I | undefined> {
    return this.#run('reduce', f, schedule) as Promise<I | undefined>;
  }

  /**
   * Sum of the items with `+` (0, or 0n for 64-bit elements, when there are none). No wrapping.
   *
   * @example
   * ```ts
   * const mine = await a.localIter().sum();
   * ```
   */
  sum<V extends number | bigint>(this: LocalIter<V, T>): Promise<V> {
    return this.#run('sum', null, 'static') as Promise<V>;
  }

  /**
   * `sum` under a schedule.
   *
   * @example
   * ```ts
   * const mine = await a.localIter().sumWithSchedule(Schedule.chunk(1 << 16));
   * ```
   */
  sumWithSchedule<V extends number | bigint>(this: LocalIter<V, T>, schedule: Schedule): Promise<V> {
    return this.#run('sum', null, schedule) as Promise<V>;
  }

  /**
   * Number of items.
   *
   * @example
   * ```ts
   * const n = await a.localIter().filter((x) => x === 0).count();
   * ```
   */
  count(): Promise<number> {
    return this.#run('count', null, 'static') as Promise<number>;
  }

  /**
   * `count` under a schedule.
   *
   * @example
   * ```ts
   * const n = await a.localIter().countWithSchedule('static');
   * ```
   */
  countWithSchedule(schedule: Schedule): Promise<number> {
    return this.#run('count', null, schedule) as Promise<number>;
  }

  /**
   * The items, in order, as a JS array (local); or, given an array type and a distribution, a new
   * distributed array of every PE's items concatenated in team PE order (collective over the
   * array's team; `type` defaults to the array's element type).
   *
   * @example
   * ```ts
   * const items = await a.localIter().collect();                        // a JS array
   * const all = await a.localIter().collect(ReadOnlyArray, 'block');    // collective: every PE's part
   * ```
   */
  collect(): Promise<I[]>;
  collect<C extends ArrayClass, E extends ArrayElemType = T>(this: LocalIter<ArrayValue<E>, T>, arrayType: C, distribution: Distribution, type?: E): Promise<Collected<C, E>>;
  collect(arrayType?: unknown, distribution?: unknown, type?: unknown): Promise<unknown> {
    return this.#collect('collect', 'static', arrayType, distribution, type);
  }

  /**
   * `collect` under a schedule.
   *
   * @example
   * ```ts
   * const items = await a.localIter().collectWithSchedule('dynamic');
   * ```
   */
  collectWithSchedule(schedule: Schedule): Promise<I[]>;
  collectWithSchedule<C extends ArrayClass, E extends ArrayElemType = T>(this: LocalIter<ArrayValue<E>, T>, schedule: Schedule, arrayType: C, distribution: Distribution, type?: E): Promise<Collected<C, E>>;
  collectWithSchedule(schedule: Schedule, arrayType?: unknown, distribution?: unknown, type?: unknown): Promise<unknown> {
    return this.#collect('collect', schedule, arrayType, distribution, type);
  }

  /**
   * Awaits every item (items are promises, e.g. from an async `map`) and collects the values in order.
   *
   * @example
   * ```ts
   * const values = await a.localIter().map(async (x) => (await other.load(x)) + 1).collectAsync();
   * ```
   */
  collectAsync(): Promise<Awaited<I>[]>;
  collectAsync<C extends ArrayClass, E extends ArrayElemType = T>(this: LocalIter<PromiseLike<ArrayValue<E>>, T>, arrayType: C, distribution: Distribution, type?: E): Promise<Collected<C, E>>;
  collectAsync(arrayType?: unknown, distribution?: unknown, type?: unknown): Promise<unknown> {
    return this.#collect('collectAsync', 'static', arrayType, distribution, type);
  }

  /**
   * `collectAsync` under a schedule.
   *
   * @example
   * ```ts
   * const values = await a.localIter().map((x) => other.load(x)).collectAsyncWithSchedule('dynamic');
   * ```
   */
  collectAsyncWithSchedule(schedule: Schedule): Promise<Awaited<I>[]>;
  collectAsyncWithSchedule<C extends ArrayClass, E extends ArrayElemType = T>(
    this: LocalIter<PromiseLike<ArrayValue<E>>, T>,
    schedule: Schedule,
    arrayType: C,
    distribution: Distribution,
    type?: E,
  ): Promise<Collected<C, E>>;
  collectAsyncWithSchedule(schedule: Schedule, arrayType?: unknown, distribution?: unknown, type?: unknown): Promise<unknown> {
    return this.#collect('collectAsync', schedule, arrayType, distribution, type);
  }

  #collect(name: 'collect' | 'collectAsync', schedule: unknown, arrayType: unknown, distribution: unknown, type: unknown): Promise<unknown> {
    const what = `LocalIter.${name}`;
    const c = this[kChain];
    const check = (): Consume => ({
      name,
      fn: null,
      sched: checkSchedule(schedule, `${what}WithSchedule`),
      target: arrayType === undefined ? undefined : checkTarget(arrayType, distribution, type, elemTypeOf(c), what),
      what,
    });
    // Into a new array the call is collective: a refusal still takes its place (consume.ts).
    return consumeLocal(c, arrayType === undefined ? check() : checkedCollective(c, what, false, check));
  }

  #run(name: ConsumerName, f: unknown, schedule: unknown): Promise<unknown> {
    const what = `LocalIter.${name}`;
    const sched = checkSchedule(schedule, `${what}WithSchedule`);
    // sum and count take no callback; every other consumer here needs a function.
    const fn = name === 'sum' || name === 'count' ? null : checkFn(f as (...a: never[]) => unknown, what);
    if (name === 'sum') checkSum(this[kChain], what);
    return consumeLocal(this[kChain], { name, fn, sched, target: undefined, what });
  }
}

/**
 * A local iterator whose items still have positions: adds `enumerate`, `skip`, `stepBy`, `take`,
 * `chunks` and `zip`. `map`, `filter`, `filterMap` and `monotonic` return a plain LocalIter.
 *
 * @example
 * ```ts
 * await a.localIterMut().enumerate().forEach(([i, x]) => x.store(i));
 * const firstTen = await a.localIter().take(10).collect();
 * ```
 */
export class IndexedLocalIter<I, T extends ArrayElemType = ArrayElemType> extends LocalIter<I, T> {
  /**
   * Items become `[i, item]`, i the item's position (a local index unless adapters moved it).
   *
   * @example
   * ```ts
   * await a.localIterMut().enumerate().forEach(([i, x]) => x.store(i));
   * ```
   */
  enumerate(): IndexedLocalIter<[number, I], T> {
    return new IndexedLocalIter(withIdx(this[kChain], { op: 'enumerate' }));
  }

  /**
   * Drops the first `n` items (n ≥ 0).
   *
   * @example
   * ```ts
   * const rest = await a.localIter().skip(2).collect();
   * ```
   */
  skip(n: number): IndexedLocalIter<I, T> {
    return new IndexedLocalIter(withIdx(this[kChain], { op: 'skip', n: checkAdapterCount(n, 0, 'LocalIter.skip(n)') }));
  }

  /**
   * Keeps every `n`-th item, starting with the first (n ≥ 1).
   *
   * @example
   * ```ts
   * const everyThird = await a.localIter().stepBy(3).collect();
   * ```
   */
  stepBy(n: number): IndexedLocalIter<I, T> {
    return new IndexedLocalIter(withIdx(this[kChain], { op: 'stepBy', n: checkAdapterCount(n, 1, 'LocalIter.stepBy(n)') }));
  }

  /**
   * Keeps the first `n` items (n ≥ 0).
   *
   * @example
   * ```ts
   * const firstFive = await a.localIter().take(5).collect();
   * ```
   */
  take(n: number): IndexedLocalIter<I, T> {
    return new IndexedLocalIter(withIdx(this[kChain], { op: 'take', n: checkAdapterCount(n, 0, 'LocalIter.take(n)') }));
  }

  /**
   * Items become chunks of `n` consecutive items (the last may be shorter), see `LocalChunkOf`:
   * a typed-array chunk is a read-only view of the array's memory.
   *
   * @example
   * ```ts
   * await a.localIter().chunks(4096).forEachAsync((c) => b.batchAdd(c, 1));
   * ```
   */
  chunks(n: number): IndexedLocalIter<LocalChunkOf<I, T>, T> {
    return new IndexedLocalIter(withIdx(this[kChain], { op: 'chunks', n: checkAdapterCount(n, 1, 'LocalIter.chunks(n)') }));
  }

  /**
   * Pairs items with another local iterator's, `[mine, theirs]`, as long as both have items: of
   * two lengths the shorter wins (as Lamellar's and Rust's zip). The other iterator's lock, if
   * any, is held too.
   *
   * @example
   * ```ts
   * const pairs = await a.localIter().zip(b.localIter()).collect();
   * ```
   */
  zip<J>(other: IndexedLocalIter<J, ArrayElemType>): IndexedLocalIter<[I, J], T> {
    if (!(other instanceof IndexedLocalIter)) {
      throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'LocalIter.zip needs another indexed local iterator (localIter() or localIterMut(), before any map or filter)');
    }
    checkOwnLock(this[kChain], other[kChain]);
    return new IndexedLocalIter(withIdx(this[kChain], { op: 'zip', other: other[kChain] }));
  }
}

/**
 * Refuses a zip that would wait forever for its own lock: two iterators over one lock array (or
 * sub-arrays of it), one through a guard and one not, or neither and one of them mutable. A side
 * not through a guard takes the array's lock when the consumer runs, and never gets it while
 * the other side holds it (a write lock, or a guard's lock with a write queued behind it). Two
 * reads without guards ask for the lock together and share it (consume.ts).
 */
function checkOwnLock(a: Chain, b: Chain): void {
  for (const x of chainsOf(a)) {
    for (const y of chainsOf(b)) {
      const kind = x.array[kArray].kind;
      if (x.array[kArray].meta !== y.array[kArray].meta || (kind !== 'LocalLockArray' && kind !== 'GlobalLockArray')) continue;
      if (x.lease !== undefined && y.lease !== undefined) continue;
      if (x.lease === undefined && y.lease === undefined && !x.mut && !y.mut) continue;
      throw new LamellarError(
        ErrorCode.INVALID_ARGUMENT,
        `LocalIter.zip: both iterators are over one ${kind}, ${x.lease !== undefined || y.lease !== undefined ? 'one through a guard and one not' : 'and one is mutable'}: a side not through a guard takes the array's lock when the consumer runs, and would wait forever for the other's. Take one guard and zip its iterators: \`using w = await a.writeLock(); await w.localIterMut().zip(w.localIter()).forEach(...)\``,
      );
    }
  }
}
