/**
 * RDMA-style put and get on arrays, after Lamellar's array_put_get example: PE 0 puts a range
 * that spans every PE, every PE gets it back (split by owner), and a sub-array gives a window
 * with its own indices.
 *
 *   npx lamellar run -N 4 examples/arrays/array_put_get.ts
 */
import { initWorld, UnsafeArray } from 'lamellar';

await using world = await initWorld();
const P = world.numPes;
const me = world.myPe;
const n = 5 * P + 3;
for (const distribution of ['block', 'cyclic'] as const) {
  await using a = await UnsafeArray.create(world, { type: 'i32', length: n, distribution });
  if (me === 0) await a.put(0, Int32Array.from({ length: n }, (_, i) => i * i));
  await world.barrier();
  const all = await a.get(0, n);
  const ok = all.every((v, i) => v === i * i);
  await using mid = a.subArray(2, 6);
  const window = await mid.get(0, mid.length);
  console.log(`PE ${me} ${distribution}: get of ${n} elements ${ok ? 'correct' : 'WRONG'}; subArray(2, 6) = ${window.join(', ')}; local part ${a.unsafeLocalData().join(',')}`);
  await world.barrier();
}
