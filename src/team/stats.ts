/**
 * `world.stats()` and `lamellar run --stats`: a snapshot of this PE's counters (core/stats.ts)
 * and lamella, and at shutdown (with LAMELLAR_STATS) every PE's snapshot gathered on PE 0,
 * printed as a table on stderr and written as JSON where asked. Replaces Lamellar's `MB_sent()`.
 */
import { writeFileSync } from 'node:fs';
import { defineAm } from '../am/index.js';
import { kTeamInternals, peCounters, sampleJsHeap, statsTiming, type Backend } from '../core/index.js';
import type { Lamella } from '../lamellae/types.js';
import type { WorldRuntime } from './runtime.js';
import './team.js';

/**
 * What `world.stats()` returns: this PE's activity since `initWorld()`. Time waiting in barriers
 * and collectives and the JS heap's peak are measured only when stats are on (`lamellar run
 * --stats`, `LAMELLAR_STATS=1`, or `initWorld({ stats: true })`), and are undefined otherwise;
 * everything else is always counted.
 * @example
 * ```ts
 * const s: PeStats = world.stats();
 * console.log(`PE ${s.pe}: ${s.amsSent} AMs sent, ${(s.bytesSent[s.backend] ?? 0) / 1e6} MB`);
 * ```
 */
export interface PeStats {
  /**
   * The PE these numbers are from (world id).
   * @example
   * ```ts
   * console.log(world.stats().pe === world.myPe); // true
   * ```
   */
  readonly pe: number;
  /**
   * The lamella the world runs on.
   * @example
   * ```ts
   * console.log(world.stats().backend); // e.g. shmem
   * ```
   */
  readonly backend: Backend;
  /**
   * Milliseconds since this PE's `initWorld()` returned.
   * @example
   * ```ts
   * const { amsSent, elapsedMs } = world.stats();
   * console.log(`${(amsSent / elapsedMs) * 1000} AMs/s`);
   * ```
   */
  readonly elapsedMs: number;
  /**
   * The program's AM requests sent from this PE: one per `execAmPe`, one per destination of an
   * `execAmAll`. The runtime's own messages (collectives, array ops, lock requests) are not
   * counted here; `framesSent` and `bytesSent` include them.
   * @example
   * ```ts
   * const before = world.stats().amsSent;
   * await world.execAmAll(defineAm('doc/stats-noop', () => {}));
   * console.log(world.stats().amsSent - before); // numPes
   * ```
   */
  readonly amsSent: number;
  /**
   * The program's AMs whose function ran on this PE: sent to it, local (`execAmLocal`), or
   * returned to it (the runtime's own messages are not counted).
   * @example
   * ```ts
   * console.log(`${world.stats().amsExecuted} AMs ran here`);
   * ```
   */
  readonly amsExecuted: number;
  /**
   * Frames (batches of aggregated AMs) this PE handed to its lamella.
   * @example
   * ```ts
   * const { amsSent, framesSent } = world.stats();
   * console.log(`${amsSent / Math.max(1, framesSent)} AMs per frame`);
   * ```
   */
  readonly framesSent: number;
  /**
   * Bytes sent to other PEs, per lamella (Lamellar's `MB_sent()`, in bytes): every AM frame to
   * another PE, the runtime's too (AMs this PE sends itself count in `framesSent` only), plus the payload of region puts to another PE where they cross a network
   * (tcp, ofi). A put on shmem or local is a copy into mapped memory and sends nothing; a `get`'s
   * data is sent by its target and is counted in the caller's `getBytes` only.
   * @example
   * ```ts
   * const s = world.stats();
   * const mb = (s.bytesSent[s.backend] ?? 0) / 1e6;
   * ```
   */
  readonly bytesSent: Readonly<Partial<Record<Backend, number>>>;
  /**
   * Bytes copied by `put` into memory regions and arrays (to any PE).
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('u8', 16);
   * await r.put(0, 0, new Uint8Array(16));
   * console.log(world.stats().putBytes >= 16); // true
   * ```
   */
  readonly putBytes: number;
  /**
   * Bytes copied by `get` from memory regions and arrays (from any PE).
   * @example
   * ```ts
   * console.log(`${world.stats().getBytes} bytes read by get`);
   * ```
   */
  readonly getBytes: number;
  /**
   * Milliseconds spent waiting in barriers since `initWorld()` returned, the same span as
   * `elapsedMs` (stats on only; undefined otherwise).
   * @example
   * ```ts
   * const w = world.stats().barrierWaitMs;
   * if (w !== undefined) console.log(`${w.toFixed(1)} ms in barriers`);
   * ```
   */
  readonly barrierWaitMs: number | undefined;
  /**
   * Milliseconds spent waiting in other collectives since `initWorld()` returned: creating
   * teams, regions, Darcs and arrays (stats on only; undefined otherwise).
   * @example
   * ```ts
   * console.log(world.stats().collectiveWaitMs);
   * ```
   */
  readonly collectiveWaitMs: number | undefined;
  /**
   * The most bytes of this PE's memory-region heap (LAMELLAR_HEAP_SIZE) in use at once:
   * regions, arrays and the runtime's own blocks.
   * @example
   * ```ts
   * await world.allocSharedMemRegion('f64', 1 << 16);
   * console.log(world.stats().peakRegionHeapBytes >= 8 << 16); // true
   * ```
   */
  readonly peakRegionHeapBytes: number;
  /**
   * The largest JS heap in use that was seen, sampled after barriers and collectives and at each
   * snapshot (stats on only; undefined otherwise).
   * @example
   * ```ts
   * const mb = (world.stats().peakJsHeapBytes ?? 0) / 2 ** 20;
   * ```
   */
  readonly peakJsHeapBytes: number | undefined;
}

/** This PE's snapshot, from its runtime. */
export function statsOf(rt: WorldRuntime): PeStats {
  return snapshot(rt.lamella, rt.backend, rt.startedAt);
}

function snapshot(lamella: Lamella, backend: Backend, startedAt: number): PeStats {
  const timed = statsTiming();
  if (timed) sampleJsHeap(true);
  const c = peCounters;
  return {
    pe: lamella.myPe,
    backend,
    elapsedMs: performance.now() - startedAt,
    amsSent: c.amsSent,
    amsExecuted: c.amsExecuted,
    framesSent: lamella.stats.framesSent,
    bytesSent: { [backend]: lamella.stats.bytesSent - lamella.stats.selfBytes },
    putBytes: c.putBytes,
    getBytes: c.getBytes,
    barrierWaitMs: timed ? c.barrierWaitMs : undefined,
    collectiveWaitMs: timed ? c.collectiveWaitMs : undefined,
    peakRegionHeapBytes: c.peakRegionHeapBytes,
    peakJsHeapBytes: timed ? c.peakJsHeapBytes : undefined,
  };
}

/** Every PE's snapshot, for PE 0 at shutdown (a runtime AM, so the gather is not counted). */
export const StatsAm = defineAm('lamellar/stats', (ctx): PeStats => statsOf(ctx.world[kTeamInternals].runtime));

const mb = (bytes: number): string => (bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1);
const ms = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(1));

/** The table PE 0 prints at shutdown: one row per PE and a total. */
export function statsTable(all: readonly PeStats[]): string {
  const cols = ['PE', 'AMs sent', 'AMs run', 'frames', 'MB sent', 'put MB', 'get MB', 'barrier ms', 'coll. ms', 'region MB', 'JS heap MB'];
  const row = (s: PeStats, label: string): string[] => [
    label,
    String(s.amsSent),
    String(s.amsExecuted),
    String(s.framesSent),
    mb(s.bytesSent[s.backend] ?? 0),
    mb(s.putBytes),
    mb(s.getBytes),
    ms(s.barrierWaitMs),
    ms(s.collectiveWaitMs),
    mb(s.peakRegionHeapBytes),
    s.peakJsHeapBytes === undefined ? '-' : mb(s.peakJsHeapBytes),
  ];
  const sum = (f: (s: PeStats) => number): number => all.reduce((acc, s) => acc + f(s), 0);
  const maybe = (f: (s: PeStats) => number | undefined): number | undefined => (all.every((s) => f(s) !== undefined) ? sum((s) => f(s)!) : undefined);
  const first = all[0]!;
  const total: PeStats = {
    ...first,
    amsSent: sum((s) => s.amsSent),
    amsExecuted: sum((s) => s.amsExecuted),
    framesSent: sum((s) => s.framesSent),
    bytesSent: { [first.backend]: sum((s) => s.bytesSent[s.backend] ?? 0) },
    putBytes: sum((s) => s.putBytes),
    getBytes: sum((s) => s.getBytes),
    barrierWaitMs: maybe((s) => s.barrierWaitMs),
    collectiveWaitMs: maybe((s) => s.collectiveWaitMs),
    peakRegionHeapBytes: sum((s) => s.peakRegionHeapBytes),
    peakJsHeapBytes: maybe((s) => s.peakJsHeapBytes),
  };
  const rows = [cols, ...all.map((s) => row(s, String(s.pe))), row(total, 'all')];
  const widths = cols.map((_, k) => Math.max(...rows.map((r) => r[k]!.length)));
  const line = (r: string[]): string => r.map((cell, k) => cell.padStart(widths[k]!)).join('  ');
  const secs = (Math.max(...all.map((s) => s.elapsedMs)) / 1000).toFixed(2);
  return [`lamellar stats: ${all.length} PE(s) on ${first.backend}, ${secs} s`, ...rows.map(line)].join('\n');
}

/** At shutdown on PE 0: prints the table on stderr, and writes the JSON file if one is named. */
export function reportStats(all: readonly PeStats[], target: true | string): void {
  process.stderr.write(`${statsTable(all)}\n`);
  if (typeof target === 'string') {
    writeFileSync(target, `${JSON.stringify({ backend: all[0]?.backend, numPes: all.length, pes: all }, null, 2)}\n`);
  }
}
