/**
 * An iterator is a description, not a running loop: the array it walks, whether it is mutable,
 * its indexed adapters (`skip take stepBy enumerate`, and for local and one-sided iterators `zip
 * chunks`) and its tail adapters (`map filter filterMap monotonic`). Adapters return new
 * descriptions; nothing runs until a consumer is called. The consumer then turns the description
 * into a plan for this PE (window.ts) and a fused loop (fuse.ts).
 */
import { ErrorCode, kChain, LamellarError } from '../../core/index.js';
import type { ArrayBase } from '../base.js';
import { elemClass, type ArrayElemType } from '../elem.js';
import type { Access, Lease, Reader } from './access.js';
import type { KernelShape, SourceKind, TailKind } from './fuse.js';
import { applyWindow, fullWindow, progression, type Window, type WindowOp } from './window.js';

export type IdxOp = WindowOp | { readonly op: 'zip'; readonly other: Chain } | { readonly op: 'chunks'; readonly n: number };
export type TailOp = { readonly op: 'map' | 'filter' | 'filterMap'; readonly f: (x: never) => unknown } | { readonly op: 'monotonic' };

export interface Chain {
  readonly array: ArrayBase;
  readonly mut: boolean;
  readonly idx: readonly IdxOp[];
  readonly tail: readonly TailOp[];
  /** One-sided iterators: elements per transfer. */
  readonly chunk?: number;
  /** Iterators of a lock array's guard: the guard's lock, used instead of taking one. */
  readonly lease?: Lease;
}

/** @internal An iterator's description (adapters, consumers and zip read it). */
export { kChain };

export const withIdx = (c: Chain, op: IdxOp): Chain => ({ ...c, idx: [...c.idx, op] });
export const withTail = (c: Chain, op: TailOp): Chain => ({ ...c, tail: [...c.tail, op] });

/** Throws INVALID_ARGUMENT unless `f` is a function (the adapter or consumer names itself). */
export function checkFn<F>(f: F, what: string): F {
  if (typeof f !== 'function') throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what} needs a function, got ${f === null ? 'null' : typeof f}`);
  return f;
}

/** Every chain a local or one-sided chain reads: itself and its zip partners, in order. */
export function chainsOf(c: Chain): Chain[] {
  const out = [c];
  for (const op of c.idx) if (op.op === 'zip') out.push(...chainsOf(op.other));
  return out;
}

/**
 * What a consumer runs on this PE: `n` positions, and either a leaf (items are `v[l]`, `G(v, l)`
 * or handles `new R(S, l)` at local offsets l = l0 + k·ls, wrapped by the enumerates E) or `at(k)`.
 */
export interface Plan {
  readonly n: number;
  readonly src: SourceKind;
  readonly v: ArrayLike<unknown>;
  readonly l0: number;
  readonly ls: number;
  readonly E: Float64Array;
  readonly G: Reader | null;
  readonly R: Access['R'];
  readonly S: unknown;
  readonly at: ((k: number) => unknown) | null;
  readonly tag: string;
}

const NO_ENUMS = new Float64Array(0);

function leafPlan(acc: Access, p: { n: number; l0: number; ls: number; enums: Float64Array }): Plan {
  const isNew = acc.R !== null;
  return {
    n: p.n,
    src: isNew ? 'new' : acc.G === null ? 'val' : 'get',
    v: acc.view,
    l0: p.l0,
    ls: p.ls,
    E: p.enums,
    G: acc.G,
    R: acc.R,
    S: acc.S,
    at: null,
    tag: isNew ? acc.R!.name : acc.tag,
  };
}

/** A plan as `at(k)`, for zip and chunks. */
function asFn(p: Plan): { n: number; at: (k: number) => unknown } {
  if (p.src === 'fn') return { n: p.n, at: p.at! };
  const { v, l0, ls, E, G, R, S } = p;
  const ne = E.length / 2;
  const item = R !== null ? (l: number): unknown => new R(S as never, l) : G !== null ? (l: number): unknown => G(v as never, l) : (l: number): unknown => v[l];
  return {
    n: p.n,
    at: (k) => {
      let x = item(l0 + k * ls);
      for (let j = 0; j < ne; j++) x = [E[2 * j]! + k * E[2 * j + 1]!, x];
      return x;
    },
  };
}

function fnPlan(n: number, at: (k: number) => unknown): Plan {
  return { n, src: 'fn', v: [], l0: 0, ls: 0, E: NO_ENUMS, G: null, R: null, S: null, at, tag: 'fn' };
}

/** A chunk of a plan: a typed array (a view when contiguous) for plain values, else an array. */
function chunkAt(p: Plan, lo: number, hi: number): unknown {
  if (p.src === 'val' && p.E.length === 0) {
    const v = p.v as unknown as Float64Array;
    const a = p.l0 + lo * p.ls;
    if (p.ls === 1) return v.subarray(a, a + (hi - lo));
    const out = new (v.constructor as Float64ArrayConstructor)(hi - lo);
    for (let j = 0; j < hi - lo; j++) out[j] = v[a + j * p.ls]!;
    return out;
  }
  const f = asFn(p);
  const out: unknown[] = [];
  for (let k = lo; k < hi; k++) out.push(f.at(k));
  return out;
}

/**
 * The plan of a local chain over this PE's part (positions are local indices), given the opened
 * access of each chain in chainsOf order.
 */
export function localPlan(c: Chain, accesses: Access[]): Plan {
  let next = 0;
  const build = (ch: Chain): Plan => {
    const acc = accesses[next++]!;
    const len = acc.len;
    let w: Window | null = fullWindow(len);
    let p: Plan | null = null;
    const settle = (): Plan => {
      if (w !== null) {
        p = leafPlan(acc, progression(w, 0, 1, 0, len));
        w = null;
      }
      return p!;
    };
    for (const op of ch.idx) {
      if (w !== null && op.op !== 'zip' && op.op !== 'chunks') {
        w = applyWindow(w, op);
        continue;
      }
      const cur = settle();
      switch (op.op) {
        case 'zip': {
          const a = asFn(cur);
          const b = asFn(build(op.other));
          p = fnPlan(Math.min(a.n, b.n), (k) => [a.at(k), b.at(k)]);
          break;
        }
        case 'chunks': {
          const size = op.n;
          p = fnPlan(Math.ceil(cur.n / size), (k) => chunkAt(cur, k * size, Math.min(cur.n, (k + 1) * size)));
          break;
        }
        default:
          p = positionOp(cur, op);
      }
    }
    return settle();
  };
  return build(c);
}

/** skip/take/stepBy/enumerate on positions, once a plan is no longer a plain window. */
export function positionOp(p: Plan, op: WindowOp): Plan {
  const f = asFn(p);
  switch (op.op) {
    case 'skip': {
      const s = Math.min(op.n, f.n);
      return fnPlan(f.n - s, (k) => f.at(k + s));
    }
    case 'take':
      return fnPlan(Math.min(f.n, op.n), f.at);
    case 'stepBy':
      return fnPlan(Math.ceil(f.n / op.n), (k) => f.at(k * op.n));
    case 'enumerate':
      return fnPlan(f.n, (k) => [k, f.at(k)]);
  }
}

/**
 * The plan of a distributed chain on this PE: positions are the array's global indices, and this
 * PE visits its own elements among those the window keeps. `s0` is the global index of the
 * window's first local element and D the index step between local neighbours.
 */
export function distPlan(c: Chain, acc: Access, s0: number, D: number): Plan {
  let w = fullWindow(c.array.length);
  for (const op of c.idx) w = applyWindow(w, op as WindowOp);
  return leafPlan(acc, progression(w, s0, D, 0, acc.len));
}

/** The kernel shape of a plan, a tail and a consumer. */
export function shapeOf(p: Plan, tail: readonly TailOp[], consumer: KernelShape['consumer']): KernelShape {
  return { src: p.src, enums: p.E.length / 2, tail: tail.map((t) => t.op as TailKind), consumer, tag: p.tag };
}

/** The zero of `sum()` over no items: 0n for 64- and 128-bit elements that no adapter changed, else 0. */
export function sumZero(type: ArrayElemType, tail: readonly TailOp[]): number | bigint {
  const cls = elemClass(type);
  return (cls === 'big' || cls === 'wide') && tail.every((t) => t.op === 'filter') ? 0n : 0;
}

/**
 * Throws UNSUPPORTED_OP for `sum()` over a bool array's own values (Lamellar's bool has no Sum,
 * as `array.sum()` refuses it): items a `map` made are the caller's to add.
 */
export function checkSum(c: Chain, what: string): void {
  if (c.array.type !== 'bool' || !c.tail.every((t) => t.op === 'filter') || c.idx.some((op) => op.op === 'enumerate' || op.op === 'zip' || op.op === 'chunks')) return;
  throw new LamellarError(ErrorCode.UNSUPPORTED_OP, `${what}: the values of a 'bool' array have no sum (map them to numbers first, or count them)`, {
    details: { type: 'bool', op: 'sum' },
  });
}
