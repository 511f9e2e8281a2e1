/**
 * What every array type shares: index queries, sub-arrays, loads and gets, the array's team
 * conveniences (barrier, waitAll, AM launches, print), iterators and collective conversions.
 * Creation and the registry of array kinds (with their reference codec) are in create.ts;
 * reductions live on the types that have them (reduce.ts). A handle is one reference on this PE
 * (Darc semantics via the region's RefState); a handle views a window [offset, offset + length)
 * of the allocation, which is how sub-arrays and arrays shorter than the team work.
 */
import { kTeamLaunch, type AmArgs, type AmDef, type AmHandle, type LocalAmHandle, type MultiAmHandle } from '../am/index.js';
import { checkPe, completed, completedVoid, kRefState, lend, nextTurn, peCounters } from '../core/index.js';
import { badWindow, checkCount, RefHandle, type ElemType, type HandleOrigin, type RefState } from '../memregion/internal.js';
import type { OneSidedMemoryRegion, SharedMemoryRegion } from '../memregion/index.js';
import { kTeamInternals, State, type Team } from '../team/index.js';
import type { AtomicArray } from './atomic.js';
import { kindOfClass, makerOf, type Maker } from './create.js';
import { toArrayData, type ArrayData, type ArrayElemType, type ArrayValue } from './elem.js';
import type { GlobalLockArray } from './global-lock.js';
import { batchIndices, resolveSource } from './input.js';
import { checkIndex, checkRangeOf } from './layout.js';
import type { LocalLockArray } from './local-lock.js';
import type { BatchIndices } from './op-types.js';
import { kArray, kDecodedCopy, type ArrayInternals, type ArrayMeta } from './meta.js';
import { canCopyDirect, copyRange } from './ops/copy.js';
import { IndexedDistIter, IndexedLocalIter, IndexedOnesidedIter, consumersIdle, defaultChunk, iterChain, onesidedOf, running } from './iter/index.js';
import { addGate, afterGate, entryOf, flushArray, gateOf, gatherOne, inFlight, wantsEntry } from './ops/coalesce.js';
import { checksWhileGathering, execute, type OpResult } from './ops/engine.js';
import type { View } from './ops/kernels.js';
import { transferRange } from './ops/range.js';
import { printArray } from './print.js';
import type { ReadOnlyArray } from './read-only.js';
import { reduceArray, type ReduceLocks } from './reduce.js';
import { deliver, destLength, destView } from './transfer.js';
import { Op, scalarOut, type ArrayKind, type Distribution, type OpCode } from './types.js';
import type { UnsafeArray } from './unsafe.js';

/** Arrays travel in AM arguments and results as references (see ArrayBase). */
declare module '../serde/wire.js' {
  interface WireHandles {
    /** Any array handle: it arrives as the receiver's own handle on the same array. */
    array: ArrayBase<any>;
  }
}

/**
 * A memory region an array of `T` copies to and from (regions hold the ten base types only, so
 * bool, i128 and u128 arrays have none).
 * @example
 * ```ts
 * const r: RegionFor<'u32'> = world.allocOneSidedMemRegion('u32', 16);
 * await a.get(0, r);
 * ```
 */
export type RegionFor<T extends ArrayElemType> = T extends ElemType ? SharedMemoryRegion<T> | OneSidedMemoryRegion<T> : never;

/** `a.lentView()`, for the local iterators (assigned in ArrayBase's static block). */
export let lentViewOf: (a: ArrayBase) => View;

/**
 * What every distributed array type shares (UnsafeArray, ReadOnlyArray, AtomicArray,
 * LocalLockArray, GlobalLockArray): element type, length and distribution, index queries,
 * sub-arrays, loads and gets, iterators, collective conversions, `print()`, and the array's own
 * `barrier()`, `waitAll()` and AM launches. A handle is one reference on this PE: the array lives
 * until every PE has dropped its handles (`drop()` or `await using`). In an AM's arguments or
 * result it travels as a reference and arrives as the receiving PE's own handle on the same array.
 * @example
 * ```ts
 * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
 * console.log(a.type, a.length, a.distribution, a.numElemsLocal);
 * const first = await a.load(0);
 * const view = a.subArray(4, 8);
 * await view.drop();
 * ```
 */
export abstract class ArrayBase<T extends ArrayElemType = ArrayElemType> extends RefHandle {
  /** @internal */
  protected abstract readonly kind: ArrayKind;
  readonly #meta: ArrayMeta<T>;
  readonly #offset: number;
  readonly #length: number;
  #local: View | undefined;
  /** `lentView()`'s view, made at the first call. */
  #lent: View | undefined;
  /** `[kArray]`, made once: every op reads it, and a new object per op was garbage per op. */
  #internals: ArrayInternals<T> | undefined;

  /** @internal The array types' constructors are private: the runtime makes handles. */
  protected constructor(token: symbol, state: RefState, origin: HandleOrigin, meta: ArrayMeta<T>, offset: number, length: number) {
    super(token, state, origin);
    this.#meta = meta;
    this.#offset = offset;
    this.#length = length;
    if (this.watched) this.noteWindow(offset, length, false, meta.type, meta.layout.total, kindOfClass(new.target));
  }

  /** @internal */
  protected get refLabel(): string {
    return this.kind;
  }

  /**
   * @internal The reference-counting state alone, for the codec's repeat of a handle in one
   * frame: `[kArray]` builds an object, and a BFS sends one AM per edge with the same handle.
   * Throws USE_AFTER_RELEASE once this handle is released or converted.
   */
  get [kRefState](): RefState {
    return this.refState;
  }

  /**
   * @internal Another decoded handle on this window, for the next AM of the frame that carries
   * it: its own reference, so one AM's drop() cannot release another's. It shares this handle's
   * local view and internals (same state, same window), so an AM per edge that writes through
   * its handle allocates neither again.
   */
  [kDecodedCopy](make: Maker): ArrayBase<T> {
    const c = make(this.refState, 'decoded', this.#meta as unknown as ArrayMeta, this.#offset, this.#length) as ArrayBase<T>;
    c.#local = this.#local;
    c.#internals = this.#internals;
    return c;
  }

  /** @internal Throws USE_AFTER_RELEASE once this handle is released or converted. */
  get [kArray](): ArrayInternals<T> {
    const state = this.refState;
    return (this.#internals ??= { kind: this.kind, meta: this.#meta, state, offset: this.#offset, length: this.#length });
  }

  /**
   * The element type, e.g. `'u32'`.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * if (a.type === 'u32') console.log('32-bit unsigned elements');
   * ```
   */
  get type(): T {
    return this.#meta.type;
  }

  /**
   * The number of elements of this array (or sub-array), over all PEs.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * console.log(`${a.length} elements, ${a.numElemsLocal} on this PE`);
   * ```
   */
  get length(): number {
    void this.refState;
    return this.#length;
  }

  /**
   * How elements are spread over the team: `'block'` (contiguous runs) or `'cyclic'` (round robin).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const d: Distribution = a.distribution; // 'cyclic'
   * ```
   */
  get distribution(): Distribution {
    return this.#meta.layout.dist;
  }

  /**
   * The team the array was created on; PE numbers given to its methods are team-relative.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * console.log(`spread over ${a.team.numPes} PEs`);
   * ```
   */
  get team(): Team {
    return this.#meta.team;
  }

  /**
   * This PE's number in the array's team (`team.myPe`; Lamellar's `array.my_pe()`).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'block' });
   * const mine = a.firstGlobalIndexForPe(a.myPe);
   * ```
   */
  get myPe(): number {
    return this.#meta.team.myPe;
  }

  /**
   * How many PEs the array is spread over (`team.numPes`; Lamellar's `array.num_pes()`).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * console.log(`${a.length / a.numPes} elements per PE`);
   * ```
   */
  get numPes(): number {
    return this.#meta.team.numPes;
  }

  /** @internal [start, end) of this PE's local offsets that belong to this handle's window. */
  protected localRange(pe = this.#meta.team.myPe): [number, number] {
    void this.refState;
    return this.#meta.layout.localRange(pe, this.#offset, this.#offset + this.#length);
  }

  /**
   * @internal This PE's part of the window as a storage view (no copy). Made once per handle:
   * the window and the heap views never change, and an AM that writes through the handle it
   * received (one decoded handle serves every AM of a frame) would otherwise allocate a view
   * per AM.
   */
  protected localView(): View {
    void this.refState;
    return (this.#local ??= this.#makeLocalView());
  }

  /**
   * @internal This PE's part of the window as the program gets it (local data, chunks, guards,
   * local iteration): lent to this handle if garbage collection may release it, so a view the
   * program keeps keeps the memory (core/lent.ts). One an AM holds is released when the AM ends,
   * as a dropped one is: its local view serves.
   */
  protected lentView(): View {
    if (!this.watched) return this.localView();
    void this.refState;
    return (this.#lent ??= lend(this.localView(), this));
  }

  static {
    lentViewOf = (a) => a.lentView();
  }

  #makeLocalView(): View {
    const [s, e] = this.localRange();
    const w = this.#meta.words;
    return this.#meta.views[this.#meta.team.myPe]!.subarray(s * w, e * w);
  }

  /**
   * How many elements of this array (or sub-array) this PE holds.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const mine = a.numElemsLocal;
   * ```
   */
  get numElemsLocal(): number {
    const [s, e] = this.localRange();
    return e - s;
  }

  /**
   * The team PE that owns element `i` and the element's offset in that PE's part. Throws
   * INDEX_OUT_OF_BOUNDS.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const { pe, offset } = a.peAndOffsetForGlobalIndex(5); // cyclic over P PEs: pe = 5 % P
   * ```
   */
  peAndOffsetForGlobalIndex(i: number): { pe: number; offset: number } {
    checkIndex(i, this.length, `${this.kind}.peAndOffsetForGlobalIndex`);
    const pes = new Uint32Array(1);
    const offs = new Uint32Array(1);
    this.#meta.layout.route([i], 0, 1, this.#offset, pes, offs);
    return { pe: pes[0]!, offset: offs[0]! };
  }

  /**
   * The index (in this array) of the first element team PE `pe` holds, or undefined if it holds
   * none.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const first = a.firstGlobalIndexForPe(world.myPe);
   * ```
   */
  firstGlobalIndexForPe(pe: number): number | undefined {
    checkPe(pe, this.#meta.team.numPes, `${this.kind}.firstGlobalIndexForPe: PE`);
    const [s, e] = this.localRange(pe);
    return s === e ? undefined : this.#meta.layout.globalOf(pe, s) - this.#offset;
  }

  /**
   * The index (in this array) of the last element team PE `pe` holds, or undefined if it holds
   * none.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const last = a.lastGlobalIndexForPe(world.myPe);
   * ```
   */
  lastGlobalIndexForPe(pe: number): number | undefined {
    checkPe(pe, this.#meta.team.numPes, `${this.kind}.lastGlobalIndexForPe: PE`);
    const [s, e] = this.localRange(pe);
    return s === e ? undefined : this.#meta.layout.globalOf(pe, e - 1) - this.#offset;
  }

  /**
   * Elements `[start, end)` (`end` by default the array's length, as Lamellar's `start..`) as an
   * array of the same type whose indices start at 0: another handle on the same memory (no copy),
   * made by this PE alone. Drop it when done: conversions wait for every other handle.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const middle = a.subArray(4, 12);
   * await middle.add(0, 1); // element 4 of `a`
   * await middle.drop();
   * ```
   */
  subArray(start: number, end: number = this.length): this {
    const len = this.length;
    if (typeof start !== 'number' || typeof end !== 'number' || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > len) {
      throw badWindow(start, end, len, `${this.kind}.subArray: `, "the array's");
    }
    return makerOf(this.kind)(this.refState, 'new', this.#meta, this.#offset + start, end - start) as this;
  }

  /**
   * Another handle to the same array, dropped separately (e.g. to keep one past an AM).
   * Sent in an AM's arguments or result, a clone moves into that AM, as in Lamellar: it is
   * released once the AM is sent (`{ d: d.clone() }` leaves nothing behind).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const keep = a.clone();
   * await keep.drop();
   * ```
   */
  clone(): this {
    return makerOf(this.kind)(this.refState, 'cloned', this.#meta, this.#offset, this.#length) as this;
  }

  /**
   * Releases this PE's reference, as every handle's `drop()` does, once the iterator consumers
   * started through this handle have settled: a consumer left running (not awaited) holds its
   * array, as a spawned iteration does in Lamellar, so an `await using` scope may end with one.
   * @example
   * ```ts
   * await using a = await UnsafeArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * void a.distIterMut().forEach((e) => e.store(1)); // left running
   * await world.waitAll();                              // waits for it
   * ```
   */
  override drop(): Promise<void> {
    const busy = consumersIdle(this);
    if (busy === undefined) return super.drop();
    // Diagnosed: a consumer that never settles (one whose callback awaits this very drop) would
    // leave the drop waiting silently.
    const end = this.refState.rt.watchWait(`${this.refLabel}.drop() (it waits for the iterator consumers started through this handle to settle)`, State.running, []);
    return busy.then(() => {
      end();
      return super.drop();
    });
  }

  /**
   * @internal Runs a checked batch through the op engine. Batches that wait (for a message or
   * a lock) count in the array's `waitAll()` until they are done. With `map`, the result is
   * mapped as it comes: an element op applied at once resolves through one promise, not a
   * promise and a `then` on it.
   */
  protected run<R = OpResult>(op: number, idx: ArrayLike<number>, vals: unknown, cur: unknown, eps: number, fetch: boolean, unchecked?: { len: number; what: string }, map?: (r: OpResult) => R): Promise<R> {
    const ai = this[kArray];
    const single = idx.length === 1 && unchecked === undefined;
    if (single) {
      // A batch of one index carries its values as a storage array of one element (the caller's
      // own, perhaps): gathered ops keep scalars, taken now, as the input is at the call.
      const v = typeof vals === 'object' && vals !== null ? (vals as View)[0] : vals;
      const c = typeof cur === 'object' && cur !== null ? (cur as View)[0] : cur;
      const g = gatherOne(this, ai, op as OpCode, idx[0]!, v, c, eps, fetch);
      if (g !== undefined) {
        if (g.first) this.#pendingShared(g.batch);
        const words = ai.meta.words;
        const mine = wantsEntry(op as OpCode, fetch) ? g.batch.then((r) => entryOf(r, g.k, words)) : g.batch;
        return (map === undefined ? mine : mine.then(map)) as Promise<R>;
      }
    }
    // A batch sends the ops gathered on this array first, so it sees them (ops/coalesce.ts). A
    // single op not gathered is on an element this PE holds, which no gathered op is: flushing
    // there would cut a loop over random indices into batches of one or two.
    if (!single) flushArray(ai.meta);
    const gate = gateOf(ai.meta);
    const r =
      gate === undefined
        ? execute(this, ai, { op: op as never, idx, vals: vals as View, cur: cur as View, eps, fetch, unchecked })
        : afterGate(gate, () => execute(this, ai, { op: op as never, idx, vals: vals as View, cur: cur as View, eps, fetch, unchecked }));
    // Applied at once: resolved, but a retry loop of such ops must still let the event loop turn.
    if (!(r instanceof Promise)) return completed((map === undefined ? r : map(r)) as R);
    // Not done yet (queued behind a lock, or sent to owners): the array's waitAll(), the team's
    // and the world's, and shutdown wait for it.
    const p = this.#pending(r);
    return (map === undefined ? p : p.then(map)) as Promise<R>;
  }

  /** Counts `p` in the array's, its team's and the world's `waitAll()` (and shutdown) until it settles. */
  #pending<R>(p: Promise<R>): Promise<R> {
    this.#meta.team[kTeamInternals].track(p);
    return this.track(p);
  }

  /**
   * Counts a batch of gathered element ops (shared by their calls, each of which observes it) in
   * the same waits as #pending, without a promise of its own that could reject unobserved.
   */
  #pendingShared(p: Promise<unknown>): void {
    this.#meta.team[kTeamInternals].track(p);
    const ops = this.#meta.ops;
    ops.add();
    const done = (): void => ops.done();
    p.then(done, done);
  }

  /** @internal Counts `p` in the array's `waitAll()` until it settles. */
  protected track<R>(p: Promise<R>): Promise<R> {
    const ops = this.#meta.ops;
    ops.add();
    return p.finally(() => ops.done());
  }

  /**
   * Reads element `i`, wherever it lives (a boolean for bool, a bigint for 64- and 128-bit types).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const x: number = await a.load(3);
   * ```
   */
  load(i: number): Promise<ArrayValue<T>> {
    // Not async: a bad index throws at the call, as it does for every other element op.
    checkIndex(i, this.length, `${this.kind}.load`);
    this.checkOpen(`${this.kind}.load`);
    return this.run(Op.load, [i], 0, 0, 0, true, undefined, (r) => scalarOut(this.type, r.out!, 0));
  }

  /**
   * Reads the elements at `indices` (split by owning PE), in input order. `indices` may also be a
   * single index (one element), or another array's local data (see BatchIndices).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const xs: Uint32Array = await a.batchLoad([3, 1, 3]);
   * ```
   */
  batchLoad(indices: BatchIndices): Promise<ArrayData<T>> {
    const what = `${this.kind}.batchLoad`;
    this.checkOpen(what);
    const raw = resolveSource(indices, what);
    // Where the loads read the owners' memory directly, the gather checks the indices it reads
    // (a bad one rejects); otherwise they are checked here, and a bad one throws at the call.
    const late = raw instanceof Uint32Array && checksWhileGathering(this[kArray]);
    const idx = late ? raw : batchIndices(this.type, raw, [], this.length, what);
    return this.run(Op.load, idx, 0, 0, 0, true, late ? { len: this.length, what } : undefined).then((r) => toArrayData(this.type, r.out) as ArrayData<T>);
  }

  /**
   * Copies elements `[index, index + n)` into a new array (split by owning PE), or into `dst`: a
   * typed array of the element type (a `bigint[]` for i128/u128) or a memory region of the same
   * type (its local part, or a whole one-sided region), filling `dst.length` elements. Resolves
   * to the data (`dst` itself when given).
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const first4: Uint32Array = await a.get(0, 4);
   * const buf = new Uint32Array(4);
   * await a.get(4, buf); // no allocation
   * const region = world.allocOneSidedMemRegion('u32', 4);
   * await a.get(8, region); // into a memory region
   * ```
   */
  get(index: number, n: number): Promise<ArrayData<T>>;
  get<D extends ArrayData<T> | RegionFor<T>>(index: number, dst: D): Promise<D>;
  get(index: number, nOrDst: number | ArrayData<T> | RegionFor<T>): Promise<unknown> {
    const what = `${this.kind}.get`;
    this.checkOpen(what);
    const fresh = typeof nOrDst === 'number';
    const n = fresh ? checkCount(nOrDst, what) : destLength(this.type, nOrDst, what);
    checkRangeOf(this.kind, 'get', index, n, this.length);
    const ai = this[kArray];
    const direct = canCopyDirect(ai, false);
    const view = fresh ? (new this.#meta.ctor(n * this.#meta.words) as unknown as View) : destView(nOrDst);
    peCounters.getBytes += n * this.#meta.words * this.#meta.ctor.BYTES_PER_ELEMENT;
    if (view !== null && direct) {
      copyRange(ai, index, view, false);
      return completed(fresh ? toArrayData(this.type, view) : nOrDst);
    }
    const buf = view ?? (new this.#meta.ctor(n * this.#meta.words) as unknown as View);
    const got = this.range(index, buf, false);
    if (fresh) return got.then(() => toArrayData(this.type, buf));
    if (view !== null) return got.then(() => nOrDst);
    // Pending until the data is in `dst`, not only until it arrived: Lamellar's get(..).spawn()
    // then wait_all() reads dst after waitAll.
    return this.#pending(got.then(() => deliver(this.type, buf, nOrDst)).then(() => nOrDst));
  }

  /**
   * @internal A contiguous put or get that is not a plain mapped copy (ops/range.ts: one run per
   * owner), counted in `waitAll()` like run()'s batches while it waits.
   */
  protected range(index: number, data: View, write: boolean): Promise<void> {
    flushArray(this.#meta);
    const ai = this[kArray];
    const before = inFlight(this.#meta);
    // On an array without locks, the ops this PE issues after the transfer, and its reductions,
    // wait for it (addGate): it may go by RDMA, and an op sent after it overtook it. Not on a
    // lock array: the transfer may wait for a lock this PE holds (a guard it took after the
    // call), and ops waiting for the transfer would then wait for ever. Later transfers do not
    // wait for it (`before` counts batches only): puts issued together travel together.
    const gated = ai.kind === 'UnsafeArray' || ai.kind === 'AtomicArray';
    if (before !== undefined) {
      // Element ops gathered on this array are on their way (ops/coalesce.ts), and the transfer
      // may go by RDMA rather than behind them: it starts once they are applied. A put takes
      // its source now, as it does at the call otherwise.
      const src = write ? (data.slice() as View) : data;
      const t = before.then(() => transferRange(this, ai, index, src, write));
      if (gated) addGate(this.#meta, t);
      return this.#pending(t);
    }
    const r = transferRange(this, ai, index, data, write);
    if (r === undefined) return completedVoid();
    if (gated) addGate(this.#meta, r);
    return this.#pending(r);
  }

  /**
   * @internal WORLD_SHUT_DOWN once this PE's world has shut down: nothing is applied, on any
   * lamella (on shmem the owners' memory is still mapped, and writes would land).
   */
  protected checkOpen(what: string): void {
    this.refState.rt.checkOpen(what);
  }

  /** @internal A one-sided reduction of the window (see reduce.ts). */
  protected reduceWith(name: string, locks?: ReduceLocks): Promise<ArrayValue<T> | undefined> {
    this.checkOpen(`${this.kind}.${name}`);
    // It reads what this PE's earlier ops wrote, as on shmem, where those are applied at once:
    // their gathered batches go first, and a reduction that may read by other means than
    // messages behind them waits for them. Not one through a guard: ops in flight may wait for
    // that guard's lock.
    if (locks === undefined) flushArray(this.#meta);
    const batches = locks === undefined ? inFlight(this.#meta) : undefined;
    const gate = locks === undefined ? gateOf(this.#meta) : undefined;
    const before = batches === undefined ? gate : gate === undefined ? batches : Promise.all([batches, gate]);
    const r = before === undefined ? reduceArray(this, this[kArray], name, locks) : before.then(() => reduceArray(this, this[kArray], name, locks));
    return this.track(r as Promise<ArrayValue<T> | undefined>);
  }

  /**
   * Collective over the array's team: prints the array, one line per PE in team PE order
   * (`[pe 0 data] [1, 2, 3]`), from team PE 0. For small arrays.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 8, distribution: 'block' });
   * await a.print();
   * ```
   */
  print(): Promise<void> {
    // Running work, as a consumer is: waitAll(), shutdown() and drop() wait for a print left
    // running, whose closing barrier would otherwise meet the world's shutdown.
    return running([this], () => printArray(this, this[kArray], `${this.kind}.print()`));
  }

  /**
   * Collective over the array's team: resolves once every member has called it.
   * @example
   * ```ts
   * await a.batchAdd([0, 1, 2], 1);
   * await a.barrier();
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
   * @example
   * ```ts
   * void a.batchAdd([0, 1, 2], 1);
   * await a.waitAll();
   * await a.barrier();
   * ```
   */
  async waitAll(): Promise<void> {
    void this.refState;
    const ops = this.#meta.ops;
    // As the team's waitAll: one turn after the count reaches 0, so the continuations of the ops'
    // promises (a `.then` the caller put on them) have run; ops they started are waited for too.
    do {
      await ops.idle();
      await nextTurn(undefined);
    } while (ops.value > 0);
  }

  /**
   * Runs `am(args)` on team PE `pe` of the array's team, counted in the array's `waitAll()`.
   * @example
   * ```ts
   * const Bump = defineAm('doc/bump', async (ctx, x: { arr: AtomicArray<'u32'> }) => x.arr.add(ctx.currentPe, 1));
   * await a.execAmPe(0, Bump, { arr: a });
   * ```
   */
  execAmPe<A, R>(pe: number, am: AmDef<A, R>, ...[args]: AmArgs<A>): AmHandle<R> {
    void this.refState;
    return this.#meta.team[kTeamLaunch].pe(pe, am, args, this.#meta.ops);
  }

  /**
   * Runs `am(args)` on every member of the array's team, counted in the array's `waitAll()`;
   * results in team PE order.
   * @example
   * ```ts
   * const LocalLen = defineAm('doc/local-len', (_ctx, x: { arr: AtomicArray<'u32'> }) => x.arr.numElemsLocal);
   * const counts: number[] = await a.execAmAll(LocalLen, { arr: a });
   * ```
   */
  execAmAll<A, R>(am: AmDef<A, R>, ...[args]: AmArgs<A>): MultiAmHandle<R> {
    void this.refState;
    return this.#meta.team[kTeamLaunch].all(am, args, this.#meta.ops);
  }

  /**
   * Runs `am(args)` on this PE without serializing `args`, counted in the array's `waitAll()`.
   * @example
   * ```ts
   * const LocalLen = defineAm('doc/local-len2', (_ctx, x: { arr: AtomicArray<'u32'> }) => x.arr.numElemsLocal);
   * const n = await a.execAmLocal(LocalLen, { arr: a });
   * ```
   */
  execAmLocal<A, R>(am: AmDef<A, R>, ...[args]: AmArgs<A>): LocalAmHandle<R> {
    void this.refState;
    return this.#meta.team[kTeamLaunch].local(am, args, this.#meta.ops);
  }

  /**
   * Collective conversion into an UnsafeArray over the same memory: completes once every PE holds
   * only the converting handle (drop clones and sub-arrays first). This handle is released.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const u = await a.intoUnsafe();
   * u.unsafeLocalData().fill(0);
   * ```
   */
  intoUnsafe(): Promise<UnsafeArray<T>> {
    return this.into('UnsafeArray');
  }

  /**
   * Collective conversion into a ReadOnlyArray (then every read is safe without locks); completes
   * once every PE holds only the converting handle. This handle is released.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const ro = await a.intoReadOnly();
   * const mine = ro.localData();
   * ```
   */
  intoReadOnly(): Promise<ReadOnlyArray<T>> {
    return this.into('ReadOnlyArray');
  }

  /**
   * Collective conversion into an AtomicArray; completes once every PE holds only the converting
   * handle. This handle is released.
   * @example
   * ```ts
   * const u = await UnsafeArray.create(world, { type: 'i64', length: 8, distribution: 'block' });
   * const at = await u.intoAtomic();
   * ```
   */
  intoAtomic(): Promise<AtomicArray<T>> {
    return this.into('AtomicArray');
  }

  /**
   * Collective conversion into a LocalLockArray; completes once every PE holds only the converting
   * handle. This handle is released.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const ll = await a.intoLocalLock();
   * ```
   */
  intoLocalLock(): Promise<LocalLockArray<T>> {
    return this.into('LocalLockArray');
  }

  /**
   * Collective conversion into a GlobalLockArray; completes once every PE holds only the converting
   * handle. This handle is released.
   * @example
   * ```ts
   * const a = await AtomicArray.create(world, { type: 'u32', length: 16, distribution: 'cyclic' });
   * const gl = await a.intoGlobalLock();
   * ```
   */
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

  /** @internal */
  protected into<H>(kind: ArrayKind): Promise<H> {
    return this.convertInto(kind, (st) => makerOf(kind)(st, 'converted', this.#meta, this.#offset, this.#length) as H);
  }
}
