/**
 * Contiguous put and get for arrays whose elements are plain copies (UnsafeArray, and reads of
 * ReadOnlyArray) when every PE's part is mapped into this PE (shmem, local): one TypedArray copy
 * per owner for block layouts (memcpy when large: core/copy.ts), one tight strided loop per owner
 * for cyclic ones. No routing
 * arrays, no per-element atomics, nothing sent. Everything else (atomic and lock arrays, whose
 * per-element atomicity or locking is part of their contract, and unmapped owners) goes one run
 * per owner through ops/range.ts.
 */
import { copyElems } from '../../core/index.js';
import type { ArrayInternals } from '../meta.js';
import { copyBits } from './bits.js';
import type { View } from './kernels.js';

export function canCopyDirect(ai: ArrayInternals, forWrite: boolean): boolean {
  return ai.meta.allMapped && ai.meta.words === 1 && (ai.kind === 'UnsafeArray' || (!forWrite && ai.kind === 'ReadOnlyArray'));
}

/**
 * Copies between `data` and elements [index, index + data.length) of the (sub-)array:
 * into the array when `intoArray`, else out of it into `data`.
 */
export function copyRange(ai: ArrayInternals, index: number, data: View, intoArray: boolean): void {
  const { layout, views } = ai.meta;
  const lo = ai.offset + index;
  const hi = lo + data.length;
  const P = layout.numPes;
  for (let pe = 0; pe < P; pe++) {
    const [s, t] = layout.localRange(pe, lo, hi);
    if (s >= t) continue;
    // The casts are sound: `data` has the array's element type (checked at the API), so both
    // sides hold numbers or both hold bigints.
    const v = views[pe]! as unknown as Float64Array;
    const d = data as unknown as Float64Array;
    if (layout.dist === 'block') {
      const at = layout.globalOf(pe, s) - lo;
      if (intoArray) copyElems(v, s, d.subarray(at, at + (t - s)));
      else copyElems(d, at, v.subarray(s, t));
    } else {
      // Every P-th element of `data`, by bit pattern (bits.ts: an f32 NaN keeps its payload).
      const own = { view: views[pe]!, at: s, stride: 1 };
      const run = { view: data, at: s * P + pe - lo, stride: P };
      if (intoArray) copyBits(own, run, t - s, 1);
      else copyBits(run, own, t - s, 1);
    }
  }
}
