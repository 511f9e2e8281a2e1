/**
 * The data paths shared by both region kinds. Where the target's heap is mapped into this PE
 * (shmem, local) put and get are one copy on a cached view of the target's memory: no message
 * and no work on the target (copyElems: memcpy for large copies, since TypedArray.set on shared
 * memory copies word by word; see core/copy.ts). Otherwise (tcp) they go through the lamella,
 * pinning the region so it cannot be freed under an operation in flight.
 */
import { copyElems, ErrorCode, LamellarError, RESOLVED } from '../core/index.js';
import type { Lamella } from '../lamellae/types.js';
import { pin, unpin } from './handle.js';
import type { RefState } from './refstate.js';
import { checkAttached, checkData, ELEM_CTORS, withArticle, type ElemType, type TypedArrayOf } from './types.js';

/**
 * The method by which a region offers its elements on this PE, as a put's source or a get's
 * destination (this module cannot import the region classes: they import it): its elements on
 * this PE, checked to be of `type`, and its state, pinned while a remote put reads them or a
 * remote get writes them. Throws for a region of another type, or a one-sided region owned by
 * another PE.
 */
export const kLocalPart = Symbol('lamellar.localPart');

/** What a region is used as, in kLocalPart's refusals. */
export type PartRole = 'put source' | 'get destination';

export interface LocalSource {
  readonly data: TypedArrayOf<ElemType>;
  readonly state: RefState;
}

interface Sourceable {
  [kLocalPart](type: ElemType, what: string, role: PartRole): LocalSource;
}

/**
 * A put's source, checked: a typed array of `type` as it is, or a region's elements on this PE
 * with the region's state (Lamellar's put takes a region as its source too).
 */
export function putSource<T extends ElemType>(data: unknown, type: T, what: string): TypedArrayOf<T> | LocalSource {
  // The typed array first: the common put pays one instanceof, as before regions were sources.
  if (data instanceof ELEM_CTORS[type]) return checkAttached(data as TypedArrayOf<T>, what);
  if (typeof data === 'object' && data !== null && kLocalPart in data) return (data as Sourceable)[kLocalPart](type, what, 'put source');
  return checkData(data, type, what, ` or a region of '${type}' whose data is on this PE`);
}

/**
 * A get's destination, checked: a typed array of `type` as it is, or a region's elements on this
 * PE with the region's state (Lamellar's get fills a region, e.g. `get(0, &local_region)`).
 */
export function getDest<T extends ElemType>(data: unknown, type: T, what: string): TypedArrayOf<T> | LocalSource {
  if (data instanceof ELEM_CTORS[type]) return checkAttached(data as TypedArrayOf<T>, what);
  if (typeof data === 'object' && data !== null && kLocalPart in data) return (data as Sourceable)[kLocalPart](type, what, 'get destination');
  return checkData(data, type, what, ` or a region of '${type}' whose data is on this PE`);
}

/**
 * UNSUPPORTED_OP for a one-sided region used as a put source or get destination on a PE that does
 * not own it: its elements are not here.
 */
export function notOwnerHere(what: string, role: PartRole, owner: number, pe: number): LamellarError {
  const instead = role === 'put source' ? 'get() its data first' : 'get into a typed array, then put() it into the region';
  return new LamellarError(ErrorCode.UNSUPPORTED_OP, `${what}: a one-sided region is a ${role} only on its owner (PE ${owner}), not on PE ${pe}: ${instead}`, {
    details: { owner, pe },
  });
}

/** TYPE_MISMATCH for a source region of `got` elements put into a region of `type`. */
export function sourceTypeMismatch(what: string, type: ElemType, kind: string, got: ElemType): LamellarError {
  return new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: a region of '${type}' takes ${withArticle(ELEM_CTORS[type].name)} or a region of '${type}', got a ${kind} of '${got}'`, {
    details: { expected: type, got },
  });
}

/** Already settled: a direct put allocates nothing per call (but see core/turns.ts). */
export const DONE: Promise<void> = RESOLVED;

/**
 * A view of `n` elements at `addr` in world PE `pe`'s heap, or null where that heap is not
 * mapped here. Views stay valid: a heap's buffer never changes (lamellae/common/mapped-heaps.ts).
 */
export function directView<T extends ElemType>(lamella: Lamella, pe: number, type: T, addr: number, n: number): TypedArrayOf<T> | null {
  const heap = lamella.heap(pe);
  if (heap === undefined) return null;
  return new ELEM_CTORS[type](heap, addr, n) as TypedArrayOf<T>;
}

/** Writes `data` into `v` from element `index`: one copy. */
export function directPut<T extends ElemType>(v: TypedArrayOf<T>, index: number, data: TypedArrayOf<T>): void {
  copyElems(v, index, data);
}

/**
 * Reads `[index, index + count)` of `v` into a fresh array or into `dst`: one copy, with no
 * allocation but the subarray view (and the fresh array).
 */
export function directGet<T extends ElemType>(v: TypedArrayOf<T>, index: number, count: number, dst: TypedArrayOf<T> | undefined): TypedArrayOf<T> {
  const out = dst ?? (new (v.constructor as new (n: number) => TypedArrayOf<T>)(count));
  copyElems(out, 0, v.subarray(index, index + count) as TypedArrayOf<T>);
  return out;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** `src`: the source region's state when the data is a region's, pinned too until the put is done. */
export function remotePut(st: RefState, lamella: Lamella, pe: number, addr: number, data: ArrayBufferView, src?: RefState): Promise<void> {
  pin(st);
  if (src !== undefined) pin(src);
  // waitAll() and shutdown wait for the put (Lamellar's wait_all after unawaited puts), counted
  // in the same settle hook as the unpinning: no second promise reaction per put in flight.
  const engine = st.rt.engine;
  engine.beginWork();
  // A barrier waits for it too (team/put-fence.ts).
  const puts = st.rt.puts;
  const epoch = puts.begin();
  // A promise chain, not an async function: a suspended async frame per put in flight was a
  // good part of a small put's heap on tcp (tens of thousands may be in flight).
  const settled = (): void => {
    unpin(st);
    if (src !== undefined) unpin(src);
    engine.endWork();
    puts.end(epoch);
  };
  let put: Promise<void>;
  try {
    put = lamella.put(pe, addr, bytesOf(data));
  } catch (e) {
    settled();
    return Promise.reject(e);
  }
  return put.finally(settled);
}

/**
 * Reads into `out` (fresh, or the caller's destination) and resolves to it. `dst`: the destination
 * region's state when `out` is a region's elements, pinned too until the get is done, so a drop
 * meanwhile cannot free the memory the get writes.
 */
export async function remoteGet<T extends ElemType>(st: RefState, lamella: Lamella, pe: number, addr: number, out: TypedArrayOf<T>, dst?: RefState): Promise<TypedArrayOf<T>> {
  pin(st);
  if (dst !== undefined) pin(dst);
  const engine = st.rt.engine;
  engine.beginWork();
  try {
    await lamella.get(pe, addr, bytesOf(out));
  } finally {
    unpin(st);
    if (dst !== undefined) unpin(dst);
    engine.endWork();
  }
  return out;
}
