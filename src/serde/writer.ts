/**
 * Growable output buffer. Fields are public so the encoder (and the AM engine writing frame
 * headers) can write bytes without a call per byte; everything is little-endian. Growing
 * replaces `buf`, `dv` and `nb`, so re-read them after any call that may write; only `pos` may be
 * assigned from outside, to move forward; a rewind goes through `rewind`, which also forgets a
 * back-reference target it cuts off.
 */

import { copyBytes } from '../core/index.js';
import type { RefCodec } from './refs.js';
import { nodeBufferOf, utf8Write } from './utf8.js';

/** From this capacity up, `grow` skips the zero-fill. */
const GROW_UNINITIALISED = 1 << 20;

export class Writer {
  buf: Uint8Array;
  dv: DataView;
  pos: number;
  /**
   * Same memory as `buf`, for native UTF-8 encoding. Kept separate so `buf` stays a plain
   * Uint8Array.
   */
  nb: Buffer;
  /**
   * Whether this writer's contents travel as one frame from offset 0 (the engine's aggregation
   * buffers): then a runtime reference written twice is written the second time as REF_AGAIN,
   * the offset of the first (tags.ts).
   */
  backRefs = false;
  /**
   * The last reference written in full since the last reset or rewind before it, where, and its
   * codec (set only for codecs with `again`: the others are always written in full).
   */
  lastRef: object | undefined = undefined;
  lastRefAt = -1;
  /**
   * Where each REF_AGAIN of this frame was written, in order: an object of 16 keys and more
   * moves its body 4 bytes once its count is known (encode.ts), and the offsets such records
   * carry into the moved bytes move with them.
   */
  readonly againAt: number[] = [];
  lastRefCodec: RefCodec<unknown> | undefined = undefined;
  /**
   * What encoded values asked to run once the bytes are committed to a send (a handle made by
   * `clone()` is released then: it moves into the AM). The sender runs them after a successful
   * launch and clears them when the launch fails; `reset` clears them too.
   */
  afterSend: (() => void)[] | undefined = undefined;
  /**
   * Objects whose `afterSend` a launch does not want (a TypedAmGroup's static members, which
   * every message of the group carries): a clone among them is not moved by this send.
   */
  keep: ReadonlySet<object> | undefined = undefined;
  /**
   * Byte runs of at least this many bytes (typed arrays, ArrayBuffers) are not copied in but
   * recorded in `gathered`, leaving a hole of their size in `buf` (Infinity: always copy). Set
   * only by an owner that sends the contents with `parts()` before its caller can touch those
   * arrays again (the AM engine, when its lamella takes a frame in parts): a large AM then
   * crosses into shared memory with one copy instead of two.
   */
  gatherMin = Number.POSITIVE_INFINITY;
  /** Holes and their bytes, in order: position, view, position, view... */
  readonly gathered: (number | Uint8Array)[] = [];

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, Math.floor(initialCapacity));
    this.buf = new Uint8Array(cap);
    this.dv = new DataView(this.buf.buffer);
    this.nb = nodeBufferOf(this.buf);
    this.pos = 0;
  }

  /** Make room for `n` more bytes after `pos`. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(this.pos + n);
  }

  private grow(minCapacity: number): void {
    // Doubling, unless one write needs more: then that and an eighth more, not the next power
    // of two (an 8 MB typed array made a 16 MiB buffer).
    const cap = Math.max(this.buf.length * 2, minCapacity + (minCapacity >>> 3));
    // Large buffers come uninitialised: only bytes below `pos` are ever read, and zero-filling
    // (page faults included) cost more than the copy itself.
    const next = cap < GROW_UNINITIALISED ? new Uint8Array(cap) : new Uint8Array(Buffer.allocUnsafeSlow(cap).buffer, 0, cap);
    copyBytes(next, 0, this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = new DataView(next.buffer);
    this.nb = nodeBufferOf(next);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.dv.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.dv.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  i32(v: number): void {
    this.ensure(4);
    this.dv.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.dv.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /**
   * Writes `src` at `pos`: copied if shorter than `gatherMin`, else recorded by reference (the
   * bytes in `buf` stay unwritten until `parts()`).
   */
  run(src: Uint8Array): void {
    if (src.length < this.gatherMin) {
      this.bytes(src);
      return;
    }
    this.ensure(src.length);
    this.gathered.push(this.pos, src);
    this.pos += src.length;
  }

  /**
   * The contents as the views to send one after another: pieces of `buf` between the gathered
   * runs, and the runs themselves. Valid until the next write or reset, like `view()`.
   */
  parts(): Uint8Array[] {
    const g = this.gathered;
    const out: Uint8Array[] = [];
    let at = 0;
    for (let i = 0; i < g.length; i += 2) {
      const p = g[i] as number;
      const run = g[i + 1] as Uint8Array;
      if (p > at) out.push(this.buf.subarray(at, p));
      out.push(run);
      at = p + run.length;
    }
    if (this.pos > at) out.push(this.buf.subarray(at, this.pos));
    return out;
  }

  /** Raw copy of `src` (one memcpy, also when `src` is shared memory). */
  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    copyBytes(this.buf, this.pos, src);
    this.pos += src.length;
  }

  /** u32 byte length, then the UTF-8 bytes. Read back with `Reader.str()`. */
  str(s: string): void {
    // Reserve the worst case (3 bytes per unit) unless the string is long enough to measure first.
    this.ensure(4 + (s.length > 4096 ? Buffer.byteLength(s, 'utf8') : s.length * 3));
    const n = this.utf8At(s, this.pos + 4);
    this.dv.setUint32(this.pos, n, true);
    this.pos += 4 + n;
  }

  /**
   * Writes `s` as UTF-8 at `at` without moving `pos` and returns the byte count. The caller must
   * have ensured room for it: `3 * s.length` bytes always suffice, as one UTF-16 unit never needs
   * more than 3 bytes (a surrogate pair is 2 units for 4 bytes). A lone surrogate is written as
   * U+FFFD, as every
   * UTF-8 encoder does, so such strings do not round-trip exactly.
   */
  utf8At(s: string, at: number): number {
    const n = s.length;
    if (n < 16) {
      // Native calls cost more than a short loop; most keys and tags are short ASCII.
      const buf = this.buf;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === n) return n;
    }
    return utf8Write(this.nb, s, at, this.buf.length - at);
  }

  /** Writes a u32 placeholder and returns its position, for `patchU32`. */
  reserveU32(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }

  patchU32(at: number, v: number): void {
    this.dv.setUint32(at, v, true);
  }

  /** Bytes the buffer holds before it must grow. */
  get capacity(): number {
    return this.buf.length;
  }

  /** When empty and larger than `capacity`, trades the buffer for one of `capacity` bytes. */
  shrink(capacity: number): void {
    if (this.pos !== 0 || this.buf.length <= capacity) return;
    this.buf = new Uint8Array(Math.max(16, Math.floor(capacity)));
    this.dv = new DataView(this.buf.buffer);
    this.nb = nodeBufferOf(this.buf);
  }

  /** Forget the contents; keeps the capacity. */
  reset(): void {
    this.pos = 0;
    this.lastRef = undefined;
    this.afterSend = undefined;
    this.gathered.length = 0;
    this.againAt.length = 0;
  }

  /** Moves back to `pos`, dropping what was written after it (a failed encode or launch). */
  rewind(pos: number): void {
    this.pos = pos;
    this.afterSend = undefined;
    if (this.lastRefAt >= pos) this.lastRef = undefined;
    const g = this.gathered;
    while (g.length > 0 && (g[g.length - 2] as number) >= pos) g.length -= 2;
    const a = this.againAt;
    while (a.length > 0 && a[a.length - 1]! >= pos) a.length--;
  }

  /**
   * The bytes written so far, as a view (no copy): valid until the next write or reset. Only
   * when nothing was gathered (else the holes read as stale bytes): see `parts()`.
   */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
