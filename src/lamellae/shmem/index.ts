/**
 * The `shmem` lamella: PEs are worker threads of one process.
 *
 * Frames travel through one SPSC ring per ordered PE pair. A frame too large for one ring record
 * is copied once into the sender's own heap (which every PE maps) and only a descriptor travels
 * through the ring; the receiver hands the engine a view straight into the sender's heap and
 * then returns the block with a FREE record. So a 1 MiB AM costs two copies and no ring
 * ping-pong; if the heap is full the frame is split into ring-sized chunks instead.
 * Each PE has a doorbell word that
 * senders bump after writing; a PE with nothing to do sleeps on its doorbell with
 * Atomics.waitAsync (so its event loop stays free and it uses no CPU), and senders notify only
 * when the receiver has said it sleeps. After any activity a PE polls for a bounded time
 * (LAMELLAR_SPIN_US) before sleeping: a reply that comes back within that window costs a few
 * microseconds instead of an event-loop wake-up, and the bound keeps an oversubscribed core
 * (more PEs than cores) from being stolen from the PE we wait for.
 *
 * Memory: every PE maps every PE's heap, so put, get and atomics are done by the caller alone.
 */
import { workerData } from 'node:worker_threads';
import { config, copyBytes, debug, deferred, ErrorCode, heapBuffer, heapWasm, isLamellarError, LamellarError, checkPe, type Deferred } from '../../core/index.js';
import type { FrameHandler, HoldHooks, Lamella, LamellaStats } from '../types.js';
import { BARRIER_COUNT, BARRIER_GEN, bellIndex, boardByteOffset, ringBase, sleepIndex, type ShmemJob } from './job.js';
import { F_FIRST, F_FREE, F_HEAP, F_LAST, F_MID, F_WHOLE, MappedHeaps, MappedMemory, RingEnd } from '../common/index.js';
import { RecordAssembler } from './records.js';

export { createShmemJob, type ShmemJob } from './job.js';

/** The longest the inbox polls (LAMELLAR_SPIN_US) before it lets the event loop take a turn. */
const POLL_BURST_MS = 0.005;

/** What the launcher puts in `workerData.lamellar` for a shmem PE. */
export interface ShmemBoot {
  backend: 'shmem';
  pe: number;
  job: ShmemJob;
}

interface Pending {
  buf: Uint8Array;
  off: number;
  /** Ring flags for a small control or descriptor record (F_HEAP, F_FREE); 0 for a frame. */
  control: number;
}

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * How long a receiver holds a sender's frames back in their ring while that sender waits for
 * space, before it takes them (copies) anyway: past this, what the sender queued behind them
 * (the replies and collective messages that the engine takes out of turn) must get through.
 * Long enough that a burst the receiver works off in a few slices keeps its frames in the ring
 * (20 ms gave back the histo kernel's gain from holding); a flooder's reply behind 100 MB of
 * 50 KB AMs then arrives after about 0.4 s, not after the whole flood (1 s).
 */
const HOLD_MS = 100;

/** Staging blocks kept for reuse once receivers return them (beyond this they go back to the heap). */
const POOL_BYTES = 64 << 20;
/**
 * Staging blocks out at receivers at once, at most (bytes): a receiver that holds large frames
 * back (its AMs are busy) keeps their blocks, and a sender that staged every new large frame
 * would fill its own heap, where the program's memory regions live. Past this, large frames go
 * through the ring in parts and wait in the sender's queue.
 */
const STAGED_MAX = 256 << 20;
/**
 * Frames above this many bytes (or above a ring's largest record, if smaller) cross in a staging
 * block of the heap, the ring carrying only their 8-byte descriptor. Not tied to the ring's size:
 * a 32 MiB ring (2 PEs) takes records of up to 8 MiB, and four such frames would fill it, queueing
 * the replies and collective messages behind them at the sender.
 */
const STAGE_ABOVE = (2 << 20) - 8;

export function shmemBootFromWorker(): ShmemBoot | undefined {
  const boot = (workerData as { lamellar?: ShmemBoot } | null | undefined)?.lamellar;
  return boot?.backend === 'shmem' ? boot : undefined;
}

function launched(boot: ShmemBoot | undefined): ShmemBoot {
  if (boot !== undefined) return boot;
  throw new LamellarError(
    ErrorCode.NOT_LAUNCHED,
    "the shmem backend runs PEs as worker threads started by the launcher: use 'lamellar run -N <pes> --backend shmem <script>'",
  );
}

export class ShmemLamella extends MappedMemory implements Lamella {
  readonly backend = 'shmem' as const;
  readonly myPe: number;
  readonly numPes: number;
  readonly stats: LamellaStats = { framesSent: 0, bytesSent: 0, selfBytes: 0, framesReceived: 0 };
  /** Large frames go through the heap or in chunks, so any size fits. */
  readonly maxFrame = Number.POSITIVE_INFINITY;
  readonly #job: ShmemJob;
  /** Frames above this many bytes are staged: STAGE_ABOVE, or a ring's largest record if smaller. */
  readonly #stageAbove: number;
  readonly #ctl: Int32Array;
  readonly #board: Float64Array;
  readonly #out: RingEnd[];
  readonly #in: RingEnd[];
  readonly #inDrain: ((view: Uint8Array, flags: number, seen: boolean) => boolean)[];
  readonly #inPeek: ((view: Uint8Array, flags: number) => void)[];
  /** Drain callbacks that take every frame (copied if it must wait): for a sender held too long. */
  readonly #inTake: ((view: Uint8Array, flags: number, seen: boolean) => boolean)[];
  /** Per sender: when its ring began to hold a refused frame while it waited for space (0: not). */
  readonly #heldSince: Float64Array;
  readonly #pending: Pending[][];
  readonly #records: RecordAssembler;
  readonly #spinMs: number;
  readonly #bell: number;
  readonly #sleep: number;
  #handler: FrameHandler | undefined;
  /** The engine's side of holding frames back; without it every frame is taken. */
  #hooks: HoldHooks | undefined;
  /** The sender whose ring `#drainAll` drains first next time. */
  #drainFirst = 0;
  /** The last `#drainAll` left refused frames in a ring. */
  #held = false;
  /** Heap blocks that carry large frames: capacity by address, and the returned ones ready for reuse. */
  readonly #stageCap = new Map<number, number>();
  readonly #pool: number[] = [];
  #poolBytes = 0;
  /** Bytes of staging blocks not yet returned by their receivers. */
  #stagedBytes = 0;
  /** Settled when a staging block comes back (heapReturning), for an allocation that waits. */
  #returned: Deferred<void> | undefined;
  #pendingCount = 0;
  #lastActive = 0;
  /** The doorbell's value when `#run` last looked: a different value now means frames wait. */
  #bellSeen = 0;
  #asleep = false;
  #closed = false;
  /** abort() was called: frames are dropped (see #count). */
  #aborted = false;
  #gatherParity = 0;
  #bootTail: Promise<unknown> = Promise.resolve();
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #loop: Promise<void> | undefined;

  constructor(given: ShmemBoot | undefined = shmemBootFromWorker()) {
    const boot = launched(given);
    const cfg = config();
    const heaps = boot.job.heaps;
    super(
      new MappedHeaps(
        heaps.map(heapBuffer),
        boot.pe,
        { spinMicros: cfg.spinMicros, deadlockTimeoutSecs: cfg.deadlockTimeoutSecs },
        // Every PE runs kernels on every heap: one scratch slot per PE in each.
        { memories: heaps.map(heapWasm), slots: boot.job.numPes },
      ),
    );
    const job = boot.job;
    this.#job = job;
    this.myPe = boot.pe;
    this.numPes = job.numPes;
    this.#ctl = new Int32Array(job.control);
    this.#board = new Float64Array(job.control, boardByteOffset(job.numPes), 2 * job.numPes);
    this.#bell = bellIndex(this.myPe);
    this.#sleep = sleepIndex(this.myPe);
    this.#spinMs = cfg.spinMicros / 1000;
    this.mem.setInputProbe(() => Atomics.load(this.#ctl, this.#bell) !== this.#bellSeen);
    const n = job.numPes;
    this.#out = Array.from({ length: n }, (_, dst) => new RingEnd(job.rings, ringBase(this.myPe, dst, n, job.ringCap), job.ringCap));
    this.#stageAbove = Math.min(STAGE_ABOVE, this.#out[0]!.maxChunk);
    this.#in = Array.from({ length: n }, (_, src) => new RingEnd(job.rings, ringBase(src, this.myPe, n, job.ringCap), job.ringCap));
    this.#records = new RecordAssembler(
      n,
      {
        frame: (src, frame, holdable, seen) => {
          let taken = true;
          try {
            taken = this.#handler!(src, frame, holdable, seen) !== false;
          } finally {
            // A frame whose handler threw was read (the ring moves past it) and counts.
            if (taken) this.stats.framesReceived++;
          }
          return taken;
        },
        accepting: (src) => this.#hooks?.accepting(src) ?? true,
        scan: (src, frame) => this.#hooks?.scan(src, frame),
        heap: (src) => this.mem.bytes(src),
        release: (src, addr) => this.#control(src, F_FREE, addr, 0),
        unstage: (addr) => this.#unstage(addr),
      },
      undefined,
      `PE ${this.myPe}`,
    );
    this.#inDrain = Array.from({ length: n }, (_, src) => (view: Uint8Array, flags: number, seen: boolean) => this.#records.record(src, view, flags, true, seen));
    this.#inTake = Array.from({ length: n }, (_, src) => (view: Uint8Array, flags: number, seen: boolean) => this.#records.record(src, view, flags, false, seen));
    this.#heldSince = new Float64Array(n);
    this.#inPeek = Array.from({ length: n }, (_, src) => (view: Uint8Array, flags: number) => this.#records.peek(src, view, flags));
    this.#pending = Array.from({ length: n }, () => []);
  }

  setFrameHandler(handler: FrameHandler): void {
    this.#handler = handler;
  }

  setHoldHooks(hooks: HoldHooks): void {
    this.#hooks = hooks;
  }

  async init(): Promise<void> {
    // A pending waitAsync does not keep a worker alive (nodejs/node#44729): hold a ref'd timer
    // for the PE's lifetime instead. Alone, no other PE can wake it: as on the local lamella, a
    // script whose awaits can never settle ends with Node's exit code 13.
    if (this.numPes > 1) this.#keepAlive = setInterval(() => {}, 1 << 30);
    this.#loop = this.#run();
    this.#loop.catch((err: unknown) => {
      // A failure inside progress is a runtime bug; surface it as an uncaught error so the
      // launcher stops the job instead of leaving PEs waiting.
      setImmediate(() => {
        throw err;
      });
    });
    await this.barrier();
    debug('shmem PE %d of %d up (ring %d bytes)', this.myPe, this.numPes, this.#job.ringCap);
  }

  // ---- messages ----

  send(pe: number, frame: Uint8Array): void {
    if (!this.#count(pe, frame.length)) return;
    if (frame.length > this.#stageAbove) {
      const addr = this.#stage([frame], frame.length);
      if (addr !== 0) {
        this.#control(pe, F_HEAP, addr, frame.length);
        return;
      }
    }
    this.#enqueue(pe, frame, false);
  }

  /**
   * A frame in pieces (the engine's large AMs, whose typed arrays it did not copy): each piece is
   * copied once, straight into the ring record or the staging block. Only when neither takes it
   * now (ring full, heap full) are the pieces joined, which is the copy `send`'s caller would
   * have made.
   */
  sendParts(pe: number, parts: readonly Uint8Array[], bytes: number): void {
    if (!this.#count(pe, bytes)) return;
    const ring = this.#out[pe]!;
    if (bytes > this.#stageAbove) {
      const addr = this.#stage(parts, bytes);
      if (addr !== 0) {
        this.#control(pe, F_HEAP, addr, bytes);
        return;
      }
    } else if (this.#pending[pe]!.length === 0 && ring.tryWriteGather(parts, bytes)) {
      this.#ring(pe);
      return;
    }
    const frame = new Uint8Array(bytes);
    let at = 0;
    for (const p of parts) {
      copyBytes(frame, at, p);
      at += p.length;
    }
    this.#enqueue(pe, frame, true);
  }

  /** Counts a frame about to be sent; false: drop it, this PE was aborted. */
  #count(pe: number, bytes: number): boolean {
    checkPe(pe, this.numPes);
    // After abort() the PE is failing with the abort's reason, and sends still come from work
    // that was under way (an engine flush queued as a microtask). Throwing there would be an
    // uncaught error of its own that ends the PE first, so the launcher would report "send after
    // shutdown" instead of the reason (or of the script's own error, still unwinding).
    if (this.#aborted) return false;
    if (this.#closed) throw new LamellarError(ErrorCode.WORLD_SHUT_DOWN, 'send after shutdown');
    this.stats.framesSent++;
    this.stats.bytesSent += bytes;
    if (pe === this.myPe) this.stats.selfBytes += bytes;
    return true;
  }

  /** Writes what fits of `frame` into the ring and queues the rest (a copy, unless `owned`). */
  #enqueue(pe: number, frame: Uint8Array, owned: boolean): void {
    const queue = this.#pending[pe]!;
    if (queue.length === 0) {
      const off = this.#write(pe, frame, 0);
      if (off < frame.length) {
        queue.push({ buf: owned ? frame : frame.slice(), off, control: 0 });
        this.#pendingCount++;
        this.#out[pe]!.setWaiting();
        this.#retry(pe);
      }
    } else {
      queue.push({ buf: owned ? frame : frame.slice(), off: 0, control: 0 });
      this.#pendingCount++;
    }
    this.#ring(pe);
  }

  /**
   * Copies a large frame (its pieces, in order) into this PE's heap; returns its address, or 0 if
   * the heap is full.
   * Blocks come back from the receiver and are reused (no allocation, no zeroing, no page
   * faults); a block is reused for a frame that fills at least a quarter of it.
   */
  #stage(parts: readonly Uint8Array[], len: number): number {
    let addr = 0;
    for (let i = 0; i < this.#pool.length; i++) {
      const cap = this.#stageCap.get(this.#pool[i]!)!;
      if (cap >= len && cap <= len * 4 && this.#stagedBytes + cap <= STAGED_MAX) {
        addr = this.#pool[i]!;
        this.#pool.splice(i, 1);
        this.#poolBytes -= cap;
        break;
      }
    }
    if (addr === 0) {
      const cap = 2 ** Math.ceil(Math.log2(len));
      if (this.#stagedBytes + cap > STAGED_MAX) return 0;
      try {
        addr = this.mem.alloc(cap);
      } catch {
        return 0;
      }
      this.#stageCap.set(addr, cap);
    }
    this.#stagedBytes += this.#stageCap.get(addr)!;
    const heap = this.mem.bytes(this.myPe);
    let at = addr;
    for (const p of parts) {
      copyBytes(heap, at, p);
      at += p.length;
    }
    return addr;
  }

  /**
   * The heap's allocation, which first gives back the staging blocks kept for reuse when the
   * heap has no room: kept, up to 64 MiB of them made a region the program asked for fail after
   * a few large AMs had come and gone.
   */
  override alloc(bytes: number): number {
    try {
      return this.mem.alloc(bytes);
    } catch (e) {
      if (!isLamellarError(e, ErrorCode.OUT_OF_MEMORY)) throw e;
      if (this.#pool.length > 0) {
        for (const addr of this.#pool.splice(0)) {
          this.#stageCap.delete(addr);
          this.mem.free(addr);
        }
        this.#poolBytes = 0;
        try {
          return this.mem.alloc(bytes);
        } catch (again) {
          if (!isLamellarError(again, ErrorCode.OUT_OF_MEMORY)) throw again;
          throw this.#stagedNote(again);
        }
      }
      throw this.#stagedNote(e);
    }
  }

  /**
   * OUT_OF_MEMORY that says how much of the heap "in use" is staging blocks still out at their
   * receivers (they come back as the receivers read them): without it, a region asked for right
   * after a large AM read as the program's own heap being full.
   */
  #stagedNote(e: LamellarError): LamellarError {
    const out = this.#stagedBytes;
    if (out === 0) return e;
    return new LamellarError(
      ErrorCode.OUT_OF_MEMORY,
      `${e.message}; ${out} bytes of it carry large AMs this PE sent, until their receivers have read them (await those AMs first)`,
      { details: { ...e.details, staged: out }, cause: e },
    );
  }

  heapReturning(): Promise<void> | undefined {
    if (this.#stagedBytes === 0) return undefined;
    this.#returned ??= deferred<void>();
    return this.#returned.promise;
  }

  /** A receiver is done with a staging block: keep it for reuse, or return it to the heap. */
  #unstage(addr: number): void {
    const cap = this.#stageCap.get(addr);
    if (cap === undefined) throw new LamellarError(ErrorCode.PROTOCOL, `PE ${this.myPe} got back an unknown staging block ${addr}`);
    this.#stagedBytes -= cap;
    const waiting = this.#returned;
    this.#returned = undefined;
    waiting?.resolve();
    if (this.#poolBytes + cap <= POOL_BYTES) {
      this.#pool.push(addr);
      this.#poolBytes += cap;
    } else {
      this.#stageCap.delete(addr);
      this.mem.free(addr);
    }
  }

  /** Sends a two-word control record (descriptor or free), in order with frames to `pe`. */
  #control(pe: number, flags: number, a: number, b: number): void {
    const words = new Uint8Array(8);
    const dv = new DataView(words.buffer);
    dv.setUint32(0, a, true);
    dv.setUint32(4, b, true);
    const queue = this.#pending[pe]!;
    if (queue.length === 0 && this.#out[pe]!.tryWrite(words, flags)) {
      this.#ring(pe);
      return;
    }
    queue.push({ buf: words, off: 0, control: flags });
    this.#pendingCount++;
    this.#out[pe]!.setWaiting();
    this.#retry(pe);
    this.#ring(pe);
  }

  sendsDone(): void {
    this.#lastActive = performance.now();
    if (this.#asleep) this.#ring(this.myPe);
  }

  /** Writes as much of `frame` from `off` as the ring takes; returns the new offset. */
  #write(pe: number, frame: Uint8Array, off: number): number {
    const ring = this.#out[pe]!;
    const max = ring.maxChunk;
    if (frame.length <= max) return ring.tryWrite(frame, F_WHOLE) ? frame.length : 0;
    while (off < frame.length) {
      const end = Math.min(frame.length, off + (off === 0 ? max - 8 : max));
      const flags = off === 0 ? F_FIRST : end === frame.length ? F_LAST : F_MID;
      if (!ring.tryWrite(frame.subarray(off, end), flags, off === 0 ? frame.length : undefined)) break;
      off = end;
    }
    return off;
  }

  /**
   * Moves queued frames for `pe` into its ring while they fit. Returns how many records' worth
   * of progress was made (0 if nothing moved).
   */
  #retry(pe: number): number {
    const queue = this.#pending[pe]!;
    let progress = 0;
    while (queue.length > 0) {
      const p = queue[0]!;
      const before = p.off;
      const put = (): number =>
        p.control === 0 ? this.#write(pe, p.buf, p.off) : this.#out[pe]!.tryWrite(p.buf, p.control) ? p.buf.length : 0;
      p.off = put();
      if (p.off < p.buf.length) {
        this.#out[pe]!.setWaiting();
        // The consumer may have drained everything between our failed write and setWaiting;
        // one more try closes that window (if it still fails, data is unread, so the consumer
        // will run again and see the flag).
        p.off = put();
      }
      if (p.off !== before) progress++;
      if (p.off < p.buf.length) break;
      queue.shift();
      this.#pendingCount--;
    }
    // Ring on any progress, also a partly written frame: its chunks must be drained to make
    // room for the rest, and a consumer that is asleep would otherwise never see them.
    if (progress > 0) this.#ring(pe);
    return progress;
  }

  #ring(pe: number): void {
    Atomics.add(this.#ctl, bellIndex(pe), 1);
    if (Atomics.load(this.#ctl, sleepIndex(pe)) !== 0) Atomics.notify(this.#ctl, bellIndex(pe));
  }

  /**
   * Drains every incoming ring, starting one sender further on each time: the engine refuses
   * frames for the rest of a turn once its slice is used up, and the sender drained first every
   * time would otherwise be the only one served. Returns the records read; `#held` says a ring
   * still holds refused ones.
   */
  #drainAll(): number {
    let n = 0;
    const pes = this.numPes;
    const first = this.#drainFirst;
    this.#drainFirst = first + 1 === pes ? 0 : first + 1;
    this.#held = false;
    for (let k = 0, src = first; k < pes; k++, src = src + 1 === pes ? 0 : src + 1) {
      const ring = this.#in[src]!;
      if (!ring.hasData()) continue;
      const since = this.#heldSince[src]!;
      const take = since !== 0 && performance.now() - since > HOLD_MS;
      const r = ring.drain(take ? this.#inTake[src]! : this.#inDrain[src]!, this.#inPeek[src]);
      n += r.records;
      const waits = r.producerWaiting || ring.producerWaits();
      if (r.held) {
        this.#held = true;
        if (since === 0 && waits) this.#heldSince[src] = performance.now();
      } else if (!(take && waits)) this.#heldSince[src] = 0; // else go on taking while it waits
      if (r.producerWaiting) this.#ring(src);
    }
    if (this.#pendingCount > 0) for (let pe = 0; pe < this.numPes; pe++) n += this.#retry(pe);
    return n;
  }

  async #run(): Promise<void> {
    const ctl = this.#ctl;
    while (!this.#closed) {
      const seq = Atomics.load(ctl, this.#bell);
      this.#bellSeen = seq;
      // Refused frames are offered again next turn, when the engine's slice is new or their
      // sender's queue has moved on; nothing rings the bell for them, so this loop must not
      // sleep on them.
      if (this.#drainAll() > 0 || this.#held) {
        this.#lastActive = performance.now();
        await immediate();
        continue;
      }
      const until = this.#lastActive + this.#spinMs;
      const now = performance.now();
      if (now < until) {
        // Polled in bursts of at most POLL_BURST_MS with a turn of the event loop between them:
        // a poll holds the loop, and what the frames just served set going waits behind it (a
        // waitAll's next turn waited out all of LAMELLAR_SPIN_US after every reply). It also
        // ends when a barrier's sleeping wait is due.
        const mem = this.mem;
        const burstEnd = Math.min(until, now + POLL_BURST_MS);
        while (Atomics.load(ctl, this.#bell) === seq && performance.now() < burstEnd && !mem.signalDue());
        if (Atomics.load(ctl, this.#bell) !== seq) continue;
        if (burstEnd < until && !mem.signalDue()) {
          await immediate();
          continue;
        }
      }
      // Sleep protocol: we read `seq` before draining, and senders bump the bell after writing,
      // so waitAsync returns at once if anything arrived since; the sleep flag lets senders
      // skip notify while we are awake.
      Atomics.store(ctl, this.#sleep, 1);
      const r = Atomics.waitAsync(ctl, this.#bell, seq);
      if (r.async) {
        this.#asleep = true;
        await r.value;
        this.#asleep = false;
      }
      Atomics.store(ctl, this.#sleep, 0);
    }
  }

  // ---- memory ----

  /**
   * Bootstrap only (the teams' collectives run on their own channels). Calls on one PE run one
   * after another: the parity argument below, and the central barrier's count, both need that.
   */
  allgather(value: number): Promise<number[]> {
    return this.#serial(async () => {
      // Double-buffered by parity: a PE can only write slot set k+2 after barrier k+1, which every
      // PE enters only after reading set k.
      const base = (this.#gatherParity++ & 1) * this.numPes;
      this.#board[base + this.myPe] = value;
      await this.#centralBarrier();
      return Array.from(this.#board.subarray(base, base + this.numPes));
    });
  }

  /** Runs `f` after every earlier bootstrap collective of this PE has finished. */
  #serial<T>(f: () => Promise<T>): Promise<T> {
    const p = this.#bootTail.then(f);
    this.#bootTail = p.catch(() => undefined);
    return p;
  }
  // ---- lifecycle ----

  /**
   * Central sense-reversing barrier: only for init, allgather and shutdown, never hot. A PE's
   * calls run one after another: two at once would count this PE twice in one generation.
   */
  barrier(): Promise<void> {
    return this.#serial(() => this.#centralBarrier());
  }

  async #centralBarrier(): Promise<void> {
    const ctl = this.#ctl;
    const gen = Atomics.load(ctl, BARRIER_GEN);
    if (Atomics.add(ctl, BARRIER_COUNT, 1) === this.numPes - 1) {
      Atomics.store(ctl, BARRIER_COUNT, 0);
      Atomics.add(ctl, BARRIER_GEN, 1);
      Atomics.notify(ctl, BARRIER_GEN);
      return;
    }
    while (Atomics.load(ctl, BARRIER_GEN) === gen) {
      const r = Atomics.waitAsync(ctl, BARRIER_GEN, gen);
      if (r.async) await r.value;
    }
  }

  async shutdown(): Promise<void> {
    await this.barrier();
    this.#stop();
    await this.#loop;
  }

  abort(): void {
    this.#aborted = true;
    this.#stop();
  }

  #stop(): void {
    this.#closed = true;
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    Atomics.add(this.#ctl, this.#bell, 1);
    Atomics.notify(this.#ctl, this.#bell);
  }
}
