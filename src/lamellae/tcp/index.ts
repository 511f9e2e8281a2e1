/**
 * The `tcp` lamella: PEs are OS processes, on one host or many, connected by node:net.
 *
 * Each PE has two threads. The main thread runs the user's code and this class; a network thread
 * (net-worker.ts) owns one connection to every other PE. They share the PE's heap (a shared
 * WebAssembly memory's buffer) and talk through two SPSC rings (link.ts): the main thread writes
 * wire messages (wire.ts) for its peers into one ring, the network thread writes what peers sent
 * into the other. Remote memory requests are served by the target's network thread straight on its
 * heap, so put, get, atomics and signals need no user code on the target and are served even while
 * its main thread is busy.
 *
 * AM frames skip the network thread: they travel on a second connection per pair that the main
 * threads own (am-links.ts), opened once the network threads have assembled the job, so an AM
 * crosses no thread hand-off. Frames to the own PE never leave the process: they are copied and
 * delivered in a later macrotask, as the local lamella does. Collectives are gathered by PE 0's
 * network thread.
 *
 * Failure: if the network thread reports a lost peer, a malformed message or a rendezvous that
 * never completed, pending operations reject and the error is thrown from the event loop, so the
 * process exits non-zero with a message naming the PE at fault (during `init` the error rejects
 * `initWorld` instead). A malformed frame on a message link is handed to the network thread, which
 * stops the job the same way.
 */
import { setImmediate as immediate } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import {
  checkPe, config, copyBytes, debug, deferred, ErrorCode, isLamellarError, LamellarError, warn, WarningCode,
  heapBuffer, heapWasm, launcherPid, noteJobMet, noteKillDeadline, packageUrl, type Deferred, type ErrorCodeValue, type KernelSpace, type LamellarConfig, type WasmMemory,
} from '../../core/index.js';
import { createHeap, detachedInFlight, heapBytes, MappedHeaps, Spill, type RingEnd } from '../common/index.js';
import type { AtomicOp, AtomicWord, FrameHandler, Lamella, LamellaStats } from '../types.js';
import { AmLinks } from './am-links.js';
import { createLink, inRing, type LinkShared, MAIN_BELL, MAIN_SLEEP, NET_BELL, NET_DONE, NET_SLEEP, outRing, ringBell, sleepOnBell } from './link.js';
import type { NetCommand } from './net-worker.js';
import type { NetBoot, NetEvent } from './node.js';
import { makePlan } from './plan.js';
import {
  asFault, CHUNK, COLL_MAIN, FLAG_LAST, getOperand, H_ARG, H_FLAGS, H_ID, H_LEN, H_PE, H_SUB, H_TYPE, HDR, Header, OPS,
  parseJson, putOperand, T, wordBytes, WORDS,
} from './wire.js';

interface Request {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  dst: Uint8Array | undefined;
}

const MAX_ADDR = 2 ** 32;
const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));
/** How long an aborted PE's exit waits for its network thread's close (which gives up after 2 s). */
const ABORT_EXIT_WAIT_MS = 3000;

/** How long a failed PE's network thread answers late arrivals with its failure (see #fail). */
const LATE_ARRIVAL_MS = 1500;

export class TcpLamella implements Lamella {
  readonly backend = 'tcp' as const;
  readonly myPe: number;
  readonly numPes: number;
  readonly stats: LamellaStats = { framesSent: 0, bytesSent: 0, selfBytes: 0, framesReceived: 0 };

  /** LAMELLAR_MAX_FRAME: peers refuse anything larger, so `send` does too. */
  get maxFrame(): number {
    return this.#cfg.maxFrame;
  }
  readonly #cfg: LamellarConfig;
  readonly #heap: SharedArrayBuffer;
  readonly #mem: MappedHeaps;
  readonly #link: LinkShared;
  readonly #ctl: Int32Array;
  /** MAIN_BELL's value when `#run` last looked: a different value now means input waits. */
  #bellSeen = 0;
  readonly #out: RingEnd;
  readonly #in: RingEnd;
  readonly #ringView: DataView;
  readonly #hdr = new Header();
  readonly #operands = new DataView(new ArrayBuffer(16));
  /** Records for the network thread that its ring had no room for. */
  readonly #pendingOut = new Spill();
  readonly #requests = new Map<number, Request>();
  readonly #collectives = new Map<number, Deferred<number[]>>();
  #handler: FrameHandler | undefined;
  /** The message links (am-links.ts): frames to and from peers. */
  #links: AmLinks | undefined;
  /** What the network thread said when the job assembled. */
  #netReady: { secret: string; hosts: (string | undefined)[]; host: string | undefined } | undefined;
  /** Rejected if the PE fails before init() ends (the links' set-up races it). */
  readonly #setupFailure = deferred<never>();
  #worker: Worker | undefined;
  #loop: Promise<void> | undefined;
  #ready: Deferred<void> | undefined;
  #workerClosed: Deferred<void> | undefined;
  #up = false;
  #closed = false;
  /** abort() was called: frames are dropped (see send). */
  #aborted = false;
  /** What abort() was given: the job's failure. */
  #abortReason: Error | undefined;
  #failure: LamellarError | undefined;
  #nextId = 1;
  #collSeq = 0;
  readonly #backend: 'tcp' | 'ofi';
  #selfQueue: Uint8Array[] = [];
  #selfScheduled = false;

  /** `backend`: 'ofi' when this lamella bootstraps ofi's (the PEs check they agree). */
  constructor(backend: 'tcp' | 'ofi' = 'tcp') {
    this.#backend = backend;
    const cfg = config();
    this.#cfg = cfg;
    this.myPe = cfg.peId;
    this.numPes = cfg.numPes;
    const memory = createHeap(heapBytes(cfg.heapSize, 1), cfg.wasmKernels);
    this.#heap = heapBuffer(memory);
    const heaps: SharedArrayBuffer[] = [];
    heaps[this.myPe] = this.#heap;
    const memories: (WasmMemory | undefined)[] = [];
    memories[this.myPe] = heapWasm(memory);
    // Kernels run on the own heap only (remote batches are applied by their owner): one slot.
    this.#mem = new MappedHeaps(heaps, this.myPe, { spinMicros: cfg.spinMicros, deadlockTimeoutSecs: cfg.deadlockTimeoutSecs }, { memories, slots: 1 });
    this.#link = createLink();
    this.#ctl = new Int32Array(this.#link.control);
    // AM frames come on sockets the spin cannot see; what the network thread hands over it can.
    this.#mem.setInputProbe(() => Atomics.load(this.#ctl, MAIN_BELL) !== this.#bellSeen);
    this.#out = outRing(this.#link);
    this.#in = inRing(this.#link);
    this.#ringView = new DataView(this.#link.rings);
  }

  setFrameHandler(handler: FrameHandler): void {
    this.#handler = handler;
  }

  async init(): Promise<void> {
    if (this.numPes === 1) return;
    const plan = makePlan(this.#cfg);
    const boot: NetBoot = {
      pe: this.myPe,
      numPes: this.numPes,
      backend: this.#backend,
      jobId: plan.jobId,
      secret: plan.secret,
      heap: this.#heap,
      link: this.#link,
      rendezvous: plan.rendezvous,
      bindAddr: this.#cfg.bindAddr,
      maxFrame: this.#cfg.maxFrame,
      rendezvousTimeoutSecs: this.#cfg.rendezvousTimeoutSecs,
      deadlockTimeoutSecs: this.#cfg.deadlockTimeoutSecs,
      peerTimeoutSecs: this.#cfg.peerTimeoutSecs,
      tls: this.#cfg.tls,
      launcherPid: launcherPid(),
    };
    const links = new AmLinks({
      me: this.myPe,
      numPes: this.numPes,
      maxFrame: this.#cfg.maxFrame,
      tls: this.#cfg.tls,
      onFrame: (src, frame) => {
        if (this.#closed) return;
        this.stats.framesReceived++;
        this.#handler!(src, frame);
      },
      // Stopped through the network thread, which tells every peer why (ABORT) and then this thread.
      onFatal: (code, message, origin, details) => {
        if (this.#closed) return;
        this.#worker?.postMessage({ type: 'fatal', code, message, ...(origin === undefined ? {} : { origin }), ...(details === undefined ? {} : { details }) } satisfies NetCommand);
      },
      onRefused: (message) => warn(WarningCode.UNAUTHENTICATED_PEER, message),
    });
    this.#links = links;
    // Message links listen where the network thread does: PE 0 at the master address's host.
    const r = plan.rendezvous;
    const listening = links.listen(r.kind === 'master' && this.myPe === 0 ? r.host : this.#cfg.bindAddr);
    listening.catch(() => {});
    this.#setupFailure.promise.catch(() => {});
    this.#ready = deferred<void>();
    const w = new Worker(packageUrl('dist/lamellae/tcp/net-worker.js'), { workerData: { lamellarNet: boot } });
    this.#worker = w;
    w.on('message', (e: NetEvent) => this.#onEvent(e));
    w.on('error', (err: Error) => {
      // A coded error of ours (the thread reads the configuration too: a bad value the script set
      // in process.env is a CONFIG error, as on shmem) keeps its code and details.
      const { code, details } = err as { code?: unknown; details?: Record<string, unknown> };
      if (typeof code === 'string' && KNOWN_CODES.has(code)) {
        const e = new LamellarError(code as ErrorCodeValue, `PE ${this.myPe}: ${err.message}`, details === undefined ? { cause: err } : { details, cause: err });
        e.stack = `${e.name}: ${e.message}`;
        this.#fail(e);
        return;
      }
      this.#fail(new LamellarError(ErrorCode.INTERNAL, `PE ${this.myPe}: the network thread failed: ${err.message}`, { cause: err }));
    });
    w.once('exit', () => {
      this.#workerClosed?.resolve();
      if (!this.#closed) this.#fail(new LamellarError(ErrorCode.INTERNAL, `PE ${this.myPe}: the network thread exited unexpectedly`));
    });
    this.#loop = this.#run();
    this.#loop.catch((err: unknown) => {
      // A failure while delivering frames is a runtime bug or a malformed frame; surface it so
      // the process stops instead of leaving its peers waiting.
      setImmediate(() => {
        throw err;
      });
    });
    await this.#ready.promise;
    const net = this.#netReady!;
    links.admit({ secret: net.secret, jobId: plan.jobId });
    try {
      const ports = await this.allgather(await listening);
      await Promise.race([links.connect(net.hosts, ports), this.#setupFailure.promise]);
    } catch (e) {
      // The job is up but this PE cannot join its message links: stop it through the network
      // thread, so the peers waiting in their own set-up hear why instead of waiting on.
      const err = isLamellarError(e) ? e : new LamellarError(ErrorCode.INTERNAL, `PE ${this.myPe}: ${(e as Error).message}`);
      links.abort();
      if (this.#failure === undefined) this.#worker?.postMessage({ type: 'fatal', code: err.code, message: err.message } satisfies NetCommand);
      throw err;
    }
    this.#up = true;
    debug('tcp PE %d of %d up (job %s, %s rendezvous)', this.myPe, this.numPes, plan.jobId, plan.rendezvous.kind);
  }

  #onEvent(e: NetEvent): void {
    switch (e.type) {
      case 'ready':
        noteJobMet();
        this.#netReady = { secret: e.secret, hosts: e.hosts, host: e.host };
        this.#ready?.resolve();
        return;
      case 'warn':
        warn(e.deadlock === true ? WarningCode.DEADLOCK : WarningCode.UNAUTHENTICATED_PEER, e.message);
        return;
      case 'fatal': {
        // The network thread kills this process then if it has not ended (a bootstrap holding
        // its exit must end before that).
        noteKillDeadline(e.killAt);
        const code = KNOWN_CODES.has(e.code) ? (e.code as ErrorCodeValue) : ErrorCode.PE_FAILED;
        const details = e.origin === undefined ? e.details : { ...e.details, origin: e.origin };
        const err = new LamellarError(code, `PE ${this.myPe}: ${e.message}`, details === undefined ? {} : { details });
        // Where this thread heard of it says nothing useful; the message says what happened.
        err.stack = `${err.name}: ${err.message}`;
        this.#fail(err);
        return;
      }
      case 'closed':
        this.#workerClosed?.resolve();
        void this.#worker?.terminate();
        return;
    }
  }

  /** The host the other PEs reach this PE at, once the job has met (see Lamella.advertisedHost). */
  get advertisedHost(): string | undefined {
    return this.#netReady?.host;
  }

  /** The failure that stopped this lamella (a lost peer, ...), once one has. */
  get failure(): LamellarError | undefined {
    return this.#failure;
  }

  #fail(err: LamellarError): void {
    if (this.#failure !== undefined || this.#closed) return;
    this.#failure = err;
    this.#stop();
    this.#links?.abort();
    // The network thread has told every peer; it stays a moment longer (without keeping the
    // process up), so that a PE still on its way to the rendezvous, one that started late, is
    // answered with this failure rather than a closed port it would dial until its rendezvous
    // timeout. Less than the thread's own FATAL_GRACE_MS, after which it would kill the process.
    const worker = this.#worker;
    if (worker !== undefined) {
      worker.unref();
      setTimeout(() => void worker.terminate(), LATE_ARRIVAL_MS).unref();
    }
    for (const r of this.#requests.values()) r.reject(err);
    this.#requests.clear();
    for (const d of this.#collectives.values()) d.reject(err);
    this.#collectives.clear();
    if (!this.#up) {
      this.#ready?.reject(err);
      this.#setupFailure.reject(err);
      return;
    }
    setImmediate(() => {
      throw err;
    });
  }

  #stop(): void {
    this.#closed = true;
    ringBell(this.#ctl, MAIN_BELL, MAIN_SLEEP);
  }

  #checkOpen(): void {
    if (this.#failure !== undefined) throw this.#failure;
    // Aborted (a collective mismatch, a deadlock with the abort action): a collective the script
    // calls after catching that error fails with it, not with "used after shutdown", which the
    // launcher would otherwise report as the job's failure (shmem's signals never throw here).
    if (this.#abortReason !== undefined) throw this.#abortReason;
    if (this.#closed) throw new LamellarError(ErrorCode.WORLD_SHUT_DOWN, 'tcp lamella used after shutdown');
  }

  // ---- to the network thread ----

  /** Queues one wire message for the network thread; copies `hdr` and `body` before returning. */
  #emit(hdr: Uint8Array, body: Uint8Array | undefined): void {
    if (this.#pendingOut.empty && this.#out.tryWriteParts(hdr, body)) return;
    this.#pendingOut.push(hdr, body);
    this.#out.setWaiting();
    // The network thread may have drained everything between the failed write and setWaiting.
    this.#retryOut();
  }

  readonly #writeOut = (record: Uint8Array): boolean => this.#out.tryWriteParts(record, undefined);

  #retryOut(): number {
    const i = this.#pendingOut.drain(this.#writeOut);
    if (i > 0) this.#kick();
    if (!this.#pendingOut.empty) this.#out.setWaiting();
    return i;
  }

  #kick(): void {
    ringBell(this.#ctl, NET_BELL, NET_SLEEP);
  }

  // ---- messages ----

  send(pe: number, frame: Uint8Array): void {
    this.#sendParts(pe, [frame], frame.length);
  }

  sendParts(pe: number, parts: readonly Uint8Array[], bytes: number): void {
    this.#sendParts(pe, parts, bytes);
  }

  #sendParts(pe: number, parts: readonly Uint8Array[], bytes: number): void {
    checkPe(pe, this.numPes);
    // After abort() the PE is failing with the abort's reason; a send still under way (an engine
    // flush queued as a microtask) must not throw an uncaught error of its own that ends the PE
    // first, or the launcher reports "used after shutdown" instead (shmem does the same).
    if (this.#aborted) return;
    this.#checkOpen();
    if (bytes > this.#cfg.maxFrame) {
      throw new LamellarError(
        ErrorCode.FRAME_TOO_LARGE,
        `a frame of ${bytes} bytes for PE ${pe} is larger than LAMELLAR_MAX_FRAME (${this.#cfg.maxFrame} bytes)`,
        { details: { pe, bytes, max: this.#cfg.maxFrame } },
      );
    }
    this.stats.framesSent++;
    this.stats.bytesSent += bytes;
    if (pe === this.myPe) {
      this.stats.selfBytes += bytes;
      this.#selfQueue.push(parts.length === 1 ? parts[0]!.slice() : joinParts(parts, bytes));
      if (!this.#selfScheduled) {
        this.#selfScheduled = true;
        setImmediate(this.#deliverSelf);
      }
      return;
    }
    this.#links!.send(pe, parts, bytes);
  }

  /** The engine's burst is over: write it now rather than in a microtask of its own. */
  sendsDone(): void {
    this.#links?.flush();
  }

  readonly #deliverSelf = (): void => {
    this.#selfScheduled = false;
    const q = this.#selfQueue;
    this.#selfQueue = [];
    for (const frame of q) {
      this.stats.framesReceived++;
      this.#handler!(this.myPe, frame);
    }
  };

  // ---- from the network thread ----

  async #run(): Promise<void> {
    const ctl = this.#ctl;
    while (!this.#closed) {
      const seq = Atomics.load(ctl, MAIN_BELL);
      this.#bellSeen = seq;
      let n = 0;
      if (this.#in.hasData()) {
        const r = this.#in.drain(this.#onIn);
        n += r.records;
        if (r.producerWaiting) this.#kick();
      }
      if (!this.#pendingOut.empty) n += this.#retryOut();
      if (n > 0) {
        await immediate();
        continue;
      }
      await sleepOnBell(ctl, MAIN_BELL, MAIN_SLEEP, seq);
    }
  }

  readonly #onIn = (view: Uint8Array): void => {
    const v = this.#ringView;
    const at = view.byteOffset;
    const src = v.getUint32(at + H_PE, true);
    const id = v.getUint32(at + H_ID, true);
    const body = view.subarray(HDR, HDR + v.getUint32(at + H_LEN, true));
    switch (view[H_TYPE]) {
      case T.PUT_ACK:
        this.#settle(id, undefined);
        return;
      case T.GET_DATA: {
        const r = this.#requests.get(id);
        if (r === undefined) return;
        const off = v.getUint32(at + H_ARG, true);
        if (off + body.length > r.dst!.length) {
          // Detached meanwhile (it reads as empty); the rest of its parts find no request.
          this.#requests.delete(id);
          r.reject(detachedInFlight(src));
          return;
        }
        copyBytes(r.dst!, off, body);
        if ((v.getUint16(at + H_FLAGS, true) & FLAG_LAST) !== 0) this.#settle(id, undefined);
        return;
      }
      case T.ATOMIC_RESULT:
        this.#settle(id, getOperand(v, at + HDR, view[H_SUB]!));
        return;
      case T.ERR: {
        const r = this.#requests.get(id);
        if (r === undefined) return;
        this.#requests.delete(id);
        const f = asFault(parseJson(body));
        const code = f !== undefined && KNOWN_CODES.has(f.code) ? (f.code as ErrorCodeValue) : ErrorCode.INTERNAL;
        r.reject(new LamellarError(code, f?.message ?? `PE ${src} failed a memory request`, { details: { pe: src } }));
        return;
      }
      case T.COLL_RESULT: {
        const d = this.#collectives.get(id);
        this.#collectives.delete(id);
        const values = new Array<number>(this.numPes);
        for (let i = 0; i < this.numPes; i++) values[i] = v.getFloat64(at + HDR + 8 * i, true);
        d?.resolve(values);
        return;
      }
    }
  };

  #settle(id: number, value: unknown): void {
    const r = this.#requests.get(id);
    if (r === undefined) return;
    this.#requests.delete(id);
    r.resolve(value);
  }

  #request(dst?: Uint8Array): { id: number; done: Promise<unknown> } {
    const id = this.#nextId;
    this.#nextId = (id + 1) >>> 0 || 1;
    const done = new Promise<unknown>((resolve, reject) => this.#requests.set(id, { resolve, reject, dst }));
    return { id, done };
  }

  // ---- memory ----

  #checkAddr(addr: number, len: number): void {
    if (!Number.isInteger(addr) || addr < 0 || addr + len > MAX_ADDR) {
      throw new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `heap access [${addr}, ${addr + len}) is not a valid heap range`, {
        details: { addr, len },
      });
    }
  }

  alloc(bytes: number): number {
    return this.#mem.alloc(bytes);
  }
  free(addr: number): void {
    this.#mem.free(addr);
  }

  async allgather(value: number): Promise<number[]> {
    if (this.numPes === 1) return [value];
    this.#checkOpen();
    const seq = ++this.#collSeq;
    const d = deferred<number[]>();
    this.#collectives.set(seq, d);
    this.#operands.setFloat64(0, value, true);
    this.#emit(this.#hdr.set(T.COLL, 0, 8, seq, 0, 0, COLL_MAIN), new Uint8Array(this.#operands.buffer, 0, 8));
    this.#kick();
    return d.promise;
  }

  /*
   * Not an async function: thousands of small puts may be in flight at once, and each suspended
   * async frame was one more object per put (with the request's promise, about 1.5 KB of heap
   * per put in flight on tcp).
   */
  put(pe: number, addr: number, src: Uint8Array): Promise<void> {
    try {
      checkPe(pe, this.numPes);
      this.#checkAddr(addr, src.length);
      if (pe === this.myPe) {
        this.#mem.put(pe, addr, src);
        return Promise.resolve();
      }
      this.#checkOpen();
    } catch (e) {
      return Promise.reject(e);
    }
    if (src.length === 0) return Promise.resolve();
    // Counted like AM frames, so world.stats().bytesSent covers RDMA puts as it does array puts.
    this.stats.bytesSent += src.length;
    const { id, done } = this.#request();
    for (let off = 0; off < src.length; off += CHUNK) {
      const n = Math.min(CHUNK, src.length - off);
      this.#emit(this.#hdr.set(T.PUT, pe, n, id, addr + off, 0, 0, off + n >= src.length ? FLAG_LAST : 0), src.subarray(off, off + n));
      // Wake the network thread per chunk: it sends the first while we copy the next.
      this.#kick();
    }
    return done as Promise<void>;
  }

  async get(pe: number, addr: number, dst: Uint8Array): Promise<void> {
    checkPe(pe, this.numPes);
    this.#checkAddr(addr, dst.length);
    if (pe === this.myPe) return this.#mem.get(pe, addr, dst);
    this.#checkOpen();
    if (dst.length === 0) return;
    const { id, done } = this.#request(dst);
    this.#emit(this.#hdr.set(T.GET, pe, 0, id, addr, dst.length), undefined);
    this.#kick();
    await done;
  }

  async atomic(pe: number, addr: number, word: AtomicWord, op: AtomicOp, value: number | bigint, expected?: number | bigint): Promise<number | bigint> {
    checkPe(pe, this.numPes);
    const w = WORDS.indexOf(word);
    const o = OPS.indexOf(op);
    if (w < 0 || o < 0) throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `unknown atomic ${String(op)} on word type ${String(word)}`);
    this.#checkAddr(addr, wordBytes(w));
    if (addr % wordBytes(w) !== 0) throw new LamellarError(ErrorCode.INTERNAL, `unaligned ${word} atomic at ${addr}`);
    if (pe === this.myPe) return this.#mem.atomic(pe, addr, word, op, value, expected);
    this.#checkOpen();
    putOperand(this.#operands, 0, w, value);
    putOperand(this.#operands, 8, w, expected);
    const { id, done } = this.#request();
    this.#emit(this.#hdr.set(T.ATOMIC, pe, 16, id, addr, 0, (w << 4) | o), new Uint8Array(this.#operands.buffer));
    this.#kick();
    return done as Promise<number | bigint>;
  }

  heap(pe: number): SharedArrayBuffer | undefined {
    return pe === this.myPe ? this.#heap : undefined;
  }

  kernelSpace(pe: number): KernelSpace | undefined {
    return this.#mem.kernelSpace(pe);
  }

  signal(pe: number, addr: number, value: number): void {
    checkPe(pe, this.numPes);
    if (pe === this.myPe) {
      this.#mem.signal(pe, addr, value);
      return;
    }
    this.#checkOpen();
    this.#emit(this.#hdr.set(T.SIGNAL, pe, 0, 0, addr, value), undefined);
    this.#kick();
  }

  waitSignal(addr: number, value: number, onSlow?: () => void): Promise<void> | undefined {
    return this.#mem.waitSignal(addr, value, onSlow);
  }

  // ---- lifecycle ----

  async barrier(): Promise<void> {
    await this.allgather(0);
  }

  async shutdown(): Promise<void> {
    if (this.numPes === 1 || this.#worker === undefined) {
      this.#closed = true;
      return;
    }
    this.#links?.expectClose();
    await this.barrier();
    await this.#links?.shutdown();
    this.#workerClosed = deferred<void>();
    this.#worker.postMessage({ type: 'shutdown' } satisfies NetCommand);
    await this.#workerClosed.promise;
    this.#stop();
    await this.#loop;
  }

  abort(reason: Error): void {
    if (this.#closed) return;
    this.#aborted = true;
    this.#abortReason = reason;
    const code = (reason as { code?: string }).code;
    this.#worker?.postMessage({
      type: 'abort',
      code: code !== undefined && KNOWN_CODES.has(code) ? code : ErrorCode.PE_FAILED,
      message: `PE ${this.myPe} aborted: ${reason.message}`,
    } satisfies NetCommand);
    this.#stop();
    this.#links?.abort();
    // The process may end right after this (an error thrown by a later call, or the script's
    // end): hold its exit until the network thread has delivered the ABORT and closed (NET_DONE),
    // bounded by its own close timeout. Blocking is what an exit handler can do.
    const ctl = this.#ctl;
    process.once('exit', () => void Atomics.wait(ctl, NET_DONE, 0, ABORT_EXIT_WAIT_MS));
  }
}

function joinParts(parts: readonly Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
