/**
 * RDMA put: PE 0 writes a different pattern into every PE's part of a shared memory region;
 * every PE then prints what landed in its memory. On shmem the puts are plain copies into the
 * other PEs' memory, with no work on them.
 *
 *   npx lamellar run -N 4 examples/rdma/rdma_put.ts
 */
import { initWorld } from 'lamellar';

await using world = await initWorld();
const LEN = 8;
await using region = await world.allocSharedMemRegion('u32', LEN);

if (world.myPe === 0) {
  for (let pe = 0; pe < world.numPes; pe++) {
    const data = Uint32Array.from({ length: LEN }, (_, i) => pe * 100 + i);
    await region.put(pe, 0, data);
  }
}
await world.barrier();
console.log(`PE ${world.myPe}: ${Array.from(region.unsafeLocalData()).join(' ')}`);
await world.barrier();
