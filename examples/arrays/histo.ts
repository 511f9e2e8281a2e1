/**
 * Distributed histogram: every PE adds 1 at `updates` random indices of an AtomicArray with
 * `table` elements per PE, in one batchAdd, twice. On shmem the adds go straight to the owners'
 * memory with Atomics.add; on tcp, one message per owner. Prints the result check and MUPS of
 * each batch: the first into a fresh table also touches its memory for the first time (page
 * faults, several times slower with a large table), the second shows the batch itself.
 *
 *   npx lamellar run -N 4 examples/arrays/histo.ts [updatesPerPe=1000000] [tablePerPe=1000]
 */
import { AtomicArray, initWorld } from 'lamellar';

await using world = await initWorld();
const P = world.numPes;
const me = world.myPe;
const updates = Number(process.argv[2] ?? 1_000_000);
const tablePerPe = Number(process.argv[3] ?? 1000);

await using table = await AtomicArray.create(world, { type: 'u32', length: tablePerPe * P, distribution: 'cyclic' });
const indices = new Uint32Array(updates);
let seed = 0x9e3779b9 ^ (me * 0x85ebca6b);
for (let i = 0; i < updates; i++) {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  indices[i] = (seed >>> 0) % table.length;
}

const secs: number[] = [];
for (let rep = 0; rep < 2; rep++) {
  await world.barrier();
  const t0 = performance.now();
  await table.batchAdd(indices, 1);
  await world.barrier();
  secs.push((performance.now() - t0) / 1000);
}

const total = await table.sum();
const expected = 2 * updates * P;
if (me === 0) {
  console.log(`histo: ${P} PEs x ${updates} updates into ${table.length} elements, twice: sum ${total} ${total === expected ? '== expected' : `!= expected ${expected}`}`);
  const rate = (s: number): string => `${s.toFixed(3)} s, ${((updates * P) / s / 1e6).toFixed(1)} MUPS`;
  console.log(`histo: first batch ${rate(secs[0]!)}; second ${rate(secs[1]!)}`);
}
if (total !== expected) process.exitCode = 1;
