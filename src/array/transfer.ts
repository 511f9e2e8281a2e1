/**
 * The sources and destinations of array put/get besides plain typed arrays: memory regions
 * (shared or one-sided, whole or a subRegion) and, for 128-bit types, `bigint[]`. Each is turned
 * into a storage view the copy loops can use: a region's local part is used in place (no copy);
 * a one-sided region owned by another PE is read (put) or written (get) with one region
 * transfer.
 */
import { ErrorCode, LamellarError } from '../core/index.js';
import { checkAttached, checkData, type ElemType } from '../memregion/internal.js';
import { OneSidedMemoryRegion, SharedMemoryRegion } from '../memregion/index.js';
import { elemClass, readWide, storageCtor, storageOf, type ArrayElemType } from './elem.js';
import type { View } from './ops/kernels.js';
import { checkValues } from './types.js';

export type AnyRegion = SharedMemoryRegion<ElemType> | OneSidedMemoryRegion<ElemType>;

export const isRegion = (x: unknown): x is AnyRegion => x instanceof SharedMemoryRegion || x instanceof OneSidedMemoryRegion;

function checkRegionType(type: ArrayElemType, r: AnyRegion, what: string): void {
  // Before anything is fetched or counted: a remote one-sided region is only used once the data
  // has arrived, too late to refuse it at the call.
  if (r.isReleased) {
    throw new LamellarError(ErrorCode.USE_AFTER_RELEASE, `${what}: the memory region given was released (dropped or converted, or it arrived in an AM that has finished)`);
  }
  if (elemClass(type) === 'bool' || elemClass(type) === 'wide' || r.type !== type) {
    throw new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: an array of '${type}' copies to and from regions of '${type}' only, got a region of '${r.type}'`, {
      details: { array: type, region: r.type },
    });
  }
}

/** The region's elements where they can be used in place: its local part, or null (a remote one-sided region). */
function localOf(r: AnyRegion): View | null {
  if (r instanceof OneSidedMemoryRegion && !r.isLocal) return null;
  return r.unsafeLocalData() as unknown as View;
}

/**
 * The storage values to put, checked: a typed array of the type (bool: 0/1; 128-bit: words or
 * bigint[]), a plain array of values, or a region of the same type. Resolves synchronously except for a one-sided region
 * owned by another PE, which is read first.
 */
export function putSource(type: ArrayElemType, src: unknown, what: string): View | Promise<View> {
  if (isRegion(src)) {
    checkRegionType(type, src, what);
    const v = localOf(src);
    if (v !== null) return v;
    return (src as OneSidedMemoryRegion<ElemType>).get(0, src.length) as unknown as Promise<View>;
  }
  if (elemClass(type) === 'wide' || elemClass(type) === 'bool' || Array.isArray(src)) {
    const n = Array.isArray(src) ? src.length : ArrayBuffer.isView(src) ? (src as unknown as ArrayLike<unknown>).length / storageOf(type).words : -1;
    if (n < 0 || !Number.isInteger(n)) {
      const takes = elemClass(type) === 'wide' ? 'a bigint[] or a BigUint64Array of two words per element' : elemClass(type) === 'bool' ? 'a Uint8Array of 0/1 or a boolean[]' : `a ${storageCtor(type).name} or an array of values`;
      throw new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: an array of '${type}' takes ${takes}`);
    }
    return checkValues(type, src, n, what) as unknown as View;
  }
  return checkData(src, type as ElemType, what, `, an array of values or a region of '${type}'`, 'an array') as unknown as View;
}

/** Elements in a get destination (a typed array, bigint[] for 128-bit types, or a region). */
export function destLength(type: ArrayElemType, dst: unknown, what: string): number {
  if (isRegion(dst)) {
    checkRegionType(type, dst, what);
    return dst.length;
  }
  if (elemClass(type) === 'wide') {
    if (!Array.isArray(dst)) throw new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: an array of '${type}' gets into a bigint[]`);
    return dst.length;
  }
  const ctor = storageCtor(type);
  if (!(dst instanceof ctor)) {
    const got = ArrayBuffer.isView(dst) ? dst.constructor.name : dst === null ? 'null' : typeof dst;
    throw new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: an array of '${type}' gets into a ${ctor.name} or a region of '${type}', got ${got}`, {
      details: { expected: ctor.name, got },
    });
  }
  return (checkAttached(dst as unknown as Uint8Array, what) as unknown as ArrayLike<unknown>).length;
}

/** Where the copy loops may write a get's result directly: the destination's storage view, or null. */
export function destView(dst: unknown): View | null {
  if (isRegion(dst)) return localOf(dst);
  if (Array.isArray(dst)) return null;
  return dst as View;
}

/** Delivers storage values `vals` (n elements) into `dst` where destView gave null. */
export async function deliver(type: ArrayElemType, vals: View, dst: unknown): Promise<void> {
  if (isRegion(dst)) {
    await (dst as OneSidedMemoryRegion<ElemType>).put(0, vals as never);
    return;
  }
  const out = dst as bigint[];
  const words = vals as unknown as BigUint64Array;
  for (let k = 0; k < out.length; k++) out[k] = readWide(words, k, type === 'i128');
}
