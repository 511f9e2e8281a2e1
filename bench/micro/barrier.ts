/**
 * barrier: latency of `world.barrier()` on the PEs given, when they arrive together (a tight
 * loop of barriers). us_per_op is the time per barrier, measured on PE 0; best of `reps` loops.
 *
 * Verified by ordering, after the timed loop and for iters/64 more barriers: before each one PE 0
 * stamps its number on every PE with an AM, and every PE checks the stamp after it. A barrier
 * that let a PE through early would show a stale number.
 *
 *   npx lamellar run -N 2 --backend shmem bench/micro/barrier.ts [--quick|--full] [--iters N] [--reps N]
 */
import { defineAm, initWorld } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';

let stamp = -1;
const SetStamp = defineAm('bench/barrier/stamp', (_ctx, n: number) => {
  stamp = n;
});

const { mode, sizes } = parseSizes({ quick: { iters: 20_000, reps: 3 }, full: { iters: 200_000, reps: 5 } });

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });

async function loop(n: number): Promise<number> {
  await world.barrier();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await world.barrier();
  return (performance.now() - t0) / 1000;
}

async function checkOrdering(rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (world.myPe === 0) await world.execAmAll(SetStamp, i);
    await world.barrier();
    verify(stamp === i, `PE ${world.myPe} passed barrier ${i} before PE 0 had stamped it (saw ${stamp})`);
    await world.barrier();
  }
}

await loop(Math.ceil(sizes.iters / 10));
const secs: number[] = [];
report.begin('barrier', 'dissemination');
for (let rep = 0; rep < sizes.reps; rep++) secs.push(await loop(sizes.iters));
await checkOrdering(Math.max(2, Math.ceil(sizes.iters / 64)));
report.emit({ name: 'barrier', variant: 'dissemination', updatesPerPe: sizes.iters, tableSizePerPe: 0, secs, ops: sizes.iters, bytes: 0, verified: true });
await world.shutdown();
