/**
 * Hello, array iteration (Lamellar's hello_world_array_iteration): an AtomicArray of 10 elements
 * per PE, read by PE 0 with a one-sided iterator, set by every PE through a distributed mutable
 * iterator (each element handle stores its owner's PE number), then read again, and each PE
 * prints its own part with a local iterator.
 *
 *   npx lamellar run -N 4 examples/arrays/iter/hello_world_array_iteration.ts
 */
import { AtomicArray, initWorld } from 'lamellar';

await using world = await initWorld();
const me = world.myPe;
const localLength = 10;
await using array = await AtomicArray.create(world, { type: 'u32', length: world.numPes * localLength, distribution: 'block' }); // try 'cyclic'

// One-sided: PE 0 walks the whole array, fetching the other PEs' parts in chunks.
if (me === 0) console.log(`before: ${(await array.onesidedIter().collect()).join(' ')}`);
await world.barrier();

// Distributed and mutable: every PE walks its own part; enumerate gives global indices.
await array.distIterMut().enumerate().forEach(([i, elem]) => {
  console.log(`PE ${me} setting array[${i}] = ${me}`);
  elem.store(me); // an AtomicArray's items are AtomicElement handles
});

// The forEach ends on every PE once every part is done: PE 0 sees all the stores.
if (me === 0) console.log(`after: ${(await array.onesidedIter().collect()).join(' ')}`);
await world.barrier();
console.log(`PE ${me} local part: ${(await array.localIter().collect()).join(' ')}`);
