/**
 * Hello, arrays: a block-distributed AtomicArray of 4 elements per PE. Every PE adds its PE
 * number + 1 to every element, then each PE prints which elements it holds and their values.
 *
 *   npx lamellar run -N 4 examples/arrays/hello_world_array.ts
 */
import { AtomicArray, initWorld } from 'lamellar';

await using world = await initWorld();
const P = world.numPes;
const me = world.myPe;
await using array = await AtomicArray.create(world, { type: 'u32', length: 4 * P, distribution: 'block' });

const all = Uint32Array.from({ length: array.length }, (_, i) => i);
await array.batchAdd(all, me + 1);
await world.barrier();

const first = array.firstGlobalIndexForPe(me);
const last = array.lastGlobalIndexForPe(me);
const local = array.localData();
const values = Array.from({ length: local.length }, (_, j) => local.load(j));
console.log(`PE ${me}: elements ${first}..${last} = [${values.join(', ')}] (expected ${(P * (P + 1)) / 2} each)`);
await world.barrier();
