/**
 * Reductions with distributed iterators (the iterator half of Lamellar's dist_array_reduce):
 * block and cyclic UnsafeArrays of 0..99 reduced with `distIter().reduce` and `sum` (each an
 * all-reduce: every PE gets the result), a min through `reduce`, doubled in place with
 * `distIterMut`, and each PE listing its elements with their global indices.
 *
 *   npx lamellar run -N 4 examples/arrays/iter/dist_array_reduce_iter.ts [length=100]
 */
import { initWorld, UnsafeArray } from 'lamellar';

await using world = await initWorld();
const me = world.myPe;
const n = Number(process.argv[2] ?? 100);
await using block = await UnsafeArray.create(world, { type: 'u32', length: n, distribution: 'block' });
await using cyclic = await UnsafeArray.create(world, { type: 'u32', length: n, distribution: 'cyclic' });
await block.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
await cyclic.distIterMut().enumerate().forEach(([i, x]) => x.store(i));

const cyclicSum = await cyclic.distIter().map((v) => v).reduce((sum, v) => sum + v);
const blockSum = await block.distIter().sum();
const blockMin = await block.distIter().filter((v) => v > 10).reduce((a, b) => (a < b ? a : b));
console.log(`PE ${me}: cyclic reduce ${cyclicSum}, block sum ${blockSum}, block min above 10 ${blockMin} (expected ${(n * (n - 1)) / 2}, ${(n * (n - 1)) / 2}, 11)`);

await cyclic.distIterMut().forEach((x) => {
  x.value += x.value;
});
const mine: string[] = [];
await cyclic.distIter().enumerate().forEach(([i, v]) => void mine.push(`${i}:${v}`));
console.log(`PE ${me} cyclic doubled: ${mine.join(' ')}`);
console.log(`PE ${me}: cyclic doubled sum ${await cyclic.distIter().sum()}`);

await using one = await UnsafeArray.create(world, { type: 'u32', length: 1, distribution: 'block' });
await using empty = block.subArray(0, 0);
console.log(`PE ${me}: one-element array min ${await one.distIter().reduce((a, b) => Math.min(a, b))}, empty sub-array sum ${await empty.distIter().sum()}`);
