/**
 * Distributed histogram written with iterators: each PE fills its part of an index array with
 * random table indices through `distIterMut`, then its local iterator sends them to the table in
 * chunks (`localIter().chunks(n).forEachAsync(c => table.batchAdd(c, 1))`), and distributed
 * consumers check the result: the counts add up to every update, on every PE.
 *
 *   npx lamellar run -N 4 examples/arrays/iter/histo_iter.ts [updatesPerPe=1000000] [tablePerPe=1000]
 */
import { AtomicArray, initWorld, UnsafeArray } from 'lamellar';

await using world = await initWorld();
const P = world.numPes;
const me = world.myPe;
const updates = Number(process.argv[2] ?? 1_000_000);
const tablePerPe = Number(process.argv[3] ?? 1000);

await using table = await AtomicArray.create(world, { type: 'u32', length: tablePerPe * P, distribution: 'cyclic' });
await using indices = await UnsafeArray.create(world, { type: 'u32', length: updates * P, distribution: 'block' });
let seed = 0x9e3779b9 ^ (me * 0x85ebca6b);
await indices.distIterMut().forEach((x) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  x.store((seed >>> 0) % table.length);
});

const t0 = performance.now();
// Each chunk is a view of this PE's part of `indices`: one batchAdd per 64K updates.
await indices.localIter().chunks(65536).forEachAsync((chunk) => table.batchAdd(chunk, 1));
await world.barrier();
const secs = (performance.now() - t0) / 1000;

const total = await table.distIter().sum();
const touched = await table.distIter().filter((c) => c > 0).count();
const expected = updates * P;
console.log(`PE ${me}: histo sum ${total} ${total === expected ? '== expected' : `!= expected ${expected}`}, ${touched} of ${table.length} elements hit`);
if (me === 0) console.log(`histo: ${P} PEs x ${updates} updates in ${secs.toFixed(3)} s, ${((updates * P) / secs / 1e6).toFixed(1)} MUPS`);
if (total !== expected) process.exitCode = 1;
