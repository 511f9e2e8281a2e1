/**
 * The `local` lamella: one PE in the calling thread. Frames to self are copied and delivered
 * in a later macrotask, exactly as a remote send would be, so code that works here works on
 * shmem and tcp too: every AM argument is still serialized.
 */
import { config, ErrorCode, LamellarError, MappedHeaps, createHeap, checkPe } from '../../core/index.js';
import type { AtomicOp, AtomicWord, FrameHandler, Lamella, LamellaStats } from '../types.js';

export class LocalLamella implements Lamella {
  readonly backend = 'local' as const;
  readonly myPe = 0;
  readonly numPes = 1;
  readonly maxFrame = Number.POSITIVE_INFINITY;
  readonly stats: LamellaStats = { framesSent: 0, bytesSent: 0, framesReceived: 0 };
  readonly #mem: MappedHeaps;
  #handler: FrameHandler | undefined;
  #queue: Uint8Array[] = [];
  #scheduled = false;
  #closed = false;

  constructor() {
    const cfg = config();
    this.#mem = new MappedHeaps([createHeap(cfg.heapSize)], 0, {
      spinMicros: 0,
      deadlockTimeoutSecs: cfg.deadlockTimeoutSecs,
    });
  }

  setFrameHandler(handler: FrameHandler): void {
    this.#handler = handler;
  }

  async init(): Promise<void> {}

  send(pe: number, frame: Uint8Array): void {
    checkPe(pe, 1);
    if (this.#closed) throw new LamellarError(ErrorCode.WORLD_SHUT_DOWN, 'send after shutdown');
    this.stats.framesSent++;
    this.stats.bytesSent += frame.length;
    this.#queue.push(frame.slice());
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#deliver);
    }
  }

  sendsDone(): void {}

  readonly #deliver = (): void => {
    this.#scheduled = false;
    const q = this.#queue;
    this.#queue = [];
    for (const frame of q) {
      this.stats.framesReceived++;
      this.#handler!(0, frame);
    }
  };

  alloc(bytes: number): number {
    return this.#mem.alloc(bytes);
  }
  free(addr: number): void {
    this.#mem.free(addr);
  }
  async allgather(value: number): Promise<number[]> {
    return [value];
  }
  async put(pe: number, addr: number, src: Uint8Array): Promise<void> {
    this.#mem.put(pe, addr, src);
  }
  async get(pe: number, addr: number, dst: Uint8Array): Promise<void> {
    this.#mem.get(pe, addr, dst);
  }
  async atomic(pe: number, addr: number, word: AtomicWord, op: AtomicOp, value: number | bigint, expected?: number | bigint): Promise<number | bigint> {
    return this.#mem.atomic(pe, addr, word, op, value, expected);
  }
  heap(pe: number): SharedArrayBuffer | undefined {
    return this.#mem.heaps[pe];
  }
  signal(pe: number, addr: number, value: number): void {
    this.#mem.signal(pe, addr, value);
  }
  waitSignal(addr: number, value: number, onSlow?: () => void): Promise<void> | undefined {
    return this.#mem.waitSignal(addr, value, onSlow);
  }
  async barrier(): Promise<void> {}
  async shutdown(): Promise<void> {
    this.#closed = true;
  }
  abort(): void {
    this.#closed = true;
  }
}
