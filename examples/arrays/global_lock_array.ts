/**
 * GlobalLockArray locks, after Lamellar's global_lock_array example: read guards shared by
 * every PE at once, write guards one PE at a time, a collective write guard held by all PEs
 * together, a whole-array read lock whose one-sided reductions see a consistent array, a
 * distributed iteration under every PE's read lock, and a mutable distributed iteration (one
 * write lock taken for all PEs). The timings show the write guards taking turns.
 *
 *   npx lamellar run -N 4 examples/arrays/global_lock_array.ts
 */
import { GlobalLockArray, initWorld } from 'lamellar';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

await using world = await initWorld();
const me = world.myPe;
await using array = await GlobalLockArray.create(world, { type: 'u32', length: 100, distribution: 'block' });
// One clock for every PE: times from PE 0's start, on this host's wall clock (each PE's own
// performance.now() starts at its own origin, so their times did not compare).
const now = (): number => performance.timeOrigin + performance.now();
const t0 = await world.broadcast(now(), 0);
const secs = (): string => ((now() - t0) / 1000).toFixed(3);

{
  using r = await array.readLocalData();
  console.log(`0. PE${me} time: ${secs()} read guard on ${r.value.length} elements`);
  await sleep(20 * me);
}
await world.barrier();

{
  using w = await array.writeLocalData();
  console.log(`1. PE${me} time: ${secs()} got write lock`);
  w.value.fill(me);
  await sleep(20);
}
await world.barrier();
await array.print();

{
  using w = await array.collectiveWriteLocalData();
  console.log(`3. PE${me} time: ${secs()} got collective write lock`);
  for (let i = 0; i < w.value.length; i++) w.value[i]! += me;
}
await world.barrier();
await array.print();

{
  using r = await array.readLock();
  const [sum, max] = [await r.sum(), await r.max()];
  console.log(`5. PE${me}: under the read lock, sum ${sum}, max ${max}`);
}
await world.barrier();

{
  // Every PE iterates its part under its own read guard (a collective consumer).
  using r = await array.readLock();
  const items: string[] = [];
  await r.distIter().enumerate().forEach(([i, x]) => void items.push(`${i}:${x}`));
  console.log(`6. PE${me}: under the read lock, ${items.join(' ')}`);
}
await world.barrier();

await array.distIterMut().enumerate().forEach(([i, x]) => {
  x.value += i;
});
console.log(`7. PE${me}: added each element's index`);
await array.print();
