/**
 * `localChunks(n)`: this PE's part cut into consecutive chunks of `n` elements (the last may be
 * shorter), each a view on the array's memory (no copy), as Lamellar's local_chunks gives them.
 */
import { checkConstruct, ErrorCode, kConstruct, LamellarError, shownNumber } from '../core/index.js';

/** A view that can be cut (typed arrays). */
export interface Sliceable {
  readonly length: number;
  subarray(start: number, end: number): unknown;
}

/** Throws INVALID_ARGUMENT unless `size` is a positive integer. */
export function checkChunkSize(size: unknown, what: string): number {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: the chunk size must be a positive integer, got ${shownNumber(size)}`, { details: { size } });
  }
  return size;
}

/** Makes the chunks of `data`, `size` elements of `words` storage words each (the constructor is private). */
export let newLocalChunks: <V>(data: Sliceable, size: number, words: number, what: string) => LocalChunks<V>;

/**
 * Consecutive chunks of this PE's part of an array (`localChunks(n)`, or a lock array's
 * `readLocalChunks(n)`/`writeLocalChunks(n)` guard): iterable, and indexable with `at(i)`. Each
 * chunk is a view on the array's memory, no copy.
 * @example
 * ```ts
 * for (const chunk of ro.localChunks(1024)) total += chunk.reduce((s, x) => s + x, 0);
 * ```
 */
export class LocalChunks<V> implements Iterable<V> {
  readonly #data: Sliceable;
  readonly #size: number;
  readonly #words: number;
  /**
   * The number of chunks: ⌈part length / n⌉.
   * @example
   * ```ts
   * const n = ro.localChunks(100).length; // ceil(ro.numElemsLocal / 100)
   * ```
   */
  readonly length: number;

  private constructor(token: symbol, data: Sliceable, size: number, words: number, what: string) {
    checkConstruct(token, 'LocalChunks', 'localChunks(n) of an array');
    checkChunkSize(size, what);
    this.#data = data;
    this.#size = size;
    this.#words = words;
    this.length = Math.ceil(data.length / words / size);
  }

  static {
    newLocalChunks = <V>(data: Sliceable, size: number, words: number, what: string) => new LocalChunks<V>(kConstruct, data, size, words, what);
  }

  /**
   * Chunk `i` (0 ≤ i < length): elements [i·n, min((i+1)·n, part length)) of the part, a view.
   * INDEX_OUT_OF_BOUNDS outside.
   * @example
   * ```ts
   * const chunks = ro.localChunks(64);
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

  /**
   * The chunks in order.
   * @example
   * ```ts
   * for (const chunk of ro.localChunks(64)) use(chunk.length);
   * ```
   */
  *[Symbol.iterator](): Iterator<V> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}
