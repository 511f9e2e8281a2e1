/**
 * AtomicArray: every element op is atomic. On shmem an op is applied straight to the owner's
 * memory with `Atomics` (integers and bool) or a compare-and-swap loop on the bit pattern
 * (floats); 128-bit types have no native atomics, so their arrays are *generic* atomic arrays as
 * in Lamellar: each element op holds that element's lock (ops/wide.ts). On tcp the owner applies
 * a whole batch in one AM. `localData()` gives atomic accessors to this PE's part; reductions
 * are one-sided (and not a snapshot of a live array).
 */
import { released } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind } from './base.js';
import type { World } from './deps.js';
import type { ArithElemType, ArrayElemType, ArrayValue, BitwiseElemType, FloatElemType, IntElemType, LocalView } from './elem.js';
import { checkIndex } from './layout.js';
import { kArray, type ArrayMeta } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type AtomicElement } from './iter/index.js';
import { MutableArray } from './mutable.js';
import { combineFor } from './ops/combine.js';
import { runKernel, type KernelCall, type View } from './ops/kernels.js';
import { checkEpsilon, checkOperand, checkOpSupported, checkValue, kOpInput, Op, scalarOut, type ArrayKind, type ArrayOptions, type OpCode } from './types.js';

export class AtomicArray<T extends ArrayElemType = ArrayElemType> extends MutableArray<T> {
  protected readonly kind: ArrayKind = 'AtomicArray';

  /** Collective over the team (or world): a zeroed array. */
  static create<T extends ArrayElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<AtomicArray<T>> {
    return createArray('AtomicArray', team, opts) as Promise<AtomicArray<T>>;
  }

  /**
   * Collective, mutable: every PE walks its own part with global indices; items are AtomicElement
   * handles that write through atomically (`load store fetchAdd compareExchange …`).
   *
   * @example
   * ```ts
   * await a.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
   * ```
   */
  distIterMut(): IndexedDistIter<AtomicElement<T>, T> {
    return new IndexedDistIter(iterChain(this, true));
  }

  /**
   * Mutable, this PE's part only (local indices, no barrier); items are AtomicElement handles, each access atomic.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.fetchAdd(1));
   * ```
   */
  localIterMut(): IndexedLocalIter<AtomicElement<T>, T> {
    return new IndexedLocalIter(iterChain(this, true));
  }

  /**
   * One-sided: the sum of the elements, to the calling PE only (undefined for an empty array).
   * Any PE may call it alone; each owner's part is folded where it lives. A live array is not a
   * snapshot: for a consistent result, convert with `intoReadOnly()` first.
   *
   * @example
   * ```ts
   * if (world.myPe === 0) console.log(await array.sum());
   * ```
   */
  sum(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('sum');
  }

  /**
   * One-sided: the product of the elements, to the calling PE only.
   *
   * @example
   * ```ts
   * const p = await array.prod();
   * ```
   */
  prod(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('prod');
  }

  /**
   * One-sided: the largest element, to the calling PE only.
   *
   * @example
   * ```ts
   * const hi = await array.max();
   * ```
   */
  max(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('max');
  }

  /**
   * One-sided: the smallest element, to the calling PE only.
   *
   * @example
   * ```ts
   * const lo = await array.min();
   * ```
   */
  min(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('min');
  }

  /**
   * One-sided: reduces with a reduction registered by `registerReduction(name, fn)` (at module
   * level); INVALID_ARGUMENT for an unknown name.
   *
   * @example
   * ```ts
   * registerReduction<number>('minAbs', (acc, x) => (Math.abs(x) < Math.abs(acc) ? x : acc));
   * const m = await array.reduce('minAbs');
   * ```
   */
  reduce(name: string): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith(name);
  }

  /**
   * Atomic accessors to this PE's part; indices are local (0 .. numElemsLocal-1). They work as
   * long as this handle does: after it is dropped or converted every accessor throws
   * USE_AFTER_RELEASE.
   */
  localData(): AtomicLocalData<T> {
    const [s, e] = this.localRange();
    return new AtomicLocalData<T>(this, this[kArray].meta as ArrayMeta<T>, s, e - s);
  }
}

/** `this` of the arithmetic accessors (all types but bool), as on MutableArray. */
export type ArithLocalData<T extends ArrayElemType> = AtomicLocalData<T> & { readonly type: ArithElemType };
/** `this` of the bit-op accessors (integers and bool). */
export type BitwiseLocalData<T extends ArrayElemType> = AtomicLocalData<T> & { readonly type: BitwiseElemType };
/** `this` of the shift accessors (integers). */
export type IntLocalData<T extends ArrayElemType> = AtomicLocalData<T> & { readonly type: IntElemType };
/** `this` of the float-only accessor (compareExchangeEpsilon). */
export type FloatLocalData<T extends ArrayElemType> = AtomicLocalData<T> & { readonly type: FloatElemType };

/**
 * Atomic element accessors over this PE's part of an AtomicArray (synchronous: local memory).
 * As on the array, bit ops and shifts exist only for integer types and compareExchangeEpsilon
 * only for floats: refused at compile time by the `this` type, and at run time (UNSUPPORTED_OP).
 */
export class AtomicLocalData<T extends ArrayElemType = ArrayElemType> {
  /** The handle it came from: its memory may be freed (or reused) once that handle is released. */
  readonly #owner: { readonly isReleased: boolean };
  readonly #call: KernelCall;
  readonly #type: T;
  readonly #meta: ArrayMeta<T>;
  readonly #start: number;
  /** Elements in this PE's part. */
  readonly length: number;

  /** @internal */
  constructor(owner: { readonly isReleased: boolean }, meta: ArrayMeta<T>, start: number, length: number) {
    const me = meta.team.myPe;
    this.#meta = meta;
    this.#owner = owner;
    this.#type = meta.type;
    this.#start = start;
    this.length = length;
    // One reusable one-element call: an accessor allocates nothing per use.
    this.#call = {
      op: Op.load,
      atomic: true,
      type: meta.type,
      words: meta.words,
      comb: combineFor(meta.type, Op.load),
      views: [meta.views[me]!],
      bits: meta.bits === null ? null : [meta.bits[me]!],
      elemLocks: meta.elemLocks === null ? null : [meta.elemLocks[me]!],
      pes: new Uint32Array(1),
      offs: new Uint32Array(1),
      n: 1,
      vals: 0,
      vbase: 0,
      cur: 0,
      eps: 0,
      out: new meta.ctor(meta.words) as unknown as View,
      ok: new Uint8Array(1),
      obase: 0,
    };
  }

  /** Element type. */
  get type(): T {
    return this.#type;
  }

  #apply(op: OpCode, name: string, i: number, v: unknown, cur: unknown = 0, eps = 0): ArrayValue<T> {
    const what = `AtomicLocalData.${name}`;
    if (this.#owner.isReleased) throw released('AtomicArray');
    checkOpSupported(this.#type, op, what);
    checkIndex(i, this.length, what);
    const c = this.#call;
    c.op = op;
    c.comb = combineFor(this.#type, op);
    c.offs[0] = this.#start + i;
    c.vals = op === Op.load ? 0 : (checkValue(this.#type, v, what) as number);
    checkOperand(this.#type, op, c.vals, what);
    c.cur = op === Op.compareExchange || op === Op.compareExchangeEpsilon ? (checkValue(this.#type, cur, `${what} (current)`) as number) : 0;
    c.eps = eps;
    runKernel(c);
    return scalarOut(this.#type, c.out!, 0);
  }

  /** @internal As a batch input: a copy of these elements' storage (not an atomic snapshot). */
  [kOpInput](): LocalView<T> {
    if (this.#owner.isReleased) throw released('AtomicArray');
    const w = this.#meta.words;
    const v = this.#meta.views[this.#meta.team.myPe]!;
    return v.slice(this.#start * w, (this.#start + this.length) * w) as unknown as LocalView<T>;
  }

  load(i: number): ArrayValue<T> {
    return this.#apply(Op.load, 'load', i, 0);
  }
  store(i: number, v: ArrayValue<T>): void {
    this.#apply(Op.store, 'store', i, v);
  }
  swap(i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.swap, 'swap', i, v);
  }
  fetchAdd(this: ArithLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.add, 'fetchAdd', i, v);
  }
  fetchSub(this: ArithLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.sub, 'fetchSub', i, v);
  }
  fetchMul(this: ArithLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.mul, 'fetchMul', i, v);
  }
  fetchDiv(this: ArithLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.div, 'fetchDiv', i, v);
  }
  fetchRem(this: ArithLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.rem, 'fetchRem', i, v);
  }
  fetchBitAnd(this: BitwiseLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.bitAnd, 'fetchBitAnd', i, v);
  }
  fetchBitOr(this: BitwiseLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.bitOr, 'fetchBitOr', i, v);
  }
  fetchBitXor(this: BitwiseLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.bitXor, 'fetchBitXor', i, v);
  }
  fetchShl(this: IntLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.shl, 'fetchShl', i, v);
  }
  fetchShr(this: IntLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.shr, 'fetchShr', i, v);
  }
  /** Stores `v` if the element equals `current`. */
  compareExchange(i: number, current: ArrayValue<T>, v: ArrayValue<T>): { ok: boolean; value: ArrayValue<T> } {
    const value = this.#apply(Op.compareExchange, 'compareExchange', i, v, current);
    return { ok: this.#call.ok![0] === 1, value };
  }
  /** Float types: stores `v` if |element - current| < epsilon. */
  compareExchangeEpsilon(this: FloatLocalData<T>, i: number, current: ArrayValue<T>, v: ArrayValue<T>, epsilon: number): { ok: boolean; value: ArrayValue<T> } {
    const eps = checkEpsilon(epsilon, 'AtomicLocalData.compareExchangeEpsilon');
    const value = this.#apply(Op.compareExchangeEpsilon, 'compareExchangeEpsilon', i, v, current, eps);
    return { ok: this.#call.ok![0] === 1, value };
  }
}

registerArrayKind('AtomicArray', AtomicArray, (st, origin, meta, off, len) => new AtomicArray(st, origin, meta, off, len));
