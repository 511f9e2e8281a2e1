/**
 * The shared state of one shmem job, made by the launcher and handed to every PE's worker.
 *
 * control (Int32 words, 16 per 64-byte line so hot words do not share a line):
 *   line 0: lamella-barrier arrival count;  line 1: lamella-barrier generation
 *   line 2+p: PE p's doorbell (word 0: a sequence bumped by every sender; word 1: 1 while asleep)
 *   after those: the allgather board, 2 x numPes f64 slots (double-buffered by call parity)
 * rings: numPes x numPes SPSC rings; ring (src, dst) carries frames from src to dst.
 * heaps: one shared WebAssembly memory per PE, the memory-region heap (common/mapped-heaps.ts).
 */
import { ErrorCode, LamellarError, type HeapMemory } from '../../core/index.js';
import { createHeap, heapBytes, RING_HEADER } from '../common/index.js';

export interface ShmemJob {
  readonly numPes: number;
  readonly jobId: string;
  readonly control: SharedArrayBuffer;
  readonly rings: SharedArrayBuffer;
  readonly ringCap: number;
  /** Shared WebAssembly memories (or SABs) travel to the workers as themselves: structured clone shares them. */
  readonly heaps: HeapMemory[];
}

export const LINE = 16;
export const BARRIER_COUNT = 0;
export const BARRIER_GEN = LINE;
export const bellIndex = (pe: number): number => (2 + pe) * LINE;
export const sleepIndex = (pe: number): number => (2 + pe) * LINE + 1;
export const boardByteOffset = (numPes: number): number => (2 + numPes) * LINE * 4;

/** The most bytes the rings of a job may take together: one SharedArrayBuffer's typed-array limit. */
const RINGS_MAX = 2 ** 32;
/** LAMELLAR_SHMEM_RING_SIZE's least value. */
const MIN_RING = 1 << 12;

export function ringBase(src: number, dst: number, numPes: number, cap: number): number {
  return (src * numPes + dst) * (RING_HEADER + cap);
}

/**
 * Ring capacity: all rings together near 128 MiB, each between 64 KiB and 32 MiB (32 MiB at 2
 * PEs, 8 MiB at 3 and 4, 2 MiB at 8, 512 KiB at 16). A synchronous send loop can only run ahead
 * of its receiver by what fits in the ring (beyond that, frames wait at the sender, copied, until
 * its loop yields, and then trickle across as the receiver frees room), so bigger is better while
 * it is cheap: SharedArrayBuffer pages cost memory only once touched. At 2 PEs, a buffered-AM
 * kernel of 10M updates per PE sends its peer 20 MB in one loop: 32 MiB rings instead of 8 took
 * index gather from 86 to 115 M/s and atomic histo from 97 to 121 MUPS (medians of 5 alternated
 * pairs, bench/results/ring-32mib-2026-12-07.jsonl).
 */
export function defaultRingCap(numPes: number, requested?: number): number {
  const want = requested ?? Math.max(1 << 16, Math.min(32 << 20, Math.floor((128 << 20) / (numPes * numPes))));
  return 2 ** Math.floor(Math.log2(want));
}

/** `kernels`: the heaps are shared WebAssembly memories where possible (LAMELLAR_WASM_KERNELS). */
export function createShmemJob(numPes: number, jobId: string, heapSize: number, ringSize?: number, kernels = true): ShmemJob {
  const ringCap = defaultRingCap(numPes, ringSize);
  // Every ring lives in one SharedArrayBuffer, which holds at most 4 GiB (a typed array's limit).
  const ringBytes = numPes * numPes * (RING_HEADER + ringCap);
  if (ringBytes > RINGS_MAX) {
    const fits = 2 ** Math.floor(Math.log2(RINGS_MAX / (numPes * numPes) - RING_HEADER));
    throw new LamellarError(
      ErrorCode.CONFIG,
      `shmem with ${numPes} PEs needs ${numPes}² rings of ${ringCap} bytes, ${ringBytes} bytes in all, more than the 4 GiB they share: ` +
        (fits >= MIN_RING ? `set LAMELLAR_SHMEM_RING_SIZE to ${fits} or less, or run fewer PEs per host (tcp)` : 'run fewer PEs on one host (tcp, or ofi, across processes)'),
      { details: { numPes, ringSize: ringCap, bytes: ringBytes } },
    );
  }
  return {
    numPes,
    jobId,
    control: new SharedArrayBuffer(boardByteOffset(numPes) + 2 * numPes * 8),
    rings: new SharedArrayBuffer(ringBytes),
    ringCap,
    heaps: Array.from({ length: numPes }, () => createHeap(heapBytes(heapSize, numPes), kernels)),
  };
}
