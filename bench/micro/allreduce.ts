/**
 * allreduce: latency of `world.allReduce(x, 'sum')` of one number, when the PEs arrive together
 * (a tight loop), next to the barrier. us_per_op is the time per allReduce, measured on PE 0;
 * best of `reps` loops.
 *
 * Verified: every PE passes its own number and the round, and checks the exact sum each time.
 *
 *   npx lamellar run -N 2 --backend shmem bench/micro/allreduce.ts [--quick|--full] [--iters N] [--reps N]
 */
import { initWorld } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';

const { mode, sizes } = parseSizes({ quick: { iters: 5_000, reps: 3 }, full: { iters: 50_000, reps: 5 } });

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
await world.shutdown();
