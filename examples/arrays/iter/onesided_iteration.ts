/**
 * One-sided iteration (Lamellar's onesided_iteration): PE 0 alone walks whole arrays in global
 * order, the iterator fetching the other PEs' parts in chunks: element by element, with a chosen
 * transfer size, in chunks, skipping, zipped; then a LocalLockArray filled by a distributed
 * mutable iterator is checked through the one-sided one.
 *
 *   npx lamellar run -N 4 examples/arrays/iter/onesided_iteration.ts
 */
import { AtomicArray, initWorld } from 'lamellar';

await using world = await initWorld();
const me = world.myPe;
const P = world.numPes;
const ARRAY_LEN = 100;
const blockArray = await AtomicArray.create(world, { type: 'u32', length: ARRAY_LEN, distribution: 'block' });
await using cyclicArray = await AtomicArray.create(world, { type: 'u32', length: ARRAY_LEN, distribution: 'cyclic' });

// Each PE writes its number into its own part.
for (const a of [blockArray, cyclicArray]) {
  const local = a.localData();
  for (let j = 0; j < local.length; j++) local.store(j, me);
}
await world.barrier();

const line = (xs: Iterable<unknown>): string => Array.from(xs, (x) => (Array.isArray(x) ? `(${x.join(', ')})` : String(x))).join(' ');
if (me === 0) {
  const block: number[] = [];
  for await (const elem of blockArray.onesidedIter()) block.push(elem);
  console.log(`block: ${line(block)}`);
  const cyclic: number[] = [];
  for await (const elem of cyclicArray.onesidedIter()) cyclic.push(elem);
  console.log(`cyclic: ${line(cyclic)}`);
  console.log(`block, 10 per transfer: ${line(await blockArray.bufferedOnesidedIter(10).collect())}`);
  console.log(`cyclic, 10 per transfer: ${line(await cyclicArray.bufferedOnesidedIter(10).collect())}`);
  for await (const chunk of blockArray.onesidedIter().chunks(10).skip(4)) console.log(`block chunk: [${line(chunk)}]`);
  for await (const chunk of cyclicArray.onesidedIter().chunks(10)) console.log(`cyclic chunk: [${line(chunk)}]`);
  let i = 0;
  const zipped: string[] = [];
  for await (const [a, b] of cyclicArray.onesidedIter().zip(blockArray.onesidedIter())) zipped.push(`${i++}: ${a} ${b}`);
  console.log(`zip: ${zipped.join(', ')}`);
  for await (const [a, b] of cyclicArray.onesidedIter().chunks(10).zip(blockArray.onesidedIter().chunks(10))) console.log(`zipped chunks: [${line(a)}] [${line(b)}]`);
}
await world.barrier();

// A LocalLockArray made from the block array, filled by a distributed mutable iterator.
await using locked = await blockArray.intoLocalLock();
await locked.distIterMut().forEach((e) => {
  e.value = me;
});
if (me === 0) {
  const firstFour = await locked.onesidedIter().take(4).map((e) => e).collect();
  console.log(`first four all < numPes: ${firstFour.every((e) => e < P)} (${line(firstFour)})`);
}
await world.barrier();
