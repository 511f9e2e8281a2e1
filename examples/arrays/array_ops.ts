/**
 * Element ops on arrays, after Lamellar's array_ops example: add, fetch forms, bit ops,
 * compareExchange and batch forms with one value or one value per index, on an AtomicArray
 * (atomic), a LocalLockArray (the owner's lock) and a float array (compare-and-swap loops).
 *
 *   npx lamellar run -N 4 examples/arrays/array_ops.ts
 */
import { AtomicArray, initWorld, LocalLockArray } from 'lamellar';

await using world = await initWorld();
const P = world.numPes;
const me = world.myPe;

await using counts = await AtomicArray.create(world, { type: 'u16', length: 10, distribution: 'cyclic' });
const old = await counts.fetchAdd(3, 1);
await counts.batchAdd([0, 1, 2], [10, 20, 30]);
await counts.bitOr(9, 1 << me);
await world.barrier();
if (me === 0) {
  console.log(`fetchAdd(3) saw ${old}; element 3 = ${await counts.load(3)} (expected ${P})`);
  console.log(`elements 0..2 = ${(await counts.get(0, 3)).join(', ')} (expected ${10 * P}, ${20 * P}, ${30 * P})`);
  console.log(`element 9 = ${(await counts.load(9)).toString(2)} in binary (one bit per PE)`);
}
await world.barrier();

await using winner = await LocalLockArray.create(world, { type: 'i32', length: P, distribution: 'block' });
const r = await winner.compareExchange(0, 0, me + 1);
await world.barrier();
console.log(`PE ${me}: compareExchange on element 0 ${r.ok ? 'won' : `lost to PE ${r.value - 1}`}`);
await world.barrier();

await using f = await AtomicArray.create(world, { type: 'f64', length: 4, distribution: 'block' });
await f.batchAdd([0, 1, 2, 3], 0.25);
await world.barrier();
await f.mul(0, 2);
await world.barrier();
if (me === 0) console.log(`f64 after every PE added 0.25, then multiplied element 0 by 2: ${(await f.get(0, 4)).join(', ')} (expected ${P * 0.25 * 2 ** P}, then ${P * 0.25})`);
await world.barrier();
