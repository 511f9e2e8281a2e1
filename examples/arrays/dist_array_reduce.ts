/**
 * Reductions over distributed arrays, after Lamellar's dist_array_reduce example: sum, prod,
 * max, min and a registered reduction (`my_min_abs`). They are one-sided, as in Lamellar: PE 0
 * alone asks, each owner's part is folded where it lives, and only PE 0 gets the results. Then
 * a ReadOnlyArray made from the data, for a consistent snapshot.
 *
 *   npx lamellar run -N 4 examples/arrays/dist_array_reduce.ts
 */
import { AtomicArray, initWorld, registerReduction } from 'lamellar';

registerReduction<number>('my_min_abs', (acc, x) => (Math.abs(x) < Math.abs(acc) ? x : acc));

await using world = await initWorld();
const me = world.myPe;
const n = 20;
const a = await AtomicArray.create(world, { type: 'i32', length: n, distribution: 'block' });
if (me === 0) await a.put(0, Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -(i + 1) : i + 1)));
await world.barrier();

if (me === 0) {
  const [sum, max, min, minAbs] = [await a.sum(), await a.max(), await a.min(), await a.reduce('my_min_abs')];
  console.log(`PE ${me}: sum ${sum}, max ${max}, min ${min}, my_min_abs ${minAbs}`);
}
await world.barrier();

await using ro = await a.intoReadOnly();
await using small = ro.subArray(1, 6);
// Every PE may also ask, each on its own: each gets the same answer.
const prod = await small.prod();
console.log(`PE ${me}: prod of elements 1..5 = ${prod} (expected ${2 * 3 * -4 * 5 * 6})`);
await world.barrier();
