/**
 * First-fit allocator over a byte range [0, limit) that grows on demand.
 *
 * Every lamella keeps one heap per PE for memory regions; offsets into it are the "addresses"
 * other PEs use. Blocks are 64-byte aligned (one cache line, and enough for 8-byte atomics).
 * Free blocks are kept sorted by offset and merged with their neighbours on free.
 */
import { MAX_HEAP_SIZE } from '../../core/config.js';
import { ErrorCode, LamellarError } from '../../core/errors.js';
import { peCounters } from '../../core/stats.js';

const ALIGN = 64;

export class HeapAllocator {
  /** Sorted, non-adjacent free ranges inside [0, top). */
  readonly #free: { off: number; len: number }[] = [];
  readonly #live = new Map<number, number>();
  #top: number;
  #inUse = 0;
  readonly #limit: number;
  readonly #grow: (minBytes: number) => void;

  /** The bytes blocks may take: the heap's size as LAMELLAR_HEAP_SIZE gives it. */
  readonly #capacity: number;

  /**
   * `grow(n)` must make at least n bytes of the heap usable. Blocks start at `start` (rounded up
   * to the alignment, and never 0, so 0 can mean "no address"): the bytes below it are reserved
   * for the runtime, and blocks may take `capacity` bytes above them.
   */
  /** LAMELLAR_HEAP_SIZE as set, for the advice: raising it helps only below its cap. */
  readonly #setting: number;

  constructor(capacity: number, grow: (minBytes: number) => void, start = ALIGN, setting = capacity) {
    this.#grow = grow;
    this.#top = Math.max(ALIGN, Math.ceil(start / ALIGN) * ALIGN);
    this.#capacity = capacity;
    this.#limit = this.#top + capacity;
    this.#setting = setting;
  }

  get bytesInUse(): number {
    return this.#inUse;
  }

  /** Counts `len` more bytes in use, and the PE's peak (world.stats()). */
  #took(len: number): void {
    this.#inUse += len;
    if (this.#inUse > peCounters.peakRegionHeapBytes) peCounters.peakRegionHeapBytes = this.#inUse;
  }

  alloc(bytes: number): number {
    const len = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.#free.length; i++) {
      const f = this.#free[i]!;
      if (f.len >= len) {
        const off = f.off;
        if (f.len === len) this.#free.splice(i, 1);
        else {
          f.off += len;
          f.len -= len;
        }
        this.#live.set(off, len);
        this.#took(len);
        return off;
      }
    }
    const off = this.#top;
    if (off + len > this.#limit) throw this.#exhausted(bytes);
    this.#top = off + len;
    this.#grow(this.#top);
    this.#live.set(off, len);
    this.#took(len);
    return off;
  }

  /**
   * OUT_OF_MEMORY with the advice that can help: raising LAMELLAR_HEAP_SIZE helps only below its
   * cap; a request larger than the cap can never fit on one PE, whatever the setting.
   */
  #exhausted(bytes: number): LamellarError {
    const limit = this.#capacity;
    const cap = `LAMELLAR_HEAP_SIZE is at most ${MAX_HEAP_SIZE} bytes (4 GiB)`;
    let msg: string;
    if (bytes > MAX_HEAP_SIZE || (bytes > limit && this.#setting >= MAX_HEAP_SIZE)) {
      msg = `${bytes} bytes requested on this PE, more than one PE's memory-region heap can hold (${cap}): spread the data over more PEs, or make it smaller`;
    } else if (bytes > limit) {
      msg = `${bytes} bytes requested on this PE, more than its memory-region heap of ${limit} bytes (raise LAMELLAR_HEAP_SIZE; ${cap})`;
    } else {
      const fix = this.#setting < MAX_HEAP_SIZE ? `raise LAMELLAR_HEAP_SIZE (${cap})` : `LAMELLAR_HEAP_SIZE is already at its ${MAX_HEAP_SIZE}-byte (4 GiB) cap: use more PEs or smaller arrays`;
      msg = `memory-region heap exhausted: ${bytes} bytes requested, ${this.bytesInUse} of ${limit} in use (drop regions and arrays no longer needed, or ${fix})`;
    }
    return new LamellarError(ErrorCode.OUT_OF_MEMORY, msg, { details: { requested: bytes, limit, inUse: this.bytesInUse, max: MAX_HEAP_SIZE } });
  }

  /** Returns the block's length, so callers can scrub it. */
  free(off: number): number {
    const len = this.#live.get(off);
    if (len === undefined) throw new LamellarError(ErrorCode.INTERNAL, `heap free of unknown offset ${off}`);
    this.#live.delete(off);
    this.#inUse -= len;
    let lo = 0;
    let hi = this.#free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#free[mid]!.off < off) lo = mid + 1;
      else hi = mid;
    }
    this.#free.splice(lo, 0, { off, len });
    const next = this.#free[lo + 1];
    if (next && off + len === next.off) {
      this.#free[lo]!.len += next.len;
      this.#free.splice(lo + 1, 1);
    }
    const prev = this.#free[lo - 1];
    if (prev && prev.off + prev.len === off) {
      prev.len += this.#free[lo]!.len;
      this.#free.splice(lo, 1);
    }
    const last = this.#free[this.#free.length - 1];
    if (last && last.off + last.len === this.#top) {
      this.#top = last.off;
      this.#free.pop();
    }
    return len;
  }

  sizeOf(off: number): number | undefined {
    return this.#live.get(off);
  }
}
