/**
 * batch_hold: how long a large batch op holds its PE. PE 0 runs `reps` `batchAdd`s of `updates`
 * random indices with one u64 value on an AtomicArray (1M elements per PE) while every other PE
 * sends it one small AM at a time, each awaited before the next (a ping). A PE has one thread,
 * so a ping that arrives during a batch waits for the batch, or for its next slice boundary
 * (LAMELLAR_BATCH_SLICE, docs/arrays.md).
 *
 * Two variants: `batchAdd_u64_alone` (the other PEs wait at a barrier: what slicing costs the
 * batch) and `batchAdd_u64_pinged`. Reported: the batch's time (secs, best rep; median beside
 * it) and, when pinged, the worst and the median round trip in ms (`ping_worst_ms`,
 * `ping_median_ms`) with the number of pings. The slice length in force is in `batch_slice` (0: every batch whole); run it with
 * `LAMELLAR_BATCH_SLICE=0` for the whole-batch comparison. Verified by the array's sum.
 *
 *   npx lamellar run -N 2 --backend shmem bench/micro/batch_hold.ts [--quick|--full] [--updates N] [--reps N]
 */
import { AtomicArray, defineAm, initWorld } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';
import { fillUniform, peSeed } from '../lib/rng.js';

const { mode, sizes } = parseSizes({ quick: { updates: 2_000_000, reps: 3 }, full: { updates: 10_000_000, reps: 5 } });

let running = true;
const Ping = defineAm('bench/batch-hold/ping', () => 0);
const Stop = defineAm('bench/batch-hold/stop', () => {
  running = false;
});

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const P = world.numPes;
const a = await AtomicArray.create(world, { type: 'u64', length: 1_000_000 * P, distribution: 'block' });
const idx = new Uint32Array(sizes.updates);
fillUniform(idx, a.length, peSeed(4711, 0));
const slice = Number(process.env['LAMELLAR_BATCH_SLICE'] ?? 1 << 20);

/** PE 0's batches, timed; the other PEs ping it meanwhile if `pinged`, else wait at a barrier. */
async function run(variant: string, pinged: boolean): Promise<void> {
  report.begin('batch_hold', variant);
  running = true;
  await world.barrier();
  const secs: number[] = [];
  const lat: number[] = [];
  if (world.myPe === 0) {
    for (let rep = 0; rep < sizes.reps; rep++) {
      const t0 = performance.now();
      await a.batchAdd(idx, 1n);
      secs.push((performance.now() - t0) / 1000);
    }
    if (pinged) await world.execAmAll(Stop);
  } else {
    while (pinged && running) {
      const t0 = performance.now();
      await world.execAmPe(0, Ping);
      lat.push(performance.now() - t0);
    }
  }
  await world.barrier();
  lat.sort((x, y) => x - y);
  const at = (q: number): number => (lat.length === 0 ? 0 : lat[Math.min(lat.length - 1, Math.floor(lat.length * q))]!);
  const worst = await world.allReduce(at(1), 'max');
  const median = await world.allReduce(at(0.5), 'max');
  const pings = await world.allReduce(lat.length, 'sum');
  if (world.myPe === 0) {
    const sum = await a.sum();
    verify(sum === BigInt(sizes.updates * sizes.reps * ++batches), `batch_hold: the array sums to every update (${sum})`);
    const ms = (x: number): number => Math.round(x * 10) / 10;
    report.emit({
      name: 'batch_hold', variant, updatesPerPe: sizes.updates, tableSizePerPe: 1_000_000, secs, ops: sizes.updates, bytes: 8, verified: true,
      threads: 1, extra: { batch_slice: slice, ...(pinged ? { ping_worst_ms: ms(worst), ping_median_ms: ms(median), pings } : {}) },
    });
  }
}

let batches = 0;
await run('batchAdd_u64_alone', false);
await run('batchAdd_u64_pinged', true);
await world.barrier();
await a.drop();
await world.shutdown();
