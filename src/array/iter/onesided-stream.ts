/**
 * The data side of one-sided iterators: fetches of the array in chunks, ahead of the consumer,
 * as plans the fused loops run over; after `zip` or `chunks`, streams of item arrays regrouped by
 * position.
 */
import type { ArrayBase } from '../base.js';
import { storageCtor, storageOf } from '../elem.js';
import type { Chain, Plan } from './chain.js';
import { applyWindow, fullWindow, progression, type Window, type WindowOp } from './window.js';

/** Strides up to this fetch the covering range and pick; larger ones load just the elements. */
const MAX_COVER_STRIDE = 8;

const NO_ENUMS = new Float64Array(0);

function valPlan(v: ArrayLike<unknown>, n: number, l0: number, ls: number, E: Float64Array): Plan {
  return { n, src: 'val', v, l0, ls, E, G: null, R: null, S: null, at: null, tag: Array.isArray(v) ? 'Array' : v.constructor.name };
}

/**
 * Fetched data as values: `get` and `batchLoad` give the typed array of the type, or bigint[] for
 * 128-bit types, whose elements are the values; a bool array's Uint8Array of 0/1 becomes booleans
 * (one array per fetch).
 */
const valuesOf = (a: ArrayBase, v: ArrayLike<unknown>): ArrayLike<unknown> => (a.type === 'bool' ? Array.from(v, (x) => x !== 0) : v);

/** Fetches positions [k0, k0 + cnt) of a window progression of the array `a`. */
function fetch(a: ArrayBase, first: number, m: number, k0: number, cnt: number): Promise<{ v: ArrayLike<unknown>; ls: number }> {
  if (m === 1) return a.get(first + k0, cnt).then((v) => ({ v: valuesOf(a, v), ls: 1 }));
  if (m <= MAX_COVER_STRIDE) return a.get(first + k0 * m, (cnt - 1) * m + 1).then((v) => ({ v: valuesOf(a, v), ls: m }));
  const idx = new Uint32Array(cnt);
  for (let j = 0; j < cnt; j++) idx[j] = first + (k0 + j) * m;
  return a.batchLoad(idx).then((v) => ({ v: valuesOf(a, v), ls: 1 }));
}

/**
 * Bytes of fetches kept in flight ahead of the consumer: at least one fetch, and as many small
 * ones as fit (at most MAX_AHEAD). One small fetch at a time left a `bufferedOnesidedIter(64)`
 * over tcp waiting a round trip per 64 elements.
 */
const AHEAD_BYTES = 1 << 18;
const MAX_AHEAD = 16;

/** Plans over fetched chunks of the window `w` of `a`, `size` positions each, fetched ahead (AHEAD_BYTES). */
async function* leafStream(a: ArrayBase, w: Window, size: number): AsyncGenerator<Plan> {
  const p = progression(w, 0, 1, 0, a.length);
  const ne = p.enums.length / 2;
  const bytesPerFetch = size * Math.min(p.ls, MAX_COVER_STRIDE) * storageCtor(a.type).BYTES_PER_ELEMENT * storageOf(a.type).words;
  const ahead = Math.max(1, Math.min(MAX_AHEAD, Math.floor(AHEAD_BYTES / Math.max(1, bytesPerFetch))));
  const pending: Promise<{ v: ArrayLike<unknown>; ls: number }>[] = [];
  let fetched = 0;
  const fill = (): void => {
    while (pending.length < ahead && fetched < p.n) {
      const f = fetch(a, p.l0, p.ls, fetched, Math.min(size, p.n - fetched));
      // Keep a prefetch that fails from going unhandled when the consumer stops early.
      f.catch(() => undefined);
      pending.push(f);
      fetched += Math.min(size, p.n - fetched);
    }
  };
  fill();
  for (let k0 = 0; k0 < p.n; k0 += size) {
    const cnt = Math.min(size, p.n - k0);
    const cur = await pending.shift()!;
    fill();
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
export function planStream(c: Chain, size: number): AsyncIterable<Plan> {
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
    if (op.op === 'zip') items = zipStream(items, itemsOf(planStream(op.other, op.other.chunk ?? size)));
    else if (op.op === 'chunks') items = chunkStream(items, op.n);
    else items = positionStream(items, op);
  }
  return plansOf(items);
}

/** Every ls-th fetched value, in a new array of the same kind (a typed array, or a plain array of booleans or bigints). */
function strided(p: Plan): ArrayLike<unknown> {
  const v = p.v as Float64Array;
  const out = new (v.constructor as Float64ArrayConstructor)(p.n);
  for (let k = 0; k < p.n; k++) out[k] = v[k * p.ls]!;
  return out;
}

