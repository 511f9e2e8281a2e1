/**
 * One authenticated connection to a peer PE, owned by the network thread: incoming bytes are cut
 * into messages, outgoing messages are batched.
 *
 * Receiving: a socket chunk usually holds many whole messages; those are handed on as views into
 * the chunk with no copy. Only a message split across chunks is gathered into a per-connection
 * buffer (reused, sized for the largest legal body). Each header is validated before its body is
 * awaited, so a bad length is rejected before any memory is committed for it.
 *
 * Sending: messages are copied into a 64 KiB batch; the owner flushes every dirty connection once
 * at the end of its turn, so a burst becomes a few large writes (one write per message caps TCP
 * near 0.2 M messages/s; 64 KiB batches reach millions). Large bodies go out as their own buffer.
 * Backpressure: when `socket.write` returns false we stop writing and queue until 'drain';
 * `backlog` (our queue plus the socket's) tells the owner when to stop pulling from the main
 * thread's ring, so a slow peer pushes back instead of filling memory.
 */
import type { Socket } from 'node:net';
import { copyBytes } from '../../core/copy.js';
import { ErrorCode, type ErrorCodeValue } from '../../core/errors.js';
import { H_LEN, H_PE, H_TYPE, HDR, LAST_TYPE } from './wire.js';

const BATCH = 64 * 1024;
const BIG = 16 * 1024;

export interface ConnOwner {
  /** A whole message: header at `hv`/`ho` (also as bytes in `hdr`), body in `body`. */
  onMessage(conn: Conn, hv: DataView, ho: number, hdr: Uint8Array, body: Uint8Array): void;
  /**
   * Where the body of a message that spans socket chunks should be gathered, if not in the
   * connection's own buffer: a put's bytes go straight to their place in the heap.
   */
  sinkFor(hv: DataView, ho: number, len: number): Uint8Array | undefined;
  /** A malformed message from an authenticated peer: the job must stop. */
  onMalformed(conn: Conn, code: ErrorCodeValue, message: string): void;
  onClosed(conn: Conn, error: Error | undefined): void;
  onDrain(conn: Conn): void;
}

export class Conn {
  readonly peer: number;
  readonly socket: Socket;
  readonly #owner: ConnOwner;
  readonly #maxBody: number;
  // receive state
  readonly #hdr = new Uint8Array(HDR);
  readonly #hv = new DataView(this.#hdr.buffer);
  #hdrHave = 0;
  #body: Uint8Array | undefined;
  #sink: Uint8Array | undefined;
  #bodyLen = 0;
  #bodyHave = 0;
  #inBody = false;
  #bad = false;
  // send state
  #batch: Buffer | undefined;
  #used = 0;
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #blocked = false;
  #paused = false;
  #finished = false;
  /** endAfterQueue() was called: end the socket when the queue has been written. */
  #ending = false;
  lastRecv = Date.now();
  lastSend = Date.now();
  /** The peer said goodbye: its close is expected. */
  leaving = false;
  /** The peer fell silent past LAMELLAR_PEER_TIMEOUT: an abort's linger does not wait for its side. */
  silent = false;
  closed = false;
  /** On the owner's list of connections to flush at the end of its turn. */
  dirty = false;
  /** Settles when the peer has ended its side (or the socket closed): nothing more will arrive. */
  readonly ended: Promise<void>;

  constructor(peer: number, socket: Socket, owner: ConnOwner, maxBody: number) {
    this.peer = peer;
    this.socket = socket;
    this.#owner = owner;
    this.#maxBody = maxBody;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => {
      this.#blocked = false;
      this.flush();
      this.#owner.onDrain(this);
    });
    let error: Error | undefined;
    let ended!: () => void;
    this.ended = new Promise<void>((resolve) => (ended = resolve));
    socket.once('end', ended);
    socket.on('error', (e: Error) => (error = e));
    socket.once('close', () => {
      this.closed = true;
      ended();
      this.#owner.onClosed(this, error);
    });
  }

  /** Feeds bytes that arrived with the end of the handshake, then starts reading. */
  start(rest: Buffer): void {
    if (rest.length > 0) this.#onData(rest);
    this.socket.resume();
  }

  // ---- receiving ----

  #onData(chunk: Buffer): void {
    this.lastRecv = Date.now();
    if (this.#bad) return;
    const n = chunk.length;
    const dv = new DataView(chunk.buffer, chunk.byteOffset, n);
    let pos = 0;
    while (pos < n && !this.#bad) {
      if (this.#inBody) {
        const take = Math.min(this.#bodyLen - this.#bodyHave, n - pos);
        const dst = this.#sink ?? this.#body!;
        copyBytes(dst, this.#bodyHave, chunk.subarray(pos, pos + take));
        this.#bodyHave += take;
        pos += take;
        if (this.#bodyHave === this.#bodyLen) {
          this.#inBody = false;
          this.#hdrHave = 0;
          this.#owner.onMessage(this, this.#hv, 0, this.#hdr, this.#sink ?? this.#body!.subarray(0, this.#bodyLen));
        }
        continue;
      }
      if (this.#hdrHave === 0 && n - pos >= HDR) {
        // Fast path: the header is whole in this chunk.
        const len = dv.getUint32(pos + H_LEN, true);
        if (!this.#checkHeader(dv, pos, len)) return;
        if (n - pos - HDR >= len) {
          this.#owner.onMessage(this, dv, pos, chunk.subarray(pos, pos + HDR), chunk.subarray(pos + HDR, pos + HDR + len));
          pos += HDR + len;
          continue;
        }
        this.#hdr.set(chunk.subarray(pos, pos + HDR));
        this.#beginBody(len);
        pos += HDR;
        continue;
      }
      const take = Math.min(HDR - this.#hdrHave, n - pos);
      this.#hdr.set(chunk.subarray(pos, pos + take), this.#hdrHave);
      this.#hdrHave += take;
      pos += take;
      if (this.#hdrHave < HDR) break;
      const len = this.#hv.getUint32(H_LEN, true);
      if (!this.#checkHeader(this.#hv, 0, len)) return;
      if (len === 0) {
        this.#hdrHave = 0;
        this.#owner.onMessage(this, this.#hv, 0, this.#hdr, this.#hdr.subarray(HDR));
      } else {
        this.#beginBody(len);
      }
    }
  }

  #beginBody(len: number): void {
    this.#sink = this.#owner.sinkFor(this.#hv, 0, len);
    if (this.#sink === undefined) this.#body ??= new Uint8Array(this.#maxBody);
    this.#bodyLen = len;
    this.#bodyHave = 0;
    this.#inBody = true;
    this.#hdrHave = HDR;
  }

  #checkHeader(v: DataView, at: number, len: number): boolean {
    const type = v.getUint8(at + H_TYPE);
    const pe = v.getUint32(at + H_PE, true);
    if (len > this.#maxBody) {
      return this.#malformed(ErrorCode.FRAME_TOO_LARGE, `PE ${this.peer} sent a message of ${len} bytes, more than the ${this.#maxBody} bytes any message may carry`);
    }
    if (type === 0 || type > LAST_TYPE) return this.#malformed(ErrorCode.PROTOCOL, `PE ${this.peer} sent a message of unknown type ${type}`);
    if (pe !== this.peer) return this.#malformed(ErrorCode.PROTOCOL, `PE ${this.peer} sent a message that claims to come from PE ${pe}`);
    return true;
  }

  #malformed(code: ErrorCodeValue, message: string): false {
    this.#bad = true;
    this.#owner.onMalformed(this, code, message);
    return false;
  }

  /** Stops reading (the main thread is behind); heartbeat checks skip a paused connection. */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.lastRecv = Date.now();
    this.socket.resume();
  }

  get paused(): boolean {
    return this.#paused;
  }

  // ---- sending ----

  /** Bytes accepted for this peer and not yet handed to the kernel. */
  get backlog(): number {
    return this.#used + this.#queued + this.socket.writableLength;
  }

  /** Queues one message (header and body contiguous in `msg`), stamping this PE as sender. */
  appendRaw(msg: Uint8Array, myPe: number): void {
    if (msg.length >= BIG) {
      const copy = Buffer.allocUnsafe(msg.length);
      copy.set(msg);
      copy.writeUInt32LE(myPe, H_PE);
      this.#push(copy);
      return;
    }
    const at = this.#room(msg.length);
    this.#batch!.set(msg, at);
    this.#batch!.writeUInt32LE(myPe, at + H_PE);
  }

  /** Queues a header (already stamped) and an optional body. */
  append(hdr: Uint8Array, body?: Uint8Array): void {
    const len = HDR + (body === undefined ? 0 : body.length);
    if (len >= BIG) {
      const copy = Buffer.allocUnsafe(len);
      copy.set(hdr);
      if (body !== undefined) copy.set(body, HDR);
      this.#push(copy);
      return;
    }
    const at = this.#room(len);
    this.#batch!.set(hdr, at);
    if (body !== undefined) this.#batch!.set(body, at + HDR);
  }

  /** Queues a buffer the caller gives up (e.g. a get reply read straight from the heap). */
  appendOwned(buf: Buffer): void {
    this.#push(buf);
  }

  #room(len: number): number {
    if (this.#batch !== undefined && this.#used + len > this.#batch.length) this.#seal();
    this.#batch ??= Buffer.allocUnsafe(BATCH);
    const at = this.#used;
    this.#used += len;
    return at;
  }

  #seal(): void {
    if (this.#used === 0) return;
    // The batch is handed over whole; a fresh one is made on next use, since the socket may
    // still be reading this one.
    const b = this.#batch!.subarray(0, this.#used);
    this.#batch = undefined;
    this.#used = 0;
    this.#queue.push(b);
    this.#queued += b.length;
  }

  /** Queues a large buffer and starts writing at once, so the socket works while we copy more. */
  #push(buf: Buffer): void {
    this.#seal();
    this.#queue.push(buf);
    this.#queued += buf.length;
    this.flush();
  }

  /**
   * The job is stopping and `last` (a whole, stamped message: the ABORT), if given, is the final
   * thing this peer should get. What is still queued is dropped (the peer will discard it anyway; queue
   * entries are whole messages, so the stream stays well framed), `last` is written past any
   * backpressure, and our side is ended. Reading goes on, ignoring everything, until the peer
   * ends too: closing a socket that still holds unread bytes makes the kernel send a reset, and a
   * reset can destroy `last` before the peer has read it.
   */
  finish(last?: Uint8Array): void {
    this.#bad = true;
    this.#finished = true;
    this.#queue.length = 0;
    this.#queued = 0;
    this.#used = 0;
    if (this.closed) return;
    // Not if endAfterQueue() has ended it (a normal close that an abort overtook): a write now
    // would fail the socket, and the peer has its goodbye.
    if (!this.socket.writableEnded) {
      if (last === undefined) this.socket.end();
      else this.socket.end(last);
    }
    this.#paused = false;
    this.socket.resume();
  }

  /**
   * Ends our side once everything queued (the goodbye last) has been written. Ended at once, a
   * socket that had pushed back emits no 'drain', and what was still queued here was lost.
   */
  endAfterQueue(): void {
    if (this.closed || this.#finished) return;
    this.#ending = true;
    this.flush();
  }

  /** Writes what is queued until the socket pushes back. */
  flush(): void {
    this.#seal();
    if (this.#finished) {
      // Anything sent after the ABORT is dropped; writing after end() would reset the socket.
      this.#queue.length = 0;
      this.#queued = 0;
      return;
    }
    if (this.#blocked || this.closed) return;
    const q = this.#queue;
    let i = 0;
    while (i < q.length) {
      const b = q[i++]!;
      this.#queued -= b.length;
      this.lastSend = Date.now();
      if (!this.socket.write(b)) {
        this.#blocked = true;
        break;
      }
    }
    q.splice(0, i);
    if (this.#ending && q.length === 0) {
      // Ended: what is sent from now on is dropped as after finish() (a write would fail).
      this.#finished = true;
      this.socket.end();
    }
  }
}
