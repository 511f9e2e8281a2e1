/**
 * The per-core limits for put and get, run in the same process and at the same sizes as the
 * benchmark they are compared with:
 * - `time`: `TypedArray.set` from a private array into a SharedArrayBuffer-backed one, what a
 *   shmem put was until the runtime copied large blocks with memcpy (V8 copies into or out of
 *   shared memory word by word: src/core/copy.ts);
 * - `timeMemcpy`: the same `set` between two private arrays, which V8 does with libc memcpy:
 *   the machine's copy speed, and the yardstick of the put/get target (≥ 0.9 × memcpy);
 * - `timeSlice`: `slice`, the allocating copy that a get returning a new array cannot avoid.
 */
export class CopyBaseline {
  readonly #dst: Uint8Array;
  readonly #private: Uint8Array;

  constructor(maxBytes: number) {
    this.#dst = new Uint8Array(new SharedArrayBuffer(maxBytes));
    this.#private = new Uint8Array(maxBytes);
  }

  /** Copies `src` into a private array `count` times (libc memcpy); returns seconds. */
  timeMemcpy(src: Uint8Array, count: number): number {
    const dst = this.#private;
    for (let i = 0; i < Math.min(count, 16); i++) dst.set(src, 0);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) dst.set(src, 0);
    const secs = (performance.now() - t0) / 1000;
    if (dst[src.length - 1] !== src[src.length - 1]) throw new Error('memcpy baseline: copy did not land');
    return secs;
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
