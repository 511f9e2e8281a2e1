/**
 * index_gather: every PE reads `updates` uniform random elements of a table of `table` elements
 * per PE, laid out cyclically, after lamellar-benchmarks' index_gather and bale's ig. The table
 * is a shared memory region holding a closed form of each global index (common.ts).
 *
 *   buffered_am  requests for each PE collect in a buffer of `buffer` offsets, sent as one AM
 *                that returns the values; the reply is scattered into the result by position
 *
 * Baselines, same run, on PE 0: `postmessage` (the same request/response by hand, `pm-buffer`
 * items per message) and `local_loop` (one thread, no communication). Every variant and baseline
 * runs `reps` times; the best rep is reported, the median beside it. Verified: every gathered
 * value equals the closed form of its index, on every PE.
 *
 *   npx lamellar run -N 2 --backend shmem bench/kernels/index_gather.ts [--quick|--full] [--updates N] [--table N] ...
 */
import { defineAm, initWorld, type SharedMemoryRegion } from 'lamellar';
import { sameRunBaselines } from '../baselines/same-run.js';
import { parseSizes, ratio, Reporter } from '../lib/harness.js';
import { profiled } from '../lib/phase-profile.js';
import { checkGather, fillGatherTable, GATHER_SALT, kernelIndices } from './common.js';

/** This PE's part of the table (a view on the shared region). */
let table: Uint32Array = new Uint32Array(0);

const Gather = defineAm('bench/index-gather/gather', (_ctx, offs: Uint32Array) => {
  const t = table;
  const vals = new Uint32Array(offs.length);
  for (let k = 0; k < offs.length; k++) vals[k] = t[offs[k]!]!;
  return vals;
});

const { mode, sizes } = parseSizes({
  quick: { updates: 1_000_000, table: 1000, buffer: 10_000, 'pm-buffer': 4096, reps: 3 },
  full: { updates: 10_000_000, table: 1000, buffer: 10_000, 'pm-buffer': 4096, reps: 5 },
});

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const P = world.numPes;
const me = world.myPe;
const region: SharedMemoryRegion<'u32'> = await world.allocSharedMemRegion('u32', sizes.table);
table = region.unsafeLocalData();
fillGatherTable(table, me, P);
const indices = kernelIndices(GATHER_SALT, me, P, sizes.updates, sizes.table);
const out = new Uint32Array(sizes.updates);

/** Requests every index through per-destination buffers; resolves when every reply is in `out`. */
function gather(): Promise<unknown> {
  const U = sizes.updates;
  const B = sizes.buffer;
  const offs = new Uint32Array(P * B);
  const poss: Uint32Array[] = Array.from({ length: P }, () => new Uint32Array(B));
  const fill = new Int32Array(P);
  const replies: Promise<void>[] = [];
  const send = (d: number, n: number): void => {
    const pos = poss[d]!;
    // The launch encodes the offsets at once, so that buffer is reused; positions wait for the reply.
    replies.push(
      world.execAmPe(d, Gather, offs.subarray(d * B, d * B + n)).then((vals) => {
        for (let k = 0; k < vals.length; k++) out[pos[k]!] = vals[k]!;
      }),
    );
    poss[d] = new Uint32Array(B);
    fill[d] = 0;
  };
  const local = table;
  for (let i = 0; i < U; i++) {
    const g = indices[i]!;
    const d = g % P;
    // This PE's own share is read in place, as a hand-written program (and the postMessage
    // baseline) would; only remote requests are buffered.
    if (d === me) {
      out[i] = local[(g / P) | 0]!;
      continue;
    }
    const k = fill[d]!;
    offs[d * B + k] = (g / P) | 0;
    poss[d]![k] = i;
    if (k + 1 === B) send(d, B);
    else fill[d] = k + 1;
  }
  for (let d = 0; d < P; d++) if (fill[d]! > 0) send(d, fill[d]!);
  return Promise.all(replies);
}

const base = await sameRunBaselines(report, me, {
  name: 'index_gather', kind: 'index_gather', numPes: P, updates: sizes.updates, tablePerPe: sizes.table, buffer: sizes['pm-buffer'], reps: sizes.reps, indices,
});

report.begin('index_gather', 'buffered_am');
const secs: number[] = [];
await profiled('index_gather.buffered_am', me, async () => {
  for (let rep = 0; rep < sizes.reps; rep++) {
    out.fill(0);
    await world.barrier();
    const t0 = performance.now();
    await gather();
    await world.waitAll();
    await world.barrier();
    secs.push((performance.now() - t0) / 1000);
    checkGather(indices, out);
  }
});
report.emit({
  name: 'index_gather', variant: 'buffered_am', updatesPerPe: sizes.updates, tableSizePerPe: sizes.table, secs, ops: P * sizes.updates, bytes: 4, verified: true,
  baseline: { variant: 'postmessage', opsPerSec: base.pm },
  extra: { buffer: sizes.buffer, ratio_to_local_loop: ratio((P * sizes.updates) / Math.min(...secs), base.local) },
});
await world.shutdown();
