/**
 * The state board of a worker-thread job (local, shmem): one SharedArrayBuffer the launcher and
 * every PE map. It lets the launcher judge a PE that ends with code 0 (process.exit(0) in a worker
 * ends only that thread): harmless once its world shut down, a failure if its world is still up
 * (the others may wait for it), and a failure if it never called initWorld() while another PE
 * waits for it in initWorld().
 *
 * words (Int32): state[pe] (a PeState) for pe in 0..n-1, then gone[pe] for pe in 0..n-1, set to 1
 * by the launcher once PE pe ended without calling initWorld().
 */
import { ErrorCode, LamellarError, PeState, type PeMonitor, type PeStateValue } from '../core/index.js';

export interface PeBoard {
  words: Int32Array;
  pe: number;
  numPes: number;
}

export function createBoard(numPes: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(8 * numPes));
}

export function stateOf(words: Int32Array, pe: number): PeStateValue {
  return Atomics.load(words, pe) as PeStateValue;
}

/**
 * The launcher records that `pe` ended without a world, then returns a PE that is waiting for it
 * in initWorld() (its world started, not yet shut down), if any is still running.
 */
export function markGone(words: Int32Array, numPes: number, pe: number, running: (q: number) => boolean): number | undefined {
  Atomics.store(words, numPes + pe, 1);
  for (let q = 0; q < numPes; q++) if (q !== pe && running(q) && stateOf(words, q) === PeState.WORLD) return q;
  return undefined;
}

/** Whether PE `pe` was marked gone (it ended without a world: markGone). */
export function isGone(words: Int32Array, numPes: number, pe: number): boolean {
  return pe >= 0 && pe < numPes && Atomics.load(words, numPes + pe) === 1;
}

/** The PE side: publishes each state change; starting a world fails if a PE ended without one. */
export function boardMonitor(b: PeBoard): PeMonitor {
  return {
    state(s) {
      Atomics.store(b.words, b.pe, s);
      if (s !== PeState.WORLD) return;
      // A Dekker pair with markGone: the launcher stores `gone` and then reads the states; we
      // store our state and then read `gone`. Sequentially consistent atomics make at least one
      // side see the other, so either this initWorld fails or the launcher stops the job.
      for (let q = 0; q < b.numPes; q++) {
        if (Atomics.load(b.words, b.numPes + q) === 1) {
          throw new LamellarError(
            ErrorCode.PE_FAILED,
            `PE ${q} ended without calling initWorld(), so initWorld() on PE ${b.pe} would wait for it forever`,
            { details: { pe: q } },
          );
        }
      }
    },
  };
}
