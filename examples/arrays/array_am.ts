/**
 * An array handle inside an AM, after Lamellar's array_am example: PE 0 fills an UnsafeArray
 * from a one-sided memory region; then every PE sends every PE AMs carrying the array. Each AM
 * gets the whole array into a fresh one-sided region, and puts its PE id into one element
 * through a one-element subRegion. PE 0 prints the array and its one-sided sum.
 *
 *   npx lamellar run -N 4 examples/arrays/array_am.ts
 */
import { defineAm, initWorld, UnsafeArray } from 'lamellar';

const LEN = 100;

const RdmaAm = defineAm('array_am/rdma', async (ctx, a: { array: UnsafeArray<'u8'>; origPe: number; index: number }) => {
  const local = ctx.world.allocOneSidedMemRegion('u8', LEN);
  await a.array.get(0, local);
  const myIndex = a.index * ctx.numPes + ctx.currentPe;
  local.unsafeLocalData()[0] = ctx.currentPe;
  const first = local.subRegion(0, 1);
  await a.array.put(myIndex, first);
  await Promise.all([first.drop(), local.drop()]);
});

await using world = await initWorld();
const me = world.myPe;
const P = world.numPes;
await using array = await UnsafeArray.create(world, { type: 'u8', length: LEN, distribution: 'block' });
if (me === 0) {
  await using region = world.allocOneSidedMemRegion('u8', LEN);
  region.unsafeLocalData().fill(255);
  await array.put(0, region);
}
await world.barrier();
const before = array.unsafeLocalData();
console.log(`PE ${me}: local part ${before.length} elements, all 255: ${before.every((x) => x === 255)}`);
await world.barrier();

for (let index = 0; index < Math.floor(LEN / P); index++) void world.execAmAll(RdmaAm, { array, origPe: me, index });
await world.waitAll();
await world.barrier();
await array.print();
if (me === 0) {
  const expectedSum = Array.from({ length: LEN }, (_, i) => (i < P * Math.floor(LEN / P) ? i % P : 255)).reduce((a, b) => a + b, 0);
  console.log(`sum: ${await array.sum()} (expected ${expectedSum})`);
}
await world.barrier();
