/**
 * Bounds-checked input cursor over [pos, end) of a byte view. The view may sit on a
 * SharedArrayBuffer ring, so nothing handed out aliases it: `bytes()` and everything the
 * decoder builds are copies, because the frame memory is reused once decoding is done.
 *
 * Every read checks against `end` (not the view's length: a frame is usually a slice of a larger
 * ring), and running past it throws DESERIALIZE rather than reading garbage or a RangeError.
 */
import { copyBytes, ErrorCode, LARGE_BUFFER, LamellarError, noteLargeBuffer } from '../core/index.js';
import { ASCII_SHORT_MAX, asciiShort, nodeBufferOf, utf8Slice } from './utf8.js';

export function deserializeError(message: string, offset: number): LamellarError {
  return new LamellarError(ErrorCode.DESERIALIZE, `cannot decode: ${message} (at byte offset ${offset})`, {
    details: { offset },
  });
}

/*
 * Constructing a DataView costs ~110 ns in Node 20, as much as decoding a small object. So `dv`
 * is made on first use (a frame of small AMs that needs no u16/u32/f64 read makes none), and
 * reused when the next Reader is over the very same Uint8Array object (an identity check:
 * comparing `.buffer`/`.byteOffset` instead costs as much as it saves). Ring records arrive as a
 * fresh subarray each, so the AM engine's frames do not hit this; repeated decodes of one array
 * do. It pins at most one view.
 */
let lastBuf: Uint8Array | undefined;
let lastDv: DataView | undefined;

function dataViewOn(buf: Uint8Array): DataView {
  if (buf !== lastBuf || lastDv === undefined) {
    lastDv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    lastBuf = buf;
  }
  return lastDv;
}

export class Reader {
  buf: Uint8Array;
  pos: number;
  end: number;
  /** Buffer view on `buf`'s memory for native UTF-8 decoding, made on first use. */
  nb: Buffer | undefined;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    if (!Number.isInteger(pos) || !Number.isInteger(end) || pos < 0 || pos > end || end > buf.length) {
      throw new LamellarError(
        ErrorCode.INVALID_ARGUMENT,
        `Reader range [${pos}, ${end}) is not inside a buffer of ${buf.length} bytes`,
        { details: { pos, end, length: buf.length } },
      );
    }
    // A Buffer (or other subclass) would make `slice` alias instead of copy; use a plain view.
    this.buf = Object.getPrototypeOf(buf) === Uint8Array.prototype ? buf : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.end = end;
    this.nb = undefined;
    this.#dv = undefined;
  }

  #dv: DataView | undefined;

  /** DataView on the same memory as `buf`, at the same offsets. */
  get dv(): DataView {
    return (this.#dv ??= dataViewOn(this.buf));
  }

  /** Throws DESERIALIZE unless `n` more bytes are available; returns the current position. */
  need(n: number): number {
    const p = this.pos;
    if (p + n > this.end) {
      throw deserializeError(`truncated input: needed ${n} byte(s), ${this.end - p} left`, p);
    }
    return p;
  }

  u8(): number {
    const p = this.pos;
    if (p >= this.end) throw deserializeError('truncated input: needed 1 byte, 0 left', p);
    this.pos = p + 1;
    return this.buf[p]!;
  }

  u16(): number {
    const p = this.need(2);
    this.pos = p + 2;
    return this.dv.getUint16(p, true);
  }

  u32(): number {
    const p = this.need(4);
    this.pos = p + 4;
    return this.dv.getUint32(p, true);
  }

  i32(): number {
    const p = this.need(4);
    this.pos = p + 4;
    return this.dv.getInt32(p, true);
  }

  f64(): number {
    const p = this.need(8);
    this.pos = p + 8;
    return this.dv.getFloat64(p, true);
  }

  /** A copy of the next `n` bytes, backed by its own (non-shared) ArrayBuffer of exactly n bytes. */
  bytes(n: number): Uint8Array {
    const p = this.need(n);
    this.pos = p + n;
    if (n < 4096) return this.buf.slice(p, p + n);
    // Large payloads (typed-array AM arguments): uninitialised memory that the copy overwrites
    // entirely, which skips the zero-fill `slice` pays (measured 6.6 -> 10.9 GB/s at 1 MiB).
    // allocUnsafeSlow never pools, so the ArrayBuffer is this array's alone. The copy is a libc
    // memcpy (copyBytes): out of a shared ring, `set` copies word by word with relaxed atomics,
    // and byte by byte when the two sides are differently aligned, as a typed array in a frame
    // usually is (1.6 GB/s at 1 MiB).
    const out = new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
    copyBytes(out, 0, this.buf.subarray(p, p + n));
    // A stream of these is what V8's background sweeping falls behind on (core/gc.ts).
    if (n >= LARGE_BUFFER) noteLargeBuffer(n);
    return out;
  }

  /** u32 byte length, then UTF-8 (the format `Writer.str` writes). */
  str(): string {
    return this.utf8(this.u32());
  }

  /** Decodes the next `n` bytes as UTF-8. */
  utf8(n: number): string {
    const p = this.need(n);
    this.pos = p + n;
    if (n <= ASCII_SHORT_MAX) {
      const s = asciiShort(this.buf, p, n);
      if (s !== null) return s;
    }
    return utf8Slice((this.nb ??= nodeBufferOf(this.buf)), p, p + n);
  }
}
