/**
 * SharedMemoryRegion: `length` elements of one type on every PE of a team (collective,
 * symmetric). put/get address (team PE, index); no locking: races are the caller's to avoid,
 * which is what arrays are for. Handles travel in AMs as references and arrive as the receiver's
 * handle on the same memory.
 */
import { checkPe, completed, completedVoid, ErrorCode, kConstruct, kRegionInternals, LamellarError, lend, peCounters, sameMemory } from '../core/index.js';
import type { Lamella } from '../lamellae/types.js';
import { registerRefCodec } from '../serde/index.js';
import { Kind, kTeamInternals, type Team } from '../team/index.js';
import { refuseCollective, startCollective } from './collective.js';
import { allocReclaiming } from './reclaim.js';
import { decodeMemberKey, encodeRefKey, RefHandle, releaseIfDecoded, type HandleOrigin } from './handle.js';
import type { OneSidedMemoryRegion } from './one-sided.js';
import { DONE, directGet, directPut, directView, getDest, kLocalPart, putSource, remoteGet, remotePut, sourceTypeMismatch, type LocalSource, type PartRole } from './rdma.js';
import type { RefState } from './refstate.js';
import { checkCount, checkElemType, checkRange, checkWindow, ELEM_CTORS, type ElemType, type ReadonlyTypedArrayOf, type TypedArrayOf } from './types.js';

/** Internal access for arrays: not part of the public API. */
export { kRegionInternals };

/** What arrays build on: the team, addresses per PE, and direct element views where mapped. */
export interface RegionInternals<T extends ElemType> {
  readonly team: Team;
  readonly type: T;
  /** Elements on each team PE. */
  readonly length: number;
  readonly lamella: Lamella;
  /** The lifetime state: pin()/unpin() it around asynchronous operations. */
  readonly state: RefState;
  /** World PE id of team PE `pe`. */
  worldPe(pe: number): number;
  /** Byte address of the region in team PE `pe`'s heap. */
  addr(pe: number): number;
  /** Element view of team PE `pe`'s part, or null where that heap is not mapped (tcp). */
  view(pe: number): TypedArrayOf<T> | null;
}

interface SharedData<T extends ElemType> {
  readonly type: T;
  readonly length: number;
  readonly team: Team;
  readonly addrs: readonly number[];
  readonly views: (TypedArrayOf<T> | null | undefined)[];
  readonly internals: RegionInternals<T>;
}

const LABEL = 'shared memory region';

/** Shared regions travel in AMs as references. */
declare module '../serde/wire.js' {
  interface WireHandles {
    /** A shared region: it arrives as the receiver's own handle (team members only). */
    sharedMemoryRegion: SharedMemoryRegion<any>;
  }
}

/** Makes a SharedMemoryRegion handle (its constructor is private). */
let newShared: <T extends ElemType>(state: RefState, origin: HandleOrigin, offset?: number, length?: number) => SharedMemoryRegion<T>;

/**
 * `length` elements of one type on every PE of a team (collective and symmetric; Lamellar's
 * SharedMemoryRegion), from `allocSharedMemRegion`. `put`/`get` copy between a typed array here and
 * a given team PE's part, on shmem as plain copies into that PE's memory with no work on it.
 * Unsafe by design: no locking, so races are the program's to avoid (arrays do that). Drop the
 * handle when done; the memory is freed once every PE has dropped its handles. In AMs it travels
 * as a reference and arrives as the receiver's own handle.
 * @example
 * ```ts
 * const r = await world.allocSharedMemRegion('f64', 8);
 * await r.put((world.myPe + 1) % world.numPes, 0, new Float64Array([world.myPe]));
 * await world.barrier();
 * console.log(r.unsafeLocalData()[0]); // the previous PE's id
 * await r.drop();
 * ```
 */
export class SharedMemoryRegion<T extends ElemType = ElemType> extends RefHandle {
  readonly #data: SharedData<T>;
  /** This handle's window [#off, #off + #len) of every PE's part (a subRegion; else the whole). */
  readonly #off: number;
  readonly #len: number;
  /** unsafeLocalData()'s view, made at the first call. */
  #lent: TypedArrayOf<T> | undefined;

  private constructor(token: symbol, state: RefState, origin: HandleOrigin, offset = 0, length?: number) {
    super(token, state, origin);
    this.#data = state.data as SharedData<T>;
    this.#off = offset;
    this.#len = length ?? this.#data.length - offset;
    this.noteWindow(offset, this.#len, true);
  }

  static {
    newShared = (state, origin, offset, length) => new SharedMemoryRegion(kConstruct, state, origin, offset, length);
  }

  /** @internal */
  protected get refLabel(): string {
    return LABEL;
  }

  #live(): SharedData<T> {
    void this.refState;
    return this.#data;
  }

  /**
   * The data, for a transfer: after world.shutdown() a put or get throws WORLD_SHUT_DOWN on every
   * lamella, where shmem's direct copies would otherwise go on working and tcp's and ofi's fail.
   */
  #open(what: string): SharedData<T> {
    const st = this.refState;
    st.rt.checkOpen(what);
    return this.#data;
  }

  /**
   * The element type.
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('f64', 8);
   * console.log(r.type); // f64
   * ```
   */
  get type(): T {
    return this.#data.type;
  }

  /**
   * The number of elements on each team PE (of this subRegion's window, for a subRegion).
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('f64', 8);
   * await using part = r.subRegion(2, 5); // a handle: dropped at the end of the scope
   * console.log(r.length, part.length); // 8 3
   * ```
   */
  get length(): number {
    return this.#len;
  }

  /**
   * Where this handle's window starts in each PE's part (0 unless a subRegion).
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('f64', 8);
   * await using part = r.subRegion(4, 8);
   * console.log(part.offset); // 4
   * ```
   */
  get offset(): number {
    return this.#off;
  }

  /**
   * Elements [start, end) of every PE's part as a region of its own: a zero-copy view whose
   * indices start at 0, usable in put/get (of regions and arrays) and sendable in AMs. It is
   * another handle on the same memory: drop it separately. `end` is the region's length unless
   * given. INDEX_OUT_OF_BOUNDS unless 0 <= start <= end <= length.
   * @example
   * ```ts
   * const region = await world.allocSharedMemRegion('f64', 8);
   * await using half = region.subRegion(0, region.length / 2);
   * await half.put(world.numPes - 1, 0, new Float64Array([1, 2])); // into the last PE's first half
   * ```
   */
  subRegion(start: number, end: number = this.#len): SharedMemoryRegion<T> {
    void this.refState;
    checkWindow(start, end, this.#len, 'SharedMemoryRegion.subRegion');
    return new SharedMemoryRegion<T>(kConstruct, this.refState, 'new', this.#off + start, end - start);
  }

  /**
   * The team the region was allocated on; PE numbers given to put/get are team-relative.
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('f64', 8);
   * console.log(r.team.numPes);
   * ```
   */
  get team(): Team {
    return this.#data.team;
  }

  /**
   * Copies `data` into team PE `pe`'s part from element `index`. Checked at the call (PE, type,
   * range). `data` is a typed array of the element type, or a region of the same type whose data
   * is on this PE (a shared region's or sub-region's part here, a one-sided region this PE owns):
   * its elements are copied as they are, with no intermediate copy.
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('f64', 8);
   * await r.put(0, 2, new Float64Array([1.5, 2.5]));
   * await using low = r.subRegion(0, 4); // a handle: dropped at the end of the scope
   * await r.put(0, 4, low); // this PE's elements 0..3 into PE 0's 4..7
   * ```
   */
  put(pe: number, index: number, data: TypedArrayOf<T> | ReadonlyTypedArrayOf<T> | SharedMemoryRegion<T> | OneSidedMemoryRegion<T>): Promise<void> {
    const d = this.#open('SharedMemoryRegion.put');
    checkPe(pe, d.addrs.length, 'SharedMemoryRegion.put: PE');
    const s = putSource(data, d.type, 'SharedMemoryRegion.put');
    const src = ArrayBuffer.isView(s) ? s : (s.data as TypedArrayOf<T>);
    checkRange(index, src.length, this.#len, 'SharedMemoryRegion.put');
    index += this.#off;
    peCounters.putBytes += src.byteLength;
    const v = d.internals.view(pe);
    if (v !== null) {
      directPut(v, index, src);
      return completedVoid();
    }
    const bpe = ELEM_CTORS[d.type].BYTES_PER_ELEMENT;
    return remotePut(this.refState, d.internals.lamella, d.team.pes[pe]!, d.addrs[pe]! + index * bpe, src, ArrayBuffer.isView(s) ? undefined : s.state);
  }

  /**
   * Copies `data` into every team PE's part from element `index`.
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('f64', 8);
   * await r.putAll(0, new Float64Array([world.myPe]));
   * ```
   */
  putAll(index: number, data: TypedArrayOf<T> | ReadonlyTypedArrayOf<T> | SharedMemoryRegion<T> | OneSidedMemoryRegion<T>): Promise<void> {
    const d = this.#open('SharedMemoryRegion.putAll');
    // Checked once here, so that a bad call throws before any PE's part is written.
    const s = putSource(data, d.type, 'SharedMemoryRegion.putAll');
    const src = ArrayBuffer.isView(s) ? s : (s.data as TypedArrayOf<T>);
    checkRange(index, src.length, this.#len, 'SharedMemoryRegion.putAll');
    // A source on this PE's own destination (a sub-region of this region, a view of its local
    // data) would be rewritten by the put here, and the PEs after it got the rewritten bytes; on
    // ofi, remote puts read it in place while in flight. Such a source is copied once first.
    const own = d.internals.view(d.team.myPe);
    const at = own === null ? 0 : own.byteOffset + (index + this.#off) * own.BYTES_PER_ELEMENT;
    const overlaps = own !== null && sameMemory(src.buffer, own.buffer) && src.byteOffset < at + src.byteLength && at < src.byteOffset + src.byteLength;
    const from = overlaps ? (src.slice() as TypedArrayOf<T>) : data;
    const pending: Promise<void>[] = [];
    for (let pe = 0; pe < d.addrs.length; pe++) {
      const p = this.put(pe, index, from);
      if (p !== DONE) pending.push(p);
    }
    return pending.length === 0 ? DONE : Promise.all(pending).then(() => undefined);
  }

  /**
   * Reads `n` elements of team PE `pe`'s part from element `index` into a new typed array, or fills
   * `dst` (its length, no allocation) and resolves to it. `dst` is a typed array of the element
   * type, or a region of the same type whose data is on this PE (a shared region's or
   * sub-region's part here, a one-sided region this PE owns; Lamellar's `get(pe, index,
   * &region)`), written in place with no intermediate copy.
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('f64', 8);
   * const three: Float64Array = await r.get(0, 0, 3);
   * const dst = new Float64Array(2);
   * await r.get(0, 5, dst);
   * const mine = world.allocOneSidedMemRegion('f64', 4);
   * await r.get(0, 4, mine); // PE 0's elements 4..7 into this PE's one-sided region
   * ```
   */
  get(pe: number, index: number, n: number): Promise<TypedArrayOf<T>>;
  get(pe: number, index: number, dst: TypedArrayOf<T>): Promise<TypedArrayOf<T>>;
  get<D extends SharedMemoryRegion<T> | OneSidedMemoryRegion<T>>(pe: number, index: number, dst: D): Promise<D>;
  get(pe: number, index: number, n: number | TypedArrayOf<T> | SharedMemoryRegion<T> | OneSidedMemoryRegion<T>): Promise<unknown> {
    const d = this.#open('SharedMemoryRegion.get');
    checkPe(pe, d.addrs.length, 'SharedMemoryRegion.get: PE');
    // Anything but an object is a count (a string '2' is a bad count, not a bad destination).
    const into = typeof n === 'object' && n !== null ? getDest(n, d.type, 'SharedMemoryRegion.get') : undefined;
    const dst = into === undefined || ArrayBuffer.isView(into) ? into : (into.data as TypedArrayOf<T>);
    const count = dst === undefined ? checkCount(n, 'SharedMemoryRegion.get') : dst.length;
    checkRange(index, count, this.#len, 'SharedMemoryRegion.get');
    index += this.#off;
    peCounters.getBytes += count * ELEM_CTORS[d.type].BYTES_PER_ELEMENT;
    const v = d.internals.view(pe);
    // A region destination resolves to the region, as an array's get does.
    const region = into === undefined || ArrayBuffer.isView(into) ? undefined : n;
    if (v !== null) {
      const out = directGet(v, index, count, dst);
      return completed(region ?? out);
    }
    const out = dst ?? (new ELEM_CTORS[d.type](count) as TypedArrayOf<T>);
    const p = remoteGet(this.refState, d.internals.lamella, d.team.pes[pe]!, d.addrs[pe]! + index * ELEM_CTORS[d.type].BYTES_PER_ELEMENT, out, region === undefined ? undefined : (into as LocalSource).state);
    return region === undefined ? p : p.then(() => region);
  }

  /**
   * This PE's part as a typed array view on the region's memory: no copy and no locking. The view
   * keeps this handle reachable, so the garbage collector does not free the memory under it;
   * `drop()` does.
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('f64', 8);
   * r.unsafeLocalData().fill(1);
   * ```
   */
  unsafeLocalData(): TypedArrayOf<T> {
    const d = this.#live();
    if (this.#lent !== undefined) return this.#lent;
    const v = d.internals.view(d.team.myPe);
    if (v === null) throw new LamellarError(ErrorCode.INTERNAL, 'this lamella does not map the local heap');
    const mine = v.subarray(this.#off, this.#off + this.#len) as TypedArrayOf<T>;
    // Lent to this handle if garbage collection may release it (core/lent.ts); one an AM holds
    // is released when the AM ends, as a dropped one is.
    return (this.#lent = this.watched ? lend(mine, this) : mine);
  }

  /** @internal As a put source or get destination: this PE's part of the window, and the state to pin. */
  [kLocalPart](type: ElemType, what: string, _role: PartRole): LocalSource {
    const d = this.#live();
    if (d.type !== type) throw sourceTypeMismatch(what, type, 'SharedMemoryRegion', d.type);
    return { data: this.unsafeLocalData(), state: this.refState };
  }

  /**
   * Another handle to the same region (the same window), dropped separately.
   * Sent in an AM's arguments or result, a clone moves into that AM, as in Lamellar: it is
   * released once the AM is sent (`{ d: d.clone() }` leaves nothing behind).
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('f64', 8);
   * const again = r.clone();
   * await again.drop();
   * ```
   */
  clone(): SharedMemoryRegion<T> {
    return new SharedMemoryRegion<T>(kConstruct, this.refState, 'cloned', this.#off, this.#len);
  }

  /** @internal */
  get [kRegionInternals](): RegionInternals<T> {
    return this.#live().internals;
  }
}

function internalsFor<T extends ElemType>(state: RefState, lamella: Lamella, team: Team, type: T, length: number, addrs: readonly number[], views: (TypedArrayOf<T> | null | undefined)[]): RegionInternals<T> {
  return {
    team,
    type,
    length,
    lamella,
    state,
    worldPe: (pe) => team.pes[pe]!,
    addr: (pe) => addrs[pe]!,
    view(pe) {
      let v = views[pe];
      if (v === undefined) v = views[pe] = directView(lamella, team.pes[pe]!, type, addrs[pe]!, length);
      return v;
    },
  };
}

/**
 * Collective over `team`: `length` elements of `type` on every member. A layer that builds on
 * the region (arrays) passes its own call as `desc`, so the collective check compares the whole
 * call (its kind, length, distribution) rather than only the region it needs.
 */
export async function allocShared<T extends ElemType>(
  team: Team, type: T, length: number, given?: string, kind: number = Kind.allocation,
): Promise<SharedMemoryRegion<T>> {
  try {
    checkElemType(type, 'allocSharedMemRegion');
    checkCount(length, 'allocSharedMemRegion');
  } catch (err) {
    // Every member rejects, with this PE's error code, rather than this one alone (collective.ts).
    if (err instanceof LamellarError) return refuseCollective(team, kind, 'allocSharedMemRegion(bad arguments)', err);
    throw err;
  }
  const desc = given ?? `allocSharedMemRegion('${type}', ${length})`;
  const rt = team[kTeamInternals].runtime;
  const lamella = rt.lamella;
  const bytes = length * ELEM_CTORS[type].BYTES_PER_ELEMENT;
  let failure: unknown;
  // A full heap waits for the space of objects dropped here and still being freed (reclaim.ts);
  // the creation's place in the team's order is taken at once.
  const got = allocReclaiming(rt, bytes).catch((err: unknown) => {
    failure = err;
    return -1;
  });
  let start;
  try {
    start = await startCollective(team, kind, desc, got);
  } catch (err) {
    const a = await got;
    if (a >= 0) lamella.free(a);
    throw err;
  }
  const addr = await got;
  // Everyone learns whether anyone ran out, so all fail together instead of some hanging.
  const addrs = start.contributions;
  if (addrs.some((a) => a < 0)) {
    if (addr >= 0) lamella.free(addr);
    await start.ready();
    if (failure !== undefined) throw failure;
    const who = addrs.map((a, pe) => (a < 0 ? pe : -1)).filter((pe) => pe >= 0);
    throw new LamellarError(ErrorCode.OUT_OF_MEMORY, `${desc}: team PE(s) ${who.join(', ')} ran out of memory-region heap`, { details: { pes: who } });
  }
  const views: (TypedArrayOf<T> | null | undefined)[] = new Array(addrs.length);
  const state = start.makeState(LABEL, {
    free() {
      views.fill(null);
      lamella.free(addr);
    },
  }, undefined);
  state.heapBytes = bytes;
  const data: SharedData<T> = { type, length, team, addrs, views, internals: internalsFor(state, lamella, team, type, length, addrs, views) };
  state.data = data;
  const region = newShared<T>(state, 'new');
  await start.ready();
  return region;
}

registerRefCodec<SharedMemoryRegion>({
  name: 'lamellar.SharedMemoryRegion',
  ctor: SharedMemoryRegion,
  encode(w, region) {
    encodeRefKey(w, region[kRegionInternals].state, region);
    w.f64(region.offset);
    w.f64(region.length);
  },
  decode(r, ctx) {
    const state = decodeMemberKey(r, ctx, 'a shared memory region');
    const offset = r.f64();
    return newShared(state, 'decoded', offset, r.f64());
  },
  copy(region) {
    return newShared(region[kRegionInternals].state, 'decoded', region.offset, region.length);
  },
  release(h) {
    releaseIfDecoded(h);
  },
});
