/**
 * Incoming shmem ring records, checked and turned into whole frames. A frame arrives as one
 * record (F_WHOLE), as parts (F_FIRST carrying the total size, F_MID..., F_LAST), or as a
 * descriptor of a block in the sender's heap (F_HEAP: [u32 addr][u32 len]); F_FREE hands a
 * staging block back to its sender.
 *
 * A record that breaks this format (an unknown flag, a part out of sequence or past the declared
 * total, a descriptor outside the sender's heap) throws PROTOCOL naming the sender, before any
 * memory is set aside for it. The PEs of a shmem job are threads running the same code, so such
 * a record means a runtime bug or corrupted memory: the job stops with that error instead of
 * decoding garbage.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import { F_FIRST, F_FREE, F_HEAP, F_LAST, F_MID, F_WHOLE } from '../../core/ring.js';

export interface RecordSink {
  /** A whole frame from `src`; the view is valid only during the call. */
  frame(src: number, frame: Uint8Array): void;
  /** PE `src`'s heap, where its F_HEAP blocks live. */
  heap(src: number): Uint8Array;
  /** The frame of a descriptor from `src` at `addr` was handled: return the block. */
  release(src: number, addr: number): void;
  /** `src` returned this PE's staging block at `addr`. */
  unstage(addr: number): void;
}

/** A frame above this is refused (a u32 size cannot say more). */
export const MAX_ASSEMBLED = 2 ** 32 - 1;

export class RecordAssembler {
  readonly #sink: RecordSink;
  readonly #maxFrame: number;
  readonly #parts: ({ buf: Uint8Array; off: number } | undefined)[];

  constructor(numPes: number, sink: RecordSink, maxFrame = MAX_ASSEMBLED) {
    this.#sink = sink;
    this.#maxFrame = maxFrame;
    this.#parts = new Array<{ buf: Uint8Array; off: number } | undefined>(numPes).fill(undefined);
  }

  record(src: number, view: Uint8Array, flags: number): void {
    if (flags === F_WHOLE) {
      if (this.#parts[src] !== undefined) this.#bad(src, 'a whole frame in the middle of a frame in parts');
      this.#sink.frame(src, view);
      return;
    }
    if (flags === F_HEAP || flags === F_FREE) {
      if (view.length !== 8) this.#bad(src, `a ${flags === F_HEAP ? 'heap descriptor' : 'free record'} of ${view.length} bytes, not 8`);
      const dv = new DataView(view.buffer, view.byteOffset, 8);
      const addr = dv.getUint32(0, true);
      if (flags === F_FREE) {
        this.#sink.unstage(addr);
        return;
      }
      const len = dv.getUint32(4, true);
      const heap = this.#sink.heap(src);
      if (addr === 0 || addr + len > heap.length) this.#bad(src, `a heap frame [${addr}, ${addr + len}) outside its heap of ${heap.length} bytes`);
      try {
        // Zero-copy: the engine decodes straight out of the sender's heap.
        this.#sink.frame(src, heap.subarray(addr, addr + len));
      } finally {
        this.#sink.release(src, addr);
      }
      return;
    }
    if (flags === F_FIRST) {
      if (this.#parts[src] !== undefined) this.#bad(src, 'a first part in the middle of a frame in parts');
      if (view.length < 8) this.#bad(src, `a first part of ${view.length} bytes`);
      const total = new DataView(view.buffer, view.byteOffset, 8).getUint32(0, true);
      const have = view.length - 8;
      if (total <= have || total > this.#maxFrame) this.#bad(src, `a frame in parts declaring ${total} bytes with ${have} in its first part`);
      const buf = new Uint8Array(total);
      buf.set(view.subarray(8));
      this.#parts[src] = { buf, off: have };
      return;
    }
    if (flags !== F_MID && flags !== F_LAST) this.#bad(src, `a record with flags ${flags}`);
    const a = this.#parts[src];
    if (a === undefined) this.#bad(src, `a ${flags === F_MID ? 'middle' : 'last'} part with no frame in progress`);
    const end = a.off + view.length;
    if (flags === F_MID ? end >= a.buf.length : end !== a.buf.length) {
      this.#bad(src, `a ${flags === F_MID ? 'middle' : 'last'} part ending at byte ${end} of a ${a.buf.length}-byte frame`);
    }
    a.buf.set(view, a.off);
    a.off = end;
    if (flags === F_LAST) {
      this.#parts[src] = undefined;
      this.#sink.frame(src, a.buf);
    }
  }

  #bad(src: number, what: string): never {
    this.#parts[src] = undefined;
    throw new LamellarError(ErrorCode.PROTOCOL, `corrupt shmem ring record from PE ${src}: ${what}`, { details: { pe: src } });
  }
}
