/**
 * Local iteration (Lamellar's local_iteration): each PE walks only its own part of a block and a
 * cyclic AtomicArray of 100 elements, with no barrier and no data movement. `enumerate` gives
 * local indices; skip/stepBy/take count this PE's elements; the results are this PE's own.
 *
 *   npx lamellar run -N 4 examples/arrays/iter/local_iteration.ts
 */
import { AtomicArray, initWorld, type LocalIter } from 'lamellar';

await using world = await initWorld();
const me = world.myPe;
const ARRAY_LEN = 100;
await using blockArray = await AtomicArray.create(world, { type: 'u32', length: ARRAY_LEN, distribution: 'block' });
await using cyclicArray = await AtomicArray.create(world, { type: 'u32', length: ARRAY_LEN, distribution: 'cyclic' });

await blockArray.localIterMut().enumerate().forEach(([i, elem]) => elem.store(i));
await cyclicArray.localIterMut().forEach((elem) => elem.store(me));
await world.barrier();

async function show<I>(label: string, iter: LocalIter<I>): Promise<void> {
  const items = await iter.collect();
  console.log(`[PE ${me}] ${label}: ${items.map((x) => (Array.isArray(x) ? x.join(':') : String(x))).join(' ')}`);
}

await show('block skip(2) enumerate stepBy(3)', blockArray.localIter().skip(2).enumerate().stepBy(3));
await show('cyclic enumerate skip(2)', cyclicArray.localIter().enumerate().skip(2));

// Async items: pair this PE's cyclic element i with block element i of the whole array.
const seen: string[] = [];
await cyclicArray
  .localIter()
  .enumerate()
  .map(async ([i, elem]) => [i, elem, (await blockArray.load(i)) + elem] as const)
  .forEachAsync(async (item) => void seen.push((await item).join(':')));
// Items finish in any order (up to 16 are in flight): sort them by index to print.
seen.sort((x, y) => parseInt(x) - parseInt(y));
console.log(`[PE ${me}] cyclic enumerate map async forEachAsync: ${seen.join(' ')}`);

await show('block enumerate filter(% 4 == 0)', blockArray.localIter().enumerate().filter(([, e]) => e % 4 === 0));
await show('block enumerate filterMap(% 4 == 0, as f32)', blockArray.localIter().enumerate().filterMap(([i, e]) => (e % 4 === 0 ? [i, Math.fround(e + 0.5)] : undefined)));
await show('block skip(10) enumerate', blockArray.localIter().skip(10).enumerate());
await show('block skip(10) stepBy(3) enumerate', blockArray.localIter().skip(10).stepBy(3).enumerate());
await show('block take(60) skip(10) enumerate', blockArray.localIter().take(60).skip(10).enumerate());
await show('block take(60) skip(10) take(30) enumerate', blockArray.localIter().take(60).skip(10).take(30).enumerate());
await show('block chunks(7) sums', blockArray.localIter().chunks(7).map((c) => Array.from(c).reduce((a, b) => a + b, 0)));

// A distributed fill, then a local reduce: each PE sums only its own part.
await blockArray.distIterMut().enumerate().forEach(([i, elem]) => elem.store(i));
const sum = await blockArray.localIter().map((e) => e).reduce((acc, e) => acc + e);
console.log(`[PE ${me}] block map reduce sum: ${sum}`);
