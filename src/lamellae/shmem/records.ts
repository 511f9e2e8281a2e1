/**
 * Incoming shmem ring records, checked and turned into whole frames. A frame arrives as one
 * record (F_WHOLE), as parts (F_FIRST carrying the total size, F_MID..., F_LAST; joined by the
 * lamellae's common FrameAssembler), or as a descriptor of a block in the sender's heap (F_HEAP:
 * [u32 addr][u32 len]); F_FREE hands a staging block back to its sender.
 *
 * A record that breaks this format (an unknown flag, a part out of sequence or past the declared
 * total, a whole frame while parts of another are open, a descriptor of the wrong size or outside
 * the sender's heap) throws PROTOCOL naming the sender, before any memory is set aside for it.
 * The PEs of a shmem job are threads running the same code, so such a record means a runtime bug
 * or corrupted memory: the job stops with that error instead of decoding garbage.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import { F_FIRST, F_FREE, F_HEAP, F_LAST, F_MID, F_WHOLE, FrameAssembler } from '../common/index.js';

export interface RecordSink {
  /**
   * A whole frame from `src`; the view is valid only during the call. With `holdable` (the frame
   * lies in the ring or the sender's heap) the sink may return false: the record is left unread
   * and offered again later. `seen`: it was offered before or shown to `scan`.
   */
  frame(src: number, frame: Uint8Array, holdable: boolean, seen: boolean): boolean;
  /**
   * Whether a frame from `src` offered now would be taken. A frame in parts starts only then:
   * its parts cannot be offered again once joined, and one sender's large frames must not go on
   * being taken (copied to wait) while every other sender's whole frames are refused.
   */
  accepting(src: number): boolean;
  /** A whole frame that waits unread behind a refused one, seen once (HoldHooks.scan). */
  scan(src: number, frame: Uint8Array): void;
  /** PE `src`'s heap, where its F_HEAP blocks live. */
  heap(src: number): Uint8Array;
  /** The frame of a descriptor from `src` at `addr` was handled: return the block. */
  release(src: number, addr: number): void;
  /** `src` returned this PE's staging block at `addr`. */
  unstage(addr: number): void;
}

export class RecordAssembler {
  readonly #sink: RecordSink;
  readonly #parts: FrameAssembler;
  /** Per sender: a frame in parts is open (a whole frame or descriptor may not come between). */
  readonly #open: Uint8Array;

  constructor(numPes: number, sink: RecordSink, maxFrame = 2 ** 32 - 1, who = 'this PE') {
    this.#sink = sink;
    this.#parts = new FrameAssembler(numPes, maxFrame, who);
    this.#open = new Uint8Array(numPes);
  }

  /**
   * Handles one record; false: its frame was refused for now, so the record stays unread. With
   * `hold` false nothing is refused: a frame that must wait is copied. `seen`: the ring offered
   * this record before, or showed it to `peek`.
   */
  record(src: number, view: Uint8Array, flags: number, hold = true, seen = false): boolean {
    if (flags === F_WHOLE) {
      if (this.#open[src] !== 0) this.#bad(src, 'a whole frame in the middle of a frame in parts');
      return this.#sink.frame(src, view, hold, seen);
    }
    if (flags === F_HEAP || flags === F_FREE) {
      if (view.length !== 8) this.#bad(src, `a ${flags === F_HEAP ? 'heap descriptor' : 'free record'} of ${view.length} bytes, not 8`);
      const dv = new DataView(view.buffer, view.byteOffset, 8);
      const addr = dv.getUint32(0, true);
      if (flags === F_FREE) {
        this.#sink.unstage(addr);
        return true;
      }
      const len = dv.getUint32(4, true);
      const heap = this.#sink.heap(src);
      if (addr === 0 || addr + len > heap.length) this.#bad(src, `a heap frame [${addr}, ${addr + len}) outside its heap of ${heap.length} bytes`);
      let taken = true;
      try {
        // Zero-copy: the engine decodes straight out of the sender's heap.
        taken = this.#sink.frame(src, heap.subarray(addr, addr + len), hold, seen);
      } finally {
        // A refused frame keeps its block until it is offered again.
        if (taken) this.#sink.release(src, addr);
      }
      return taken;
    }
    if (flags === F_FIRST) {
      if (view.length < 8) this.#bad(src, `a first part of ${view.length} bytes`);
      if (hold && this.#open[src] === 0 && !this.#sink.accepting(src)) return false;
      this.#parts.first(src, new DataView(view.buffer, view.byteOffset, 8).getUint32(0, true), view.subarray(8));
      this.#open[src] = 1;
      return true;
    }
    if (flags !== F_MID && flags !== F_LAST) this.#bad(src, `a record with flags ${flags}`);
    const whole = this.#parts.next(src, view, flags === F_LAST);
    if (whole === undefined) return true;
    this.#open[src] = 0;
    // Joined parts cannot be offered again: the sink takes (copies) it if it must wait now.
    return this.#sink.frame(src, whole, false, false);
  }

  /**
   * A record behind a refused one, left unread: whole frames and frames in the sender's heap are
   * shown to the sink's scan (a malformed descriptor is left to `record`, which refuses it in
   * turn); parts and control records are not.
   */
  peek(src: number, view: Uint8Array, flags: number): void {
    if (flags === F_WHOLE) {
      this.#sink.scan(src, view);
      return;
    }
    if (flags !== F_HEAP || view.length !== 8) return;
    const dv = new DataView(view.buffer, view.byteOffset, 8);
    const addr = dv.getUint32(0, true);
    const len = dv.getUint32(4, true);
    const heap = this.#sink.heap(src);
    if (addr !== 0 && addr + len <= heap.length) this.#sink.scan(src, heap.subarray(addr, addr + len));
  }

  #bad(src: number, what: string): never {
    throw new LamellarError(ErrorCode.PROTOCOL, `corrupt shmem ring record from PE ${src}: ${what}`, { details: { pe: src } });
  }
}
