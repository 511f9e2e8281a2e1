/**
 * AtomicArray: every element op is atomic. On shmem an op is applied straight to the owner's
 * memory with `Atomics` (integers) or a compare-and-swap loop on the bit pattern (floats); on
 * tcp the owner applies a whole batch in one AM. `localData()` gives atomic accessors to this
 * PE's part.
 */
import { ELEM_CTORS, released } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind } from './base.js';
import type { ElemType, ElemValue, World } from './deps.js';
import { checkIndex } from './layout.js';
import { kArray, type ArrayMeta } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type AtomicElement } from './iter/index.js';
import { MutableArray } from './mutable.js';
import { combineFor } from './ops/combine.js';
import { runKernel, type KernelCall, type View } from './ops/kernels.js';
import {
  checkEpsilon,
  checkOperand,
  checkOpSupported,
  checkValue,
  Op,
  type ArrayKind,
  type ArrayOptions,
  type FloatElemType,
  type IntElemType,
  type OpCode,
} from './types.js';

export class AtomicArray<T extends ElemType = ElemType> extends MutableArray<T> {
  protected readonly kind: ArrayKind = 'AtomicArray';

  /** Collective over the team (or world): a zeroed array. */
  static create<T extends ElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<AtomicArray<T>> {
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
   * Atomic accessors to this PE's part; indices are local (0 .. numElemsLocal-1). They work as
   * long as this handle does: after it is dropped or converted every accessor throws
   * USE_AFTER_RELEASE.
   */
  localData(): AtomicLocalData<T> {
    const [s, e] = this.localRange();
    return new AtomicLocalData<T>(this, this[kArray].meta as ArrayMeta<T>, s, e - s);
  }
}

/** `this` of the integer-only accessors (bit ops, shifts), as on MutableArray. */
export type IntLocalData<T extends ElemType> = AtomicLocalData<T> & { readonly type: IntElemType };
/** `this` of the float-only accessor (compareExchangeEpsilon). */
export type FloatLocalData<T extends ElemType> = AtomicLocalData<T> & { readonly type: FloatElemType };

/**
 * Atomic element accessors over this PE's part of an AtomicArray (synchronous: local memory).
 * As on the array, bit ops and shifts exist only for integer types and compareExchangeEpsilon
 * only for floats: refused at compile time by the `this` type, and at run time (UNSUPPORTED_OP).
 */
export class AtomicLocalData<T extends ElemType = ElemType> {
  /** The handle it came from: its memory may be freed (or reused) once that handle is released. */
  readonly #owner: { readonly isReleased: boolean };
  readonly #call: KernelCall;
  readonly #type: T;
  readonly #start: number;
  /** Elements in this PE's part. */
  readonly length: number;

  /** @internal */
  constructor(owner: { readonly isReleased: boolean }, meta: ArrayMeta<T>, start: number, length: number) {
    const me = meta.team.myPe;
    this.#owner = owner;
    this.#type = meta.type;
    this.#start = start;
    this.length = length;
    // One reusable one-element call: an accessor allocates nothing per use.
    this.#call = {
      op: Op.load,
      atomic: true,
      type: meta.type,
      comb: combineFor(meta.type, Op.load),
      views: [meta.views[me]!],
      bits: meta.bits === null ? null : [meta.bits[me]!],
      pes: new Uint32Array(1),
      offs: new Uint32Array(1),
      n: 1,
      vals: 0,
      vbase: 0,
      cur: 0,
      eps: 0,
      out: new ELEM_CTORS[meta.type](1) as unknown as View,
      ok: new Uint8Array(1),
      obase: 0,
    };
  }

  /** Element type. */
  get type(): T {
    return this.#type;
  }

  #apply(op: OpCode, name: string, i: number, v: unknown, cur: unknown = 0, eps = 0): ElemValue<T> {
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
    return c.out![0] as ElemValue<T>;
  }

  load(i: number): ElemValue<T> {
    return this.#apply(Op.load, 'load', i, 0);
  }
  store(i: number, v: ElemValue<T>): void {
    this.#apply(Op.store, 'store', i, v);
  }
  swap(i: number, v: ElemValue<T>): ElemValue<T> {
    return this.#apply(Op.swap, 'swap', i, v);
  }
  fetchAdd(i: number, v: ElemValue<T>): ElemValue<T> {
    return this.#apply(Op.add, 'fetchAdd', i, v);
  }
  fetchSub(i: number, v: ElemValue<T>): ElemValue<T> {
    return this.#apply(Op.sub, 'fetchSub', i, v);
  }
  fetchMul(i: number, v: ElemValue<T>): ElemValue<T> {
    return this.#apply(Op.mul, 'fetchMul', i, v);
  }
  fetchDiv(i: number, v: ElemValue<T>): ElemValue<T> {
    return this.#apply(Op.div, 'fetchDiv', i, v);
  }
  fetchRem(i: number, v: ElemValue<T>): ElemValue<T> {
    return this.#apply(Op.rem, 'fetchRem', i, v);
  }
  fetchBitAnd(this: IntLocalData<T>, i: number, v: ElemValue<T>): ElemValue<T> {
    return this.#apply(Op.bitAnd, 'fetchBitAnd', i, v);
  }
  fetchBitOr(this: IntLocalData<T>, i: number, v: ElemValue<T>): ElemValue<T> {
    return this.#apply(Op.bitOr, 'fetchBitOr', i, v);
  }
  fetchBitXor(this: IntLocalData<T>, i: number, v: ElemValue<T>): ElemValue<T> {
    return this.#apply(Op.bitXor, 'fetchBitXor', i, v);
  }
  fetchShl(this: IntLocalData<T>, i: number, v: ElemValue<T>): ElemValue<T> {
    return this.#apply(Op.shl, 'fetchShl', i, v);
  }
  fetchShr(this: IntLocalData<T>, i: number, v: ElemValue<T>): ElemValue<T> {
    return this.#apply(Op.shr, 'fetchShr', i, v);
  }
  /** Stores `v` if the element equals `current`. */
  compareExchange(i: number, current: ElemValue<T>, v: ElemValue<T>): { ok: boolean; value: ElemValue<T> } {
    const value = this.#apply(Op.compareExchange, 'compareExchange', i, v, current);
    return { ok: this.#call.ok![0] === 1, value };
  }
  /** Float types: stores `v` if |element - current| < epsilon. */
  compareExchangeEpsilon(this: FloatLocalData<T>, i: number, current: ElemValue<T>, v: ElemValue<T>, epsilon: number): { ok: boolean; value: ElemValue<T> } {
    const eps = checkEpsilon(epsilon, 'AtomicLocalData.compareExchangeEpsilon');
    const value = this.#apply(Op.compareExchangeEpsilon, 'compareExchangeEpsilon', i, v, current, eps);
    return { ok: this.#call.ok![0] === 1, value };
  }
}

registerArrayKind('AtomicArray', AtomicArray, (st, origin, meta, off, len) => new AtomicArray(st, origin, meta, off, len));
