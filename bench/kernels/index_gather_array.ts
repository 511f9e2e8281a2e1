/**
 * index_gather_array: index_gather (index_gather.ts) written with a distributed array: a
 * ReadOnlyArray<'u32'> of `table` elements per PE, laid out cyclically and filled with the
 * closed form of each global index (through an UnsafeArray, then converted), and one
 * `batchLoad(indices)` per PE. On shmem the loads read the owners' memory directly.
 *
 *   read_only_batch_load   ReadOnlyArray.batchLoad of every request at once
 *
 * Baselines, same run, on PE 0: `postmessage` and `local_loop`, as in index_gather.ts.
 * Verified: every gathered value equals the closed form of its index, on every PE.
 *
 *   npx lamellar run -N 2 --backend shmem bench/kernels/index_gather_array.ts [--quick|--full] [--updates N] [--table N] ...
 */
import { initWorld, UnsafeArray } from 'lamellar';
import { sameRunBaselines } from '../baselines/same-run.js';
import { parseSizes, ratio, Reporter } from '../lib/harness.js';
import { checkGather, fillGatherTable, GATHER_SALT, kernelIndices } from './common.js';

const { mode, sizes } = parseSizes({
  quick: { updates: 1_000_000, table: 1000, 'pm-buffer': 4096, reps: 3 },
  full: { updates: 10_000_000, table: 1000, 'pm-buffer': 4096, reps: 5 },
});

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const P = world.numPes;
const me = world.myPe;
const fill = await UnsafeArray.create(world, { type: 'u32', length: sizes.table * P, distribution: 'cyclic' });
fillGatherTable(fill.unsafeLocalData(), me, P);
await world.barrier();
const table = await fill.intoReadOnly();
const indices = kernelIndices(GATHER_SALT, me, P, sizes.updates, sizes.table);

const base = await sameRunBaselines(report, me, {
  name: 'index_gather_array', kind: 'index_gather', numPes: P, updates: sizes.updates, tablePerPe: sizes.table, buffer: sizes['pm-buffer'], reps: sizes.reps, indices,
});

report.begin('index_gather_array', 'read_only_batch_load');
const secs: number[] = [];
for (let rep = 0; rep < sizes.reps; rep++) {
  await world.barrier();
  const t0 = performance.now();
  const out = await table.batchLoad(indices);
  await world.barrier();
  secs.push((performance.now() - t0) / 1000);
  checkGather(indices, out);
}
report.emit({
  name: 'index_gather_array', variant: 'read_only_batch_load', updatesPerPe: sizes.updates, tableSizePerPe: sizes.table, secs, ops: P * sizes.updates, bytes: 4, verified: true,
  baseline: { variant: 'postmessage', opsPerSec: base.pm },
  extra: { ratio_to_local_loop: ratio((P * sizes.updates) / Math.min(...secs), base.local) },
});
await world.barrier();
await table.drop();
await world.shutdown();
