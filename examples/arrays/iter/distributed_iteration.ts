/**
 * Distributed iteration (Lamellar's distributed_iteration): every PE walks its own part of a
 * block LocalLockArray and a cyclic AtomicArray of 100 elements, through adapters (enumerate,
 * skip, stepBy, take, filter, filterMap, map) that work in the array's global index space, and
 * consumers that are collective (sum, count, forEachAsync, collect, collectAsync). Each PE prints
 * the items it visited.
 *
 *   npx lamellar run -N 4 examples/arrays/iter/distributed_iteration.ts
 */
import { AtomicArray, initWorld, LocalLockArray, ReadOnlyArray, type DistIter } from 'lamellar';

await using world = await initWorld();
const me = world.myPe;
const ARRAY_LEN = 100;
await using blockArray = await LocalLockArray.create(world, { type: 'u32', length: ARRAY_LEN, distribution: 'block' });
await using cyclicArray = await AtomicArray.create(world, { type: 'u32', length: ARRAY_LEN, distribution: 'cyclic' });

// Mutable distributed iterators: a LocalLockArray's items write through under each PE's write
// lock; an AtomicArray's items are atomic element handles.
await blockArray.distIterMut().enumerate().forEach(([i, elem]) => {
  elem.value = i;
});
await cyclicArray.distIterMut().forEach((elem) => elem.store(me));

/** Runs a collective forEach and prints, on each PE, the items this PE visited. */
async function show<I>(label: string, iter: DistIter<I>): Promise<void> {
  const seen: string[] = [];
  await iter.forEach((item) => void seen.push(Array.isArray(item) ? item.join(':') : String(item)));
  console.log(`[PE ${me}] ${label}: ${seen.join(' ')}`);
}

console.log(`[PE ${me}] block sum: ${await blockArray.distIter().map((e) => e).sum()}`);
console.log(`[PE ${me}] cyclic sum: ${await cyclicArray.distIter().sum()}`);

await show('block skip(2) enumerate stepBy(3)', blockArray.distIter().skip(2).enumerate().stepBy(3));
await show('cyclic enumerate skip(2)', cyclicArray.distIter().enumerate().skip(2));

// Async items: each block element i gets this cyclic element added, and the old value back.
const seen: string[] = [];
await cyclicArray
  .distIter()
  .enumerate()
  .map(async ([i, elem]) => [i, elem, await blockArray.load(i)] as const)
  .forEachAsync(async (item) => void seen.push((await item).join(':')));
// Items finish in any order (up to 16 are in flight): sort them by index to print.
seen.sort((x, y) => parseInt(x) - parseInt(y));
console.log(`[PE ${me}] cyclic enumerate map async forEachAsync: ${seen.join(' ')}`);

await using fetched = await cyclicArray
  .distIter()
  .enumerate()
  .map(async ([i, elem]) => {
    await blockArray.add(i, elem);
    return blockArray.fetchSub(i, elem);
  })
  .collectAsync(ReadOnlyArray, 'block');
console.log(`[PE ${me}] collectAsync: length ${fetched.length}, sum ${await fetched.distIter().sum()}`);

await show('block enumerate filter(% 4 == 0)', blockArray.distIter().enumerate().filter(([, e]) => e % 4 === 0));
await show('block enumerate filterMap(% 4 == 0, as f32)', blockArray.distIter().enumerate().filterMap(([i, e]) => (e % 4 === 0 ? [i, Math.fround(e + 0.5)] : undefined)));

await using multiplesOf8 = await blockArray.distIter().filterMap((e) => (e % 8 === 0 ? e : undefined)).collect(ReadOnlyArray, 'block', 'u8');
console.log(`[PE ${me}] filterMap collect (u8): ${(await multiplesOf8.onesidedIter().collect()).join(' ')}`);

await show('block skip(10) enumerate', blockArray.distIter().skip(10).enumerate());
await show('block skip(10) stepBy(3) enumerate', blockArray.distIter().skip(10).stepBy(3).enumerate());
await show('block take(60) skip(10) enumerate', blockArray.distIter().take(60).skip(10).enumerate());
await show('block take(60) skip(10) take(30) enumerate', blockArray.distIter().take(60).skip(10).take(30).enumerate());
console.log(`[PE ${me}] block filter(even) count: ${await blockArray.distIter().filter((e) => e % 2 === 0).count()}`);
