/**
 * Element copies by bit pattern, for range put and get. Two properties matter, and a plain
 * `dst[i] = src[i]` over the array's own view type has neither for every type:
 *
 * - Exact bits. An f32 read from a Float32Array becomes a double and is narrowed again on the
 *   store, which quiets a signalling NaN (0x7f800001 comes back 0x7fc00001). A BigInt64Array
 *   element becomes a BigInt, one allocation per element. Copying through an integer view of the
 *   element's width (Float64Array for 64-bit words: a double loaded and stored unchanged keeps
 *   every bit, NaN payloads included) keeps the bits and allocates nothing.
 * - Whole elements. A typed-array element access of an integer type is a no-tear access in
 *   ECMAScript's memory model, and V8 performs every typed-array element access, in every tier,
 *   as one aligned load or store of the element's width, which 64-bit CPUs (x64, arm64) carry
 *   out atomically, 8-byte ones included (the spec promises nothing for those: it is V8 and the
 *   CPU; `ATOMIC_WIDE_PLAIN` keeps seq-cst atomics for them on 32-bit CPUs). So a concurrent
 *   atomic update of an element (another PE's op on an AtomicArray) sees the copy's store before
 *   or after it, whole, and is never undone: every element is written exactly once. What the
 *   copy drops is the sequential-consistency order between elements, which no range ever
 *   promised; completion is published by the seq-cst signals that follow it, as for any op.
 *
 * One loop per width over its own view type, so each loop stays monomorphic. Contiguous bytes
 * (which cannot tear) are one TypedArray.set.
 */
import type { View } from './kernels.js';

/**
 * Whether an aligned 8-byte element load or store is single-copy atomic here: on every 64-bit
 * CPU Node runs on; not on 32-bit ARM, where a 64-bit VFP access may be split.
 */
export const ATOMIC_WIDE_PLAIN = ['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64'].includes(process.arch);

/** Where the words of a strided copy are: `view` (any typed array), from word `at`, element by element `stride` elements apart. */
export interface Side {
  view: View;
  at: number;
  stride: number;
}

/**
 * Copies `n` elements of `words` storage words each from `src` to `dst`, element k from
 * src.at + k·src.stride to dst.at + k·dst.stride (in elements; `at` in words). Both views have
 * the same word width.
 */
export function copyBits(dst: Side, src: Side, n: number, words: 1 | 2): void {
  const size = dst.view.BYTES_PER_ELEMENT;
  if (size === 1 && words === 1 && dst.stride === 1 && src.stride === 1) {
    // TypedArray.set, not libc's memcpy (core/copy.ts): an AtomicArray's bytes must each be
    // written once, and memcpy stores overlapping head and tail vectors twice, so an atomic op
    // landing between the two stores would be undone. On shared memory V8's set copies with
    // one relaxed store per word or byte (copy.ts says how), each byte written once.
    bytes(dst.view).set(bytes(src.view).subarray(src.at, src.at + n), dst.at);
    return;
  }
  const d = alias(dst.view, size);
  const s = alias(src.view, size);
  if (words === 2) pairs64(d as Float64Array, dst.at, dst.stride * 2, s as Float64Array, src.at, src.stride * 2, n);
  else if (size === 1) loop8(d as Uint8Array, dst.at, dst.stride, s as Uint8Array, src.at, src.stride, n);
  else if (size === 2) loop16(d as Uint16Array, dst.at, dst.stride, s as Uint16Array, src.at, src.stride, n);
  else if (size === 4) loop32(d as Int32Array, dst.at, dst.stride, s as Int32Array, src.at, src.stride, n);
  else loop64(d as Float64Array, dst.at, dst.stride, s as Float64Array, src.at, src.stride, n);
}

function bytes(v: View): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** The same words as `v`, typed by width only. */
function alias(v: View, size: number): Uint8Array | Uint16Array | Int32Array | Float64Array {
  const len = v.length;
  if (size === 1) return new Uint8Array(v.buffer, v.byteOffset, len);
  if (size === 2) return new Uint16Array(v.buffer, v.byteOffset, len);
  if (size === 4) return new Int32Array(v.buffer, v.byteOffset, len);
  return new Float64Array(v.buffer, v.byteOffset, len);
}

function loop8(d: Uint8Array, di: number, ds: number, s: Uint8Array, si: number, ss: number, n: number): void {
  for (let k = 0; k < n; k++, di += ds, si += ss) d[di] = s[si]!;
}

function loop16(d: Uint16Array, di: number, ds: number, s: Uint16Array, si: number, ss: number, n: number): void {
  for (let k = 0; k < n; k++, di += ds, si += ss) d[di] = s[si]!;
}

function loop32(d: Int32Array, di: number, ds: number, s: Int32Array, si: number, ss: number, n: number): void {
  for (let k = 0; k < n; k++, di += ds, si += ss) d[di] = s[si]!;
}

function loop64(d: Float64Array, di: number, ds: number, s: Float64Array, si: number, ss: number, n: number): void {
  for (let k = 0; k < n; k++, di += ds, si += ss) d[di] = s[si]!;
}

/** 128-bit elements: two 64-bit words each (under their element locks where that matters). */
function pairs64(d: Float64Array, di: number, ds: number, s: Float64Array, si: number, ss: number, n: number): void {
  for (let k = 0; k < n; k++, di += ds, si += ss) {
    d[di] = s[si]!;
    d[di + 1] = s[si + 1]!;
  }
}
