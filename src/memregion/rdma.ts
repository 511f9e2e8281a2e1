/**
 * The data paths shared by both region kinds. Where the target's heap is mapped into this PE
 * (shmem, local) put and get are one copy on a cached view of the target's memory: no message
 * and no work on the target (copyElems: memcpy for large copies, since TypedArray.set on shared
 * memory copies word by word; see core/copy.ts). Otherwise (tcp) they go through the lamella,
 * pinning the region so it cannot be freed under an operation in flight.
 */
import { copyElems } from '../core/index.js';
import type { Lamella } from '../lamellae/types.js';
import { pin, unpin } from './handle.js';
import type { RefState } from './refstate.js';
import { ELEM_CTORS, type ElemType, type TypedArrayOf } from './types.js';

/** Already settled: a direct put allocates nothing per call. */
export const DONE: Promise<void> = Promise.resolve();

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

export async function remotePut(st: RefState, lamella: Lamella, pe: number, addr: number, data: ArrayBufferView): Promise<void> {
  pin(st);
  try {
    await lamella.put(pe, addr, bytesOf(data));
  } finally {
    unpin(st);
  }
}

/** Reads into `out` (fresh, or the caller's destination) and resolves to it. */
export async function remoteGet<T extends ElemType>(st: RefState, lamella: Lamella, pe: number, addr: number, out: TypedArrayOf<T>): Promise<TypedArrayOf<T>> {
  pin(st);
  try {
    await lamella.get(pe, addr, bytesOf(out));
  } finally {
    unpin(st);
  }
  return out;
}
