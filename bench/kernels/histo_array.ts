/**
 * histo_array: histo (histo.ts) written with a distributed array, as a user would: an
 * AtomicArray<'u32'> of `table` elements per PE, laid out cyclically (the same layout as
 * histo.ts), and one `batchAdd(indices, 1)` per PE. On shmem the batch is applied straight to
 * the owners' memory with Atomics.add: no message.
 *
 *   atomic_array_batch_add               table `table` per PE, `updates` per PE
 *   atomic_array_batch_add_large_table   table `large-table` per PE, `large-updates` per PE
 *
 * The second case is Lamellar's other histo size (5M per PE, 1M updates per PE). It matters
 * because batchAdd counts duplicate indices first when the table is small beside the batch
 * (then one atomic add per distinct element does the work): on a large table nearly every index
 * is distinct, so that case measures one atomic add per update.
 *
 * Baselines, same run, on PE 0 for each size: `postmessage` and `local_loop`, as in histo.ts
 * (with a `_large_table` suffix for the second size). Every rep is verified (counts sum to the
 * updates and Σ count × index equals Σ of the indices sent).
 *
 *   npx lamellar run -N 2 --backend shmem bench/kernels/histo_array.ts [--quick|--full] [--updates N] [--table N] ...
 */
import { AtomicArray, defineAm, initWorld } from 'lamellar';
import { sameRunBaselines } from '../baselines/same-run.js';
import { parseSizes, ratio, Reporter } from '../lib/harness.js';
import { checkHisto, HISTO_SALT, histoStats, indexSum, kernelIndices } from './common.js';

let sentSum = 0;

/** This PE's counts, read through the array handle the AM received. */
const Stats = defineAm('bench/histo-array/stats', (ctx, a: AtomicArray<'u32'>) => {
  const d = a.localData();
  const counts = new Uint32Array(d.length);
  for (let j = 0; j < d.length; j++) counts[j] = d.load(j);
  return histoStats(counts, ctx.currentPe, ctx.numPes, sentSum);
});

const { mode, sizes } = parseSizes({
  quick: { updates: 2_000_000, table: 1000, 'large-updates': 1_000_000, 'large-table': 1_000_000, 'pm-buffer': 4096, reps: 3 },
  full: { updates: 10_000_000, table: 1000, 'large-updates': 1_000_000, 'large-table': 5_000_000, 'pm-buffer': 4096, reps: 5 },
});

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const P = world.numPes;
const me = world.myPe;

async function histoCase(tablePerPe: number, updates: number, suffix: string): Promise<void> {
  const table = await AtomicArray.create(world, { type: 'u32', length: tablePerPe * P, distribution: 'cyclic' });
  const indices = kernelIndices(HISTO_SALT, me, P, updates, tablePerPe);
  sentSum = indexSum(indices);
  const base = await sameRunBaselines(report, me, {
    name: 'histo_array', kind: 'histo', numPes: P, updates, tablePerPe, buffer: sizes['pm-buffer'], reps: sizes.reps, indices, suffix,
  });
  await world.barrier();

  const variant = `atomic_array_batch_add${suffix}`;
  report.begin('histo_array', variant);
  const local = table.localData();
  const secs: number[] = [];
  for (let rep = 0; rep < sizes.reps; rep++) {
    for (let j = 0; j < local.length; j++) local.store(j, 0);
    await world.barrier();
    const t0 = performance.now();
    await table.batchAdd(indices, 1);
    await world.barrier();
    secs.push((performance.now() - t0) / 1000);
    if (me === 0) checkHisto(await world.execAmAll(Stats, table), P * updates);
    await world.barrier();
  }
  if (me === 0) {
    report.emit({
      name: 'histo_array', variant, updatesPerPe: updates, tableSizePerPe: tablePerPe, secs, ops: P * updates, bytes: 4, verified: true,
      baseline: { variant: `postmessage${suffix}`, opsPerSec: base.pm },
      extra: { ratio_to_local_loop: ratio((P * updates) / Math.min(...secs), base.local) },
    });
  }
  await world.barrier();
  await table.drop();
}

await histoCase(sizes.table, sizes.updates, '');
await histoCase(sizes['large-table'], sizes['large-updates'], '_large_table');
await world.shutdown();
