/**
 * The message links of a tcp PE: one connection per peer, owned by the PE's main thread, that
 * carries AM frames and nothing else. Memory requests, signals, collectives, heartbeats and the
 * job's end stay on the network thread's own connections (node.ts).
 *
 * Why a second connection: a frame that went through the network thread crossed two thread
 * hand-offs on each side (main thread → network thread → socket → network thread → main thread),
 * each an Atomics.waitAsync wake-up of tens of µs on a loaded machine, so an awaited AM paid four
 * per round trip where a plain socket ping-pong pays none. Frames are only ever handled by the
 * main thread, so reading them there takes nothing from progress: the network thread still serves
 * put, get, atomics and signals while the main thread is busy.
 *
 * Order: a peer's frames travel on one connection, so they arrive in the order sent (the lamella
 * contract). They may overtake, or be overtaken by, memory operations and signals on the other
 * connection, as on ofi, where messages and memory operations take different paths: the contract
 * orders only frames, and the runtime's collectives take signals and messages in any order.
 *
 * Set-up, once the network threads have assembled the job: each PE listens where its network
 * thread listens (port chosen by the kernel), the ports are allgathered, and PE k dials every PE
 * below it at the host its network thread dialed, with the same handshake (tls.ts, auth.ts). A
 * connection before this PE knows the job secret, or from a PE that never dials it, is refused.
 *
 * Wire: a u32 little-endian length, then that many bytes of frame. A length above
 * LAMELLAR_MAX_FRAME is malformed (checked before any memory is committed for the frame).
 *
 * Sending: frames for a peer are copied into one batch buffer that is written once, at the end of
 * the current synchronous turn (a microtask), so a burst of frames costs one write; a frame too big
 * for a batch is copied into a buffer of its own.
 *
 * Failure: the network thread decides that a peer is lost (heartbeats, ABORT, its own connection
 * closing), with the reports that go with it. A message link that closes without the shutdown's
 * goodbye fails the job only if nothing else has within a grace period, so no PE waits forever for
 * frames that can no longer come.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, LamellarError, type ErrorCodeValue } from '../../core/errors.js';
import { HandshakeError, type AuthKeys } from './auth.js';
import type { TlsMode } from '../../core/config.js';
import { dial } from './rendezvous.js';
import { acceptPeer, connectPeer } from './tls.js';

const LEN = 4;
/** A frame split across socket chunks up to this size is gathered into a buffer kept for the next. */
const GATHER_KEEP = 1 << 20;
/** Frames up to this size share batch buffers; bigger ones get a buffer of their own. */
const BATCH = 64 * 1024;
/** A flushed batch up to this size is copied out, so its buffer can be used again. */
const SMALL_WRITE = 2048;
const HANDSHAKE_MS = 5000;
/** How long a PE keeps trying to open a message link to a PE below it. */
const LINK_SETUP_MS = 30_000;
/** How long a link that closed unexpectedly waits for the network thread to end the job first. */
const LOST_GRACE_MS = 10_000;
/** How long the shutdown waits for every peer to close its side of the links. */
const CLOSE_WAIT_MS = 2000;

export interface AmLinksOwner {
  readonly me: number;
  readonly numPes: number;
  readonly maxFrame: number;
  readonly tls: TlsMode;
  /** A whole frame from `src`; the view is valid during the call only. */
  onFrame(src: number, frame: Uint8Array): void;
  /** The links cannot go on: a malformed frame, a refused peer, a link lost for good. */
  onFatal(code: ErrorCodeValue, message: string, origin?: number, details?: Record<string, unknown>): void;
  /** A stranger was refused (reported as a warning). */
  onRefused(message: string): void;
  /** How long a link that closed unexpectedly waits for the job to end otherwise (LOST_GRACE_MS). */
  readonly lostGraceMs?: number;
}

/**
 * Cuts a message link's byte stream into frames. A frame that lies whole in one socket chunk (the
 * usual case for small frames) is handed on as a view into the chunk, with no copy; a frame split
 * across chunks is gathered, into memory set aside once its length has passed the limit. Frames up
 * to GATHER_KEEP bytes are gathered into one buffer kept for the next: the frame handler gets a
 * view valid only during its call (the lamella contract), and aggregated frames of tens of KiB,
 * which straddle Node's 64 KiB reads nearly every time, no longer cost an allocation each.
 */
export class FrameReader {
  readonly #maxFrame: number;
  readonly #onFrame: (frame: Uint8Array) => void;
  readonly #onTooLarge: (bytes: number) => void;
  /** A length split across chunks. */
  readonly #lenBytes = new Uint8Array(LEN);
  #lenHave = 0;
  /** A frame split across chunks, and the buffer kept for the next such frame. */
  #body: Uint8Array | undefined;
  #kept: Uint8Array | undefined;
  #bodyHave = 0;
  #stopped = false;

  constructor(maxFrame: number, onFrame: (frame: Uint8Array) => void, onTooLarge: (bytes: number) => void) {
    this.#maxFrame = maxFrame;
    this.#onFrame = onFrame;
    this.#onTooLarge = onTooLarge;
  }

  /** Takes the next chunk of the stream; after a length over the limit it takes nothing more. */
  push(chunk: Uint8Array): void {
    let off = 0;
    const end = chunk.length;
    while (off < end && !this.#stopped) {
      if (this.#body === undefined) {
        let len: number;
        if (this.#lenHave === 0 && end - off >= LEN) {
          len = u32(chunk, off);
          off += LEN;
        } else {
          const n = Math.min(LEN - this.#lenHave, end - off);
          this.#lenBytes.set(chunk.subarray(off, off + n), this.#lenHave);
          this.#lenHave += n;
          off += n;
          if (this.#lenHave < LEN) return;
          this.#lenHave = 0;
          len = u32(this.#lenBytes, 0);
        }
        if (len > this.#maxFrame) {
          this.#stopped = true;
          this.#onTooLarge(len);
          return;
        }
        if (end - off >= len) {
          this.#onFrame(chunk.subarray(off, off + len));
          off += len;
          continue;
        }
        if (len > GATHER_KEEP) this.#body = new Uint8Array(len);
        else {
          if (this.#kept === undefined || this.#kept.length < len) this.#kept = new Uint8Array(Math.max(len, 64 * 1024));
          this.#body = this.#kept.subarray(0, len);
        }
        this.#bodyHave = 0;
      }
      const body = this.#body;
      const n = Math.min(body.length - this.#bodyHave, end - off);
      body.set(chunk.subarray(off, off + n), this.#bodyHave);
      this.#bodyHave += n;
      off += n;
      if (this.#bodyHave === body.length) {
        this.#body = undefined;
        this.#onFrame(body);
      }
    }
  }
}

const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;

class Link {
  readonly peer: number;
  readonly socket: Socket;
  readonly reader: FrameReader;
  // send state
  batch: Buffer | undefined;
  used = 0;
  queued = false;
  closed = false;

  constructor(peer: number, socket: Socket, reader: FrameReader) {
    this.peer = peer;
    this.socket = socket;
    this.reader = reader;
  }
}

export class AmLinks {
  readonly #owner: AmLinksOwner;
  readonly #links: (Link | undefined)[];
  readonly #dirty: Link[] = [];
  #server: Server | undefined;
  #keys: AuthKeys | undefined;
  #connected = 0;
  #allUp: (() => void) | undefined;
  /** shutdown() or abort() began: closes are expected. */
  #closing = false;
  /** abort() was called: frames are no longer read or written. */
  #aborted = false;
  /** The shutdown has begun (expectClose): peers may close their links. */
  #ending = false;
  #flushQueued = false;

  constructor(owner: AmLinksOwner) {
    this.#owner = owner;
    this.#links = new Array<Link | undefined>(owner.numPes);
  }

  /** Listens on `host` (port chosen by the kernel); resolves with the port. */
  listen(host: string): Promise<number> {
    const server = createServer({ pauseOnConnect: true }, (socket) => this.#accept(socket));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (e) => reject(new LamellarError(ErrorCode.CONFIG, `cannot listen for message links on ${host}: ${e.message}`)));
      server.listen({ host, port: 0 }, () => resolve((server.address() as { port: number }).port));
    });
  }

  /**
   * From now on, peers that prove `keys` may connect. Called before the ports are exchanged: a
   * peer may learn them, and dial, before this PE does.
   */
  admit(keys: AuthKeys): void {
    this.#keys = keys;
  }

  /**
   * Connects to every peer: dials each PE below this one at `hosts[pe]:ports[pe]`, and waits for
   * each PE above to dial in. Resolves once all N-1 links are up.
   */
  async connect(hosts: readonly (string | undefined)[], ports: readonly number[]): Promise<void> {
    const keys = this.#keys!;
    const { me } = this.#owner;
    const all = new Promise<void>((resolve) => {
      this.#allUp = resolve;
    });
    this.#checkAllUp();
    await Promise.all(
      Array.from({ length: me }, async (_, pe) => {
        const host = hosts[pe];
        if (host === undefined) throw new LamellarError(ErrorCode.INTERNAL, `PE ${me} has no address for PE ${pe}'s message link`);
        const where = `PE ${me} could not open its message link to PE ${pe} at ${host}:${ports[pe]}`;
        // The peer listens already (its port went out after it did), so a dial that fails or a
        // handshake cut short is a slow or loaded peer: tried again, with backoff, until
        // LINK_SETUP_MS. A peer that answered and was refused is not tried again. A peer that
        // died is reported by the network thread.
        const until = Date.now() + LINK_SETUP_MS;
        for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
          if (this.#closing) return;
          let raw: Socket | undefined;
          try {
            raw = await dial(host, ports[pe]!, HANDSHAKE_MS);
            const { socket, rest } = await connectPeer(raw, keys, me, this.#owner.tls, HANDSHAKE_MS);
            this.#attach(pe, socket, rest);
            return;
          } catch (e) {
            raw?.destroy();
            const message = (e as Error).message;
            if (e instanceof HandshakeError && !e.transient) throw new LamellarError(ErrorCode.AUTH, `${where}: ${message}`);
            if (Date.now() >= until) throw new LamellarError(ErrorCode.PE_FAILED, `${where}: ${message}`);
          }
          await sleep(delay);
        }
      }),
    );
    await all;
    this.#server?.close();
  }

  #checkAllUp(): void {
    if (this.#connected === this.#owner.numPes - 1) this.#allUp?.();
  }

  #accept(socket: Socket): void {
    socket.on('error', () => {});
    const who = `${socket.remoteAddress}:${socket.remotePort}`;
    const keys = this.#keys;
    if (keys === undefined || this.#closing) {
      socket.destroy();
      this.#owner.onRefused(`PE ${this.#owner.me} refused a message-link connection from ${who}: the job is not assembled yet`);
      return;
    }
    acceptPeer(socket, keys, this.#owner.tls, HANDSHAKE_MS).then(
      ({ pe, socket: s, rest }) => {
        const { me, numPes } = this.#owner;
        if (this.#closing) {
          s.destroy();
          return;
        }
        if (pe <= me || pe >= numPes || this.#links[pe] !== undefined) {
          s.destroy();
          this.#owner.onFatal(ErrorCode.PROTOCOL, `a process from ${who} with the job secret claimed to be PE ${pe}, which does not open a message link to PE ${me} now`);
          return;
        }
        this.#attach(pe, s, rest);
      },
      (e: Error) => {
        socket.destroy();
        this.#owner.onRefused(`PE ${this.#owner.me} refused a message-link connection from ${who}: ${e.message}`);
      },
    );
  }

  #attach(pe: number, socket: Socket, rest: Buffer): void {
    // A handshake that ended after the PE began to fail or shut down: never a link.
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const { me, maxFrame } = this.#owner;
    const reader = new FrameReader(
      maxFrame,
      (frame) => this.#owner.onFrame(pe, frame),
      (bytes) => {
        l.closed = true;
        socket.destroy();
        this.#owner.onFatal(
          ErrorCode.FRAME_TOO_LARGE,
          `PE ${pe} sent a frame of ${bytes} bytes to PE ${me}, more than LAMELLAR_MAX_FRAME (${maxFrame} bytes)`,
          pe,
          { pe, bytes, max: maxFrame },
        );
      },
    );
    const l = new Link(pe, socket, reader);
    this.#links[pe] = l;
    this.#connected++;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      // As a plain Uint8Array: frames are views into it, and a Buffer's slice() would be one
      // more view where the frame handler means a copy (the engine keeps frames it defers so).
      if (!this.#aborted) reader.push(plain(chunk));
    });
    socket.on('close', () => this.#onClose(l));
    if (rest.length > 0) reader.push(plain(rest));
    socket.resume();
    this.#checkAllUp();
  }

  #onClose(l: Link): void {
    const expected = l.closed || this.#closing || this.#ending;
    l.closed = true;
    if (expected) return;
    // The peer's process most likely ended: its network connection closes too, and the network
    // thread reports that with the reason. Only if it has not within the grace period is the lost
    // link itself the report.
    const timer = setTimeout(() => {
      if (!this.#closing && !this.#ending) this.#owner.onFatal(ErrorCode.PE_FAILED, `the message link to PE ${l.peer} closed unexpectedly`, l.peer);
    }, this.#owner.lostGraceMs ?? LOST_GRACE_MS);
    timer.unref();
  }

  // ---- sending ----

  /** Queues one frame, given as pieces of `bytes` bytes in all, for PE `pe` (copied now). */
  send(pe: number, parts: readonly Uint8Array[], bytes: number): void {
    const l = this.#links[pe];
    // A closed link: the job is ending (a lost peer is reported by whoever noticed it first).
    if (l === undefined || l.closed) return;
    const need = LEN + bytes;
    if (need > BATCH) {
      this.#flush(l);
      const buf = Buffer.allocUnsafe(need);
      this.#put(buf, 0, parts, bytes);
      l.socket.write(buf);
      return;
    }
    if (l.batch !== undefined && l.used + need > l.batch.length) this.#flush(l);
    if (l.batch === undefined) {
      l.batch = Buffer.allocUnsafe(BATCH);
      l.used = 0;
    }
    l.used = this.#put(l.batch, l.used, parts, bytes);
    if (!l.queued) {
      l.queued = true;
      this.#dirty.push(l);
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        queueMicrotask(this.#flushAll);
      }
    }
  }

  #put(buf: Buffer, at: number, parts: readonly Uint8Array[], bytes: number): number {
    buf.writeUInt32LE(bytes, at);
    let o = at + LEN;
    for (const p of parts) {
      buf.set(p, o);
      o += p.length;
    }
    return o;
  }

  /** Writes every batch queued this turn (also run as a microtask after the first frame). */
  flush(): void {
    this.#flushAll();
  }

  readonly #flushAll = (): void => {
    this.#flushQueued = false;
    const dirty = this.#dirty;
    for (let i = 0; i < dirty.length; i++) this.#flush(dirty[i]!);
    dirty.length = 0;
  };

  #flush(l: Link): void {
    l.queued = false;
    const b = l.batch;
    const used = l.used;
    if (b === undefined || used === 0) return;
    l.used = 0;
    if (l.closed) return;
    // The socket keeps what it is given until written. A small batch is copied out (into Node's
    // buffer pool, cheap) and the batch buffer kept for the next turn; a large one is handed over
    // whole, which saves copying it, and the next turn takes a fresh buffer.
    if (used <= SMALL_WRITE) {
      l.socket.write(Buffer.from(b.subarray(0, used)));
      return;
    }
    l.batch = undefined;
    l.socket.write(b.subarray(0, used));
  }

  // ---- ending ----

  /**
   * The shutdown has begun on this PE: from here a peer may close its links at any moment (it
   * does once the final barrier has passed on its side, which needs this PE in it), and a close
   * is no longer a lost link.
   */
  expectClose(): void {
    this.#ending = true;
  }

  /** Closes every link after the shutdown's barrier: writes what is queued, then waits for each peer's close. */
  async shutdown(): Promise<void> {
    this.#flushAll();
    this.#closing = true;
    this.#server?.close();
    const closed: Promise<void>[] = [];
    for (const l of this.#links) {
      if (l === undefined || l.socket.destroyed) continue;
      closed.push(new Promise<void>((resolve) => l.socket.once('close', () => resolve())));
      l.socket.end();
    }
    const timer = setTimeout(() => {
      for (const l of this.#links) l?.socket.destroy();
    }, CLOSE_WAIT_MS);
    await Promise.all(closed);
    clearTimeout(timer);
  }

  /**
   * Stops reading and writing at once (abort, failure). The sockets stay open until the process
   * ends, so a peer learns why from the network thread's ABORT rather than from this link
   * closing first; unref'd, they never keep the process alive.
   */
  abort(): void {
    this.#closing = true;
    this.#aborted = true;
    this.#server?.close();
    for (const l of this.#links) {
      if (l === undefined) continue;
      l.closed = true;
      l.batch = undefined;
      l.socket.unref();
    }
  }
}
