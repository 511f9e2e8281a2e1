/**
 * The `ofi` lamella: PEs are OS processes that move AM frames and memory over libfabric, the
 * engine HPC fabrics speak (verbs, cxi, psm3, efa, and shm and tcp everywhere). Lamellar's ROFI
 * counterpart.
 *
 * Two halves. A small native addon (native/ofi/*.c) owns the endpoint and a progress
 * thread; this class runs on the main thread. They share the PE's heap, a shared WebAssembly
 * memory mapped whole from the start (common/mapped-heaps.ts) and registered whole with libfabric
 * (a shared memory never moves, so the registration stays valid), and two SPSC rings
 * (lamellae/common/ring.ts): commands go out, frames and completions come in. put and get are
 * fi_write/fi_read straight into the target's heap, and atomics are fi_atomic where the provider
 * performs the op and type: no message to the target's JavaScript thread, served even while it
 * runs synchronous code. Other atomics, signals and heap-length queries are small messages that
 * the target's progress thread serves on the heap with CPU atomics.
 *
 * Start-up, liveness and collectives ride on a bootstrap lamella (tcp, given by the factory):
 * its rendezvous and job secret decide who is in the job, and each PE then hands every other PE
 * a card over that authenticated mesh (fabric address, heap key and base, and a random token
 * that every fabric message carries, so a stranger on the fabric who does not know it is
 * ignored). A PE that dies is noticed by the bootstrap's connections and heartbeats and stops
 * the job as on tcp; the barrier and allgather of the lamella are the bootstrap's.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, unlinkSync } from 'node:fs';
import {
  checkPe, config, copyBytes, debug, debugOn, ErrorCode, heapBuffer, heapOf, heapWasm, isLamellarError, LamellarError, warn, WarningCode, type KernelSpace, type LamellarConfig, type WasmMemory,
} from '../../core/index.js';
import { createHeap, detachedInFlight, heapBytes, FrameAssembler, isWildcardHost, MappedHeaps, RING_HEADER, RingEnd, Spill } from '../common/index.js';
import type { AtomicOp, AtomicWord, FrameHandler, Lamella, LamellaStats } from '../types.js';
import { loadOfi, unknownProvider, type OfiAddon, type OfiEndpoint, type OfiPeer } from './addon.js';
import { startCards, type Card } from './cards.js';
import { StagingPool, summarize } from './staging.js';
import {
  C_BELL, C_DROPPED, C_HEAP_LEN, C_MAIN_PENDING, C_SLEEP, CHUNK, CONTROL_BYTES, ERR_BOUNDS, FATAL_PE_FAILED, FATAL_PROTOCOL, FLAG_FABRIC, FLAG_REGISTERED,
  getOfiOperand, H_ADDR, H_ID, H_LEN, H_PE, H_SUB, H_TYPE, HDR, Header, OPS, PART_FIRST, PART_LAST, PART_MID, PART_WHOLE, putOfiOperand, T, wordBytes, WORDS,
} from './wire.js';

interface Request {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  /** Word index of an atomic (to decode its result). */
  word: number;
}

/** How long a fabric failure that names no PE waits for the bootstrap to name a lost one. */
const UNNAMED_FAILURE_WAIT_MS = 500;

/** 4 MiB each way, as tcp's link: several 64 KiB frame parts fit without waiting. */
const RING_CAP = 4 << 20;
/**
 * From this size a get's destination outside the heap is registered with the fabric for the one
 * operation (written in place) rather than copied out of a heap staging block: a registration
 * costs microseconds on tcp and shm, a 1 MiB copy tens. (A put's source is always staged: see
 * put.)
 */
const REGISTER_BYTES = 256 << 10;
const MAX_ADDR = 2 ** 32;
/**
 * The largest part of a put or get in one fabric operation when the provider allows more: a
 * record's length field is 32 bits, and a 4 GiB transfer (the whole address range) would read 0.
 */
const MAX_PART = 2 ** 31;

export class OfiLamella implements Lamella {
  readonly backend = 'ofi' as const;
  readonly myPe: number;
  readonly numPes: number;
  readonly stats: LamellaStats = { framesSent: 0, bytesSent: 0, selfBytes: 0, framesReceived: 0 };
  /** What the fabric does for this PE: the provider, and which atomics took which path. */
  readonly fabric = { provider: '', fabricAtomics: 0, runtimeAtomics: 0, fabricOps: [] as string[], runtimeOps: [] as string[] };

  get maxFrame(): number {
    return this.#cfg.maxFrame;
  }

  readonly #boot: Lamella;
  readonly #cfg: LamellarConfig;
  readonly #heap: SharedArrayBuffer;
  readonly #bytes: Uint8Array;
  readonly #i32: Int32Array;
  readonly #mem: MappedHeaps;
  readonly #control = new SharedArrayBuffer(CONTROL_BYTES);
  readonly #ctl = new Int32Array(this.#control);
  readonly #rings = new SharedArrayBuffer(2 * (RING_HEADER + RING_CAP));
  readonly #out = new RingEnd(this.#rings, 0, RING_CAP);
  readonly #in = new RingEnd(this.#rings, RING_HEADER + RING_CAP, RING_CAP);
  readonly #ringView = new DataView(this.#rings);
  readonly #hdr = new Header();
  readonly #operands = new DataView(new ArrayBuffer(16));
  /** Records for the progress thread that its ring had no room for. */
  readonly #pendingOut = new Spill();
  readonly #requests = new Map<number, Request>();
  readonly #assembly: FrameAssembler;
  readonly #known: number[];
  readonly #staging: StagingPool;
  #addon: OfiAddon | undefined;
  #fabricOk: boolean[][] = [];
  /** The largest part of a put or get in one fabric operation (parts go out together). */
  #maxRma = MAX_PART;
  #handler: FrameHandler | undefined;
  #up = false;
  #closed = false;
  /** abort() was called: frames and signals are dropped (see send). */
  #aborted = false;
  /** What abort() was given: the job's failure. */
  #abortReason: Error | undefined;
  #failure: LamellarError | undefined;
  #nextId = 1;
  #dropped = 0;
  #heapLen = 0;
  #selfQueue: Uint8Array[] = [];
  #selfScheduled = false;

  /** `boot` is the lamella whose rendezvous, job secret and liveness checks the job uses. */
  constructor(boot: Lamella) {
    const cfg = config();
    this.#boot = boot;
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
    // The progress thread sets C_MAIN_PENDING when it has queued a wake-up for this thread.
    this.#mem.setInputProbe(() => Atomics.load(this.#ctl, C_MAIN_PENDING) !== 0);
    this.#bytes = new Uint8Array(this.#heap);
    this.#i32 = new Int32Array(this.#heap);
    this.#assembly = new FrameAssembler(this.numPes, cfg.maxFrame, `PE ${this.myPe}`);
    this.#known = new Array<number>(this.numPes).fill(0);
    this.#staging = new StagingPool((bytes) => this.alloc(bytes), (addr) => this.#mem.free(addr));
  }

  setFrameHandler(handler: FrameHandler): void {
    this.#handler = handler;
  }

  async init(): Promise<void> {
    const cfg = this.#cfg;
    const addon = loadOfi();
    this.#addon = addon;
    // A WebAssembly heap is mapped whole (its pages are committed as they are first touched); a
    // provider that pins registered memory (FI_MR_LOCAL/ALLOCATED hardware) pins all of it, so
    // such jobs set LAMELLAR_HEAP_SIZE to what they need. A growable SAB heap (no kernels)
    // commits pages as it grows, so such a provider needs its first MiB grown before fi_mr_reg.
    if (this.#heap.growable) this.#heap.grow(Math.min(this.#heap.maxByteLength, 1 << 20));
    this.#publishHeapLen();
    removeStaleShmRegions();
    // The bootstrap meets first: a PE bound to a wildcard address (LAMELLAR_BIND_ADDR=0.0.0.0,
    // as on a cluster) opens its fabric endpoint on the address it advertised there. Opened on
    // 0.0.0.0, the endpoint's name was that, and every peer failed to insert it ("cannot insert
    // a peer's address: Invalid argument").
    const swapCards = await startCards(this.#boot);
    const bindAddr = isWildcardHost(cfg.bindAddr) ? (this.#boot.advertisedHost ?? cfg.bindAddr) : cfg.bindAddr;
    let ep: OfiEndpoint;
    try {
      ep = addon.open({
        provider: cfg.ofiProvider,
        bindAddr,
        pe: this.myPe,
        numPes: this.numPes,
        heap: this.#bytes,
        heapMax: this.#heap.maxByteLength,
        control: this.#ctl,
        out: new Uint8Array(this.#rings, 0, RING_HEADER + RING_CAP),
        in: new Uint8Array(this.#rings, RING_HEADER + RING_CAP, RING_HEADER + RING_CAP),
        ringCap: RING_CAP,
        // The progress thread sleeps as soon as it has nothing to do: it is a thread beyond the
        // PE's main thread, and polling there took the core from the thread a reply waited for
        // (2 PEs on 2 shared cores: AM round trip 118 us without polling, 272 us with 50 us of
        // it on shm; 270 vs 615 us on tcp;ofi_rxm). Its wake-ups cost a futex or an epoll.
        spinUs: 0,
        fabricAtomics: cfg.ofiAtomics === 'auto',
      });
    } catch (e) {
      const code = (e as { code?: string }).code;
      const err =
        code === ErrorCode.OFI_PROVIDER
          ? unknownProvider(addon, cfg.ofiProvider ?? '(libfabric default)', `PE ${this.myPe} on ${bindAddr}: ${(e as Error).message}`)
          : e instanceof LamellarError
            ? e
            : new LamellarError(ErrorCode.INTERNAL, `PE ${this.myPe}: ${(e as Error).message}`, { cause: e });
      // The others have met this PE: they learn why it stops rather than waiting for its card.
      this.#boot.abort(err);
      throw err;
    }
    this.#fabricOk = ep.atomics;
    // A provider's max_msg_size bounds RMA as well as messages (verbs' is the port's, 1-2 GiB;
    // tcp;ofi_rxm and shm report more than a heap holds). LAMELLAR_OFI_MAX_RMA only lowers it.
    const providerMax = Math.min(ep.maxMsg, MAX_PART);
    this.#maxRma = cfg.ofiMaxRma > 0 ? Math.min(cfg.ofiMaxRma, providerMax) : providerMax;
    this.fabric.provider = ep.provider;
    for (let w = 0; w < WORDS.length; w++) {
      for (let o = 0; o < OPS.length; o++) (ep.atomics[w]![o] ? this.fabric.fabricOps : this.fabric.runtimeOps).push(`${OPS[o]}/${WORDS[w]}`);
    }
    const token = randomBytes(8).readBigUInt64LE();
    const mine: Card = { pe: this.myPe, provider: ep.provider, address: ep.address, key: ep.key, base: ep.base, token, heapLen: this.#mem.extent(this.myPe), doorbell: ep.doorbell };
    const cards = await swapCards(mine);
    const peers: OfiPeer[] = cards.map((c) => ({ address: c.address, key: c.key, base: c.base, token: c.token, doorbell: c.doorbell }));
    for (const c of cards) this.#known[c.pe] = c.heapLen;
    addon.connect(peers, token, this.#onWake);
    await this.#boot.barrier();
    // Every co-located peer has mapped this PE's doorbell by now; its name can go.
    addon.unlinkDoorbell();
    this.#up = true;
    const line =
      `PE ${this.myPe}: ofi provider ${ep.provider} (fabric ${ep.fabric}, domain ${ep.domain}, libfabric ${addon.libfabricVersion}), ` +
      `${ep.waitable ? 'blocking' : 'polled'} completions; atomics through the provider: ${summarize(this.fabric.fabricOps)}; ` +
      `through the runtime: ${summarize(this.fabric.runtimeOps)}; puts and gets in parts of up to ${this.#maxRma} bytes ` +
      `(the provider's max_msg_size: ${ep.maxMsg >= 2 ** 53 ? 'unlimited' : ep.maxMsg})`;
    debug('%s', line);
    if (debugOn(cfg, 'ofi')) process.stderr.write(`lamellar: ${line}\n`);
  }

  // ---- failure ----

  #fail(err: LamellarError): void {
    if (this.#failure !== undefined || this.#closed) return;
    this.#failure = err;
    for (const r of this.#requests.values()) r.reject(err);
    this.#requests.clear();
    // The bootstrap tells every peer why and stops; then this process ends with the error. The
    // endpoint stays open until the process exits (the addon closes it then): closing it now
    // could reset a peer's fabric connection before the bootstrap's ABORT reaches it, and the
    // peer would report the reset instead of the reason.
    this.#boot.abort(err);
    setTimeout(() => {
      throw err;
    }, 200);
  }

  #checkOpen(): void {
    if (this.#failure !== undefined) throw this.#failure;
    // Aborted (a collective mismatch, a deadlock with the abort action): a collective the script
    // calls after catching that error fails with it, not with "used after shutdown", which the
    // launcher would otherwise report as the job's failure (shmem's signals never throw here).
    if (this.#abortReason !== undefined) throw this.#abortReason;
    if (this.#closed) throw new LamellarError(ErrorCode.WORLD_SHUT_DOWN, 'ofi lamella used after shutdown');
  }

  // ---- to the progress thread ----

  #emit(hdr: Uint8Array, body: Uint8Array | undefined): void {
    // Failing (#fail): the job is ending, and nothing more goes to the fabric.
    if (this.#failure !== undefined) return;
    if (this.#pendingOut.empty && this.#out.tryWriteParts(hdr, body)) {
      this.#kick();
      return;
    }
    this.#pendingOut.push(hdr, body);
    this.#out.setWaiting();
    // The progress thread may have drained everything between the failed write and setWaiting.
    this.#retryOut();
    this.#kick();
  }

  readonly #writeOut = (record: Uint8Array): boolean => this.#out.tryWriteParts(record, undefined);

  #retryOut(): void {
    if (this.#failure !== undefined) {
      // Failing: the records still waiting are dropped (their requests were rejected), not posted.
      this.#pendingOut.drain(() => true);
      return;
    }
    if (this.#pendingOut.drain(this.#writeOut) > 0) this.#kick();
    if (!this.#pendingOut.empty) this.#out.setWaiting();
  }

  /** Bumps the progress thread's doorbell; wakes it (fi_cq_signal) only if it said it sleeps. */
  #kick(): void {
    Atomics.add(this.#ctl, C_BELL, 1);
    if (Atomics.load(this.#ctl, C_SLEEP) !== 0) this.#addon!.kick();
  }

  #request(word = 0): { id: number; done: Promise<unknown> } {
    const id = this.#nextId;
    this.#nextId = (id + 1) >>> 0 || 1;
    const done = new Promise<unknown>((resolve, reject) => this.#requests.set(id, { resolve, reject, word }));
    return { id, done };
  }

  // ---- from the progress thread ----

  /** Runs on the main thread when the progress thread has put something in the in ring. */
  readonly #onWake = (): void => {
    Atomics.store(this.#ctl, C_MAIN_PENDING, 0);
    if (this.#closed) return;
    try {
      const r = this.#in.drain(this.#onIn);
      if (r.producerWaiting) this.#kick();
      if (!this.#pendingOut.empty) this.#retryOut();
      const dropped = Atomics.load(this.#ctl, C_DROPPED);
      if (dropped !== this.#dropped) {
        warn(WarningCode.UNAUTHENTICATED_PEER, `PE ${this.myPe} ignored ${dropped - this.#dropped} fabric message(s) that did not carry a job member's token`);
        this.#dropped = dropped;
      }
    } catch (e) {
      this.#fail(e instanceof LamellarError ? e : new LamellarError(ErrorCode.INTERNAL, `PE ${this.myPe}: ${(e as Error).message}`, { cause: e }));
    }
  };

  readonly #onIn = (view: Uint8Array): void => {
    const v = this.#ringView;
    const at = view.byteOffset;
    const src = v.getUint32(at + H_PE, true);
    const id = v.getUint32(at + H_ID, true);
    const body = view.subarray(HDR, HDR + v.getUint32(at + H_LEN, true));
    switch (view[H_TYPE]) {
      case T.FRAME:
        this.#frame(src, view[H_SUB]!, v.getUint32(at + H_ADDR, true), body);
        return;
      case T.DONE:
      case T.QUIESCED:
        this.#settle(id, undefined);
        return;
      case T.ATOMIC_RESULT: {
        const r = this.#requests.get(id);
        if (r !== undefined) this.#settle(id, getOfiOperand(v, at + HDR, r.word));
        return;
      }
      case T.LEN_RESULT:
        this.#settle(id, Number(v.getBigUint64(at + HDR, true)));
        return;
      case T.SIGNAL:
        // The progress thread stored the value; wake whoever waits on it here.
        Atomics.notify(this.#i32, v.getUint32(at + H_ADDR, true) >>> 2);
        return;
      case T.ERROR:
      case T.REMOTE_ERROR: {
        const r = this.#requests.get(id);
        if (r === undefined) return;
        this.#requests.delete(id);
        const code = view[H_SUB] === ERR_BOUNDS ? ErrorCode.INDEX_OUT_OF_BOUNDS : ErrorCode.PE_FAILED;
        // A fabric operation on another PE that failed (its header names that PE): most likely
        // that PE is gone, so it is the failure's origin, and the launcher waits a moment for
        // that PE's own report (a PE that exited with code 3 mid-transfer was reported as this
        // PE's failure).
        const details = code === ErrorCode.PE_FAILED && src !== this.myPe ? { pe: src, origin: src } : { pe: src };
        r.reject(new LamellarError(code, new TextDecoder().decode(body), { details }));
        return;
      }
      case T.FATAL: {
        const sub = view[H_SUB];
        const code = sub === FATAL_PROTOCOL ? ErrorCode.PROTOCOL : sub === FATAL_PE_FAILED ? ErrorCode.PE_FAILED : ErrorCode.INTERNAL;
        // The header names the peer a failed send went to, plus one (0: no peer is known).
        const peer = src - 1;
        const lost = code === ErrorCode.PE_FAILED && peer >= 0 && peer !== this.myPe;
        const err = new LamellarError(code, `PE ${this.myPe}: ${new TextDecoder().decode(body)}`, lost ? { details: { origin: peer } } : {});
        err.stack = `${err.name}: ${err.message}`;
        if (code === ErrorCode.PE_FAILED && peer < 0) {
          // A fabric error that names no PE (a completion without its operation, a failed
          // receive) is how the shm provider shows a peer that exited. The bootstrap notices a
          // lost peer within milliseconds and fails naming it; that failure is the job's, so this
          // one waits a moment and yields to it.
          setTimeout(() => {
            if (this.#boot.failure === undefined) this.#fail(err);
          }, UNNAMED_FAILURE_WAIT_MS);
          return;
        }
        this.#fail(err);
        return;
      }
    }
  };

  #frame(src: number, part: number, total: number, body: Uint8Array): void {
    if (part === PART_FIRST) {
      this.#assembly.first(src, total, body);
      return;
    }
    if (part === PART_WHOLE) this.#assembly.checkSize(src, total);
    const whole = part === PART_WHOLE ? body : this.#assembly.next(src, body, part === PART_LAST);
    if (whole === undefined) return;
    this.stats.framesReceived++;
    this.#handler!(src, whole);
  }

  #settle(id: number, value: unknown): void {
    const r = this.#requests.get(id);
    if (r === undefined) return;
    this.#requests.delete(id);
    r.resolve(value);
  }

  // ---- messages ----

  send(pe: number, frame: Uint8Array): void {
    checkPe(pe, this.numPes);
    // After abort() the PE is failing with the abort's reason, and sends still come from work
    // that was under way (an engine flush queued as a microtask, by an `await using` disposal
    // unwinding that failure). Throwing there would be an uncaught error of its own that ends
    // the PE first, and the launcher would report "used after shutdown" instead of the reason
    // (tcp and shmem drop them the same way).
    if (this.#aborted) return;
    this.#checkOpen();
    if (frame.length > this.#cfg.maxFrame) {
      throw new LamellarError(
        ErrorCode.FRAME_TOO_LARGE,
        `a frame of ${frame.length} bytes for PE ${pe} is larger than LAMELLAR_MAX_FRAME (${this.#cfg.maxFrame} bytes)`,
        { details: { pe, bytes: frame.length, max: this.#cfg.maxFrame } },
      );
    }
    this.stats.framesSent++;
    this.stats.bytesSent += frame.length;
    if (pe === this.myPe) {
      this.stats.selfBytes += frame.length;
      this.#selfQueue.push(frame.slice());
      if (!this.#selfScheduled) {
        this.#selfScheduled = true;
        setImmediate(this.#deliverSelf);
      }
      return;
    }
    const total = frame.length;
    if (total <= CHUNK) {
      this.#emit(this.#hdr.set(T.FRAME, pe, total, 0, total, 0, 0, PART_WHOLE), frame);
      return;
    }
    for (let off = 0; off < total; off += CHUNK) {
      const end = Math.min(total, off + CHUNK);
      const part = off === 0 ? PART_FIRST : end === total ? PART_LAST : PART_MID;
      this.#emit(this.#hdr.set(T.FRAME, pe, end - off, 0, total, 0, 0, part), frame.subarray(off, end));
    }
  }

  sendsDone(): void {}

  readonly #deliverSelf = (): void => {
    this.#selfScheduled = false;
    const q = this.#selfQueue;
    this.#selfQueue = [];
    for (const frame of q) {
      this.stats.framesReceived++;
      this.#handler!(this.myPe, frame);
    }
  };

  // ---- memory ----

  #checkAddr(addr: number, len: number): void {
    if (!Number.isInteger(addr) || addr < 0 || addr + len > MAX_ADDR) {
      throw new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `heap access [${addr}, ${addr + len}) is not a valid heap range`, {
        details: { addr, len },
      });
    }
  }

  /** Tells the progress thread how much of the heap exists, so it never serves beyond it. */
  #publishHeapLen(): void {
    const len = this.#mem.extent(this.myPe);
    if (len === this.#heapLen) return;
    this.#heapLen = len;
    Atomics.store(this.#ctl, C_HEAP_LEN, Math.min(len, 2 ** 32 - 1) | 0);
  }

  /**
   * RMA must stay inside the part of the target's heap its allocator has handed out (a growable
   * heap's reservation beyond is not accessible memory; a heap mapped whole publishes the same
   * extent, so an access past it is refused alike). Extents only grow, so a length learned once stays true; an access past
   * it asks the target's progress thread for its length first (once per growth).
   */
  async #reach(pe: number, end: number): Promise<void> {
    if (end <= this.#known[pe]!) return;
    const { id, done } = this.#request();
    this.#emit(this.#hdr.set(T.LEN, pe, 0, id), undefined);
    const len = (await done) as number;
    this.#known[pe] = Math.max(this.#known[pe]!, len);
    if (end > len) {
      throw new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `heap access [${end - 1}, ${end}) outside PE ${pe}'s heap (${len} bytes)`, {
        details: { pe, end, len },
      });
    }
  }

  alloc(bytes: number): number {
    let addr: number;
    try {
      addr = this.#mem.alloc(bytes);
    } catch (e) {
      // Staging blocks kept for reuse hold heap space the program may need: a 300 KB put's
      // block made a later 500 KB region fail in a 1 MiB heap. Given back, and tried again.
      if (!isLamellarError(e, ErrorCode.OUT_OF_MEMORY) || !this.#staging.drain()) throw e;
      addr = this.#mem.alloc(bytes);
    }
    this.#publishHeapLen();
    return addr;
  }

  free(addr: number): void {
    this.#mem.free(addr);
  }

  async allgather(value: number): Promise<number[]> {
    return this.#boot.allgather(value);
  }

  async put(pe: number, addr: number, src: Uint8Array): Promise<void> {
    checkPe(pe, this.numPes);
    this.#checkAddr(addr, src.length);
    if (pe === this.myPe) return this.#mem.put(pe, addr, src);
    this.#checkOpen();
    if (src.length === 0) return;
    // Counted like AM frames, so world.stats().bytesSent covers RDMA puts as it does array puts.
    this.stats.bytesSent += src.length;
    // The source is taken at the call, as on shmem and tcp: copied into a staging block of the
    // heap before the first await, so the caller may reuse its buffer at once. Never registered
    // in place, which would let the fabric read bytes the caller changed after the call (a
    // 1 MiB copy costs tens of microseconds against hundreds for the transfer). Bytes already
    // in the own heap (a region's or array's local data) go straight from there, read by the
    // fabric until the put resolves, as RDMA from registered memory is (docs/memregion.md).
    const local = heapOf(src.buffer) === this.#heap ? { at: src.byteOffset, flags: 0, staged: false } : this.#stagePut(src);
    try {
      await this.#reach(pe, addr + src.length);
      // An abort may have closed the endpoint meanwhile.
      this.#checkOpen();
    } catch (e) {
      this.#release(local, src.length);
      throw e;
    }
    try {
      await this.#transfer(T.WRITE, pe, addr, src.length, local);
    } finally {
      this.#release(local, src.length);
    }
  }

  /**
   * One fabric write or read of `len` bytes between `local` and `addr` on `pe`, as parts of at
   * most #maxRma bytes issued together. Resolves once every part is done, and rejects with the
   * first part's failure only then: the caller frees `local`, which a part still in flight reads
   * or writes.
   */
  async #transfer(type: typeof T.WRITE | typeof T.READ, pe: number, addr: number, len: number, local: { at: number; flags: number }): Promise<void> {
    const max = this.#maxRma;
    if (len <= max) {
      const { id, done } = this.#request();
      this.#emit(this.#hdr.set(type, pe, 0, id, addr, len, local.at, 0, local.flags), undefined);
      await done;
      return;
    }
    const parts: Promise<unknown>[] = [];
    for (let off = 0; off < len; off += max) {
      const { id, done } = this.#request();
      // A registered buffer's record carries its slot in x's low 16 bits and the part's
      // offset into it above them (native/ofi/messages.c); a heap address is just the address.
      const x = local.flags === FLAG_REGISTERED ? local.at + off * 0x10000 : local.at + off;
      this.#emit(this.#hdr.set(type, pe, 0, id, addr + off, Math.min(max, len - off), x, 0, local.flags), undefined);
      parts.push(done);
    }
    const settled = await Promise.allSettled(parts);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /**
   * A put's source from outside the heap, copied at the call: into a staging block of the heap
   * (a power of two), or, when the heap has no such block free, into a private copy registered
   * for this put. A 600 KB put into a 1 MiB heap holding a 900 KB region failed with
   * OUT_OF_MEMORY, where shmem and tcp need no room for it. `keep` holds the copy (the fabric
   * reads it) until the put is done.
   */
  #stagePut(src: Uint8Array): { at: number; flags: number; staged: boolean; keep?: Uint8Array } {
    let at: number;
    try {
      at = this.#staging.take(src.length);
    } catch (e) {
      const keep = src.slice();
      return { at: this.#registerInstead(keep, e), flags: FLAG_REGISTERED, staged: false, keep };
    }
    copyBytes(this.#bytes, at, src);
    return { at, flags: 0, staged: true };
  }

  /**
   * Where the fabric writes the local side of a get: in place when it is part of the heap or
   * registered for the operation, else a staging block of the heap.
   */
  #localSide(view: Uint8Array): { at: number; flags: number; staged: boolean } {
    if (heapOf(view.buffer) === this.#heap) return { at: view.byteOffset, flags: 0, staged: false };
    if (view.length >= REGISTER_BYTES) {
      const slot = this.#addon!.reg(view);
      if (slot >= 0) return { at: slot, flags: FLAG_REGISTERED, staged: false };
    }
    try {
      return { at: this.#staging.take(view.length), flags: 0, staged: true };
    } catch (e) {
      // No staging block free in the heap (a nearly full one): the destination itself,
      // registered for this get, as a large get's always is.
      return { at: this.#registerInstead(view, e), flags: FLAG_REGISTERED, staged: false };
    }
  }

  /**
   * The registration slot of `view`, for an operation whose staging block `failure` refused:
   * rethrows `failure` unless it was the heap's OUT_OF_MEMORY and the fabric registers `view`.
   */
  #registerInstead(view: Uint8Array, failure: unknown): number {
    if (!isLamellarError(failure, ErrorCode.OUT_OF_MEMORY)) throw failure;
    const slot = this.#addon!.reg(view);
    if (slot < 0) throw failure;
    return slot;
  }

  #release(local: { at: number; flags: number; staged: boolean }, len: number): void {
    // After #fail the endpoint stays open until the process exits, and the progress thread may
    // still post or complete parts of this transfer that were in the out ring: its staging block
    // or registration stays in place (unregistered, the fabric would read or write through a
    // closed registration; given back, the block could be handed to another transfer).
    if (this.#failure !== undefined) return;
    if (local.staged) this.#staging.give(local.at, len);
    else if (local.flags === FLAG_REGISTERED) this.#addon!.unreg(local.at);
  }

  async get(pe: number, addr: number, dst: Uint8Array): Promise<void> {
    checkPe(pe, this.numPes);
    this.#checkAddr(addr, dst.length);
    if (pe === this.myPe) return this.#mem.get(pe, addr, dst);
    this.#checkOpen();
    // The length at the call: a destination detached meanwhile (see common/detached.ts) reads as
    // empty, from the first await on.
    const n = dst.length;
    if (n === 0) return;
    await this.#reach(pe, addr + n);
    // An abort may have closed the endpoint meanwhile: nothing to register with, or send on.
    this.#checkOpen();
    if (dst.length !== n) throw detachedInFlight(pe);
    const local = this.#localSide(dst);
    try {
      await this.#transfer(T.READ, pe, addr, n, local);
      if (local.staged) {
        if (dst.length !== n) throw detachedInFlight(pe);
        copyBytes(dst, 0, this.#bytes.subarray(local.at, local.at + n));
      }
    } finally {
      this.#release(local, n);
    }
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
    const fabric = this.#fabricOk[w]?.[o] === true;
    if (fabric) {
      await this.#reach(pe, addr + wordBytes(w));
      // An abort may have closed the endpoint meanwhile, and rejected every request it knew.
      this.#checkOpen();
      this.fabric.fabricAtomics++;
    } else {
      this.fabric.runtimeAtomics++;
    }
    putOfiOperand(this.#operands, 0, w, value);
    putOfiOperand(this.#operands, 8, w, expected);
    const { id, done } = this.#request(w);
    this.#emit(this.#hdr.set(T.ATOMIC, pe, 16, id, addr, 0, 0, (w << 4) | o, fabric ? FLAG_FABRIC : 0), new Uint8Array(this.#operands.buffer));
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
  }

  waitSignal(addr: number, value: number, onSlow?: () => void): Promise<void> | undefined {
    return this.#mem.waitSignal(addr, value, onSlow);
  }

  // ---- lifecycle ----

  async barrier(): Promise<void> {
    await this.#boot.barrier();
  }

  async shutdown(): Promise<void> {
    if (this.#closed) return;
    if (this.#up) {
      // Every operation this PE started has completed before any PE closes its endpoint.
      const { id, done } = this.#request();
      this.#emit(this.#hdr.set(T.QUIESCE, this.myPe, 0, id), undefined);
      await done;
      await this.#boot.barrier();
    }
    this.#close();
    await this.#boot.shutdown();
  }

  abort(reason: Error): void {
    if (this.#closed) return;
    this.#aborted = true;
    this.#abortReason = reason;
    // The endpoint closes now: no completion will come for what is in flight.
    for (const r of this.#requests.values()) r.reject(reason);
    this.#requests.clear();
    this.#boot.abort(reason);
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#addon?.close();
  }
}

/**
 * libfabric's shm provider names this process's region in /dev/shm after its pid
 * (`<pid>:0:0`), and fails to enable the endpoint ("Device or resource busy") if that name
 * exists. A process killed with SIGKILL leaves its region behind, and a later process that gets
 * its pid could not start (seen after chaos tests and `kill -9` runs left 16 such files). Before
 * this process opens its endpoint, nothing of its own can have that name: any such file is a
 * dead process's, and is removed, with a doorbell page (`lamellar-ofi-<pid>-...`, unlinked once
 * the job is up) that a process killed during start-up left under the same pid. Never throws.
 */
function removeStaleShmRegions(): void {
  const prefixes = [`${process.pid}:`, `lamellar-ofi-${process.pid}-`];
  try {
    for (const name of readdirSync('/dev/shm')) {
      if (!prefixes.some((p) => name.startsWith(p))) continue;
      try {
        unlinkSync(`/dev/shm/${name}`);
      } catch {}
    }
  } catch {}
}
