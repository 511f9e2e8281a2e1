/**
 * Distributed histogram: every PE adds 1 at `updates` random indices of an AtomicArray with
 * `table` elements per PE, in one batchAdd. On shmem the adds go straight to the owners'
 * memory with Atomics.add; on tcp, one message per owner. Prints the result check and MUPS.
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

await world.barrier();
const t0 = performance.now();
await table.batchAdd(indices, 1);
await world.barrier();
const secs = (performance.now() - t0) / 1000;

const total = await table.sum();
if (me === 0) {
  const expected = updates * P;
  console.log(`histo: ${P} PEs x ${updates} updates into ${table.length} elements: sum ${total} ${total === expected ? '== expected' : `!= expected ${expected}`}`);
  console.log(`histo: ${secs.toFixed(3)} s, ${((updates * P) / secs / 1e6).toFixed(1)} MUPS`);
}
if (total !== updates * P) process.exitCode = 1;
