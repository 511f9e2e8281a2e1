/**
 * Distributed iterators: every PE of the array's team walks its own part, data-parallel
 * (Lamellar's DistributedIterator, like Rayon on each PE). Consumers are collective: every member
 * calls the same consumer, in the same order as its other collectives. `enumerate`, `skip`,
 * `stepBy` and `take` work in the array's global index space (window.ts).
 */
import type { ArrayElemType, ArrayValue } from '../elem.js';
import type { Distribution } from '../types.js';
import { checkFn, checkSum, kChain, withIdx, withTail, type Chain } from './chain.js';
import { checkTarget, type ArrayClass, type Collected } from './collect.js';
import { checkedCollective, consumeDist, elemTypeOf, type ConsumerName } from './consume.js';
import { checkSchedule, type Schedule } from './schedule.js';
import { checkAdapterCount } from './window.js';

/**
 * A distributed iterator, made by `distIter()` or `distIterMut()` and their adapters. Its
 * consumers are collective over the array's team: `forEach` ends once every PE's part is done,
 * and `reduce`, `sum` and `count` give every PE the same, global result.
 *
 * @example
 * ```ts
 * await a.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
 * const n = await a.distIter().filter((x) => x > 10).count();   // every PE gets n
 * ```
 */
export class DistIter<I, T extends ArrayElemType = ArrayElemType> {
  /** @internal */
  readonly [kChain]: Chain;

  /** @internal Made by the arrays' `distIter()` and `distIterMut()`. */
  constructor(chain: Chain) {
    this[kChain] = chain;
  }

  /**
   * Items become `f(item)`.
   *
   * @example
   * ```ts
   * const total = await a.distIter().map((x) => x * 2).sum();
   * ```
   */
  map<R>(f: (x: I) => R): DistIter<R, T> {
    return new DistIter(withTail(this[kChain], { op: 'map', f: checkFn(f, 'DistIter.map') }));
  }

  /**
   * Keeps the items for which `f` is true.
   *
   * @example
   * ```ts
   * const n = await a.distIter().filter((x) => x > 10).count();
   * ```
   */
  filter(f: (x: I) => boolean): DistIter<I, T> {
    return new DistIter(withTail(this[kChain], { op: 'filter', f: checkFn(f, 'DistIter.filter') }));
  }

  /**
   * Items become `f(item)`, dropping those where it returns `undefined` (Lamellar's `None`).
   *
   * @example
   * ```ts
   * const odd = await a.distIter().filterMap((x) => (x % 2 === 1 ? x : undefined)).collect(ReadOnlyArray, 'block');
   * ```
   */
  filterMap<R>(f: (x: I) => R | undefined): DistIter<R, T> {
    return new DistIter(withTail(this[kChain], { op: 'filterMap', f: checkFn(f, 'DistIter.filterMap') }));
  }

  /**
   * Items become `[k, item]`, k counting on each PE the items that reach this point (0, 1, …).
   *
   * @example
   * ```ts
   * await a.distIter().filter((x) => x > 0).monotonic().forEach(([k, x]) => console.log(`my ${k}th positive: ${x}`));
   * ```
   */
  monotonic(): DistIter<[number, I], T> {
    return new DistIter(withTail(this[kChain], { op: 'monotonic' }));
  }

  /**
   * Collective: calls `f` on every item of every PE (each PE its own); ends when all are done.
   *
   * @example
   * ```ts
   * await a.distIterMut().forEach((x) => x.store(world.myPe));
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
   * await a.distIter().forEachWithSchedule('guided', (x) => use(x));
   * ```
   */
  forEachWithSchedule(schedule: Schedule, f: (x: I) => void): Promise<void> {
    return this.#run('forEach', f, schedule) as Promise<void>;
  }

  /**
   * Collective: `forEach` with an async `f`, up to ASYNC_LANES items in flight on each PE.
   *
   * @example
   * ```ts
   * await a.distIter().forEachAsync(async (x) => { await b.add(x % b.length, 1); });
   * ```
   */
  forEachAsync(f: (x: I) => PromiseLike<unknown> | void): Promise<void> {
    return this.#run('forEachAsync', f, 'static') as Promise<void>;
  }

  /**
   * `forEachAsync` under a schedule.
   *
   * @example
   * ```ts
   * await a.distIter().forEachAsyncWithSchedule('dynamic', (x) => b.add(x % b.length, 1));
   * ```
   */
  forEachAsyncWithSchedule(schedule: Schedule, f: (x: I) => PromiseLike<unknown> | void): Promise<void> {
    return this.#run('forEachAsync', f, schedule) as Promise<void>;
  }

  /**
   * Collective all-reduce: each PE folds its items with `f`, then the partial results are folded
   * in team PE order; every PE gets the result (`undefined` when no PE had an item).
   *
   * @example
   * ```ts
   * const max = await a.distIter().reduce((m, x) => (x > m ? x : m));   // the same on every PE
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
   * const max = await a.distIter().reduceWithSchedule(Schedule.chunk(1024), (m, x) => (x > m ? x : m));
   * ```
   */
  reduceWithSchedule(schedule: Schedule, f: (acc: I, x: I) => I): Promise<I | undefined> {
    return this.#run('reduce', f, schedule) as Promise<I | undefined>;
  }

  /**
   * Collective all-reduce: the sum of every PE's items, on every PE (no wrapping).
   *
   * @example
   * ```ts
   * const total = await a.distIter().sum();   // every PE gets the total
   * ```
   */
  sum<V extends number | bigint>(this: DistIter<V, T>): Promise<V> {
    return this.#run('sum', null, 'static') as Promise<V>;
  }

  /**
   * `sum` under a schedule.
   *
   * @example
   * ```ts
   * const total = await a.distIter().sumWithSchedule('workStealing');
   * ```
   */
  sumWithSchedule<V extends number | bigint>(this: DistIter<V, T>, schedule: Schedule): Promise<V> {
    return this.#run('sum', null, schedule) as Promise<V>;
  }

  /**
   * Collective all-reduce: the number of items on all PEs, on every PE.
   *
   * @example
   * ```ts
   * const zeros = await a.distIter().filter((x) => x === 0).count();
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
   * const n = await a.distIter().countWithSchedule('static');
   * ```
   */
  countWithSchedule(schedule: Schedule): Promise<number> {
    return this.#run('count', null, schedule) as Promise<number>;
  }

  /**
   * Collective: a new array of `arrayType` holding every PE's items, concatenated in team PE
   * order (each PE's in its own order), with `type` (default: this array's element type).
   *
   * @example
   * ```ts
   * const evens = await a.distIter().filter((x) => x % 2 === 0).collect(ReadOnlyArray, 'block');
   * const halves = await a.distIter().map((x) => x / 2).collect(UnsafeArray, 'cyclic', 'f64');
   * ```
   */
  collect<C extends ArrayClass, E extends ArrayElemType = T>(this: DistIter<ArrayValue<E>, T>, arrayType: C, distribution: Distribution, type?: E): Promise<Collected<C, E>> {
    return this.#collect('collect', 'static', arrayType, distribution, type) as Promise<Collected<C, E>>;
  }

  /**
   * `collect` under a schedule.
   *
   * @example
   * ```ts
   * const copy = await a.distIter().collectWithSchedule('guided', AtomicArray, 'block');
   * ```
   */
  collectWithSchedule<C extends ArrayClass, E extends ArrayElemType = T>(this: DistIter<ArrayValue<E>, T>, schedule: Schedule, arrayType: C, distribution: Distribution, type?: E): Promise<Collected<C, E>> {
    return this.#collect('collect', schedule, arrayType, distribution, type) as Promise<Collected<C, E>>;
  }

  /**
   * Collective: `collect` of items that are promises (from an async `map`), each awaited first.
   *
   * @example
   * ```ts
   * const got = await a.distIter().map((i) => other.load(i)).collectAsync(ReadOnlyArray, 'block');
   * ```
   */
  collectAsync<C extends ArrayClass, E extends ArrayElemType = T>(this: DistIter<PromiseLike<ArrayValue<E>>, T>, arrayType: C, distribution: Distribution, type?: E): Promise<Collected<C, E>> {
    return this.#collect('collectAsync', 'static', arrayType, distribution, type) as Promise<Collected<C, E>>;
  }

  /**
   * `collectAsync` under a schedule.
   *
   * @example
   * ```ts
   * const got = await a.distIter().map((i) => other.load(i)).collectAsyncWithSchedule('dynamic', ReadOnlyArray, 'block');
   * ```
   */
  collectAsyncWithSchedule<C extends ArrayClass, E extends ArrayElemType = T>(
    this: DistIter<PromiseLike<ArrayValue<E>>, T>,
    schedule: Schedule,
    arrayType: C,
    distribution: Distribution,
    type?: E,
  ): Promise<Collected<C, E>> {
    return this.#collect('collectAsync', schedule, arrayType, distribution, type) as Promise<Collected<C, E>>;
  }

  #collect(name: 'collect' | 'collectAsync', schedule: unknown, arrayType: unknown, distribution: unknown, type: unknown): Promise<unknown> {
    const what = `DistIter.${name}`;
    const c = this[kChain];
    const k = checkedCollective(c, what, true, () => ({
      name,
      fn: null,
      sched: checkSchedule(schedule, `${what}WithSchedule`),
      target: checkTarget(arrayType, distribution, type, elemTypeOf(c), what),
      what,
    }));
    return consumeDist(c, k);
  }

  #run(name: ConsumerName, f: unknown, schedule: unknown): Promise<unknown> {
    const what = `DistIter.${name}`;
    const c = this[kChain];
    const k = checkedCollective(c, what, true, () => {
      const sched = checkSchedule(schedule, `${what}WithSchedule`);
      // sum and count take no callback; every other consumer here needs a function.
      const fn = name === 'sum' || name === 'count' ? null : checkFn(f as (...a: never[]) => unknown, what);
      if (name === 'sum') checkSum(c, what);
      return { name, fn, sched, target: undefined, what };
    });
    return consumeDist(c, k);
  }
}

/**
 * A distributed iterator whose items still have global positions: adds `enumerate`, `skip`,
 * `stepBy` and `take`, all in the array's global index space (the same elements, with the same
 * indices, as the sequential iterator over the whole array; each PE visits those it holds).
 *
 * @example
 * ```ts
 * await a.distIter().skip(2).stepBy(3).enumerate().forEach(([i, x]) => console.log(i, x)); // global 2, 5, 8, … as i = 0, 1, 2, …
 * ```
 */
export class IndexedDistIter<I, T extends ArrayElemType = ArrayElemType> extends DistIter<I, T> {
  /**
   * Items become `[i, item]`, i the item's global position (its array index unless adapters moved it).
   *
   * @example
   * ```ts
   * await a.distIterMut().enumerate().forEach(([i, x]) => x.store(i));   // global indices
   * ```
   */
  enumerate(): IndexedDistIter<[number, I], T> {
    return new IndexedDistIter(withIdx(this[kChain], { op: 'enumerate' }));
  }

  /**
   * Drops the first `n` positions of the whole array (n ≥ 0).
   *
   * @example
   * ```ts
   * const rest = await a.distIter().skip(10).count();   // length - 10
   * ```
   */
  skip(n: number): IndexedDistIter<I, T> {
    return new IndexedDistIter(withIdx(this[kChain], { op: 'skip', n: checkAdapterCount(n, 0, 'DistIter.skip(n)') }));
  }

  /**
   * Keeps every `n`-th position of the whole array, starting with the first (n ≥ 1).
   *
   * @example
   * ```ts
   * await a.distIterMut().stepBy(2).forEach((x) => x.store(1));   // even global indices
   * ```
   */
  stepBy(n: number): IndexedDistIter<I, T> {
    return new IndexedDistIter(withIdx(this[kChain], { op: 'stepBy', n: checkAdapterCount(n, 1, 'DistIter.stepBy(n)') }));
  }

  /**
   * Keeps the first `n` positions of the whole array (n ≥ 0).
   *
   * @example
   * ```ts
   * const head = await a.distIter().take(100).sum();   // of global elements 0..99
   * ```
   */
  take(n: number): IndexedDistIter<I, T> {
    return new IndexedDistIter(withIdx(this[kChain], { op: 'take', n: checkAdapterCount(n, 0, 'DistIter.take(n)') }));
  }
}
