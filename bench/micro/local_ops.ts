/**
 * local_ops: single-element AtomicArray ops on this PE's own elements, the loop a port of
 * Lamellar's `array.fetch_add(i, 1).block()` runs. Every PE, at once, on its own part (1,024
 * elements of a block array):
 *
 *   fetch_add_awaited   `await a.fetchAdd(i, 1)`, one at a time
 *   add_unawaited       `a.add(i, 1)` launched in a loop, then `a.waitAll()`
 *   remote_add_unawaited
 *                       the same loop on the next PE's elements (`ops / 10` of them): on tcp and
 *                       ofi these are gathered into batches per owner (array/ops/coalesce.ts)
 *
 * On shmem the owner's memory is mapped everywhere; on tcp and ofi only the own part is, and
 * these ops are applied there at once. Reported per PE: ns per op (`us_per_op`), best rep as
 * `global_time_secs`. Verified: every element counts every op made on it.
 *
 *   npx lamellar run -N 2 --backend tcp bench/micro/local_ops.ts [--quick|--full] [--ops N]
 */
import { AtomicArray, initWorld } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';

const { mode, sizes } = parseSizes({ quick: { ops: 300_000, reps: 3 }, full: { ops: 1_000_000, reps: 5 } });

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const W = 1024;
const a = await AtomicArray.create(world, { type: 'u32', length: world.numPes * W, distribution: 'block' });
const base = world.myPe * W;
const nextBase = ((world.myPe + 1) % world.numPes) * W;
for (const variant of ['fetch_add_awaited', 'add_unawaited', 'remote_add_unawaited'] as const) {
  const N = variant === 'remote_add_unawaited' ? Math.ceil(sizes.ops / 10) : sizes.ops;
  report.begin('local_ops', variant);
  const secs: number[] = [];
  for (let rep = 0; rep < sizes.reps; rep++) {
    const mine = a.localData();
    for (let i = 0; i < W; i++) mine.store(i, 0);
    await world.barrier();
    const t0 = performance.now();
    if (variant === 'fetch_add_awaited') for (let i = 0; i < N; i++) await a.fetchAdd(base + (i & (W - 1)), 1);
    else if (variant === 'remote_add_unawaited') {
      for (let i = 0; i < N; i++) void a.add(nextBase + (i & (W - 1)), 1);
      await a.waitAll();
      await world.barrier();
    } else {
      for (let i = 0; i < N; i++) void a.add(base + (i & (W - 1)), 1);
      await a.waitAll();
    }
    secs.push((performance.now() - t0) / 1000);
    let total = 0;
    for (let i = 0; i < W; i++) total += mine.load(i) as number;
    verify(total === N, `local_ops ${variant}: ${total} of ${N} ops counted on PE ${world.myPe}`);
    await world.barrier();
  }
  if (world.myPe === 0) {
    report.emit({ name: 'local_ops', variant, updatesPerPe: N, tableSizePerPe: W, secs, ops: N, bytes: 4, verified: true, threads: 1 });
  }
}
await world.barrier();
await a.drop();
await world.shutdown();
