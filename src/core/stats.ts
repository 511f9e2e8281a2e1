/**
 * This PE's run-time counters, behind `world.stats()` and `lamellar run --stats` (Lamellar's
 * `MB_sent()` and friends). One instance per PE: every PE is a realm of its own (a worker thread
 * or a process), so module state here is per PE.
 *
 * What is always counted costs one increment where it happens (an AM launched or run, a put or
 * get, a heap allocation). What needs a clock or a heap query (time waiting in barriers and
 * collectives, the JS heap's peak) is measured only when stats are on (LAMELLAR_STATS, which
 * `lamellar run --stats` sets, or `initWorld({ stats: true })`): a barrier then reads the clock
 * twice, which on shmem is a tenth of the barrier itself.
 */
import { getHeapStatistics } from 'node:v8';

/** The counters; read through `world.stats()`. */
export const peCounters = {
  /** AM requests sent from this PE (one per destination of an execAmAll). */
  amsSent: 0,
  /** AMs whose function ran on this PE (remote, local and returned AMs). */
  amsExecuted: 0,
  /** Bytes copied by put into memory regions and arrays, to any PE. */
  putBytes: 0,
  /** Bytes copied by get from memory regions and arrays, from any PE. */
  getBytes: 0,
  /** Time spent waiting in barriers (stats on only). */
  barrierWaitMs: 0,
  /** Time spent waiting in other collectives: team, region, Darc and array creation (stats on only). */
  collectiveWaitMs: 0,
  /** The most bytes of this PE's memory-region heap in use at once. */
  peakRegionHeapBytes: 0,
  /** The largest JS heap seen in use, sampled after collectives and at snapshots (stats on only). */
  peakJsHeapBytes: 0,
};

let timing = false;
let lastSample = 0;

/** Turns clock-based measurements on (initWorld does, when stats are on). */
export function setStatsTiming(on: boolean): void {
  timing = on;
}

/**
 * Zeroes the wait times, when initWorld returns: they count from there, as `elapsedMs` does, so
 * the start-up barrier (which waits for the slowest PE to start) is not in them.
 */
export function resetWaits(): void {
  peCounters.barrierWaitMs = 0;
  peCounters.collectiveWaitMs = 0;
}

/** Whether clock-based measurements are on. */
export function statsTiming(): boolean {
  return timing;
}

/** Samples the JS heap in use, at most every 10 ms (a query costs a fraction of a microsecond). */
export function sampleJsHeap(force = false, now = performance.now()): void {
  if (!force && now - lastSample < 10) return;
  lastSample = now;
  const used = getHeapStatistics().used_heap_size;
  if (used > peCounters.peakJsHeapBytes) peCounters.peakJsHeapBytes = used;
}

/** Adds the time since `t0` to the barrier or collective wait time, and samples the heap. */
export function addWait(kind: 'barrier' | 'collective', t0: number): void {
  // One clock read serves both: a shmem barrier takes well under a microsecond.
  const now = performance.now();
  if (kind === 'barrier') peCounters.barrierWaitMs += now - t0;
  else peCounters.collectiveWaitMs += now - t0;
  sampleJsHeap(false, now);
}

/**
 * `run()`'s promise, timed as a wait in a barrier or a collective when stats are on
 * (world.stats()): a team collective's call, or a part of a creation collective (team, region,
 * Darc and array creation). A run that finished at once (undefined) counts its call.
 */
export function timedWait<R>(kind: 'barrier' | 'collective', run: () => Promise<R>): Promise<R>;
export function timedWait<R>(kind: 'barrier' | 'collective', run: () => Promise<R> | undefined): Promise<R> | undefined;
export function timedWait<R>(kind: 'barrier' | 'collective', run: () => Promise<R> | undefined): Promise<R> | undefined {
  if (!timing) return run();
  const t0 = performance.now();
  const p = run();
  if (p === undefined) {
    addWait(kind, t0);
    return undefined;
  }
  return p.then((r) => {
    addWait(kind, t0);
    return r;
  });
}
