/**
 * RDMA get: PE 0 fills its part of a shared memory region; every PE reads a different slice
 * of it with get(), and PE 0 reads everyone's first element back.
 *
 *   npx lamellar run -N 4 examples/rdma/rdma_get.ts
 */
import { initWorld } from 'lamellar';

await using world = await initWorld();
const me = world.myPe;
const LEN = 4 * world.numPes;
await using region = await world.allocSharedMemRegion('f64', LEN);

region.unsafeLocalData().fill(me === 0 ? 0 : -1);
if (me === 0) region.unsafeLocalData().set(Float64Array.from({ length: LEN }, (_, i) => i * 1.5));
await world.barrier();

const slice = await region.get(0, me * 4, 4);
console.log(`PE ${me} got elements ${me * 4}..${me * 4 + 3} of PE 0: ${Array.from(slice).join(', ')}`);

region.unsafeLocalData()[0] = me * 10;
await world.barrier();
if (me === 0) {
  const firsts: number[] = [];
  for (let pe = 0; pe < world.numPes; pe++) firsts.push((await region.get(pe, 0, 1))[0]!);
  console.log(`PE 0 read the first element of every PE: ${firsts.join(', ')}`);
}
await world.barrier();
