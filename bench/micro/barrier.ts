/**
 * barrier: latency of `world.barrier()` on the PEs given, when they arrive together (a tight
 * loop of barriers). us_per_op is the time per barrier, measured on PE 0; best of `reps` loops.
 *
 * `am_between`: each round is a barrier, then PE 0 awaits a small AM on the last PE, which has
 * gone on to the next barrier and waits there for PE 0. us_per_op per round; beside it the
 * barrier alone and `am_only` (the same AMs without barriers), so a round should cost about
 * their sum. A PE that polls in its barrier without serving its AMs makes the AM wait out the
 * poll (LAMELLAR_SPIN_US).
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
const Ping = defineAm('bench/barrier/ping', (ctx, n: number) => n + ctx.currentPe);

const { mode, sizes } = parseSizes({ quick: { iters: 20_000, reps: 3 }, full: { iters: 200_000, reps: 5 } });

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });

async function loop(n: number): Promise<number> {
  await world.barrier();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await world.barrier();
  return (performance.now() - t0) / 1000;
}

/** Rounds of barrier + (on PE 0) an awaited AM on the last PE; `barriers: false` for the AMs alone. */
async function amLoop(n: number, barriers: boolean): Promise<number> {
  const last = world.numPes - 1;
  let sum = 0;
  await world.barrier();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (barriers) await world.barrier();
    if (world.myPe === 0) sum += (await world.execAmPe(last, Ping, i)) - last;
  }
  const secs = (performance.now() - t0) / 1000;
  if (world.myPe === 0) verify(sum === (n * (n - 1)) / 2, `the pings returned a sum of ${sum}, not ${(n * (n - 1)) / 2}`);
  await world.barrier();
  return secs;
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

const amIters = Math.ceil(sizes.iters / 4);
for (const [variant, barriers] of [['am_only', false], ['am_between', true]] as const) {
  await amLoop(Math.ceil(amIters / 10), barriers);
  const s: number[] = [];
  report.begin('barrier', variant);
  for (let rep = 0; rep < sizes.reps; rep++) s.push(await amLoop(amIters, barriers));
  report.emit({ name: 'barrier', variant, updatesPerPe: amIters, tableSizePerPe: 0, secs: s, ops: amIters, bytes: 0, verified: true });
}
await world.shutdown();
