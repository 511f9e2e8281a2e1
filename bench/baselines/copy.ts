/**
 * The per-core limit for put and get: `TypedArray.set` from a private array into a
 * SharedArrayBuffer-backed one, the copy a shmem put or get is at bottom; and `slice`, the
 * allocating copy that a get returning a new array cannot avoid. Run in the same process and at
 * the same sizes as the benchmark it is compared with.
 */
export class CopyBaseline {
  readonly #dst: Uint8Array;

  constructor(maxBytes: number) {
    this.#dst = new Uint8Array(new SharedArrayBuffer(maxBytes));
  }

  /** Copies `src` to offset 0 `count` times; returns seconds. */
  time(src: Uint8Array, count: number): number {
    const dst = this.#dst;
    for (let i = 0; i < Math.min(count, 16); i++) dst.set(src, 0);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) dst.set(src, 0);
    const secs = (performance.now() - t0) / 1000;
    if (dst[src.length - 1] !== src[src.length - 1]) throw new Error('TypedArray.set baseline: copy did not land');
    return secs;
  }

  /**
   * `slice` of `src`, `count` times: an allocating copy, which is what a `get` that returns a new
   * array costs at least. Returns seconds.
   */
  timeSlice(src: Uint8Array, count: number): number {
    let last = src;
    const t0 = performance.now();
    for (let i = 0; i < count; i++) last = src.slice();
    const secs = (performance.now() - t0) / 1000;
    if (last[src.length - 1] !== src[src.length - 1]) throw new Error('TypedArray.slice baseline: copy did not land');
    return secs;
  }
}
