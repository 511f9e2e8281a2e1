/**
 * Aggregation: one Writer per destination PE, which the engine's launches and replies append
 * records to. A Writer is flushed as one frame when it passes LAMELLAR_AM_SIZE_THRESHOLD (so a
 * large AM goes out at once) or when the current turn of work ends: the first record written
 * while no flush is queued queues one microtask that flushes every dirty buffer. A synchronous
 * loop of a million launches therefore becomes frames of thousands of AMs, and an `await` right
 * after a launch sends it straight away. The replies of AMs that finish asynchronously while
 * others still run wait until a few microtasks pass without a new record (`beginLate`).
 *
 * Usage per record: `begin(pe)` gives the destination's Writer, the caller writes the record
 * (rewinding to where it started if encoding fails), and `end(pe, w)` sends the frame if the
 * record took it past the threshold.
 */
import { channels, ErrorCode, LamellarError } from '../core/index.js';
import type { Lamella } from '../lamellae/types.js';
import { Writer } from '../serde/index.js';
import { REPLY_UNITS } from './wire.js';

/** Typed arrays and ArrayBuffers from this size up are sent by reference (Writer.gatherMin). */
const GATHER_MIN = 64 << 10;
/**
 * Microtasks without a new record after which a late flush sends (beginLate). A chain of AMs on
 * one lock adds a reply every two or three, so this leaves room for an AM body with a few awaits
 * more.
 */
const LATE_IDLE = 8;
/** Microtasks after which a late flush sends however busy the turn is: about 80 replies of such a chain. */
const LATE_MAX = 256;
/** Or once this long has passed since its first record (AMs that compute under the lock). */
const LATE_MAX_MS = 1;

export class Outbox {
  readonly #lamella: Lamella;
  readonly #threshold: number;
  /**
   * The largest record that always fits in a frame: a buffer is flushed once it passes the
   * threshold, so a frame is at most threshold + one record.
   */
  readonly maxRecord: number;
  readonly #out: Writer[];
  /** Initial (and shrunk-back) capacity of each destination's Writer. */
  readonly #outCap: number;
  readonly #dirty: number[] = [];
  readonly #isDirty: Uint8Array;
  /** Per destination: where the open REPLY_UNITS record's count sits in its Writer (-1: none), and the id that would extend it. */
  readonly #runAt: Int32Array;
  readonly #runNext: Float64Array;
  readonly #runCount: Uint32Array;
  #flushQueued = false;
  /** Records begun so far: the late flush waits while this moves. */
  #records = 0;
  #lateQueued = false;
  #lateSeen = 0;
  #lateIdle = 0;
  #lateHops = 0;
  #lateStart = 0;

  constructor(lamella: Lamella, threshold: number) {
    this.#lamella = lamella;
    const numPes = lamella.numPes;
    this.#threshold = threshold;
    this.maxRecord = lamella.maxFrame - threshold - 64;
    this.#outCap = Math.min(threshold * 2, 1 << 16);
    // Each buffer goes out whole as one frame, so a handle carried by many of its AMs is written
    // in full once and then as a back-reference (serde's REF_AGAIN).
    // A lamella that takes frames in pieces gets a large typed array's bytes by reference: they
    // are copied once, into its shared memory, instead of into the Writer first. A run that large
    // always passes the threshold, so its frame leaves (and is copied) before the launch returns
    // and the caller could change the array.
    const gatherMin = lamella.sendParts === undefined ? Number.POSITIVE_INFINITY : Math.max(GATHER_MIN, threshold);
    this.#out = Array.from({ length: numPes }, () => {
      const w = new Writer(this.#outCap);
      w.backRefs = true;
      w.gatherMin = gatherMin;
      return w;
    });
    this.#isDirty = new Uint8Array(numPes);
    this.#runAt = new Int32Array(numPes).fill(-1);
    this.#runNext = new Float64Array(numPes);
    this.#runCount = new Uint32Array(numPes);
  }

  /** The Writer for a record to `pe`; queues the flush microtask if none is queued. */
  begin(pe: number): Writer {
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.flush);
    }
    return this.#writer(pe);
  }

  #writer(pe: number): Writer {
    this.#records++;
    if (this.#isDirty[pe] === 0) {
      this.#isDirty[pe] = 1;
      this.#dirty.push(pe);
    }
    return this.#out[pe]!;
  }

  /**
   * As `begin`, for a record that more are likely to follow within a few microtasks (the reply
   * of an AM that finished asynchronously while others still run): the buffer goes out once a few
   * microtasks pass without a new record, instead of in the next microtask. A chain of AMs
   * waiting for one lock finishes one AM every few microtasks, and flushing each reply as a frame
   * of its own cost 2.5 µs per AM more than the same AMs finishing at once.
   */
  beginLate(pe: number): Writer {
    if (!this.#lateQueued) {
      this.#lateQueued = true;
      this.#lateSeen = this.#records;
      this.#lateIdle = 0;
      this.#lateHops = 0;
      this.#lateStart = performance.now();
      queueMicrotask(this.#lateStep);
    }
    return this.#writer(pe);
  }

  /**
   * One microtask of the late flush's wait: it ends, flushing, after LATE_IDLE microtasks without
   * a new record, or after LATE_MAX in all or LATE_MAX_MS (the wait is short and bounded, never a
   * timer).
   */
  readonly #lateStep = (): void => {
    if (this.#records !== this.#lateSeen) {
      this.#lateSeen = this.#records;
      this.#lateIdle = 0;
    } else this.#lateIdle++;
    if (this.#lateIdle < LATE_IDLE && ++this.#lateHops < LATE_MAX && performance.now() - this.#lateStart < LATE_MAX_MS) {
      queueMicrotask(this.#lateStep);
      return;
    }
    this.#lateQueued = false;
    this.flush();
  };

  /** After a record to `pe`: sends the buffer now if it passed the threshold or holds gathered parts. */
  end(pe: number, w: Writer): void {
    if (w.pos >= this.#threshold || w.gathered.length > 0) this.#send(pe, w);
  }

  /** Throws FRAME_TOO_LARGE if a record of `bytes` may not fit in a frame. */
  checkSize(bytes: number, what: string): void {
    if (bytes > this.maxRecord) {
      throw new LamellarError(
        ErrorCode.FRAME_TOO_LARGE,
        `${what} would be ${bytes} bytes, more than this lamella carries in one frame (LAMELLAR_MAX_FRAME minus the aggregation threshold and a 64-byte frame header: ${this.maxRecord} bytes)`,
        { details: { bytes, max: this.maxRecord } },
      );
    }
  }

  /**
   * Writes "request `reqId` returned nothing" into `w`, the Writer for `pe`: extends the buffer's
   * open REPLY_UNITS record in place when `reqId` follows its last id, else opens a new one. The
   * run ends when the buffer is sent.
   */
  unitReply(w: Writer, pe: number, reqId: number): void {
    const at = this.#runAt[pe]!;
    if (at >= 0 && this.#runNext[pe] === reqId) {
      w.patchU32(at, ++this.#runCount[pe]!);
    } else {
      w.u8(REPLY_UNITS);
      w.u32(reqId);
      this.#runAt[pe] = w.reserveU32();
      this.#runCount[pe] = 1;
      w.patchU32(this.#runAt[pe]!, 1);
    }
    this.#runNext[pe] = (reqId + 1) >>> 0;
  }

  #send(pe: number, w: Writer): void {
    this.#runAt[pe] = -1;
    const bytes = w.pos;
    if (bytes === 0) return;
    if (channels.frameSend.hasSubscribers) channels.frameSend.publish({ pe, bytes });
    if (w.gathered.length === 0) this.#lamella.send(pe, w.view());
    else this.#lamella.sendParts!(pe, w.parts(), bytes);
    w.reset();
    // A Writer grown for a large AM would otherwise keep that memory for good (one per
    // destination); it gives it back at the first ordinary frame after, so a stream of large
    // AMs keeps its buffer and an occasional one costs one allocation.
    if (bytes <= this.#threshold && w.capacity > 4 * this.#outCap) w.shrink(this.#outCap);
  }

  /** Sends every buffered record now. */
  readonly flush = (): void => {
    this.#flushQueued = false;
    const dirty = this.#dirty;
    if (dirty.length === 0) return;
    for (let i = 0; i < dirty.length; i++) {
      const pe = dirty[i]!;
      this.#isDirty[pe] = 0;
      this.#send(pe, this.#out[pe]!);
    }
    dirty.length = 0;
    this.#lamella.sendsDone();
  };
}
