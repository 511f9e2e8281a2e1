/**
 * One-sided iterators: one PE walks the whole (sub-)array in global index order, fetching the
 * elements with `get` in chunks (Lamellar's OneSidedIterator and buffered_onesided_iter). The
 * fetch of the next chunk is started before the current one is handed out, so on tcp the
 * transfer overlaps the consumer's work; on shmem a fetch is a copy out of the owner's mapped
 * memory. Only the calling PE takes part. Lock arrays take their lock per fetch (inside `get`),
 * not for the whole iteration.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import { ELEM_CTORS, type ElemType, type TypedArrayOf } from '../../memregion/internal.js';
import type { ArrayBase } from '../base.js';
import { checkFn, kChain, shapeOf, sumZero, withIdx, withTail, type Chain, type Plan } from './chain.js';
import { kernelFor, type ConsumerKind, type KernelArgs } from './fuse.js';
import type { ChunkOf } from './local.js';
import { Slice } from './schedule.js';
import { applyWindow, checkAdapterCount, fullWindow, progression, type Window, type WindowOp } from './window.js';

/** Bytes fetched per chunk by `onesidedIter()`. */
const DEFAULT_CHUNK_BYTES = 1 << 18;
/** Strides up to this fetch the covering range and pick; larger ones load just the elements. */
const MAX_COVER_STRIDE = 8;

/** Elements per fetch for `onesidedIter()` on an array of `type`. */
export const defaultChunk = (type: ElemType): number => Math.max(1, DEFAULT_CHUNK_BYTES / ELEM_CTORS[type].BYTES_PER_ELEMENT);

const NO_ENUMS = new Float64Array(0);

function valPlan(v: ArrayLike<unknown>, n: number, l0: number, ls: number, E: Float64Array): Plan {
  return { n, src: 'val', v, l0, ls, E, R: null, S: null, at: null, tag: Array.isArray(v) ? 'Array' : v.constructor.name };
}

/** Fetches positions [k0, k0 + cnt) of a window progression of the array `a`. */
function fetch(a: ArrayBase, first: number, m: number, k0: number, cnt: number): Promise<{ v: ArrayLike<unknown>; ls: number }> {
  if (m === 1) return a.get(first + k0, cnt).then((v) => ({ v, ls: 1 }));
  if (m <= MAX_COVER_STRIDE) return a.get(first + k0 * m, (cnt - 1) * m + 1).then((v) => ({ v, ls: m }));
  const idx = new Uint32Array(cnt);
  for (let j = 0; j < cnt; j++) idx[j] = first + (k0 + j) * m;
  return a.batchLoad(idx).then((v) => ({ v, ls: 1 }));
}

/** Plans over fetched chunks of the window `w` of `a`, `size` positions each, one fetch ahead. */
async function* leafStream(a: ArrayBase, w: Window, size: number): AsyncGenerator<Plan> {
  const p = progression(w, 0, 1, 0, a.length);
  const ne = p.enums.length / 2;
  let next = p.n > 0 ? fetch(a, p.l0, p.ls, 0, Math.min(size, p.n)) : undefined;
  for (let k0 = 0; k0 < p.n; k0 += size) {
    const cnt = Math.min(size, p.n - k0);
    const cur = await next!;
    const k1 = k0 + cnt;
    next = k1 < p.n ? fetch(a, p.l0, p.ls, k1, Math.min(size, p.n - k1)) : undefined;
    // Keep a prefetch that fails from going unhandled when the consumer stops early.
    next?.catch(() => undefined);
    let E = NO_ENUMS;
    if (ne > 0) {
      E = new Float64Array(p.enums.length);
      for (let j = 0; j < ne; j++) {
        E[2 * j] = p.enums[2 * j]! + k0 * p.enums[2 * j + 1]!;
        E[2 * j + 1] = p.enums[2 * j + 1]!;
      }
    }
    yield valPlan(cur.v, cnt, 0, cur.ls, E);
  }
}

/** The items of each plan as arrays (enumerates applied). */
async function* itemsOf(plans: AsyncIterable<Plan>): AsyncGenerator<unknown[]> {
  for await (const p of plans) {
    const out: unknown[] = [];
    const ne = p.E.length / 2;
    for (let k = 0; k < p.n; k++) {
      let x = p.v[p.l0 + k * p.ls];
      for (let j = 0; j < ne; j++) x = [p.E[2 * j]! + k * p.E[2 * j + 1]!, x];
      out.push(x);
    }
    yield out;
  }
}

/** A stream of item arrays with a pull-by-count interface, for zip and chunks. */
class Puller {
  readonly #it: AsyncIterator<unknown[]>;
  #buf: unknown[] = [];
  #at = 0;
  #done = false;

  constructor(src: AsyncIterable<unknown[]>) {
    this.#it = src[Symbol.asyncIterator]();
  }

  /**
   * Up to `n` items, fewer only at the end (an empty array once the stream is done).
   *
   * @example
   * ```ts
   * const head = await a.onesidedIter().take(10).collect();
   * ```
   */
  async take(n: number): Promise<unknown[]> {
    const out: unknown[] = [];
    while (out.length < n) {
      if (this.#at === this.#buf.length) {
        if (this.#done) break;
        const r = await this.#it.next();
        if (r.done === true) {
          this.#done = true;
          break;
        }
        this.#buf = r.value;
        this.#at = 0;
        continue;
      }
      const k = Math.min(n - out.length, this.#buf.length - this.#at);
      for (let j = 0; j < k; j++) out.push(this.#buf[this.#at + j]);
      this.#at += k;
    }
    return out;
  }

  /** The next non-empty array of items, or undefined at the end. */
  async next(): Promise<unknown[] | undefined> {
    if (this.#at < this.#buf.length) {
      const rest = this.#buf.slice(this.#at);
      this.#at = this.#buf.length;
      return rest;
    }
    for (;;) {
      if (this.#done) return undefined;
      const r = await this.#it.next();
      if (r.done === true) {
        this.#done = true;
        return undefined;
      }
      if (r.value.length > 0) return r.value;
    }
  }
}

async function* zipStream(a: AsyncIterable<unknown[]>, b: AsyncIterable<unknown[]>): AsyncGenerator<unknown[]> {
  const pa = new Puller(a);
  const pb = new Puller(b);
  for (;;) {
    const xs = await pa.next();
    if (xs === undefined) return;
    const ys = await pb.take(xs.length);
    const out = ys.map((y, j) => [xs[j], y]);
    if (out.length > 0) yield out;
    if (ys.length < xs.length) return;
  }
}

async function* chunkStream(src: AsyncIterable<unknown[]>, n: number): AsyncGenerator<unknown[]> {
  const p = new Puller(src);
  for (;;) {
    const c = await p.take(n);
    if (c.length === 0) return;
    yield [c];
    if (c.length < n) return;
  }
}

/** skip/take/stepBy/enumerate on a stream of items, by position. */
async function* positionStream(src: AsyncIterable<unknown[]>, op: WindowOp): AsyncGenerator<unknown[]> {
  let pos = 0;
  for await (const xs of src) {
    const out: unknown[] = [];
    for (const x of xs) {
      const k = pos++;
      if (op.op === 'skip') {
        if (k >= op.n) out.push(x);
      } else if (op.op === 'take') {
        if (k < op.n) out.push(x);
      } else if (op.op === 'stepBy') {
        if (k % op.n === 0) out.push(x);
      } else out.push([k, x]);
    }
    if (out.length > 0) yield out;
    if (op.op === 'take' && pos >= op.n) return;
  }
}

async function* plansOf(items: AsyncIterable<unknown[]>): AsyncGenerator<Plan> {
  for await (const xs of items) yield valPlan(xs, xs.length, 0, 1, NO_ENUMS);
}

/** The plans of a one-sided chain: fused leaf chunks, or item arrays after zip and chunks. */
function planStream(c: Chain, size: number): AsyncIterable<Plan> {
  const a = c.array;
  let w = fullWindow(a.length);
  let j = 0;
  for (; j < c.idx.length; j++) {
    const op = c.idx[j]!;
    if (op.op === 'zip' || op.op === 'chunks') break;
    w = applyWindow(w, op);
  }
  if (j === c.idx.length) return leafStream(a, w, size);
  let items: AsyncIterable<unknown[]>;
  const first = c.idx[j]!;
  if (first.op === 'chunks' && w.enums.length === 0) {
    // Chunks straight off the array: each fetch is one chunk (a typed array of its own).
    items = (async function* () {
      for await (const p of leafStream(a, w, first.n)) yield [p.ls === 1 ? p.v : strided(p)];
    })();
    j++;
  } else items = itemsOf(leafStream(a, w, size));
  for (; j < c.idx.length; j++) {
    const op = c.idx[j]!;
    if (op.op === 'zip') items = zipStream(items, itemsOf(planStream(op.other, chunkOf(op.other, size))));
    else if (op.op === 'chunks') items = chunkStream(items, op.n);
    else items = positionStream(items, op);
  }
  return plansOf(items);
}

function strided(p: Plan): TypedArrayOf<ElemType> {
  const v = p.v as Float64Array;
  const out = new (v.constructor as Float64ArrayConstructor)(p.n);
  for (let k = 0; k < p.n; k++) out[k] = v[k * p.ls]!;
  return out as unknown as TypedArrayOf<ElemType>;
}

const chunkOf = (c: Chain, fallback: number): number => c.chunk ?? fallback;

/**
 * Runs a fused consumer over every chunk. Returns the accumulator state and the pushed items.
 */
async function consume(c: Chain, size: number, consumer: ConsumerKind, fn: KernelArgs['C']): Promise<{ acc: unknown; has: boolean; out: unknown[] }> {
  const F = c.tail.map((t) => (t.op === 'monotonic' ? null : (t.f as (...x: never[]) => unknown)));
  const st = { acc: 0 as unknown, has: false, mono: c.tail.map(() => 0) };
  const out: unknown[] = [];
  const slice = new Slice();
  for await (const p of planStream(c, size)) {
    const kernel = kernelFor(shapeOf(p, c.tail, consumer), F, fn);
    kernel({ v: p.v, l0: p.l0, ls: p.ls, E: p.E, R: null, S: null, at: null, F, C: fn, st, out }, 0, p.n);
    if (slice.due()) await slice.yield();
  }
  return { acc: st.acc, has: st.has, out };
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
export class OnesidedIter<I, T extends ElemType = ElemType> implements AsyncIterable<I> {
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
    const c = this[kChain];
    const F = c.tail.map((t) => (t.op === 'monotonic' ? null : (t.f as (...x: never[]) => unknown)));
    const st = { acc: 0 as unknown, has: false, mono: c.tail.map(() => 0) };
    for await (const p of planStream(c, this.chunkSize)) {
      const out: unknown[] = [];
      kernelFor(shapeOf(p, c.tail, 'push'), F, null)({ v: p.v, l0: p.l0, ls: p.ls, E: p.E, R: null, S: null, at: null, F, C: null, st, out }, 0, p.n);
      for (const x of out) yield x as I;
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
  async forEach(f: (x: I) => void): Promise<void> {
    await consume(this[kChain], this.chunkSize, 'each', checkFn(f, 'OnesidedIter.forEach') as KernelArgs['C']);
  }

  /**
   * Calls `f` on every item in order, awaiting each result before the next item.
   *
   * @example
   * ```ts
   * await a.onesidedIter().forEachAsync(async (x) => { await other.store(0, x); });
   * ```
   */
  async forEachAsync(f: (x: I) => PromiseLike<unknown> | void): Promise<void> {
    checkFn(f, 'OnesidedIter.forEachAsync');
    for await (const x of this) await f(x);
  }

  /**
   * Folds the items with `f` in order; `undefined` when there are none.
   *
   * @example
   * ```ts
   * const max = await a.onesidedIter().reduce((m, x) => (x > m ? x : m));
   * ```
   */
  async reduce(f: (acc: I, x: I) => I): Promise<I | undefined> {
    const r = await consume(this[kChain], this.chunkSize, 'reduce', checkFn(f, 'OnesidedIter.reduce') as KernelArgs['C']);
    return r.has ? (r.acc as I) : undefined;
  }

  /**
   * Sum of the items with `+` (0, or 0n for 64-bit elements, when there are none).
   *
   * @example
   * ```ts
   * const total = await a.onesidedIter().sum();
   * ```
   */
  async sum<V extends number | bigint>(this: OnesidedIter<V, T>): Promise<V> {
    const c = this[kChain];
    const r = await consume(c, this.chunkSize, 'sum', null);
    return (r.has ? r.acc : sumZero(c.array.type, c.tail)) as V;
  }

  /**
   * Number of items.
   *
   * @example
   * ```ts
   * const zeros = await a.onesidedIter().filter((x) => x === 0).count();
   * ```
   */
  async count(): Promise<number> {
    return (await consume(this[kChain], this.chunkSize, 'count', null)).acc as number;
  }

  /**
   * The items, in order, as a JS array on this PE.
   *
   * @example
   * ```ts
   * const whole = await a.onesidedIter().collect();
   * ```
   */
  async collect(): Promise<I[]> {
    return (await consume(this[kChain], this.chunkSize, 'push', null)).out as I[];
  }

  /**
   * Awaits every item (items are promises, e.g. from an async `map`), in order, and collects the values.
   *
   * @example
   * ```ts
   * const got = await a.onesidedIter().map((i) => other.load(i)).collectAsync();
   * ```
   */
  async collectAsync(): Promise<Awaited<I>[]> {
    const out: Awaited<I>[] = [];
    for await (const x of this) out.push(await x);
    return out;
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
export class IndexedOnesidedIter<I, T extends ElemType = ElemType> extends OnesidedIter<I, T> {
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

  /** Keeps the first `n` items (n ≥ 0). */
  take(n: number): IndexedOnesidedIter<I, T> {
    return this.#derive({ op: 'take', n: checkAdapterCount(n, 0, 'OnesidedIter.take(n)') });
  }

  /**
   * Items become chunks of `n` consecutive items; straight off the array, each chunk is one transfer of a fresh typed array.
   *
   * @example
   * ```ts
   * for await (const chunk of a.onesidedIter().chunks(65536)) process(chunk);   // Uint32Array each
   * ```
   */
  chunks(n: number): IndexedOnesidedIter<ChunkOf<I>, T> {
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
  zip<J>(other: IndexedOnesidedIter<J, ElemType>): IndexedOnesidedIter<[I, J], T> {
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
