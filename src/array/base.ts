/**
 * What every array type shares: collective creation over one symmetric region, index queries,
 * sub-arrays, loads and gets, the array's team conveniences (barrier, waitAll, AM launches,
 * print), collective conversions and the reference codec. Reductions live on the types that
 * have them (reduce.ts). A handle is one reference on this PE (Darc semantics via the region's
 * RefState); a handle views a window [offset, offset + length) of the allocation, which is how
 * sub-arrays and arrays shorter than the team work.
 */
import { kTeamLaunch, type AmArgs, type AmDef, type AmHandle, type LocalAmHandle, type MultiAmHandle } from '../am/index.js';
import { checkPe, ErrorCode, LamellarError } from '../core/index.js';
import {
  allocShared,
  checkCount,
  decodeMemberKey,
  encodeRefKey,
  kRegionInternals,
  RefHandle,
  type ElemType,
  type HandleOrigin,
  type RefState,
  type RegionInternals,
} from '../memregion/internal.js';
import type { OneSidedMemoryRegion, SharedMemoryRegion } from '../memregion/index.js';
import { registerRefCodec } from '../serde/index.js';
import { Kind, kTeamInternals, Team, World } from '../team/index.js';
import type { AtomicArray } from './atomic.js';
import { ARRAY_ELEM_TYPES, storageOf, toArrayData, type ArrayData, type ArrayElemType, type ArrayValue } from './elem.js';
import type { GlobalLockArray } from './global-lock.js';
import { batchIndices } from './input.js';
import { checkIndex, outOfBounds } from './layout.js';
import type { LocalLockArray } from './local-lock.js';
import { allocElems, kArray, metaFor, type ArrayInternals, type ArrayMeta } from './meta.js';
import { canCopyDirect, copyRange } from './ops/copy.js';
import { IndexedDistIter, IndexedLocalIter, IndexedOnesidedIter, defaultChunk, iterChain, onesidedOf } from './iter/index.js';
import { execute, type OpResult } from './ops/engine.js';
import type { View } from './ops/kernels.js';
import { printArray } from './print.js';
import type { ReadOnlyArray } from './read-only.js';
import { reduceArray, type ReduceLocks } from './reduce.js';
import { deliver, destLength, destView } from './transfer.js';
import { KINDS, Op, scalarOut, type ArrayKind, type ArrayOptions, type Distribution } from './types.js';
import type { UnsafeArray } from './unsafe.js';

type Maker = (st: RefState, origin: HandleOrigin, meta: ArrayMeta, offset: number, length: number) => ArrayBase;
const makers = new Map<ArrayKind, Maker>();
const classes = new Map<unknown, ArrayKind>();

/** The kind of an array class (`ReadOnlyArray` → 'ReadOnlyArray'), or undefined for anything else. */
export const kindOfClass = (cls: unknown): ArrayKind | undefined => classes.get(cls);

/**
 * A memory region an array of `T` copies to and from (regions hold the ten base types only).
 *
 * @example
 * ```ts
 * const r: RegionFor<'f64'> = world.allocOneSidedMemRegion('f64', 16);
 * await array.get(0, r);
 * ```
 */
export type RegionFor<T extends ArrayElemType> = T extends ElemType ? SharedMemoryRegion<T> | OneSidedMemoryRegion<T> : never;

export abstract class ArrayBase<T extends ArrayElemType = ArrayElemType> extends RefHandle {
  protected abstract readonly kind: ArrayKind;
  readonly #meta: ArrayMeta<T>;
  readonly #offset: number;
  readonly #length: number;

  /** @internal Use the type's `create`. */
  constructor(state: RefState, origin: HandleOrigin, meta: ArrayMeta<T>, offset: number, length: number) {
    super(state, origin);
    this.#meta = meta;
    this.#offset = offset;
    this.#length = length;
  }

  protected get refLabel(): string {
    return this.kind;
  }

  /** @internal Throws USE_AFTER_RELEASE once this handle is released or converted. */
  get [kArray](): ArrayInternals<T> {
    return { kind: this.kind, meta: this.#meta, state: this.refState, offset: this.#offset, length: this.#length };
  }

  /** Element type. */
  get type(): T {
    return this.#meta.type;
  }

  /** Elements in this array (or sub-array). */
  get length(): number {
    void this.refState;
    return this.#length;
  }

  get distribution(): Distribution {
    return this.#meta.layout.dist;
  }

  /** The team the array was created on; PE numbers are team-relative. */
  get team(): Team {
    return this.#meta.team;
  }

  /** [start, end) of this PE's local offsets that belong to this handle's window. */
  protected localRange(pe = this.#meta.team.myPe): [number, number] {
    void this.refState;
    return this.#meta.layout.localRange(pe, this.#offset, this.#offset + this.#length);
  }

  /** This PE's part of the window as a storage view (no copy). */
  protected localView(): View {
    const [s, e] = this.localRange();
    const w = this.#meta.words;
    return this.#meta.views[this.#meta.team.myPe]!.subarray(s * w, e * w);
  }

  /** Elements of this (sub-)array held by this PE. */
  get numElemsLocal(): number {
    const [s, e] = this.localRange();
    return e - s;
  }

  /** Owner (team PE) and local offset of element `i`. Throws INDEX_OUT_OF_BOUNDS. */
  peAndOffsetForGlobalIndex(i: number): { pe: number; offset: number } {
    checkIndex(i, this.length, `${this.kind}.peAndOffsetForGlobalIndex`);
    const pes = new Uint32Array(1);
    const offs = new Uint32Array(1);
    this.#meta.layout.route([i], 0, 1, this.#offset, pes, offs);
    return { pe: pes[0]!, offset: offs[0]! };
  }

  /** Index (in this array) of the first element on team PE `pe`, or undefined if it holds none. */
  firstGlobalIndexForPe(pe: number): number | undefined {
    checkPe(pe, this.#meta.team.numPes);
    const [s, e] = this.localRange(pe);
    return s === e ? undefined : this.#meta.layout.globalOf(pe, s) - this.#offset;
  }

  /** Index (in this array) of the last element on team PE `pe`, or undefined if it holds none. */
  lastGlobalIndexForPe(pe: number): number | undefined {
    checkPe(pe, this.#meta.team.numPes);
    const [s, e] = this.localRange(pe);
    return s === e ? undefined : this.#meta.layout.globalOf(pe, e - 1) - this.#offset;
  }

  /**
   * Elements [start, end) as an array of the same type whose indices start at 0. One-sided; it
   * is another handle on the same memory: drop it (conversions wait for every other handle).
   */
  subArray(start: number, end: number): this {
    const len = this.length;
    if (typeof start !== 'number' || typeof end !== 'number' || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > len) {
      throw new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `${this.kind}.subArray: [${String(start)}, ${String(end)}) is not a range of the array's ${len} elements`, {
        details: { start, end, length: len },
      });
    }
    return makers.get(this.kind)!(this.refState, 'new', this.#meta, this.#offset + start, end - start) as this;
  }

  /** Another handle to the same array; drop it separately. */
  clone(): this {
    return makers.get(this.kind)!(this.refState, 'new', this.#meta, this.#offset, this.#length) as this;
  }

  /**
   * @internal Runs a checked batch through the op engine. Batches that wait (for a message or
   * a lock) count in the array's `waitAll()` until they are done.
   */
  protected run(op: number, idx: ArrayLike<number>, vals: unknown, cur: unknown, eps: number, fetch: boolean): Promise<OpResult> {
    const r = execute(this, this[kArray], { op: op as never, idx, vals: vals as View, cur: cur as View, eps, fetch });
    if (!(r instanceof Promise)) return Promise.resolve(r);
    // Not done yet (queued behind a lock, or sent to owners): the array's waitAll(), the team's
    // and the world's, and shutdown wait for it.
    this.#meta.team[kTeamInternals].track(r);
    const ops = this.#meta.ops;
    ops.add();
    return r.finally(() => ops.done());
  }

  /** @internal Counts `p` in the array's `waitAll()` until it settles. */
  protected track<R>(p: Promise<R>): Promise<R> {
    const ops = this.#meta.ops;
    ops.add();
    return p.finally(() => ops.done());
  }

  /**
   * Reads element `i` (on any PE).
   *
   * @example
   * ```ts
   * const x = await array.load(17);
   * ```
   */
  async load(i: number): Promise<ArrayValue<T>> {
    checkIndex(i, this.length, `${this.kind}.load`);
    const r = await this.run(Op.load, [i], 0, 0, 0, true);
    return scalarOut(this.type, r.out!, 0);
  }

  /**
   * Reads the elements at `indices`, results in input order. `indices` may also be a single
   * index (one element), or another array's local data (a typed array, guard, AtomicLocalData).
   *
   * @example
   * ```ts
   * const vals = await array.batchLoad([3, 1, 4, 1, 5]);
   * ```
   */
  async batchLoad(indices: number | ArrayLike<number> | object): Promise<ArrayData<T>> {
    const idx = batchIndices(this.type, indices, [], this.length, `${this.kind}.batchLoad`);
    const r = await this.run(Op.load, idx, 0, 0, 0, true);
    return toArrayData(this.type, r.out) as ArrayData<T>;
  }

  /**
   * Copies elements [index, index + n) into a new array (split by owner), or into `dst`: a
   * typed array of the element type (a `bigint[]` for i128/u128) or a memory region of the same
   * type (its local part, or a whole one-sided region), filling `dst.length` elements. Resolves
   * to the data (`dst` itself when given).
   *
   * @example
   * ```ts
   * const first = await array.get(0, 4);
   * const buf = new Float64Array(4);
   * await array.get(4, buf);              // no allocation
   * await array.get(8, oneSidedRegion);   // into a memory region
   * ```
   */
  get(index: number, n: number): Promise<ArrayData<T>>;
  get<D extends ArrayData<T> | RegionFor<T>>(index: number, dst: D): Promise<D>;
  get(index: number, nOrDst: number | ArrayData<T> | RegionFor<T>): Promise<unknown> {
    const what = `${this.kind}.get`;
    const fresh = typeof nOrDst === 'number';
    const n = fresh ? checkCount(nOrDst, what) : destLength(this.type, nOrDst, what);
    checkRangeOf(this.kind, 'get', index, n, this.length);
    const ai = this[kArray];
    const direct = canCopyDirect(ai, false);
    const view = fresh ? (direct ? (new this.#meta.ctor(n * this.#meta.words) as unknown as View) : null) : destView(nOrDst);
    if (view !== null && direct) {
      copyRange(ai, index, view, false);
      return Promise.resolve(fresh ? toArrayData(this.type, view) : nOrDst);
    }
    return this.run(Op.load, rangeIndices(index, n), 0, 0, 0, true).then(async (r) => {
      const out = r.out!;
      if (fresh) return toArrayData(this.type, out);
      if (view !== null) view.set(out as never);
      else await deliver(this.type, out, nOrDst);
      return nOrDst;
    });
  }

  /** @internal A one-sided reduction of the window (see reduce.ts). */
  protected reduceWith(name: string, locks?: ReduceLocks): Promise<ArrayValue<T> | undefined> {
    return this.track(reduceArray(this, this[kArray], name, locks) as Promise<ArrayValue<T> | undefined>);
  }

  /**
   * Collective over the array's team: prints the array, one line per PE in team PE order
   * (`[pe 0 data] [1, 2, 3]`), from team PE 0. For small arrays.
   *
   * @example
   * ```ts
   * await array.print();
   * ```
   */
  print(): Promise<void> {
    return printArray(this, this[kArray]);
  }

  /**
   * Collective over the array's team: resolves once every member has called it.
   *
   * @example
   * ```ts
   * await array.batchAdd(indices, 1);
   * await array.barrier();
   * ```
   */
  barrier(): Promise<void> {
    void this.refState;
    return this.#meta.team.barrier();
  }

  /**
   * Resolves once every operation launched on this array from this PE (through any handle:
   * batches that wait for a message or a lock, reductions, AMs launched with the array's
   * `execAm…`) has finished. Not a collective: follow with `barrier()` to wait for every PE.
   *
   * @example
   * ```ts
   * void array.batchAdd(indices, 1);
   * await array.waitAll();
   * await array.barrier();
   * ```
   */
  waitAll(): Promise<void> {
    void this.refState;
    return this.#meta.ops.idle();
  }

  /**
   * Runs `am(args)` on team PE `pe` of the array's team, counted in the array's `waitAll()`.
   *
   * @example
   * ```ts
   * const r = await array.execAmPe(1, MyAm, { array });
   * ```
   */
  execAmPe<A, R>(pe: number, am: AmDef<A, R>, ...[args]: AmArgs<A>): AmHandle<R> {
    void this.refState;
    return this.#meta.team[kTeamLaunch].pe(pe, am, args, this.#meta.ops);
  }

  /**
   * Runs `am(args)` on every member of the array's team; results in team PE order.
   *
   * @example
   * ```ts
   * const all = await array.execAmAll(MyAm, { array });
   * ```
   */
  execAmAll<A, R>(am: AmDef<A, R>, ...[args]: AmArgs<A>): MultiAmHandle<R> {
    void this.refState;
    return this.#meta.team[kTeamLaunch].all(am, args, this.#meta.ops);
  }

  /**
   * Runs `am(args)` on this PE without serializing `args`, counted in the array's `waitAll()`.
   *
   * @example
   * ```ts
   * await array.execAmLocal(MyAm, { array });
   * ```
   */
  execAmLocal<A, R>(am: AmDef<A, R>, ...[args]: AmArgs<A>): LocalAmHandle<R> {
    void this.refState;
    return this.#meta.team[kTeamLaunch].local(am, args, this.#meta.ops);
  }

  /** Collective conversions: complete once every PE holds only the converting handle. */
  intoUnsafe(): Promise<UnsafeArray<T>> {
    return this.into('UnsafeArray');
  }

  intoReadOnly(): Promise<ReadOnlyArray<T>> {
    return this.into('ReadOnlyArray');
  }

  intoAtomic(): Promise<AtomicArray<T>> {
    return this.into('AtomicArray');
  }

  intoLocalLock(): Promise<LocalLockArray<T>> {
    return this.into('LocalLockArray');
  }

  intoGlobalLock(): Promise<GlobalLockArray<T>> {
    return this.into('GlobalLockArray');
  }

  /**
   * Collective iteration: every PE of the team walks its own part of this (sub-)array, with
   * global indices; consumers are collective (`forEach` ends when every part is done; `reduce`,
   * `sum`, `count` give every PE the global result; `collect` makes a new array). Items are the
   * element values; lock arrays hold their read lock during the iteration.
   *
   * @example
   * ```ts
   * const n = await a.distIter().filter((x) => x > 10).count();   // every PE gets n
   * ```
   */
  distIter(): IndexedDistIter<ArrayValue<T>, T> {
    return new IndexedDistIter(iterChain(this, false));
  }

  /**
   * This PE's part of this (sub-)array, with local indices; no barrier, no data movement. Items
   * are the element values; lock arrays hold their read lock during the iteration.
   *
   * @example
   * ```ts
   * const mine = await a.localIter().map((x) => x * 2).sum();
   * ```
   */
  localIter(): IndexedLocalIter<ArrayValue<T>, T> {
    return new IndexedLocalIter(iterChain(this, false));
  }

  /**
   * The whole (sub-)array in global order, from this PE alone, fetched in chunks of 256 KiB (one
   * fetch ahead). An async iterable with local consumers.
   *
   * @example
   * ```ts
   * if (world.myPe === 0) console.log((await a.onesidedIter().collect()).join(' '));
   * ```
   */
  onesidedIter(): IndexedOnesidedIter<ArrayValue<T>, T> {
    return new IndexedOnesidedIter(onesidedOf(this, defaultChunk(this.type), `${this.kind}.onesidedIter`));
  }

  /**
   * `onesidedIter()` fetching `n` elements per transfer (n ≥ 1).
   *
   * @example
   * ```ts
   * for await (const x of a.bufferedOnesidedIter(1024)) total += x;
   * ```
   */
  bufferedOnesidedIter(n: number): IndexedOnesidedIter<ArrayValue<T>, T> {
    return new IndexedOnesidedIter(onesidedOf(this, n, `${this.kind}.bufferedOnesidedIter(n)`));
  }

  protected into<H>(kind: ArrayKind): Promise<H> {
    return this.convertInto(kind, (st) => makers.get(kind)!(st, 'converted', this.#meta, this.#offset, this.#length) as H);
  }
}

export function checkRangeOf(kind: string, what: string, index: unknown, n: number, len: number): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index + n > len) {
    throw outOfBounds(`${kind}.${what} of ${n} element(s)`, index, len);
  }
  return index;
}

export function rangeIndices(index: number, n: number): Uint32Array {
  const idx = new Uint32Array(n);
  for (let k = 0; k < n; k++) idx[k] = index + k;
  return idx;
}

function teamOf(t: unknown, what: string): Team {
  if (t instanceof World) return t.team;
  if (t instanceof Team) return t;
  throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what} takes a World or a Team as its first argument`);
}

export function checkArrayElemType(type: unknown, what: string): ArrayElemType {
  if (typeof type !== 'string' || !(ARRAY_ELEM_TYPES as readonly string[]).includes(type)) {
    throw new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: element type must be one of ${ARRAY_ELEM_TYPES.join(', ')}, got ${String(type)}`, {
      details: { type },
    });
  }
  return type as ArrayElemType;
}

/**
 * Collective over the team: allocates the array's one symmetric region (zeroed) and returns a
 * handle of `kind`. Mismatched calls throw COLLECTIVE_MISMATCH on every member. With fewer elements than PEs, one element per PE is allocated and the
 * handle covers the first `length` (as Lamellar does).
 */
export async function createArray<T extends ArrayElemType>(kind: ArrayKind, teamOrWorld: World | Team, opts: ArrayOptions<T>): Promise<ArrayBase<T>> {
  const what = `${kind}.create`;
  const team = teamOf(teamOrWorld, what);
  if (typeof opts !== 'object' || opts === null) throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what} needs { type, length, distribution }`);
  const type = checkArrayElemType(opts.type, what) as T;
  const length = checkCount(opts.length, what);
  if (opts.distribution !== 'block' && opts.distribution !== 'cyclic') {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: distribution must be 'block' or 'cyclic', got ${String(opts.distribution)}`);
  }
  if (length > 2 ** 32 - 1) throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: at most 2^32 - 1 elements, got ${length}`);
  const total = Math.max(length, team.numPes);
  const cap = Math.ceil(total / team.numPes);
  // Every member must create the same array: the region's collective check compares this whole
  // description, so a different kind, type, length or distribution on any PE fails everywhere
  // with COLLECTIVE_MISMATCH (lengths 7 and 8 on 4 PEs need the same region, for instance).
  const desc = `${kind}.create({ type: '${type}', length: ${length}, distribution: '${opts.distribution}' })`;
  const region = await allocShared(team, storageOf(type).region, allocElems(type, cap), desc, Kind.arrayCreation);
  const ri = region[kRegionInternals];
  const meta = metaFor(ri.state, ri, type, opts.distribution, total);
  const handle = makers.get(kind)!(ri.state, 'new', meta as unknown as ArrayMeta, 0, length) as ArrayBase<T>;
  await region.drop();
  return handle;
}

/** Each array type registers its constructor, for conversions, sub-arrays and the codec. */
export function registerArrayKind(kind: ArrayKind, ctor: abstract new (...args: never[]) => ArrayBase, make: Maker): void {
  makers.set(kind, make);
  classes.set(ctor, kind);
  registerRefCodec<ArrayBase>({
    name: `lamellar.${kind}`,
    ctor,
    encode(w, a) {
      const ai = a[kArray];
      encodeRefKey(w, ai.state);
      w.u8(KINDS.indexOf(ai.kind));
      w.u8(ARRAY_ELEM_TYPES.indexOf(ai.meta.type));
      w.u8(ai.meta.layout.dist === 'block' ? 0 : 1);
      w.f64(ai.meta.layout.total);
      w.f64(ai.offset);
      w.f64(ai.length);
    },
    decode(r, ctx) {
      const state = decodeMemberKey(r, ctx, `a ${kind}`);
      r.u8();
      const type = ARRAY_ELEM_TYPES[r.u8()]!;
      const dist: Distribution = r.u8() === 0 ? 'block' : 'cyclic';
      const total = r.f64();
      const offset = r.f64();
      const length = r.f64();
      const ri = (state.data as { internals: RegionInternals<ElemType> }).internals;
      return make(state, 'decoded', metaFor(state, ri, type, dist, total), offset, length);
    },
  });
}
