/**
 * A single-producer/single-consumer byte ring in a SharedArrayBuffer. The shmem lamella keeps one
 * per ordered PE pair; the tcp lamella one each way between a PE's main thread and its network
 * thread.
 *
 * Layout of one ring at byte offset `base` (each counter on its own cache line, so the producer
 * and consumer do not false-share):
 *   base+0    head: bytes consumed, a free-running i32 (written by the consumer only)
 *   base+64   tail: bytes produced, a free-running i32 (written by the producer only)
 *   base+128  producerWaiting: 1 while the producer holds frames it could not fit
 *   base+192  data: `cap` bytes, cap a power of two
 * Positions are `counter & (cap - 1)`; `(tail - head) >>> 0` is the bytes in use, correct across
 * i32 wrap-around because cap < 2^31.
 *
 * Record: [u32 len][u32 flags][payload, padded to 8]. Records never straddle the end: a record
 * that would is preceded by a WRAP record that fills the rest of the data area.
 *
 * Memory ordering: the producer writes the record with plain stores and then publishes it with
 * Atomics.store(tail); the consumer reads tail with Atomics.load before reading the record, so
 * the plain stores are visible (the atomic pair synchronizes). Symmetrically for head, which
 * hands space back to the producer only after the consumer is done with the bytes. Payloads are
 * copied in with `copyBytes` (one libc memcpy from 4 KiB up): `TypedArray.set` into shared memory
 * copies word by word with relaxed atomics (core/copy.ts), and the memcpy is just as ordered by
 * the tail store that follows.
 */
import { copyBytes } from '../../core/copy.js';

export const RING_HEADER = 192;
const HEAD = 0;
const TAIL = 64;
const WAITING = 128;

/** Record flags. A frame larger than one chunk travels as FIRST, MID..., LAST. */
export const F_WHOLE = 0;
export const F_FIRST = 1;
export const F_MID = 2;
export const F_LAST = 4;
const F_WRAP = 8;
/** shmem: the record is [u32 addr][u32 len]: the frame sits in the sender's heap at addr. */
export const F_HEAP = 16;
/** shmem control, receiver to sender: [u32 addr] of an F_HEAP block it may free now. */
export const F_FREE = 32;

export class RingEnd {
  readonly #i32: Int32Array;
  readonly #u32: Uint32Array;
  readonly #u8: Uint8Array;
  readonly #headIdx: number;
  readonly #tailIdx: number;
  readonly #waitIdx: number;
  readonly #data: number;
  readonly cap: number;
  readonly #mask: number;
  /** Largest payload one record may carry; bigger frames are split. */
  readonly maxChunk: number;

  constructor(sab: SharedArrayBuffer, base: number, cap: number) {
    this.#i32 = new Int32Array(sab);
    this.#u32 = new Uint32Array(sab);
    this.#u8 = new Uint8Array(sab);
    this.#headIdx = (base + HEAD) >>> 2;
    this.#tailIdx = (base + TAIL) >>> 2;
    this.#waitIdx = (base + WAITING) >>> 2;
    this.#data = base + RING_HEADER;
    this.cap = cap;
    this.#mask = cap - 1;
    // A chunk of at most cap/4 always fits into an empty ring, wherever the counters stand.
    this.maxChunk = cap / 4 - 8;
  }

  // ---- producer side ----

  /** The tail to publish once the record `#reserve` placed is written. */
  #nextTail = 0;

  /**
   * Places a record of `len` payload bytes: writes a WRAP record first if it would straddle the
   * end, writes its header, and returns the byte offset of its payload; -1 if the ring is full
   * (then nothing is written). The caller fills the payload and calls `#publish`.
   */
  #reserve(len: number, flags: number): number {
    const need = 8 + ((len + 7) & ~7);
    let tail = this.#i32[this.#tailIdx]!;
    const used = (tail - Atomics.load(this.#i32, this.#headIdx)) >>> 0;
    let pos = tail & this.#mask;
    const contiguous = this.cap - pos;
    if (need > contiguous) {
      if (used + contiguous + need > this.cap) return -1;
      const at = (this.#data + pos) >>> 2;
      this.#u32[at] = 0;
      this.#u32[at + 1] = F_WRAP;
      tail = (tail + contiguous) | 0;
      pos = 0;
    } else if (used + need > this.cap) {
      return -1;
    }
    const at = this.#data + pos;
    this.#u32[at >>> 2] = len;
    this.#u32[(at >>> 2) + 1] = flags;
    this.#nextTail = (tail + need) | 0;
    return at + 8;
  }

  /** Makes the reserved record (and any WRAP before it) visible to the consumer. */
  #publish(): void {
    Atomics.store(this.#i32, this.#tailIdx, this.#nextTail);
  }

  /** Writes one record if it fits; returns false (and writes nothing) if the ring is full. */
  tryWrite(src: Uint8Array, flags: number, prefix?: number): boolean {
    const extra = prefix === undefined ? 0 : 8;
    const at = this.#reserve(src.length + extra, flags);
    if (at < 0) return false;
    if (prefix !== undefined) {
      this.#u32[at >>> 2] = prefix;
      this.#u32[(at >>> 2) + 1] = 0;
    }
    copyBytes(this.#u8, at + extra, src);
    this.#publish();
    return true;
  }

  /**
   * Writes one F_WHOLE record whose payload is `head` followed by `body`, if it fits; saves the
   * caller from joining a message header and its bytes first. Returns false if the ring is full.
   */
  tryWriteParts(head: Uint8Array, body: Uint8Array | undefined): boolean {
    const at = this.#reserve(head.length + (body === undefined ? 0 : body.length), F_WHOLE);
    if (at < 0) return false;
    copyBytes(this.#u8, at, head);
    if (body !== undefined) copyBytes(this.#u8, at + head.length, body);
    this.#publish();
    return true;
  }

  /**
   * Writes one F_WHOLE record whose payload is the concatenation of `parts` (`len` bytes in
   * all), if it fits; returns false (and writes nothing) if the ring is full.
   */
  tryWriteGather(parts: readonly Uint8Array[], len: number): boolean {
    let at = this.#reserve(len, F_WHOLE);
    if (at < 0) return false;
    for (let i = 0; i < parts.length; i++) {
      copyBytes(this.#u8, at, parts[i]!);
      at += parts[i]!.length;
    }
    this.#publish();
    return true;
  }

  /** Producer: announce that frames are waiting for space. */
  setWaiting(): void {
    Atomics.store(this.#i32, this.#waitIdx, 1);
  }

  // ---- consumer side ----

  /**
   * Consumer: records up to here (a free-running counter) were already offered and refused, or
   * shown to `peek`; drain passes `seen` for them, so their out-of-turn records are not looked
   * for again each time they are offered.
   */
  #peeked = 0;

  /**
   * Shows `peek` each record after the refused one at `head`, up to `tail`, once: records stay
   * where they are until drained, so those seen on an earlier call are skipped.
   */
  #peekAfter(head: number, tail: number, peek: (view: Uint8Array, flags: number) => void): void {
    let pos = (head + 8 + ((this.#u32[(this.#data + (head & this.#mask)) >>> 2]! + 7) & ~7)) | 0;
    // The watermark counts only while it lies between pos and tail (unsigned distances: the
    // counters wrap). Once the head has passed it, or after gigabytes without a refusal, it does
    // not, and every record from pos is shown.
    const mark = this.#peeked;
    if (mark !== pos && (mark - pos) >>> 0 <= (tail - pos) >>> 0) pos = mark;
    while (pos !== tail) {
      const at = this.#data + (pos & this.#mask);
      const len = this.#u32[at >>> 2]!;
      const flags = this.#u32[(at >>> 2) + 1]!;
      if (flags === F_WRAP) {
        pos = (pos + (this.cap - (pos & this.#mask))) | 0;
        continue;
      }
      peek(this.#u8.subarray(at + 8, at + 8 + len), flags);
      pos = (pos + 8 + ((len + 7) & ~7)) | 0;
    }
    this.#peeked = tail;
  }

  /** Consumer: whether the producer has frames waiting for space (its flag, left as it is). */
  producerWaits(): boolean {
    return Atomics.load(this.#i32, this.#waitIdx) === 1;
  }

  hasData(): boolean {
    return Atomics.load(this.#i32, this.#tailIdx) !== this.#i32[this.#headIdx];
  }

  /**
   * Hands each record to `each(view, flags, seen)`; the view is valid only during the call.
   * `seen`: this record was refused before, or shown to `peek`. Space is returned to the
   * producer record by record. If `each` returns false the record is left in the ring, unread,
   * and draining stops (a consumer that cannot take more yet). Returns the
   * number of records read, whether the producer was waiting for space (the caller then
   * wakes it), and whether draining stopped at a record left unread (`held`).
   */
  drain(
    each: (view: Uint8Array, flags: number, seen: boolean) => boolean | void,
    peek?: (view: Uint8Array, flags: number) => void,
  ): { records: number; producerWaiting: boolean; held: boolean } {
    let head = this.#i32[this.#headIdx]!;
    const start = head;
    const tail = Atomics.load(this.#i32, this.#tailIdx);
    let records = 0;
    while (head !== tail) {
      const pos = head & this.#mask;
      const at = this.#data + pos;
      const len = this.#u32[at >>> 2]!;
      const flags = this.#u32[(at >>> 2) + 1]!;
      if (flags === F_WRAP) {
        head = (head + (this.cap - pos)) | 0;
        Atomics.store(this.#i32, this.#headIdx, head);
        continue;
      }
      // The watermark lies after this record and no further than the tail: it was shown before
      // (the same unsigned-distance test as #peekAfter's, so a stale watermark counts for none).
      const mark = this.#peeked;
      const seen = mark !== head && (mark - head) >>> 0 <= (tail - head) >>> 0;
      let taken: boolean | void = true;
      try {
        taken = each(this.#u8.subarray(at + 8, at + 8 + len), flags, seen);
      } finally {
        if (taken !== false) {
          head = (head + 8 + ((len + 7) & ~7)) | 0;
          Atomics.store(this.#i32, this.#headIdx, head);
        }
      }
      if (taken === false) {
        if (peek !== undefined) this.#peekAfter(head, tail, peek);
        else if (!seen) this.#peeked = (head + 8 + ((len + 7) & ~7)) | 0;
        break;
      }
      records++;
    }
    // Emptied: nothing here was shown. The watermark moves along, so that it never lies 2^32
    // bytes behind and then, the counters having wrapped, between head and tail again (records
    // never scanned would pass as seen).
    if (head === tail) this.#peeked = head;
    // Only space made is worth telling a waiting producer about: a drain that read nothing (its
    // first record refused) leaves the flag for the drain that does.
    const moved = head !== start;
    const producerWaiting = moved && Atomics.load(this.#i32, this.#waitIdx) === 1;
    if (producerWaiting) Atomics.store(this.#i32, this.#waitIdx, 0);
    return { records, producerWaiting, held: head !== tail };
  }
}
