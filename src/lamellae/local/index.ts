/**
 * The `local` lamella: one PE in the calling thread. Frames to self are copied and delivered
 * in a later macrotask, exactly as a remote send would be, so code that works here works on
 * shmem and tcp too: every AM argument is still serialized.
 */
import { config, ErrorCode, heapBuffer, heapWasm, LamellarError, checkPe } from '../../core/index.js';
import { createHeap, heapBytes, MappedHeaps, MappedMemory } from '../common/index.js';
import type { FrameHandler, Lamella, LamellaStats } from '../types.js';

export class LocalLamella extends MappedMemory implements Lamella {
  readonly backend = 'local' as const;
  readonly myPe = 0;
  readonly numPes = 1;
  readonly maxFrame = Number.POSITIVE_INFINITY;
  readonly stats: LamellaStats = { framesSent: 0, bytesSent: 0, selfBytes: 0, framesReceived: 0 };
  #handler: FrameHandler | undefined;
  #queue: Uint8Array[] = [];
  #scheduled = false;
  #closed = false;

  constructor() {
    const heap = createHeap(heapBytes(config().heapSize, 1), config().wasmKernels);
    super(new MappedHeaps([heapBuffer(heap)], 0, { spinMicros: 0, deadlockTimeoutSecs: config().deadlockTimeoutSecs }, { memories: [heapWasm(heap)], slots: 1 }));
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
    this.stats.selfBytes += frame.length;
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

  async allgather(value: number): Promise<number[]> {
    return [value];
  }
  async barrier(): Promise<void> {}
  async shutdown(): Promise<void> {
    this.#closed = true;
  }
  abort(): void {
    this.#closed = true;
  }
}
