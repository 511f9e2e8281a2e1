/**
 * `localChunks(n)`: this PE's part cut into consecutive chunks of `n` elements (the last may be
 * shorter), each a view on the array's memory (no copy), as Lamellar's local_chunks gives them.
 */
import { ErrorCode, LamellarError } from '../core/index.js';

/** A view that can be cut (typed arrays). */
interface Sliceable {
  readonly length: number;
  subarray(start: number, end: number): unknown;
}

/** Throws INVALID_ARGUMENT unless `size` is a positive integer. */
export function checkChunkSize(size: unknown, what: string): number {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: the chunk size must be a positive integer, got ${String(size)}`, { details: { size } });
  }
  return size;
}

/**
 * Consecutive chunks of one PE's part of an array: iterable, and indexable with `at(i)`.
 *
 * @example
 * ```ts
 * for (const chunk of array.localChunks(1024)) total += chunk.reduce((a, b) => a + b, 0);
 * ```
 */
export class LocalChunks<V> implements Iterable<V> {
  readonly #data: Sliceable;
  readonly #size: number;
  readonly #words: number;
  /**
   * Number of chunks.
   *
   * @example
   * ```ts
   * const n = array.localChunks(100).length;   // ⌈numElemsLocal / 100⌉
   * ```
   */
  readonly length: number;

  /** @internal */
  constructor(data: Sliceable, size: number, words: number, what: string) {
    checkChunkSize(size, what);
    this.#data = data;
    this.#size = size;
    this.#words = words;
    this.length = Math.ceil(data.length / words / size);
  }

  /**
   * Chunk `i` (0 ≤ i < length): elements [i·n, min((i+1)·n, part length)) of the part, a view.
   * INDEX_OUT_OF_BOUNDS outside.
   *
   * @example
   * ```ts
   * const last = chunks.at(chunks.length - 1);
   * ```
   */
  at(i: number): V {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `chunk ${String(i)} is outside the ${this.length} chunks`, { details: { index: i, length: this.length } });
    }
    const w = this.#words;
    const from = i * this.#size * w;
    return this.#data.subarray(from, Math.min(from + this.#size * w, this.#data.length)) as V;
  }

  *[Symbol.iterator](): Iterator<V> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}
