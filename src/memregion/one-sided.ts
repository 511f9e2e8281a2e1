/**
 * OneSidedMemoryRegion: `length` elements on the PE that allocated it (the owner), and nowhere
 * else. Allocation involves no other PE. The handle can be sent in AMs; any PE holding one can
 * put and get into the owner's memory (on shmem with no work on the owner). The region lives
 * while any PE holds a handle, and is freed on the owner after the last release.
 */
import { completed, completedVoid, ErrorCode, kConstruct, kRefState, LamellarError, lend, peCounters } from '../core/index.js';
import type { Lamella } from '../lamellae/types.js';
import { registerRefCodec } from '../serde/index.js';
import { kTeamInternals, type Team, type WorldRuntime } from '../team/index.js';
import { decodeRefKey, encodeRefKey, RefHandle, releaseIfDecoded, type HandleOrigin } from './handle.js';
import { directGet, directPut, directView, getDest, kLocalPart, notOwnerHere, putSource, remoteGet, remotePut, sourceTypeMismatch, type LocalSource, type PartRole } from './rdma.js';
import { RefState, registryOf, type Registry } from './refstate.js';
import type { SharedMemoryRegion } from './shared.js';
import { checkCount, checkElemType, checkRange, checkWindow, ELEM_CTORS, elemCode, elemTypeOfCode, type ElemType, type ReadonlyTypedArrayOf, type TypedArrayOf } from './types.js';

interface OneSidedData<T extends ElemType> {
  readonly type: T;
  readonly length: number;
  /** World PE id of the owner. */
  readonly owner: number;
  readonly addr: number;
  readonly lamella: Lamella;
  view: TypedArrayOf<T> | null | undefined;
}

const LABEL = 'one-sided memory region';

/** One-sided regions travel in AMs as references. */
declare module '../serde/wire.js' {
  interface WireHandles {
    /** A one-sided region: any PE that receives it can put and get into the owner's memory. */
    oneSidedMemoryRegion: OneSidedMemoryRegion<any>;
  }
}

function viewOf<T extends ElemType>(d: OneSidedData<T>): TypedArrayOf<T> | null {
  if (d.view === undefined) d.view = directView(d.lamella, d.owner, d.type, d.addr, d.length);
  return d.view;
}

/** Makes a OneSidedMemoryRegion handle (its constructor is private). */
let newOneSided: <T extends ElemType>(state: RefState, origin: HandleOrigin, offset?: number, length?: number) => OneSidedMemoryRegion<T>;

/**
 * `length` elements on the PE that allocated it (its owner) and nowhere else (Lamellar's
 * OneSidedMemoryRegion), from `allocOneSidedMemRegion`: allocation involves no other PE. Send the
 * handle in an AM and any PE holding it can put and get into the owner's memory (on shmem with no
 * work on the owner). The memory lives while any PE holds a handle, and is freed on the owner after
 * the last release.
 * @example
 * ```ts
 * const mine = world.allocOneSidedMemRegion('u8', 16);
 * const Fill = defineAm('doc/fill', async (ctx, a: { region: OneSidedMemoryRegion<'u8'> }) => {
 *   await a.region.put(ctx.currentPe, new Uint8Array([ctx.currentPe]));
 * });
 * await world.execAmAll(Fill, { region: mine });
 * console.log(mine.unsafeLocalData().slice(0, world.numPes));
 * ```
 */
export class OneSidedMemoryRegion<T extends ElemType = ElemType> extends RefHandle {
  readonly #data: OneSidedData<T>;
  /** This handle's window [#off, #off + #len) of the region (a subRegion; else the whole). */
  readonly #off: number;
  readonly #len: number;
  /** unsafeLocalData()'s view, made at the first call. */
  #lent: TypedArrayOf<T> | undefined;

  private constructor(token: symbol, state: RefState, origin: HandleOrigin, offset = 0, length?: number) {
    super(token, state, origin);
    this.#data = state.data as OneSidedData<T>;
    this.#off = offset;
    this.#len = length ?? this.#data.length - offset;
    this.noteWindow(offset, this.#len, false);
  }

  static {
    newOneSided = (state, origin, offset, length) => new OneSidedMemoryRegion(kConstruct, state, origin, offset, length);
  }

  /** @internal */
  protected get refLabel(): string {
    return LABEL;
  }

  #live(): OneSidedData<T> {
    void this.refState;
    return this.#data;
  }

  /**
   * The data, for a transfer: after world.shutdown() a put or get throws WORLD_SHUT_DOWN on every
   * lamella, where shmem's direct copies would otherwise go on working and tcp's and ofi's fail.
   */
  #open(what: string): OneSidedData<T> {
    const st = this.refState;
    st.rt.checkOpen(what);
    return this.#data;
  }

  /**
   * The element type.
   * @example
   * ```ts
   * const mine = world.allocOneSidedMemRegion('u8', 16);
   * console.log(mine.type); // u8
   * ```
   */
  get type(): T {
    return this.#data.type;
  }

  /**
   * The number of elements (of this subRegion's window, for a subRegion).
   * @example
   * ```ts
   * const mine = world.allocOneSidedMemRegion('u8', 16);
   * await using part = mine.subRegion(4, 8); // a handle: dropped at the end of the scope
   * console.log(mine.length, part.length); // 16 4
   * ```
   */
  get length(): number {
    return this.#len;
  }

  /**
   * Where this handle's window starts in the region (0 unless a subRegion).
   * @example
   * ```ts
   * const mine = world.allocOneSidedMemRegion('u8', 16);
   * await using part = mine.subRegion(4, 8);
   * console.log(part.offset); // 4
   * ```
   */
  get offset(): number {
    return this.#off;
  }

  /**
   * Elements [start, end) as a region of its own: a zero-copy view whose indices start at 0,
   * usable in put/get (of regions and arrays) and sendable in AMs. It is another handle on the
   * same memory: drop it separately. `end` is the region's length unless given.
   * INDEX_OUT_OF_BOUNDS unless 0 <= start <= end <= length.
   * @example
   * ```ts
   * const buf = world.allocOneSidedMemRegion('u8', 4096);
   * const Fill = defineAm('doc/fill-tail', async (_ctx, a: { dst: OneSidedMemoryRegion<'u8'> }) => {
   *   await a.dst.put(0, new Uint8Array(a.dst.length).fill(1));
   * });
   * await using tail = buf.subRegion(2048, 4096); // the sender keeps (and drops) this handle
   * await world.execAmPe(1, Fill, { dst: tail }); // PE 1 fills the second half
   * ```
   */
  subRegion(start: number, end: number = this.#len): OneSidedMemoryRegion<T> {
    void this.refState;
    checkWindow(start, end, this.#len, 'OneSidedMemoryRegion.subRegion');
    return new OneSidedMemoryRegion<T>(kConstruct, this.refState, 'new', this.#off + start, end - start);
  }

  /**
   * The world id of the PE whose memory this is.
   * @example
   * ```ts
   * const mine = world.allocOneSidedMemRegion('u8', 16);
   * console.log(mine.owner === world.myPe); // true where it was allocated
   * ```
   */
  get owner(): number {
    return this.#data.owner;
  }

  /**
   * True on the owner, where `unsafeLocalData()` works.
   * @example
   * ```ts
   * const mine = world.allocOneSidedMemRegion('u8', 16);
   * if (mine.isLocal) mine.unsafeLocalData().fill(0);
   * ```
   */
  get isLocal(): boolean {
    return this.#data.owner === this.#data.lamella.myPe;
  }

  /**
   * Copies `data` into the owner's memory from element `index`, from any PE holding the handle.
   * `data` is a typed array of the element type, or a region of the same type whose data is on
   * this PE (a shared region's part here, a one-sided region this PE owns).
   * @example
   * ```ts
   * const mine = world.allocOneSidedMemRegion('u8', 16);
   * await mine.put(4, new Uint8Array([1, 2, 3]));
   * await using src = mine.subRegion(4, 7);
   * await mine.put(8, src); // copies elements 4..6 to 8..10
   * ```
   */
  put(index: number, data: TypedArrayOf<T> | ReadonlyTypedArrayOf<T> | SharedMemoryRegion<T> | OneSidedMemoryRegion<T>): Promise<void> {
    const d = this.#open('OneSidedMemoryRegion.put');
    const s = putSource(data, d.type, 'OneSidedMemoryRegion.put');
    const src = ArrayBuffer.isView(s) ? s : (s.data as TypedArrayOf<T>);
    checkRange(index, src.length, this.#len, 'OneSidedMemoryRegion.put');
    index += this.#off;
    peCounters.putBytes += src.byteLength;
    const v = viewOf(d);
    if (v !== null) {
      directPut(v, index, src);
      return completedVoid();
    }
    return remotePut(this.refState, d.lamella, d.owner, d.addr + index * ELEM_CTORS[d.type].BYTES_PER_ELEMENT, src, ArrayBuffer.isView(s) ? undefined : s.state);
  }

  /**
   * Reads `n` elements from element `index` of the owner's memory into a new typed array, or fills
   * `dst` and resolves to it. `dst` is a typed array of the element type, or a region of the same
   * type whose data is on this PE (a shared region's part here, a one-sided region this PE owns;
   * Lamellar's `get(index, &region)`), written in place with no intermediate copy.
   * @example
   * ```ts
   * const mine = world.allocOneSidedMemRegion('u8', 16);
   * const bytes: Uint8Array = await mine.get(0, 4);
   * const copy = world.allocOneSidedMemRegion('u8', 4);
   * await mine.get(4, copy); // elements 4..7 into another region
   * ```
   */
  get(index: number, n: number): Promise<TypedArrayOf<T>>;
  get(index: number, dst: TypedArrayOf<T>): Promise<TypedArrayOf<T>>;
  get<D extends SharedMemoryRegion<T> | OneSidedMemoryRegion<T>>(index: number, dst: D): Promise<D>;
  get(index: number, n: number | TypedArrayOf<T> | SharedMemoryRegion<T> | OneSidedMemoryRegion<T>): Promise<unknown> {
    const d = this.#open('OneSidedMemoryRegion.get');
    // Anything but an object is a count (a string '2' is a bad count, not a bad destination).
    const into = typeof n === 'object' && n !== null ? getDest(n, d.type, 'OneSidedMemoryRegion.get') : undefined;
    const dst = into === undefined || ArrayBuffer.isView(into) ? into : (into.data as TypedArrayOf<T>);
    const count = dst === undefined ? checkCount(n, 'OneSidedMemoryRegion.get') : dst.length;
    checkRange(index, count, this.#len, 'OneSidedMemoryRegion.get');
    index += this.#off;
    peCounters.getBytes += count * ELEM_CTORS[d.type].BYTES_PER_ELEMENT;
    const v = viewOf(d);
    // A region destination resolves to the region, as an array's get does.
    const region = into === undefined || ArrayBuffer.isView(into) ? undefined : n;
    if (v !== null) {
      const out = directGet(v, index, count, dst);
      return completed(region ?? out);
    }
    const out = dst ?? (new ELEM_CTORS[d.type](count) as TypedArrayOf<T>);
    const p = remoteGet(this.refState, d.lamella, d.owner, d.addr + index * ELEM_CTORS[d.type].BYTES_PER_ELEMENT, out, region === undefined ? undefined : (into as LocalSource).state);
    return region === undefined ? p : p.then(() => region);
  }

  /**
   * The owner's elements as a view on the region's memory (owner only; elsewhere UNSUPPORTED_OP):
   * no copy, no locking. The view keeps this handle reachable, so the garbage collector does not
   * free the memory under it; `drop()` does.
   * @example
   * ```ts
   * const mine = world.allocOneSidedMemRegion('u8', 16);
   * mine.unsafeLocalData()[0] = 255;
   * ```
   */
  unsafeLocalData(): TypedArrayOf<T> {
    const d = this.#live();
    if (d.owner !== d.lamella.myPe) {
      throw new LamellarError(
        ErrorCode.UNSUPPORTED_OP,
        `unsafeLocalData() of a one-sided region owned by PE ${d.owner} called on PE ${d.lamella.myPe}: its data is not local (use get/put)`,
        { details: { owner: d.owner, pe: d.lamella.myPe } },
      );
    }
    if (this.#lent !== undefined) return this.#lent;
    const v = viewOf(d);
    if (v === null) throw new LamellarError(ErrorCode.INTERNAL, 'this lamella does not map the local heap');
    const mine = v.subarray(this.#off, this.#off + this.#len) as TypedArrayOf<T>;
    // Lent to this handle if garbage collection may release it (core/lent.ts); one an AM holds
    // is released when the AM ends, as a dropped one is.
    return (this.#lent = this.watched ? lend(mine, this) : mine);
  }

  /**
   * Another handle to the same region (the same window), dropped separately (e.g. to keep one that
   * arrived in an AM past the AM).
   * Sent in an AM's arguments or result, a clone moves into that AM, as in Lamellar: it is
   * released once the AM is sent (`{ d: d.clone() }` leaves nothing behind).
   * @example
   * ```ts
   * const mine = world.allocOneSidedMemRegion('u8', 16);
   * const kept = mine.clone();
   * await kept.drop();
   * ```
   */
  clone(): OneSidedMemoryRegion<T> {
    return new OneSidedMemoryRegion<T>(kConstruct, this.refState, 'cloned', this.#off, this.#len);
  }

  /** @internal The lifetime state, for the codec. */
  get [kRefState](): RefState {
    return this.refState;
  }

  /** @internal As a put source or get destination: the elements, on their owner only, and the state to pin. */
  [kLocalPart](type: ElemType, what: string, role: PartRole): LocalSource {
    const d = this.#live();
    if (d.type !== type) throw sourceTypeMismatch(what, type, 'OneSidedMemoryRegion', d.type);
    if (d.owner !== d.lamella.myPe) throw notOwnerHere(what, role, d.owner, d.lamella.myPe);
    return { data: this.unsafeLocalData(), state: this.refState };
  }
}

function makeState<T extends ElemType>(rt: WorldRuntime, reg: Registry, owner: number, id: number, data: OneSidedData<T>): RefState {
  const mine = owner === rt.lamella.myPe;
  const all = Array.from({ length: rt.lamella.numPes }, (_, pe) => pe);
  const st = new RefState(rt, reg, owner, id, all, mine, LABEL, {
    free() {
      data.view = null;
      if (mine) data.lamella.free(data.addr);
    },
  });
  st.data = data;
  if (mine) st.heapBytes = data.length * ELEM_CTORS[data.type].BYTES_PER_ELEMENT;
  reg.states.set(st.key, st);
  return st;
}

/** One-sided: `length` elements of `type` on this PE only. */
export function allocOneSided<T extends ElemType>(team: Team, type: T, length: number): OneSidedMemoryRegion<T> {
  checkElemType(type, 'allocOneSidedMemRegion');
  checkCount(length, 'allocOneSidedMemRegion');
  const internals = team[kTeamInternals];
  const rt = internals.runtime;
  // A dropped team refuses every use, this one too (teams.md), though the region is this PE's.
  internals.checkLive('allocOneSidedMemRegion');
  const lamella = rt.lamella;
  const addr = lamella.alloc(length * ELEM_CTORS[type].BYTES_PER_ELEMENT);
  const reg = registryOf(rt);
  const data: OneSidedData<T> = { type, length, owner: lamella.myPe, addr, lamella, view: undefined };
  return newOneSided<T>(makeState(rt, reg, lamella.myPe, reg.nextId++, data), 'new');
}

registerRefCodec<OneSidedMemoryRegion>({
  name: 'lamellar.OneSidedMemoryRegion',
  ctor: OneSidedMemoryRegion,
  encode(w, region) {
    const st = region[kRefState];
    const d = st.data as OneSidedData<ElemType>;
    encodeRefKey(w, st, region);
    w.u8(elemCode(d.type));
    w.f64(d.addr);
    w.f64(d.length);
    w.f64(region.offset);
    w.f64(region.length);
  },
  decode(r, ctx) {
    const rt = ctx as WorldRuntime;
    const reg = registryOf(rt);
    const { coord, id, state } = decodeRefKey(r, reg);
    const type = elemTypeOfCode(r.u8());
    const addr = r.f64();
    const length = r.f64();
    const offset = r.f64();
    const window = r.f64();
    if (state !== undefined) return newOneSided(state, 'decoded', offset, window);
    // First time this PE sees the region: it joins the region's lifetime as a participant.
    const data: OneSidedData<ElemType> = { type, length, owner: coord, addr, lamella: rt.lamella, view: undefined };
    return newOneSided(makeState(rt, reg, coord, id, data), 'decoded', offset, window);
  },
  copy(region) {
    return newOneSided(region[kRefState], 'decoded', region.offset, region.length);
  },
  release(h) {
    releaseIfDecoded(h);
  },
});
