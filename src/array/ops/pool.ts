/**
 * Reused Uint32Array temporaries of large batches (engine.ts): a batch that goes through
 * messages (`grouped`: owner and offset per index, the counting sort's positions, the sorted
 * offsets) or is applied block by block of memory (`directBlocked`: five such arrays), each one
 * u32 per index.
 *
 * Why: a 10M-index batch on tcp allocated them afresh each call, 160 MB, and every fresh page
 * faults when first written (about 13 µs per 4 KiB page on our virtual machines, so ~0.5 s a
 * call). A batch hands them back when it ends, and the next one takes them with their pages
 * already in place. At most MAX_FREE arrays are kept (one batch's worth), so the memory held is
 * that of the largest batches that ran last; smaller requests use the front of a larger array.
 * Batches that overlap (several in flight) take separate arrays.
 */
const MAX_FREE = 5;
const free: Uint32Array[] = [];

/** An array of at least `n` elements, as a view of exactly `n`; its contents are stale. */
export function takeU32(n: number): Uint32Array {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const len = free[i]!.length;
    if (len >= n && (best < 0 || len < free[best]!.length)) best = i;
  }
  if (best < 0) return new Uint32Array(n);
  const buf = free[best]!;
  free[best] = free[free.length - 1]!;
  free.pop();
  return buf.length === n ? buf : buf.subarray(0, n);
}

/** Hands back arrays from `takeU32`; nothing may use them afterwards. */
export function giveU32(...views: Uint32Array[]): void {
  for (const v of views) {
    const whole = v.length === v.buffer.byteLength >> 2 ? v : new Uint32Array(v.buffer as ArrayBuffer);
    if (free.length < MAX_FREE) free.push(whole);
    else {
      // Keep the largest: they serve every smaller batch too.
      let small = 0;
      for (let i = 1; i < free.length; i++) if (free[i]!.length < free[small]!.length) small = i;
      if (free[small]!.length < whole.length) free[small] = whole;
    }
  }
}

/** A typed-array class, as `takeTyped` builds a view of one over pool memory. */
export interface TypedCtor<V> {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): V;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * `len` elements of `Ctor` over a pool array (pushed on `taken`, to hand back with `giveU32`);
 * contents stale. A pool array is a whole buffer from offset 0, so any element size is aligned.
 */
export function takeTyped<V>(Ctor: TypedCtor<V>, len: number, taken: Uint32Array[]): V {
  const mem = takeU32(Math.ceil((len * Ctor.BYTES_PER_ELEMENT) / 4));
  taken.push(mem);
  return (Ctor as unknown) === Uint32Array ? (mem as unknown as V) : new Ctor(mem.buffer, 0, len);
}
