/**
 * allreduce: latency of `world.allReduce(x, 'sum')` of one number, when the PEs arrive together
 * (a tight loop), next to the barrier. us_per_op is the time per allReduce, measured on PE 0;
 * best of `reps` loops.
 *
 * `sum-f64-array`: one allReduce of a Float64Array of `elems` elements per op (MB_per_sec counts
 * one PE's array), beside the same-run baseline `hand_put_fold`: each PE puts its array into a
 * region on every other PE, a barrier, then adds them up in a plain loop.
 *
 * Verified: every PE passes its own number and the round, and checks the exact sum each time;
 * the arrays' sums are checked at every 997th element.
 *
 *   npx lamellar run -N 2 --backend shmem bench/micro/allreduce.ts [--quick|--full] [--iters N] [--elems N] [--array-iters N] [--reps N]
 */
import { initWorld } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';

const { mode, sizes } = parseSizes({
  quick: { iters: 5_000, elems: 1 << 17, 'array-iters': 10, reps: 3 },
  full: { iters: 50_000, elems: 1 << 20, 'array-iters': 10, reps: 5 },
});

const world = await initWorld();
const me = world.myPe;
const n = world.numPes;
const report = new Reporter({ myPe: me, numPes: n, backend: world.backend, mode });
const peSum = (n * (n - 1)) / 2;

async function loop(iters: number): Promise<number> {
  await world.barrier();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) {
    const s = await world.allReduce(me + i, 'sum');
    if (s !== peSum + n * i) verify(false, `PE ${me}: allReduce round ${i} gave ${s}, expected ${peSum + n * i}`);
  }
  return (performance.now() - t0) / 1000;
}

await loop(Math.ceil(sizes.iters / 10));
const secs: number[] = [];
report.begin('allreduce', 'sum-f64');
for (let rep = 0; rep < sizes.reps; rep++) secs.push(await loop(sizes.iters));
report.emit({ name: 'allreduce', variant: 'sum-f64', updatesPerPe: sizes.iters, tableSizePerPe: 0, secs, ops: sizes.iters, bytes: 0, verified: true });

const E = sizes.elems;
const mine = new Float64Array(E);
for (let i = 0; i < E; i++) mine[i] = i + me;
/** Element i of the sum over every PE. */
const want = (i: number): number => n * i + peSum;
function check(out: Float64Array, what: string): void {
  for (let i = 0; i < E; i += 997) if (out[i] !== want(i)) verify(false, `PE ${me}: ${what} [${i}] = ${out[i]}, expected ${want(i)}`);
}

const region = await world.allocSharedMemRegion('f64', E * n);
const landed = region.unsafeLocalData();
async function handPutFold(): Promise<Float64Array> {
  for (let pe = 0; pe < n; pe++) if (pe !== me) await region.put(pe, me * E, mine);
  await world.barrier();
  const out = mine.slice();
  for (let pe = 0; pe < n; pe++) {
    if (pe === me) continue;
    const at = pe * E;
    for (let i = 0; i < E; i++) out[i]! += landed[at + i]!;
  }
  // The next round's puts must wait until every PE has read this round's.
  await world.barrier();
  return out;
}

async function arrays(variant: string, once: () => Promise<Float64Array>): Promise<number> {
  const iters = sizes['array-iters'];
  check(await once(), variant);
  const times: number[] = [];
  report.begin('allreduce', variant);
  for (let rep = 0; rep < sizes.reps; rep++) {
    await world.barrier();
    const t0 = performance.now();
    for (let k = 0; k < iters; k++) check(await once(), variant);
    times.push((performance.now() - t0) / 1000);
  }
  const base = variant === 'hand_put_fold' ? undefined : { variant: 'hand_put_fold', opsPerSec: handRate };
  return report.emit({
    name: 'allreduce', variant, updatesPerPe: iters, tableSizePerPe: E, secs: times, ops: iters, bytes: E * 8, verified: true,
    ...(base === undefined ? {} : { baseline: base }),
  });
}

let handRate = 0;
handRate = await arrays('hand_put_fold', handPutFold);
await arrays('sum-f64-array', () => world.allReduce(mine, 'sum'));
await region.drop();
await world.shutdown();
