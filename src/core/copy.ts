/**
 * Bulk copies at memcpy speed when one side is shared memory.
 *
 * Why not `TypedArray.prototype.set`: when either side is a SharedArrayBuffer, V8 (11.3, Node 20)
 * copies with `base::Relaxed_Memcpy`, a loop of one 8-byte relaxed atomic load and store per
 * word (byte by byte when the two sides are not equally aligned), so that racing JS readers can
 * never see C++ undefined behaviour. That loop runs at 8-15 GB/s here, against 35-47 GB/s for the
 * vectorized libc memcpy that the same call uses between private buffers. Node's
 * `Buffer.prototype.fill(view, start, end)` fills with the bytes of any ArrayBufferView in its
 * native binding, and when the view is exactly as long as the range that is one libc `memcpy`
 * (node_buffer.cc, Fill), shared memory or not. Measured in bench/micro/copy.ts
 * (bench/results/copy-2026-12-03.jsonl).
 *
 * Racing readers of the destination may see a mix of old and new bytes, as with any
 * non-atomic JS store; that is what put and get promise (memory regions are unsafe by design).
 * Small copies keep `set`: the binding's call costs more than it saves below a few KiB. So do
 * copies larger than the caches: there both run at memory speed, and glibc's memcpy switches to
 * non-temporal stores, which measured 10-20% slower than `set` from 16 MiB up.
 */

import { sameMemory } from './lent.js';

/** Byte lengths [FAST_COPY_MIN, FAST_COPY_MAX] take the native memcpy path (bench/micro/copy.ts). */
export const FAST_COPY_MIN = 4096;
export const FAST_COPY_MAX = 8 << 20;

const nativeFill = Buffer.prototype.fill as (this: Uint8Array, value: Uint8Array, start: number, end: number) => Uint8Array;

/**
 * Copies `src` into `dst` at byte `at` (`dst.set(src, at)` for bytes), with memcpy for large
 * copies. The caller checked the range. Overlapping copies within one buffer take `set`, which
 * moves them correctly.
 */
export function copyBytes(dst: Uint8Array, at: number, src: Uint8Array): void {
  const n = src.length;
  // Above FAST_COPY_MAX `set` wins only where it copies by words: when the two sides are
  // differently aligned it copies shared memory byte by byte (an 8 MB collective value decoded
  // out of a staging block ran at about 1 GB/s), far slower than memcpy's non-temporal stores.
  const wordCopy = n > FAST_COPY_MAX && ((dst.byteOffset + at - src.byteOffset) & 7) === 0;
  if (n < FAST_COPY_MIN || wordCopy || (sameMemory(dst.buffer, src.buffer) && overlaps(dst.byteOffset + at, src.byteOffset, n))) {
    dst.set(src, at);
    return;
  }
  nativeFill.call(dst, src, at, at + n);
}

/**
 * A byte view of each shared buffer (heaps, rings), made once. Kept in a WeakMap, not on the
 * buffer: a WebAssembly memory's buffer (every heap) is not extensible.
 */
const byteViews = new WeakMap<SharedArrayBuffer, Uint8Array>();

function sharedBytes(buf: SharedArrayBuffer): Uint8Array {
  let v = byteViews.get(buf);
  if (v === undefined) {
    // Length-tracking, so it follows a growable buffer as it grows.
    v = new Uint8Array(buf);
    byteViews.set(buf, v);
  }
  return v;
}

/**
 * `dst.set(src, index)` for typed arrays of one element type (numbers or bigints alike; the caller
 * checked that they match, and the range), through
 * the native memcpy when the copy is large. The binding takes any ArrayBufferView as the source
 * (it copies its bytes), so only the destination needs a byte view: for shared memory a cached
 * one over the whole buffer, so a put allocates nothing.
 */
export function copyElems(dst: ArrayBufferView, index: number, src: ArrayBufferView): void {
  const bytes = src.byteLength;
  if (bytes >= FAST_COPY_MIN && bytes <= FAST_COPY_MAX) {
    const buf = dst.buffer;
    const at = dst.byteOffset + index * (dst as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    if (buf !== src.buffer || !overlaps(at, src.byteOffset, bytes)) {
      if (buf instanceof SharedArrayBuffer) nativeFill.call(sharedBytes(buf), src as unknown as Uint8Array, at, at + bytes);
      else if (dst instanceof Uint8Array) nativeFill.call(dst, src as unknown as Uint8Array, index, index + bytes);
      else nativeFill.call(new Uint8Array(buf, at, bytes), src as unknown as Uint8Array, 0, bytes);
      return;
    }
  }
  (dst as unknown as Uint8Array).set(src as unknown as Uint8Array, index);
}

const overlaps = (a: number, b: number, n: number): boolean => a < b + n && b < a + n;
