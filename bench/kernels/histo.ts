/**
 * histo: every PE adds 1 at `updates` uniform random indices of a table of `table` elements per
 * PE, laid out cyclically (global index g on PE g % P at offset ⌊g / P⌋), after lamellar-benchmarks'
 * histo and bale's histogram. The table is a shared memory region; each PE's part is changed
 * only by AMs running on that PE.
 *
 *   buffered_am         user aggregation: offsets for each PE collect in a buffer of `buffer`
 *                       updates, sent as one AM that adds them into the target's part
 *   buffered_am_atomic  the same, adding with Atomics.add (Lamellar's "safe" variant; a PE runs
 *                       one AM at a time here, so plain adds are already safe)
 *   am_per_update       one AM per update, `single-updates` of them: the per-AM overhead
 *
 * `no_transport`, on every PE at once, is buffered_am's own work with the launches replaced by
 * applying each buffer in place to a stand-in of the target's part: the same loop, the same
 * arithmetic and the same adds, no runtime. It is the ceiling any transport could reach with
 * this program on this machine; the buffered lines carry ratio_to_no_transport.
 *
 * Every variant and baseline runs `reps` times; the best rep is reported, the median beside it.
 * Baselines, same run, on PE 0: `postmessage` (postmessage-worker.ts, `pm-buffer` items per
 * message) and `local_loop` (one thread, no communication). Kernel lines carry
 * ratio_to_baseline (against postmessage) and ratio_to_local_loop. Verified: counts sum to the
 * updates, and Σ count × index equals Σ of the indices sent.
 *
 *   npx lamellar run -N 2 --backend shmem bench/kernels/histo.ts [--quick|--full] [--updates N] [--table N] ...
 */
import { defineAm, initWorld, type SharedMemoryRegion } from 'lamellar';
import { sameRunBaselines } from '../baselines/same-run.js';
import { parseSizes, ratio, Reporter } from '../lib/harness.js';
import { pipelined } from '../lib/pipeline.js';
import { profiled } from '../lib/phase-profile.js';
import { checkHisto, HISTO_SALT, histoStats, indexSum, kernelIndices } from './common.js';

/** This PE's part of the histogram (a view on the shared region). */
let table: Uint32Array = new Uint32Array(0);
let sentSum = 0;

const Add = defineAm('bench/histo/add', (_ctx, offs: Uint32Array) => {
  const t = table;
  for (let k = 0; k < offs.length; k++) t[offs[k]!]!++;
});
const AtomicAdd = defineAm('bench/histo/atomic-add', (_ctx, offs: Uint32Array) => {
  const t = table;
  for (let k = 0; k < offs.length; k++) Atomics.add(t, offs[k]!, 1);
});
const AddOne = defineAm('bench/histo/add-one', (_ctx, off: number) => {
  table[off]!++;
});
const Stats = defineAm('bench/histo/stats', (ctx) => histoStats(table, ctx.currentPe, ctx.numPes, sentSum));

const { mode, sizes } = parseSizes({
  quick: { updates: 1_000_000, table: 1000, buffer: 10_000, 'single-updates': 100_000, 'pm-buffer': 4096, reps: 3 },
  full: { updates: 10_000_000, table: 1000, buffer: 10_000, 'single-updates': 1_000_000, 'pm-buffer': 4096, reps: 5 },
});

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const P = world.numPes;
const me = world.myPe;
const region: SharedMemoryRegion<'u32'> = await world.allocSharedMemRegion('u32', sizes.table);
table = region.unsafeLocalData();
const indices = kernelIndices(HISTO_SALT, me, P, sizes.updates, sizes.table);

/**
 * Sends every update through per-destination buffers of `B` offsets, one AM per buffer. This
 * PE's own share is applied in place, as a hand-written program (and the postMessage baseline)
 * would.
 */
function buffered(send: (d: number, offs: Uint32Array) => void, atomic: boolean, n: number): void {
  const B = sizes.buffer;
  const bufs = new Uint32Array(P * B);
  const fill = new Int32Array(P);
  const t = table;
  for (let i = 0; i < n; i++) {
    const g = indices[i]!;
    const d = g % P;
    if (d === me) {
      if (atomic) Atomics.add(t, (g / P) | 0, 1);
      else t[(g / P) | 0]!++;
      continue;
    }
    const k = fill[d]!;
    bufs[d * B + k] = (g / P) | 0;
    if (k + 1 === B) {
      send(d, bufs.subarray(d * B, d * B + B));
      fill[d] = 0;
    } else fill[d] = k + 1;
  }
  for (let d = 0; d < P; d++) if (fill[d]! > 0) send(d, bufs.subarray(d * B, d * B + fill[d]!));
}

// The launch encodes the buffer at once, so `buffered` refills it straight away.
const sendAdd = (d: number, offs: Uint32Array): void => void world.execAmPe(d, Add, offs);
const sendAtomicAdd = (d: number, offs: Uint32Array): void => void world.execAmPe(d, AtomicAdd, offs);

/** Stand-ins for the other PEs' parts, for `no_transport`: what Add's handler does, in place. */
const standIns = Array.from({ length: P }, () => new Uint32Array(sizes.table));
const addInPlace = (d: number, offs: Uint32Array): void => {
  const t = standIns[d]!;
  for (let k = 0; k < offs.length; k++) t[offs[k]!]!++;
};

/** Times `no_transport` on every PE; PE 0 verifies each rep and reports. Returns its ops/s (PE 0). */
async function noTransport(n: number): Promise<number> {
  report.begin('histo', 'no_transport');
  const secs: number[] = [];
  for (let rep = 0; rep < sizes.reps; rep++) {
    table.fill(0);
    for (const t of standIns) t.fill(0);
    await world.barrier();
    const t0 = performance.now();
    buffered(addInPlace, false, n);
    await world.barrier();
    secs.push((performance.now() - t0) / 1000);
    const parts = standIns.map((t, d) => (d === me ? histoStats(table, me, P, indexSum(indices, n)) : histoStats(t, d, P, 0)));
    checkHisto(parts, n);
  }
  return report.emit({ name: 'histo', variant: 'no_transport', updatesPerPe: n, tableSizePerPe: sizes.table, secs, ops: P * n, bytes: 4, verified: true, extra: { buffer: sizes.buffer } });
}

async function perUpdate(n: number): Promise<void> {
  await pipelined(n, 8192, (start, end) => {
    let last: PromiseLike<unknown> | undefined;
    for (let i = start; i < end; i++) {
      const g = indices[i]!;
      last = world.execAmPe(g % P, AddOne, (g / P) | 0);
    }
    return last!;
  });
}

/** Times `reps` reps of one variant on every PE; PE 0 verifies each rep and reports the best. */
async function variant(name: string, n: number, run: () => void | Promise<void>, baseline: { pm: number; local: number; none: number }): Promise<void> {
  report.begin('histo', name);
  sentSum = indexSum(indices, n);
  const secs: number[] = [];
  await profiled(`histo.${name}`, me, async () => {
    for (let rep = 0; rep < sizes.reps; rep++) {
      table.fill(0);
      await world.barrier();
      const t0 = performance.now();
      await run();
      await world.waitAll();
      await world.barrier();
      secs.push((performance.now() - t0) / 1000);
      if (me === 0) checkHisto(await world.execAmAll(Stats), P * n);
      await world.barrier();
    }
  });
  if (me === 0) {
    report.emit({
      name: 'histo', variant: name, updatesPerPe: n, tableSizePerPe: sizes.table, secs, ops: P * n, bytes: 4, verified: true,
      baseline: { variant: 'postmessage', opsPerSec: baseline.pm },
      extra: {
        buffer: name === 'am_per_update' ? 1 : sizes.buffer,
        ratio_to_local_loop: ratio((P * n) / Math.min(...secs), baseline.local),
        ratio_to_no_transport: ratio((P * n) / Math.min(...secs), baseline.none),
      },
    });
  }
}

const pmLocal = await sameRunBaselines(report, me, {
  name: 'histo', kind: 'histo', numPes: P, updates: sizes.updates, tablePerPe: sizes.table, buffer: sizes['pm-buffer'], reps: sizes.reps, indices,
});
await world.barrier();
const base = { ...pmLocal, none: await noTransport(sizes.updates) };
await variant('buffered_am', sizes.updates, () => buffered(sendAdd, false, sizes.updates), base);
await variant('buffered_am_atomic', sizes.updates, () => buffered(sendAtomicAdd, true, sizes.updates), base);
await variant('am_per_update', Math.min(sizes['single-updates'], sizes.updates), () => perUpdate(Math.min(sizes['single-updates'], sizes.updates)), base);
await world.shutdown();
