/**
 * The network side of one tcp PE, running in its own thread: it owns the mesh (one connection to
 * every peer; AM frames travel on the main threads' own links, am-links.ts), routes the main
 * thread's requests to peers, hands replies to the main thread, and serves remote memory requests
 * (put, get, atomics, signals) straight on the heap, which it shares with the main thread as a
 * SharedArrayBuffer. So one-sided operations complete even while the target's main thread is
 * busy in a long synchronous loop.
 *
 * Collectives (allgather, and barrier as an allgather) are gathered by PE 0's network thread and
 * broadcast back; they are for bootstrap, shutdown and team creation, never on a hot path.
 *
 * Failure: a connection that closes without a goodbye, a peer silent for LAMELLAR_PEER_TIMEOUT,
 * or a malformed message stops the job: this thread tells every peer why (ABORT, so each of them
 * reports the PE that was really lost) and tells its main thread, which throws. If the main
 * thread cannot act (stuck in synchronous code) the process is killed after a grace period,
 * with the reason on stderr, so no PE is left waiting.
 */
import { writeSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import { copyBytes } from '../../core/copy.js';
import { ErrorCode, type ErrorCodeValue } from '../../core/errors.js';
import { MappedHeaps } from '../common/mapped-heaps.js';
import type { RingEnd } from '../common/ring.js';
import type { TlsMode } from '../../core/config.js';
import type { AuthKeys } from './auth.js';
import { Conn, type ConnOwner } from './conn.js';
import { inRing, type LinkShared, MAIN_BELL, MAIN_SLEEP, NET_BELL, NET_SLEEP, outRing, ringBell } from './link.js';
import {
  asFault, CHUNK, COLL_NET, FLAG_LAST, getOperand, H_ADDR, H_ARG, H_FLAGS, H_ID, H_PE, H_SUB, H_TYPE, HDR, Header,
  abortBody, jsonBody, maxBody, OPS, parseJson, putOperand, T, WORDS,
} from './wire.js';

/** What the main thread hands its network thread. */
export interface NetBoot {
  pe: number;
  numPes: number;
  /** The lamella this network thread serves: tcp, or ofi's bootstrap (checked at the rendezvous). */
  backend: 'tcp' | 'ofi';
  jobId: string;
  secret: string | undefined;
  heap: SharedArrayBuffer;
  link: LinkShared;
  rendezvous: { kind: 'master'; host: string; port: number } | { kind: 'dir'; dir: string };
  bindAddr: string;
  maxFrame: number;
  rendezvousTimeoutSecs: number;
  /** LAMELLAR_DEADLOCK_TIMEOUT: when a slow rendezvous is first reported (then at 2x, 4x, ...). */
  deadlockTimeoutSecs: number;
  peerTimeoutSecs: number;
  /** LAMELLAR_TLS: encrypt links always, never, or to peers off loopback (tls.ts). */
  tls: TlsMode;
  /** The launcher whose end ends this PE process (net-worker.ts watches it), if it has one. */
  launcherPid: number | undefined;
}

/** Messages the network thread posts to its main thread (rare events only). */
export type NetEvent =
  /** The job is assembled: the secret and the hosts dialed (by PE) for the message links (am-links.ts). */
  | { type: 'ready'; secret: string; hosts: (string | undefined)[]; host: string | undefined }
  | { type: 'fatal'; code: string; message: string; origin?: number; details?: Record<string, unknown>; killAt: number }
  | { type: 'warn'; message: string; deadlock?: boolean }
  | { type: 'closed' };

/** Stop pulling from the main thread's ring while one peer has this much unsent. */
const PEER_HIGH_WATER = 16 << 20;
/**
 * A get is served this much per pass of the network loop (and only while its peer has less than
 * PEER_HIGH_WATER unsent). Served in one go, a 1 GiB get copied the whole range into socket
 * buffers in one synchronous turn: seconds on a busy machine, in which nothing reached the
 * requester, whose heartbeat check then declared this PE lost; and a second gigabyte of memory.
 */
const GET_SLICE = 8 << 20;

/** A get being served: the next `off` of [addr, addr + len) on this PE's heap goes to `c`. */
interface GetJob {
  c: Conn;
  id: number;
  addr: number;
  len: number;
  off: number;
}
/** Stop reading sockets while this much waits for room in the main thread's ring. */
const IN_PAUSE = 64 << 20;
const IN_RESUME = 16 << 20;
/**
 * How long after this PE finds the job failing its process may live: the ABORT linger and the
 * main thread's own exit both fit inside it, and if the main thread has not ended the process by
 * then (it is stuck in synchronous code) this thread kills it. With the heartbeat check once a
 * second and the default LAMELLAR_PEER_TIMEOUT of 5 s, a silent link stops every PE within
 * 5 + 1 + 3 = 9 s.
 */
const FATAL_GRACE_MS = 3000;
/** Refused connections reported one by one per window; the rest of a window in one summary. */
const REFUSALS_SHOWN = 5;
const REFUSAL_WINDOW_MS = 5_000;
/**
 * How long a stopping PE waits for its peers to read its ABORT before telling its main thread.
 * Peers read it within milliseconds when they run; the bound is for a peer whose threads wait
 * for a core (1 s was too short once on a loaded 2-core CI machine: the process ended with the
 * ABORT unread, the close reset the connection, and the peer reported a lost PE instead of the
 * reason). Below FATAL_GRACE_MS, so the main thread still ends the process itself.
 */
const ABORT_LINGER_MS = 2500;

export class NetNode implements ConnOwner {
  readonly me: number;
  readonly numPes: number;
  readonly boot: NetBoot;
  readonly conns: (Conn | undefined)[];
  readonly ctl: Int32Array;
  keys: AuthKeys | undefined;
  server: Server | undefined;
  failed = false;
  /**
   * The ABORT frame this PE sent its peers when it failed: a PE that dials it afterwards (one that
   * started late, still in its rendezvous) gets it too, rather than a closed socket to retry
   * until its rendezvous timeout (rendezvous.ts accept).
   */
  abortFrame: Uint8Array | undefined;
  closing = false;
  /** Rendezvous hooks for HELLO and TABLE, set while the job assembles. */
  onHello: ((conn: Conn, body: Uint8Array) => void) | undefined;
  onTable: ((body: Uint8Array) => void) | undefined;
  onConnChange: (() => void) | undefined;
  /** The host this PE dialed each PE below it at (where that PE's message links listen too). */
  readonly dialedHosts: (string | undefined)[] = [];
  /** The host the other PEs reach this PE at (for a wildcard bind, the address it advertised). */
  advertisedHost: string | undefined;
  /** This host's address on its connection to PE 0 (what a wildcard-bound PE advertises). */
  addressToMaster: string | undefined;
  readonly #port: MessagePort;
  readonly #refusals = { windowStart: 0, shown: 0, suppressed: 0, last: '', timer: undefined as ReturnType<typeof setTimeout> | undefined };
  readonly #mem: MappedHeaps;
  readonly #bytes: Uint8Array;
  readonly #out: RingEnd;
  readonly #in: RingEnd;
  readonly #ringView: DataView;
  readonly #hdr = new Header();
  readonly #maxBody: number;
  readonly #dirty: Conn[] = [];
  #flushQueued = false;
  readonly #pendingIn: Uint8Array[] = [];
  /** Gets larger than GET_SLICE not yet served whole, oldest first. */
  readonly #gets: GetJob[] = [];
  #pendingInBytes = 0;
  #inPaused = false;
  /** A peer's backlog stopped us pulling from the out ring; its 'drain' restarts us. */
  #stalled = false;
  readonly #gather = new Map<number, { count: number; values: Float64Array; seen: Uint8Array }>();
  readonly #netWaits = new Map<number, () => void>();

  constructor(boot: NetBoot, port: MessagePort) {
    this.boot = boot;
    this.me = boot.pe;
    this.numPes = boot.numPes;
    this.#port = port;
    this.conns = new Array<Conn | undefined>(boot.numPes).fill(undefined);
    this.ctl = new Int32Array(boot.link.control);
    const heaps: SharedArrayBuffer[] = [];
    heaps[boot.pe] = boot.heap;
    this.#mem = new MappedHeaps(heaps, boot.pe, { spinMicros: 0, deadlockTimeoutSecs: 1 });
    this.#bytes = this.#mem.bytes(boot.pe);
    this.#out = outRing(boot.link);
    this.#in = inRing(boot.link);
    this.#ringView = new DataView(boot.link.rings);
    this.#maxBody = maxBody(boot.numPes);
  }

  post(e: NetEvent): void {
    this.#port.postMessage(e);
  }

  /**
   * Reports a refused connection, at most REFUSALS_SHOWN a window: a flood of strangers must not
   * flood the log too. The rest of a window is summed up in one warning when it ends.
   */
  refused(message: string): void {
    const r = this.#refusals;
    const now = Date.now();
    if (now - r.windowStart >= REFUSAL_WINDOW_MS) {
      this.#summarizeRefusals();
      r.windowStart = now;
      r.shown = 0;
    }
    if (r.shown < REFUSALS_SHOWN) {
      r.shown++;
      this.post({ type: 'warn', message });
      return;
    }
    r.suppressed++;
    r.last = message;
    if (r.timer === undefined) {
      r.timer = setTimeout(() => this.#summarizeRefusals(), Math.max(1, r.windowStart + REFUSAL_WINDOW_MS - now));
      r.timer.unref();
    }
  }

  #summarizeRefusals(): void {
    const r = this.#refusals;
    if (r.timer !== undefined) clearTimeout(r.timer);
    r.timer = undefined;
    if (r.suppressed === 0) return;
    const n = r.suppressed;
    r.suppressed = 0;
    this.post({
      type: 'warn',
      message: `PE ${this.me} refused ${n} more connection(s) within ${REFUSAL_WINDOW_MS / 1000} s (at most ${REFUSALS_SHOWN} are reported one by one); the last: ${r.last}`,
    });
  }

  /** Number of live connections. */
  get connected(): number {
    let n = 0;
    for (const c of this.conns) if (c !== undefined && !c.closed) n++;
    return n;
  }

  attach(pe: number, socket: Socket, rest: Buffer): void {
    if (this.conns[pe] !== undefined) {
      socket.destroy();
      this.fatal(ErrorCode.PROTOCOL, `two processes claim to be PE ${pe} (check LAMELLAR_PE_ID and the launcher's rank variables)`);
      return;
    }
    const c = new Conn(pe, socket, this, this.#maxBody);
    this.conns[pe] = c;
    c.start(rest);
    this.onConnChange?.();
  }

  // ---- sending ----

  #touch(c: Conn): void {
    if (!c.dirty) {
      c.dirty = true;
      this.#dirty.push(c);
    }
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.flushDirty);
    }
  }

  readonly flushDirty = (): void => {
    this.#flushQueued = false;
    const d = this.#dirty;
    for (let i = 0; i < d.length; i++) {
      d[i]!.dirty = false;
      d[i]!.flush();
    }
    d.length = 0;
  };

  /** Sends a message this thread made (header stamped with this PE). */
  sendTo(c: Conn, type: number, len: number, body?: Uint8Array, id = 0, addr = 0, arg = 0, sub = 0, flags = 0): void {
    c.append(this.#hdr.set(type, this.me, len, id, addr, arg, sub, flags), body);
    this.#touch(c);
  }

  #err(c: Conn, id: number, code: ErrorCodeValue, message: string): void {
    const body = jsonBody({ code, message: `${message} (on PE ${this.me})` });
    this.sendTo(c, T.ERR, body.length, body, id);
  }

  /** Moves the main thread's messages from the out ring to the peers. Returns records moved. */
  drainOut(): number {
    if (this.#stalled) return 0;
    const r = this.#out.drain(this.#onOut);
    if (r.producerWaiting) ringBell(this.ctl, MAIN_BELL, MAIN_SLEEP);
    this.flushDirty();
    return r.records;
  }

  readonly #onOut = (view: Uint8Array): boolean => {
    const at = view.byteOffset;
    const dst = this.#ringView.getUint32(at + H_PE, true);
    if (dst === this.me) {
      // Only a collective contribution is addressed to the own PE (PE 0 gathers).
      this.#contribute(view[H_SUB]!, this.#ringView.getUint32(at + H_ID, true), this.me, this.#ringView.getFloat64(at + HDR, true));
      return true;
    }
    const c = this.conns[dst];
    if (c === undefined || c.closed) return true; // the job is failing or closing; the error is reported elsewhere
    if (c.backlog > PEER_HIGH_WATER) {
      this.#stalled = true;
      return false;
    }
    c.appendRaw(view, this.me);
    this.#touch(c);
    return true;
  };

  onDrain(): void {
    if (this.#stalled || this.#gets.length > 0) {
      this.#stalled = false;
      ringBell(this.ctl, NET_BELL, NET_SLEEP);
    }
  }

  // ---- to the main thread ----

  toMain(hdr: Uint8Array, body: Uint8Array): void {
    if (this.#pendingIn.length === 0 && this.#in.tryWriteParts(hdr, body)) {
      ringBell(this.ctl, MAIN_BELL, MAIN_SLEEP);
      return;
    }
    const copy = new Uint8Array(hdr.length + body.length);
    copy.set(hdr);
    copy.set(body, hdr.length);
    this.#pendingIn.push(copy);
    this.#pendingInBytes += copy.length;
    this.#in.setWaiting();
    // The main thread may have drained everything between our failed write and setWaiting.
    this.retryIn();
    if (this.#pendingInBytes > IN_PAUSE && !this.#inPaused) {
      this.#inPaused = true;
      for (const c of this.conns) c?.pause();
    }
  }

  /** Moves messages that found the in ring full. Returns how many moved. */
  retryIn(): number {
    const q = this.#pendingIn;
    let i = 0;
    while (i < q.length && this.#in.tryWriteParts(q[i]!, undefined)) this.#pendingInBytes -= q[i++]!.length;
    if (i > 0) {
      q.splice(0, i);
      ringBell(this.ctl, MAIN_BELL, MAIN_SLEEP);
    }
    if (q.length > 0) this.#in.setWaiting();
    if (this.#inPaused && this.#pendingInBytes < IN_RESUME) {
      this.#inPaused = false;
      for (const c of this.conns) c?.resume();
    }
    return i;
  }

  // ---- receiving ----

  onMessage(c: Conn, hv: DataView, ho: number, hdr: Uint8Array, body: Uint8Array): void {
    if (this.failed) return;
    switch (hv.getUint8(ho + H_TYPE)) {
      case T.FRAME:
        // Frames travel on the main threads' message links (am-links.ts), never on this one.
        return this.#bad(c, 'an AM frame on its memory link');
      case T.PUT:
        this.#put(c, hv.getUint32(ho + H_ID, true), hv.getUint32(ho + H_ADDR, true), hv.getUint16(ho + H_FLAGS, true), body);
        return;
      case T.GET:
        this.#get(c, hv.getUint32(ho + H_ID, true), hv.getUint32(ho + H_ADDR, true), hv.getUint32(ho + H_ARG, true));
        return;
      case T.ATOMIC:
        this.#atomic(c, hv.getUint32(ho + H_ID, true), hv.getUint32(ho + H_ADDR, true), hv.getUint8(ho + H_SUB), body);
        return;
      case T.SIGNAL:
        this.#signal(c, hv.getUint32(ho + H_ADDR, true), hv.getInt32(ho + H_ARG, true));
        return;
      case T.PUT_ACK:
      case T.GET_DATA:
      case T.ATOMIC_RESULT:
      case T.ERR:
        this.toMain(hdr, body);
        return;
      case T.COLL:
        if (this.me !== 0 || body.length !== 8) return this.#bad(c, 'a collective contribution');
        this.#contribute(hv.getUint8(ho + H_SUB), hv.getUint32(ho + H_ID, true), c.peer, new DataView(body.buffer, body.byteOffset, 8).getFloat64(0, true));
        return;
      case T.COLL_RESULT:
        if (c.peer !== 0 || body.length !== 8 * this.numPes) return this.#bad(c, 'a collective result');
        this.#collDone(hv.getUint8(ho + H_SUB), hv.getUint32(ho + H_ID, true), hdr, body);
        return;
      case T.PING:
        return;
      case T.BYE:
        c.leaving = true;
        return;
      case T.ABORT: {
        const json = parseJson(body);
        const f = asFault(json);
        const code = f !== undefined && (Object.values(ErrorCode) as string[]).includes(f.code) ? (f.code as ErrorCodeValue) : ErrorCode.PE_FAILED;
        // A relayed abort names the PE where the job stopped, so every PE tells the same story.
        const origin = (json as { origin?: unknown } | undefined)?.origin;
        const from = typeof origin === 'number' && Number.isInteger(origin) && origin >= 0 && origin < this.numPes ? origin : c.peer;
        this.fatal(code, `PE ${from} stopped the job: ${f?.message ?? 'no reason given'}`, { peer: c.peer, origin: from, message: f?.message ?? 'no reason given' });
        return;
      }
      case T.HELLO:
        if (this.onHello === undefined) return this.#bad(c, 'a rendezvous greeting after start-up');
        this.onHello(c, body);
        return;
      case T.TABLE:
        if (this.onTable === undefined || c.peer !== 0) return this.#bad(c, 'an address table');
        this.onTable(body);
        return;
    }
  }

  #bad(c: Conn, what: string): void {
    this.onMalformed(c, ErrorCode.PROTOCOL, `PE ${c.peer} sent ${what} that PE ${this.me} cannot accept`);
  }

  sinkFor(hv: DataView, ho: number, len: number): Uint8Array | undefined {
    if (hv.getUint8(ho + H_TYPE) !== T.PUT) return undefined;
    const addr = hv.getUint32(ho + H_ADDR, true);
    return addr + len <= this.#mem.extent(this.me) ? this.#bytes.subarray(addr, addr + len) : undefined;
  }

  #put(c: Conn, id: number, addr: number, flags: number, body: Uint8Array): void {
    try {
      // A body that spanned socket chunks was gathered in place already (sinkFor).
      if (body.buffer !== this.#bytes.buffer) this.#mem.put(this.me, addr, body);
    } catch (e) {
      this.#err(c, id, ErrorCode.INDEX_OUT_OF_BOUNDS, (e as Error).message);
      return;
    }
    if ((flags & FLAG_LAST) !== 0) this.sendTo(c, T.PUT_ACK, 0, undefined, id);
  }

  #get(c: Conn, id: number, addr: number, len: number): void {
    // The extent, not the buffer's length: a heap mapped whole is longer than what was allocated.
    if (addr + len > this.#mem.extent(this.me)) {
      this.#err(c, id, ErrorCode.INDEX_OUT_OF_BOUNDS, `heap access [${addr}, ${addr + len}) outside PE ${this.me}'s heap`);
      return;
    }
    const job: GetJob = { c, id, addr, len, off: 0 };
    // At the request only while the requester keeps up, as serveGets serves the queue: served at
    // once whatever the backlog, a burst of 4 MiB gets from a requester that reads slowly copied
    // every range into socket buffers.
    if (this.#gets.length === 0 && c.backlog <= PEER_HIGH_WATER && this.#serveSlice(job)) return;
    this.#gets.push(job);
    ringBell(this.ctl, NET_BELL, NET_SLEEP);
  }

  /** Sends up to GET_SLICE more bytes of `g`; true when its last part is sent. */
  #serveSlice(g: GetJob): boolean {
    const { c, id, addr, len } = g;
    const end = Math.min(len, g.off + GET_SLICE);
    do {
      const off = g.off;
      const n = Math.min(CHUNK, len - off);
      const flags = off + n >= len ? FLAG_LAST : 0;
      const src = this.#bytes.subarray(addr + off, addr + off + n);
      if (n < 4096) {
        this.sendTo(c, T.GET_DATA, n, src, id, 0, off, 0, flags);
      } else {
        // Read the heap straight into the buffer that goes to the socket: one copy.
        const buf = Buffer.allocUnsafe(HDR + n);
        buf.set(this.#hdr.set(T.GET_DATA, this.me, n, id, 0, off, 0, flags));
        copyBytes(buf, HDR, src);
        c.appendOwned(buf);
        this.#touch(c);
      }
      g.off = off + n;
    } while (g.off < end);
    return g.off >= len;
  }

  /**
   * Serves a slice of each pending get whose peer keeps up (onDrain rings the network loop for
   * the others). Returns the slices served: work done in this pass.
   */
  serveGets(): number {
    const q = this.#gets;
    let served = 0;
    for (let i = 0; i < q.length; ) {
      const g = q[i]!;
      if (g.c.closed) {
        q.splice(i, 1);
        continue;
      }
      if (g.c.backlog > PEER_HIGH_WATER) {
        i++;
        continue;
      }
      served++;
      if (this.#serveSlice(g)) q.splice(i, 1);
      else i++;
    }
    if (served > 0) this.flushDirty();
    return served;
  }

  /** Gets still being served. */
  get pendingGets(): number {
    return this.#gets.length;
  }

  #atomic(c: Conn, id: number, addr: number, sub: number, body: Uint8Array): void {
    const w = sub >> 4;
    const op = sub & 15;
    if (w >= WORDS.length || op >= OPS.length || body.length !== 16) return this.#bad(c, 'an atomic request');
    const v = new DataView(body.buffer, body.byteOffset, 16);
    let old: number | bigint;
    try {
      old = this.#mem.atomic(this.me, addr, WORDS[w]!, OPS[op]!, getOperand(v, 0, w), getOperand(v, 8, w));
    } catch (e) {
      const code = (e as { code?: ErrorCodeValue }).code ?? ErrorCode.INTERNAL;
      this.#err(c, id, code, (e as Error).message);
      return;
    }
    const out = new Uint8Array(8);
    putOperand(new DataView(out.buffer), 0, w, old);
    this.sendTo(c, T.ATOMIC_RESULT, 8, out, id, 0, 0, w);
  }

  #signal(c: Conn, addr: number, value: number): void {
    if (addr % 4 !== 0 || addr + 4 > this.#mem.extent(this.me)) return this.#bad(c, `a signal to address ${addr}`);
    this.#mem.signal(this.me, addr, value);
  }

  // ---- collectives (gathered at PE 0) ----

  #contribute(sub: number, seq: number, from: number, value: number): void {
    const key = sub * 2 ** 32 + seq;
    let g = this.#gather.get(key);
    if (g === undefined) {
      g = { count: 0, values: new Float64Array(this.numPes), seen: new Uint8Array(this.numPes) };
      this.#gather.set(key, g);
    }
    if (g.seen[from] === 1) {
      const c = this.conns[from];
      if (c !== undefined) this.#bad(c, `collective #${seq} twice`);
      return;
    }
    g.seen[from] = 1;
    g.values[from] = value;
    if (++g.count < this.numPes) return;
    this.#gather.delete(key);
    const body = new Uint8Array(g.values.buffer);
    const hdr = this.#hdr.set(T.COLL_RESULT, this.me, body.length, seq, 0, 0, sub);
    for (const c of this.conns) {
      if (c === undefined || c.closed) continue;
      c.append(hdr, body);
      this.#touch(c);
    }
    this.#collDone(sub, seq, hdr, body);
  }

  #collDone(sub: number, seq: number, hdr: Uint8Array, body: Uint8Array): void {
    if (sub !== COLL_NET) {
      this.toMain(hdr, body);
      return;
    }
    const done = this.#netWaits.get(seq);
    this.#netWaits.delete(seq);
    done?.();
  }

  /** A barrier among the network threads (start-up), numbered by `seq`. */
  netBarrier(seq: number): Promise<void> {
    const p = new Promise<void>((resolve) => this.#netWaits.set(seq, resolve));
    if (this.me === 0) this.#contribute(COLL_NET, seq, 0, 0);
    else {
      const body = new Uint8Array(8);
      this.sendTo(this.conns[0]!, T.COLL, 8, body, seq, 0, 0, COLL_NET);
    }
    return p;
  }

  // ---- failure ----

  onMalformed(c: Conn, code: ErrorCodeValue, message: string): void {
    this.fatal(code, message, undefined, c.peer);
  }

  onClosed(c: Conn, error: Error | undefined): void {
    this.onConnChange?.();
    if (this.closing || c.leaving || this.failed) return;
    const how = error === undefined ? 'closed' : `failed (${error.message})`;
    this.fatal(
      ErrorCode.PE_FAILED,
      `PE ${c.peer} was lost: its connection to PE ${this.me} ${how} without a goodbye (the process exited or was killed, or the network failed)`,
      undefined,
      c.peer,
    );
  }

  /**
   * This PE's own abort (its main thread failed the job): the ABORT is every peer's last
   * message, written past any backpressure, as fatal() does. Queued behind a stream of puts on a
   * link that pushed back, it was never written: a socket ended while blocked emits no 'drain'.
   * The peer then read the end without a goodbye, and reported this PE lost instead of its error.
   */
  abort(code: string, message: string): void {
    if (this.failed) return;
    this.failed = true;
    const body = abortBody(code, message);
    // Not kept as abortFrame for late dialers: close() stops listening after an abort.
    for (const c of this.conns) if (c !== undefined && !c.closed) c.finish(this.#abortFrame(body));
  }

  /** A whole ABORT message with `body`: header and body in one buffer, a fresh one each call. */
  #abortFrame(body: Uint8Array): Uint8Array {
    const hdr = this.#hdr.set(T.ABORT, this.me, body.length);
    const frame = new Uint8Array(hdr.length + body.length);
    frame.set(hdr);
    frame.set(body, hdr.length);
    return frame;
  }

  /**
   * Stops the job. Every peer gets an ABORT saying why as the last message on its connection: the
   * reason found here, or the one `heard` from a peer (relayed to the others with its origin, so a
   * peer whose own copy is slower does not report this PE's close as a lost PE instead). The main
   * thread is told once every peer has ended its side or ABORT_LINGER_MS have passed: the process
   * ends soon after, and ending it earlier could reset a connection before its ABORT is read. The
   * process is killed if the main thread has not ended it FATAL_GRACE_MS after this call.
   * `origin` is the PE that caused the failure, when another PE did (it was lost, sent something
   * malformed, or stopped the job): the launcher then reports that PE's own error first.
   */
  fatal(
    code: ErrorCodeValue,
    message: string,
    heard?: { peer: number; origin: number; message: string },
    origin = heard?.origin,
    details?: Record<string, unknown>,
  ): void {
    if (this.failed || this.closing) return;
    this.failed = true;
    const body = heard === undefined ? abortBody(code, message) : abortBody(code, heard.message, heard.origin);
    this.abortFrame = this.#abortFrame(body);
    const ends: Promise<void>[] = [];
    for (const c of this.conns) {
      if (c === undefined) continue;
      if (c.peer === heard?.peer) c.finish();
      else c.finish(this.#abortFrame(body));
      // A peer that fell silent will not end its side (a link that went down): waiting for it
      // held every report of a silent link back by the whole linger, 2.5 s.
      if (!c.silent) ends.push(c.ended);
    }
    // Counted from here, not from telling the main thread, so the linger cannot stretch the bound.
    const killAt = Date.now() + FATAL_GRACE_MS;
    setTimeout(() => {
      writeSync(2, `lamellar: PE ${this.me}: ${message} (${code}); the main thread did not stop, killing the process\n`);
      process.kill(process.pid, 'SIGKILL');
    }, FATAL_GRACE_MS);
    let told = false;
    const tell = (): void => {
      if (told) return;
      told = true;
      this.post({ type: 'fatal', code, message, killAt, ...(origin === undefined ? {} : { origin }), ...(details === undefined ? {} : { details }) });
    };
    const linger = setTimeout(tell, ABORT_LINGER_MS);
    void Promise.all(ends).then(() => {
      clearTimeout(linger);
      tell();
    });
  }
}
