/**
 * AtomicArray: every element op is atomic. On shmem an op is applied straight to the owner's
 * memory with `Atomics` (integers and bool) or a compare-and-swap loop on the bit pattern
 * (floats); 128-bit types have no native atomics, so their arrays are *generic* atomic arrays as
 * in Lamellar: each element op holds that element's lock (ops/wide.ts). On tcp the owner applies
 * a whole batch in one AM. `localData()` gives atomic accessors to this PE's part; reductions
 * are one-sided (and not a snapshot of a live array).
 */
import { checkConstruct, kConstruct, kOpInput } from '../core/index.js';
import { released, type HandleOrigin, type RefState } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind } from './create.js';
import type { World } from './deps.js';
import { elemClass, writeWide, type ArithElemType, type ArrayElemType, type ArrayValue, type BitwiseElemType, type FloatElemType, type IntElemType, type LocalView } from './elem.js';
import { checkIndex } from './layout.js';
import { kArray, type ArrayMeta } from './meta.js';
import { AtomicElement, IndexedDistIter, IndexedLocalIter, iterChain } from './iter/index.js';
import type { AtomicSession } from './iter/items.js';
import { MutableArray } from './mutable.js';
import { combineFor } from './ops/combine.js';
import { runKernel, type KernelCall, type View } from './ops/kernels.js';
import { checkEpsilon, checkOperand, checkOpSupported, checkShiftAmount, checkValue, Op, scalarOut, type ArrayKind, type ArrayOptions, type OpCode } from './types.js';

/** Makes AtomicArray.localData()'s accessors (AtomicLocalData's constructor is private). */
let newAtomicLocalData: <T extends ArrayElemType>(owner: { readonly isReleased: boolean }, meta: ArrayMeta<T>, start: number, length: number) => AtomicLocalData<T>;

/**
 * A distributed array whose every element op is atomic: concurrent ops from any PEs on one element
 * never lose an update. On shmem an op is applied straight to the owner's memory with `Atomics`
 * (integers and bool) or a compare-and-swap loop (floats); i128 and u128 have no native atomics,
 * so each of their element ops holds that element's lock (Lamellar's generic atomic arrays); on tcp
 * the owner applies each batch in one pass. Element ops and batch ops are MutableArray's;
 * `localData()` gives atomic accessors to this PE's part; reductions are one-sided.
 * @example
 * ```ts
 * const hist = await AtomicArray.create(world, { type: 'u64', length: 1000, distribution: 'cyclic' });
 * await hist.batchAdd(new Uint32Array([3, 17, 3]), 1n);
 * await world.barrier();
 * const total = await hist.sum(); // 3n * numPes
 * ```
 */
export class AtomicArray<T extends ArrayElemType = ArrayElemType> extends MutableArray<T> {
  /** @internal */
  // A getter, not a field: a handle is made per AM that carries one, and this is one store less.
  protected get kind(): ArrayKind {
    return 'AtomicArray';
  }

  private constructor(token: symbol, state: RefState, origin: HandleOrigin, meta: ArrayMeta<T>, offset: number, length: number) {
    super(token, state, origin, meta, offset, length);
  }

  static {
    registerArrayKind('AtomicArray', AtomicArray, (st, origin, meta, off, len) => new AtomicArray(kConstruct, st, origin, meta, off, len));
  }

  /**
   * Collective over the team (or world): a zeroed AtomicArray of `opts.length` elements of
   * `opts.type`, distributed as `opts.distribution`. Every member calls it with the same options,
   * in the same order as its other collectives.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const flags = await AtomicArray.create(world, { type: 'bool', length: 16, distribution: 'block' });
   * ```
   */
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
   * if (world.myPe === 0) console.log(await a.sum());
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
   * const p = await a.prod();
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
   * const hi = await a.max();
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
   * const lo = await a.min();
   * ```
   */
  min(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('min');
  }

  /**
   * One-sided: reduces with a built-in reduction (`'sum' 'prod' 'max' 'min'`, as Lamellar's
   * `reduce("sum")`; `'and' 'or' 'xor'` on integers and bool, UNSUPPORTED_OP on floats) or one registered by
   * `registerReduction(name, fn)` (at module level); INVALID_ARGUMENT for an unknown name.
   *
   * @example
   * ```ts
   * registerReduction<number>('minAbs', (acc, x) => (Math.abs(x) < Math.abs(acc) ? x : acc));
   * const m = await a.reduce('minAbs');
   * ```
   */
  reduce(name: string): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith(name);
  }

  /**
   * Atomic accessors to this PE's part (local indices 0 .. numElemsLocal-1), synchronous: the
   * memory is this PE's. They work as long as this handle does: after it is dropped or converted
   * every accessor throws USE_AFTER_RELEASE.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * local.fetchAdd(0, 1);
   * ```
   */
  localData(): AtomicLocalData<T> {
    const [s, e] = this.localRange();
    return newAtomicLocalData<T>(this, this[kArray].meta as ArrayMeta<T>, s, e - s);
  }
}

/**
 * The `this` type of AtomicLocalData's arithmetic accessors (every element type but bool).
 * @example
 * ```ts
 * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
 * a.localData().fetchAdd(0, 1); // u32: fine; a bool array's fetchAdd does not compile
 * ```
 */
export type ArithLocalData<T extends ArrayElemType> = AtomicLocalData<T> & { readonly type: ArithElemType };
/**
 * The `this` type of AtomicLocalData's bit-op accessors (integers and bool).
 * @example
 * ```ts
 * const flags = await AtomicArray.create(world, { type: 'bool', length: 16, distribution: 'block' });
 * flags.localData().fetchBitOr(0, true);
 * ```
 */
export type BitwiseLocalData<T extends ArrayElemType> = AtomicLocalData<T> & { readonly type: BitwiseElemType };
/**
 * The `this` type of AtomicLocalData's shift accessors (integer element types).
 * @example
 * ```ts
 * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
 * a.localData().fetchShl(0, 1); // u32: fine; a float or bool array's fetchShl does not compile
 * ```
 */
export type IntLocalData<T extends ArrayElemType> = AtomicLocalData<T> & { readonly type: IntElemType };
/**
 * The `this` type of AtomicLocalData's float-only accessor (compareExchangeEpsilon).
 * @example
 * ```ts
 * const f = await AtomicArray.create(world, { type: 'f32', length: 8, distribution: 'block' });
 * f.localData().compareExchangeEpsilon(0, 0, 1.5, 1e-6);
 * ```
 */
export type FloatLocalData<T extends ArrayElemType> = AtomicLocalData<T> & { readonly type: FloatElemType };

/**
 * Atomic element accessors over this PE's part of an AtomicArray, from `localData()`. Synchronous
 * (the memory is local) and still atomic against every other PE's ops. As on the array, bool has
 * no arithmetic, bit ops exist for integers and bool, shifts for integers, and
 * compareExchangeEpsilon only for floats (refused at compile time, and at run time with
 * UNSUPPORTED_OP). It can stand as a batch op's indices or values (a copy of its elements). After
 * the array handle is dropped or converted, every accessor throws USE_AFTER_RELEASE.
 * @example
 * ```ts
 * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
 * const local = a.localData();
 * for (let i = 0; i < local.length; i++) local.fetchAdd(i, 1);
 * ```
 */
export class AtomicLocalData<T extends ArrayElemType = ArrayElemType> {
  /** The handle it came from: its memory may be freed (or reused) once that handle is released. */
  readonly #owner: { readonly isReleased: boolean };
  readonly #call: KernelCall;
  readonly #type: T;
  readonly #meta: ArrayMeta<T>;
  readonly #start: number;
  /**
   * The number of elements this PE holds (valid indices are 0 .. length-1).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const n = local.length;
   * ```
   */
  readonly length: number;

  private constructor(token: symbol, owner: { readonly isReleased: boolean }, meta: ArrayMeta<T>, start: number, length: number) {
    checkConstruct(token, 'AtomicLocalData', 'AtomicArray.localData()');
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

  static {
    newAtomicLocalData = (owner, meta, start, length) => new AtomicLocalData(kConstruct, owner, meta, start, length);
  }

  /**
   * The element type.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const t: 'u32' = local.type;
   * ```
   */
  get type(): T {
    return this.#type;
  }

  /**
   * Local element `i` as an AtomicElement, every operation on it atomic (Lamellar's
   * `local_data().at(i)`); INDEX_OUT_OF_BOUNDS outside [0, length).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * a.localData().at(0).fetchAdd(1);
   * ```
   */
  at(i: number): AtomicElement<T> {
    if (this.#owner.isReleased) throw released('AtomicArray');
    checkIndex(i, this.length, 'AtomicLocalData.at', true);
    return new AtomicElement(this.#sessionOf(), i);
  }

  /**
   * This PE's elements in order, each an AtomicElement (Lamellar's `local_data().iter()`).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * for (const e of a.localData()) e.store(7);
   * ```
   */
  *[Symbol.iterator](): IterableIterator<AtomicElement<T>> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  #session: AtomicSession<T> | undefined;

  /** What the elements share: as an iterator's (iter/access.ts), over this local data. */
  #sessionOf(): AtomicSession<T> {
    if (this.#session !== undefined) return this.#session;
    const m = this.#meta;
    const cls = elemClass(m.type);
    // Integer elements take the Atomics fast path on the view (AtomicElement); the others go
    // through this object's accessors.
    const ints = cls === 'int' || cls === 'big' ? (m.views[m.team.myPe]!.subarray(this.#start, this.#start + this.length) as unknown as Int32Array) : null;
    this.#session = { data: this, ints, owner: this.#owner, type: this.#type };
    return this.#session;
  }

  #apply(op: OpCode, name: string, i: number, v: unknown, cur?: unknown, eps = 0): ArrayValue<T> {
    const what = `AtomicLocalData.${name}`;
    if (this.#owner.isReleased) throw released('AtomicArray');
    checkOpSupported(this.#type, op, what);
    checkIndex(i, this.length, what, true);
    const c = this.#call;
    c.op = op;
    c.comb = combineFor(this.#type, op);
    c.offs[0] = this.#start + i;
    checkShiftAmount(this.#type, op, v, what);
    c.vals = op === Op.load ? 0 : (checkValue(this.#type, v, what) as number);
    checkOperand(this.#type, op, c.vals, what);
    c.cur = op === Op.compareExchange || op === Op.compareExchangeEpsilon ? (checkValue(this.#type, cur, `${what} (current)`) as number) : 0;
    c.eps = eps;
    runKernel(c);
    return scalarOut(this.#type, c.out!, 0);
  }

  /**
   * @internal As a batch input: a copy of these elements' storage, each element read atomically
   * (not the whole as one snapshot). 128-bit elements are read one by one under their element
   * locks: a plain copy of their words could read one half before and one after another PE's op.
   */
  [kOpInput](): LocalView<T> {
    if (this.#owner.isReleased) throw released('AtomicArray');
    const w = this.#meta.words;
    if (elemClass(this.#type) === 'wide') {
      const out = new BigUint64Array(this.length * w);
      for (let i = 0; i < this.length; i++) writeWide(out, i, this.load(i) as bigint);
      return out as unknown as LocalView<T>;
    }
    const v = this.#meta.views[this.#meta.team.myPe]!;
    return v.slice(this.#start * w, (this.#start + this.length) * w) as unknown as LocalView<T>;
  }

  /**
   * Reads local element `i` atomically.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const x = local.load(0);
   * ```
   */
  load(i: number): ArrayValue<T> {
    return this.#apply(Op.load, 'load', i, 0);
  }
  /**
   * Writes `v` to local element `i` atomically.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * local.store(0, 7);
   * ```
   */
  store(i: number, v: ArrayValue<T>): void {
    this.#apply(Op.store, 'store', i, v);
  }
  /**
   * Writes `v` to local element `i` and returns the value it replaced.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const old = local.swap(0, 7);
   * ```
   */
  swap(i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.swap, 'swap', i, v);
  }
  /**
   * Adds `v` to local element `i` and returns the value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const before = local.fetchAdd(0, 1);
   * ```
   */
  fetchAdd(this: ArithLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.add, 'fetchAdd', i, v);
  }
  /**
   * Subtracts `v` from local element `i` and returns the value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const before = local.fetchSub(0, 1);
   * ```
   */
  fetchSub(this: ArithLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.sub, 'fetchSub', i, v);
  }
  /**
   * Multiplies local element `i` by `v` and returns the value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const before = local.fetchMul(0, 2);
   * ```
   */
  fetchMul(this: ArithLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.mul, 'fetchMul', i, v);
  }
  /**
   * Divides local element `i` by `v` (integer division for integers; zero is refused) and returns
   * the value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const before = local.fetchDiv(0, 2);
   * ```
   */
  fetchDiv(this: ArithLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.div, 'fetchDiv', i, v);
  }
  /**
   * Replaces local element `i` by its remainder modulo `v` (zero is refused) and returns the value
   * before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const before = local.fetchRem(0, 3);
   * ```
   */
  fetchRem(this: ArithLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.rem, 'fetchRem', i, v);
  }
  /**
   * Integer and bool types: ANDs local element `i` with `v` and returns the value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const before = local.fetchBitAnd(0, 0xff);
   * ```
   */
  fetchBitAnd(this: BitwiseLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.bitAnd, 'fetchBitAnd', i, v);
  }
  /**
   * Integer and bool types: ORs `v` into local element `i` and returns the value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const before = local.fetchBitOr(0, 0b10);
   * ```
   */
  fetchBitOr(this: BitwiseLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.bitOr, 'fetchBitOr', i, v);
  }
  /**
   * Integer and bool types: XORs local element `i` with `v` and returns the value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const before = local.fetchBitXor(0, 1);
   * ```
   */
  fetchBitXor(this: BitwiseLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.bitXor, 'fetchBitXor', i, v);
  }
  /**
   * Integer types: shifts local element `i` left by `v` bits and returns the value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const before = local.fetchShl(0, 1);
   * ```
   */
  fetchShl(this: IntLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.shl, 'fetchShl', i, v);
  }
  /**
   * Integer types: shifts local element `i` right by `v` bits and returns the value before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const before = local.fetchShr(0, 1);
   * ```
   */
  fetchShr(this: IntLocalData<T>, i: number, v: ArrayValue<T>): ArrayValue<T> {
    return this.#apply(Op.shr, 'fetchShr', i, v);
  }
  /**
   * Stores `v` at local element `i` if it equals `current`; returns whether it did and the value
   * before.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const local = a.localData();
   * const { ok, value } = local.compareExchange(0, 0, 1);
   * ```
   */
  compareExchange(i: number, current: ArrayValue<T>, v: ArrayValue<T>): { ok: boolean; value: ArrayValue<T> } {
    const value = this.#apply(Op.compareExchange, 'compareExchange', i, v, current);
    return { ok: this.#call.ok![0] === 1, value };
  }
  /**
   * Float types: stores `v` at local element `i` if `|element - current| < epsilon`; returns
   * whether it did and the value before.
   * @example
   * ```ts
   * const f = await AtomicArray.create(world, { type: 'f64', length: 8, distribution: 'block' });
   * const { ok } = f.localData().compareExchangeEpsilon(0, 0, 2.5, 1e-12);
   * ```
   */
  compareExchangeEpsilon(this: FloatLocalData<T>, i: number, current: ArrayValue<T>, v: ArrayValue<T>, epsilon: number): { ok: boolean; value: ArrayValue<T> } {
    const eps = checkEpsilon(epsilon, 'AtomicLocalData.compareExchangeEpsilon');
    const value = this.#apply(Op.compareExchangeEpsilon, 'compareExchangeEpsilon', i, v, current, eps);
    return { ok: this.#call.ok![0] === 1, value };
  }
}
