/**
 * One-sided iterators: one PE walks the whole (sub-)array in global index order, fetching the
 * elements with `get` in chunks (Lamellar's OneSidedIterator and buffered_onesided_iter). The
 * fetches of the next chunks (up to 256 KiB of them, onesided-stream.ts) are started before the
 * current one is handed out, so on tcp the transfers overlap the consumer's work; on shmem a
 * fetch is a copy out of the owner's mapped memory. Only the calling PE takes part. Lock arrays take their lock per fetch (inside `get`),
 * not for the whole iteration.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import type { ArrayBase } from '../base.js';
import { storageCtor, storageOf, type ArrayElemType } from '../elem.js';
import { chainsOf, checkFn, checkSum, kChain, shapeOf, sumZero, withIdx, withTail, type Chain } from './chain.js';
import { kernelFor, type ConsumerKind, type KernelArgs } from './fuse.js';
import type { ChunkOf } from './local.js';
import { planStream } from './onesided-stream.js';
import { running } from './running.js';
import { settleItems, Slice } from './schedule.js';
import { checkAdapterCount } from './window.js';

/** Bytes fetched per chunk by `onesidedIter()`. */
const DEFAULT_CHUNK_BYTES = 1 << 18;

/** Elements per fetch for `onesidedIter()` on an array of `type`. */
export const defaultChunk = (type: ArrayElemType): number => Math.max(1, DEFAULT_CHUNK_BYTES / (storageCtor(type).BYTES_PER_ELEMENT * storageOf(type).words));

const chunkOf = (c: Chain, fallback: number): number => c.chunk ?? fallback;

/**
 * Starts a consumer as running work of its arrays (running.ts), as local and distributed ones
 * are: a drop() or `await using` scope end, and waitAll(), wait for it. Without this, a consumer
 * left running when its array's scope ended fetched its next chunk from a released handle.
 */
const tracked = <R>(c: Chain, start: () => Promise<R>): Promise<R> => running(chainsOf(c).map((x) => x.array), start);

/**
 * Runs a fused consumer over every chunk. Returns the accumulator state and the pushed items.
 */
async function consume(c: Chain, size: number, consumer: ConsumerKind, fn: KernelArgs['C']): Promise<{ acc: unknown; has: boolean; out: unknown[] }> {
  const F = c.tail.map((t) => (t.op === 'monotonic' ? null : (t.f as (...x: never[]) => unknown)));
  const st = { acc: 0 as unknown, has: false, mono: c.tail.map(() => 0) };
  const out: unknown[] = [];
  const slice = new Slice();
  for await (const p of planStream(c, size)) {
    const kernel = kernelFor(shapeOf(p, c.tail, consumer), F, fn, p.n);
    kernel({ v: p.v, l0: p.l0, ls: p.ls, E: p.E, G: null, R: null, S: null, at: null, F, C: fn, st, out }, 0, p.n);
    if (slice.due()) await slice.yield();
  }
  return { acc: st.acc, has: st.has, out };
}

/**
 * The items of each fetched chunk, in order, as one JS array per chunk: what the item-by-item
 * ways (`for await`, find, any, all) walk, so that they pay a promise per chunk, not per item.
 */
async function* itemChunks(c: Chain, size: number): AsyncGenerator<unknown[], void, undefined> {
  const F = c.tail.map((t) => (t.op === 'monotonic' ? null : (t.f as (...x: never[]) => unknown)));
  const st = { acc: 0 as unknown, has: false, mono: c.tail.map(() => 0) };
  for await (const p of planStream(c, size)) {
    const out: unknown[] = [];
    try {
      kernelFor(shapeOf(p, c.tail, 'push'), F, null, p.n)({ v: p.v, l0: p.l0, ls: p.ls, E: p.E, G: null, R: null, S: null, at: null, F, C: null, st, out }, 0, p.n);
    } catch (e) {
      void settleItems(out);
      throw e;
    }
    yield out;
  }
}

/**
 * The first item, in order, for which `f` returns `want` (find and any look for true, all for
 * false); nothing is fetched after its chunk. The chunk's later items are observed, as in
 * `for await` (they may be promises already running).
 */
async function search(c: Chain, size: number, f: (x: unknown) => boolean, want: boolean): Promise<{ hit: boolean; x: unknown }> {
  const slice = new Slice();
  for await (const out of itemChunks(c, size)) {
    let j = 0;
    try {
      for (; j < out.length; j++) if (Boolean(f(out[j])) === want) return { hit: true, x: out[j] };
    } finally {
      if (j + 1 < out.length) void settleItems(out, j + 1);
    }
    if (slice.due()) await slice.yield();
  }
  return { hit: false, x: undefined };
}

/**
 * An iterator over the whole array in global order, from this PE only, made by `onesidedIter()`
 * or `bufferedOnesidedIter(n)` and their adapters. It is an async iterable (one promise per
 * item: `chunks(n)` or a consumer is much faster) and has local consumers.
 *
 * @example
 * ```ts
 * if (world.myPe === 0) for await (const x of a.onesidedIter()) console.log(x);
 * for await (const chunk of a.onesidedIter().chunks(4096)) use(chunk);
 * const total = await a.onesidedIter().sum();
 * ```
 */
export class OnesidedIter<I, T extends ArrayElemType = ArrayElemType> implements AsyncIterable<I> {
  /** @internal */
  readonly [kChain]: Chain;

  /** @internal Made by the arrays' `onesidedIter()` and `bufferedOnesidedIter(n)`. */
  constructor(chain: Chain) {
    this[kChain] = chain;
  }

  /** Elements fetched per transfer. */
  protected get chunkSize(): number {
    return chunkOf(this[kChain], defaultChunk(this[kChain].array.type));
  }

  /**
   * Items become `f(item)`.
   *
   * @example
   * ```ts
   * const strings = await a.onesidedIter().map((x) => x.toString(16)).collect();
   * ```
   */
  map<R>(f: (x: I) => R): OnesidedIter<R, T> {
    return new OnesidedIter(withTail(this[kChain], { op: 'map', f: checkFn(f, 'OnesidedIter.map') }));
  }

  /**
   * Keeps the items for which `f` is true.
   *
   * @example
   * ```ts
   * const big = await a.onesidedIter().filter((x) => x > 10).count();
   * ```
   */
  filter(f: (x: I) => boolean): OnesidedIter<I, T> {
    return new OnesidedIter(withTail(this[kChain], { op: 'filter', f: checkFn(f, 'OnesidedIter.filter') }));
  }

  /**
   * Items become `f(item)`, dropping those where it returns `undefined`.
   *
   * @example
   * ```ts
   * const halves = await a.onesidedIter().filterMap((x) => (x % 2 === 0 ? x / 2 : undefined)).collect();
   * ```
   */
  filterMap<R>(f: (x: I) => R | undefined): OnesidedIter<R, T> {
    return new OnesidedIter(withTail(this[kChain], { op: 'filterMap', f: checkFn(f, 'OnesidedIter.filterMap') }));
  }

  /**
   * Items become `[k, item]` with k = 0, 1, 2, … counting the items that reach this point.
   *
   * @example
   * ```ts
   * for await (const [k, x] of a.onesidedIter().filter((x) => x > 0).monotonic()) console.log(k, x);
   * ```
   */
  monotonic(): OnesidedIter<[number, I], T> {
    return new OnesidedIter(withTail(this[kChain], { op: 'monotonic' }));
  }

  /**
   * The items one by one: `for await (const x of iter)`.
   *
   * @example
   * ```ts
   * for await (const x of a.onesidedIter()) total += x;
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<I, void, undefined> {
    for await (const out of itemChunks(this[kChain], this.chunkSize)) {
      let j = 0;
      try {
        for (; j < out.length; j++) yield out[j] as I;
      } finally {
        // The consumer stopped inside this chunk (a rejected item, a throwing callback, a break):
        // the chunk's later items may be promises already running (an async map makes them
        // together); they are observed so that their rejections do not go unhandled. Not waited
        // for: a loop that breaks out must not hang on an item it chose not to take.
        if (j < out.length) void settleItems(out, j);
      }
    }
  }

  /**
   * Calls `f` on every item, in order.
   *
   * @example
   * ```ts
   * await a.onesidedIter().forEach((x) => console.log(x));
   * ```
   */
  forEach(f: (x: I) => void): Promise<void> {
    const fn = checkFn(f, 'OnesidedIter.forEach') as KernelArgs['C'];
    return tracked(this[kChain], () => consume(this[kChain], this.chunkSize, 'each', fn).then(() => undefined));
  }

  /**
   * Calls `f` on every item in order, awaiting each result before the next item.
   *
   * @example
   * ```ts
   * await a.onesidedIter().forEachAsync(async (x) => { await other.store(0, x); });
   * ```
   */
  forEachAsync(f: (x: I) => PromiseLike<unknown> | void): Promise<void> {
    checkFn(f, 'OnesidedIter.forEachAsync');
    return tracked(this[kChain], async () => {
      for await (const x of this) await f(x);
    });
  }

  /**
   * Folds the items with `f` in order; `undefined` when there are none.
   *
   * @example
   * ```ts
   * const max = await a.onesidedIter().reduce((m, x) => (x > m ? x : m));
   * ```
   */
  reduce(f: (acc: I, x: I) => I): Promise<I | undefined> {
    const fn = checkFn(f, 'OnesidedIter.reduce') as KernelArgs['C'];
    return tracked(this[kChain], () => consume(this[kChain], this.chunkSize, 'reduce', fn).then((r) => (r.has ? (r.acc as I) : undefined)));
  }

  /**
   * Sum of the items with `+` (0, or 0n for 64-bit elements, when there are none).
   *
   * @example
   * ```ts
   * const total = await a.onesidedIter().sum();
   * ```
   */
  sum<V extends number | bigint>(this: OnesidedIter<V, T>): Promise<V> {
    const c = this[kChain];
    checkSum(c, 'OnesidedIter.sum');
    return tracked(c, () => consume(c, this.chunkSize, 'sum', null).then((r) => (r.has ? r.acc : sumZero(c.array.type, c.tail)) as V));
  }

  /**
   * Number of items.
   *
   * @example
   * ```ts
   * const zeros = await a.onesidedIter().filter((x) => x === 0).count();
   * ```
   */
  count(): Promise<number> {
    return tracked(this[kChain], async () => (await consume(this[kChain], this.chunkSize, 'count', null)).acc as number);
  }

  /**
   * The items, in order, as a JS array on this PE.
   *
   * @example
   * ```ts
   * const whole = await a.onesidedIter().collect();
   * ```
   */
  collect(): Promise<I[]> {
    return tracked(this[kChain], async () => (await consume(this[kChain], this.chunkSize, 'push', null)).out as I[]);
  }

  /**
   * The first item, in order, for which `f` is true (undefined if none), as Rust's `find` on the
   * one-sided iterator; nothing after it is read.
   *
   * @example
   * ```ts
   * const firstBig = await a.onesidedIter().find((x) => x > 100);
   * ```
   */
  find(f: (x: I) => boolean): Promise<I | undefined> {
    checkFn(f, 'OnesidedIter.find');
    return tracked(this[kChain], () => search(this[kChain], this.chunkSize, f as (x: unknown) => boolean, true).then((r) => r.x as I | undefined));
  }

  /**
   * Whether `f` is true for some item; stops reading at the first one.
   *
   * @example
   * ```ts
   * const hasZero = await a.onesidedIter().any((x) => x === 0);
   * ```
   */
  any(f: (x: I) => boolean): Promise<boolean> {
    checkFn(f, 'OnesidedIter.any');
    return tracked(this[kChain], () => search(this[kChain], this.chunkSize, f as (x: unknown) => boolean, true).then((r) => r.hit));
  }

  /**
   * Whether `f` is true for every item (true when there are none); stops reading at the first
   * item for which it is false.
   *
   * @example
   * ```ts
   * const small = await a.onesidedIter().all((x) => x < 100);
   * ```
   */
  all(f: (x: I) => boolean): Promise<boolean> {
    checkFn(f, 'OnesidedIter.all');
    return tracked(this[kChain], () => search(this[kChain], this.chunkSize, f as (x: unknown) => boolean, false).then((r) => !r.hit));
  }

  /**
   * Awaits every item (items are promises, e.g. from an async `map`), in order, and collects the values.
   *
   * @example
   * ```ts
   * const got = await a.onesidedIter().map((i) => other.load(i)).collectAsync();
   * ```
   */
  collectAsync(): Promise<Awaited<I>[]> {
    return tracked(this[kChain], async () => {
      const out: Awaited<I>[] = [];
      for await (const x of this) out.push(await x);
      return out;
    });
  }
}

/**
 * A one-sided iterator whose items still have positions: adds `enumerate`, `skip`, `stepBy`,
 * `take`, `chunks` and `zip` (global positions of the (sub-)array).
 *
 * @example
 * ```ts
 * for await (const [i, x] of a.onesidedIter().enumerate().skip(10)) console.log(i, x);
 * for await (const [x, y] of a.onesidedIter().zip(b.onesidedIter())) console.log(x + y);
 * ```
 */
export class IndexedOnesidedIter<I, T extends ArrayElemType = ArrayElemType> extends OnesidedIter<I, T> {
  #derive<J>(op: Parameters<typeof withIdx>[1]): IndexedOnesidedIter<J, T> {
    return new IndexedOnesidedIter(withIdx(this[kChain], op));
  }

  /**
   * Items become `[i, item]`, i the item's position (its global index unless adapters moved it).
   *
   * @example
   * ```ts
   * for await (const [i, x] of a.onesidedIter().enumerate()) console.log(i, x);
   * ```
   */
  enumerate(): IndexedOnesidedIter<[number, I], T> {
    return this.#derive({ op: 'enumerate' });
  }

  /**
   * Drops the first `n` items (n ≥ 0): no transfer for them.
   *
   * @example
   * ```ts
   * const tail = await a.onesidedIter().skip(a.length - 10).collect();
   * ```
   */
  skip(n: number): IndexedOnesidedIter<I, T> {
    return this.#derive({ op: 'skip', n: checkAdapterCount(n, 0, 'OnesidedIter.skip(n)') });
  }

  /**
   * Keeps every `n`-th item, starting with the first (n ≥ 1).
   *
   * @example
   * ```ts
   * const everyTenth = await a.onesidedIter().stepBy(10).collect();
   * ```
   */
  stepBy(n: number): IndexedOnesidedIter<I, T> {
    return this.#derive({ op: 'stepBy', n: checkAdapterCount(n, 1, 'OnesidedIter.stepBy(n)') });
  }

  /**
   * Keeps the first `n` items (n ≥ 0).
   * @example
   * ```ts
   * const firstTen = await a.onesidedIter().take(10).collect();
   * ```
   */
  take(n: number): IndexedOnesidedIter<I, T> {
    return this.#derive({ op: 'take', n: checkAdapterCount(n, 0, 'OnesidedIter.take(n)') });
  }

  /**
   * Items become chunks of `n` consecutive items; straight off the array, each chunk is one transfer of a fresh typed array.
   *
   * @example
   * ```ts
   * for await (const chunk of a.onesidedIter().chunks(65536)) use(chunk);   // Uint32Array each
   * ```
   */
  chunks(n: number): IndexedOnesidedIter<ChunkOf<I, T>, T> {
    return this.#derive({ op: 'chunks', n: checkAdapterCount(n, 1, 'OnesidedIter.chunks(n)') });
  }

  /**
   * Pairs items with another one-sided iterator's, `[mine, theirs]`; of two lengths the shorter wins (as Lamellar's zip).
   *
   * @example
   * ```ts
   * for await (const [x, y] of a.onesidedIter().zip(b.onesidedIter())) if (x !== y) console.log('differ');
   * ```
   */
  zip<J>(other: IndexedOnesidedIter<J, ArrayElemType>): IndexedOnesidedIter<[I, J], T> {
    if (!(other instanceof IndexedOnesidedIter)) {
      throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'OnesidedIter.zip needs another indexed one-sided iterator (onesidedIter(), before any map or filter)');
    }
    return this.#derive({ op: 'zip', other: other[kChain] });
  }
}

/** @internal A one-sided chain over `a` fetching `size` elements per transfer. */
export function onesidedChain(a: ArrayBase, size: number): Chain {
  return { array: a, mut: false, idx: [], tail: [], chunk: size };
}
