/**
 * index_gather: every PE reads `updates` uniform random elements of a table of `table` elements
 * per PE, laid out cyclically, after lamellar-benchmarks' index_gather and bale's ig. The table
 * is a shared memory region holding a closed form of each global index (common.ts).
 *
 *   buffered_am  requests for each PE collect in a buffer of `buffer` offsets, sent as one AM
 *                that returns the values; the reply is scattered into the result by position
 *
 * `no_transport`, on every PE at once, is buffered_am's own work with each request answered in
 * place from a stand-in of the target's part (the handler's lookup, then the same scatter): the
 * ceiling any transport could reach with this program on this machine. buffered_am's line
 * carries ratio_to_no_transport.
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

function lookup(t: Uint32Array, offs: Uint32Array): Uint32Array {
  const vals = new Uint32Array(offs.length);
  for (let k = 0; k < offs.length; k++) vals[k] = t[offs[k]!]!;
  return vals;
}

const Gather = defineAm('bench/index-gather/gather', (_ctx, offs: Uint32Array) => lookup(table, offs));

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

/** Writes a reply's values to the positions of `out` they were requested for. */
function scatter(vals: Uint32Array, pos: Uint32Array): void {
  for (let k = 0; k < vals.length; k++) out[pos[k]!] = vals[k]!;
}

/** Sends one buffer of offsets to PE `d`; the reply is scattered to `pos`. */
type Request = (d: number, offs: Uint32Array, pos: Uint32Array) => Promise<void> | undefined;

// The launch encodes the offsets at once, so that buffer is reused; positions wait for the reply.
const requestAm: Request = (d, offs, pos) => world.execAmPe(d, Gather, offs).then((vals) => scatter(vals, pos));

/** Stand-ins for the other PEs' parts, for `no_transport`: answered in place, as Gather would. */
const standIns = Array.from({ length: P }, (_, d) => {
  const t = new Uint32Array(sizes.table);
  fillGatherTable(t, d, P);
  return t;
});
const requestInPlace: Request = (d, offs, pos) => {
  scatter(lookup(standIns[d]!, offs), pos);
  return undefined;
};

/** Requests every index through per-destination buffers; resolves when every reply is in `out`. */
function gather(request: Request): Promise<unknown> {
  const U = sizes.updates;
  const B = sizes.buffer;
  const offs = new Uint32Array(P * B);
  const poss: Uint32Array[] = Array.from({ length: P }, () => new Uint32Array(B));
  const fill = new Int32Array(P);
  const replies: Promise<void>[] = [];
  const send = (d: number, n: number): void => {
    const reply = request(d, offs.subarray(d * B, d * B + n), poss[d]!);
    if (reply !== undefined) replies.push(reply);
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

/** Times `reps` reps of `gather(request)` on every PE, each verified; returns the seconds. */
async function timed(request: Request): Promise<number[]> {
  const secs: number[] = [];
  for (let rep = 0; rep < sizes.reps; rep++) {
    out.fill(0);
    await world.barrier();
    const t0 = performance.now();
    await gather(request);
    await world.waitAll();
    await world.barrier();
    secs.push((performance.now() - t0) / 1000);
    checkGather(indices, out);
  }
  return secs;
}

const common = { name: 'index_gather', updatesPerPe: sizes.updates, tableSizePerPe: sizes.table, ops: P * sizes.updates, bytes: 4, verified: true };
report.begin('index_gather', 'no_transport');
const none = report.emit({ ...common, variant: 'no_transport', secs: await timed(requestInPlace), extra: { buffer: sizes.buffer } });

report.begin('index_gather', 'buffered_am');
const secs = await profiled('index_gather.buffered_am', me, () => timed(requestAm));
const best = (P * sizes.updates) / Math.min(...secs);
report.emit({
  ...common, variant: 'buffered_am', secs,
  baseline: { variant: 'postmessage', opsPerSec: base.pm },
  extra: { buffer: sizes.buffer, ratio_to_local_loop: ratio(best, base.local), ratio_to_no_transport: ratio(best, none) },
});
await world.shutdown();
