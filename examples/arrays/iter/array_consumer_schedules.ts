/**
 * Consumer schedules (Lamellar's array_consumer_schedules): every PE runs the same local
 * consumers under each schedule over the even elements of its part of an AtomicArray of 50,
 * prints what they produced (the same under every schedule) and how long they took. The
 * forEachAsync items wait `e` milliseconds each: the schedule decides which items are in flight
 * together, so the times differ while the results do not. Each forEachAsync also runs a second
 * time left running (Lamellar's `.spawn()`), which `array.waitAll()` waits for.
 *
 *   npx lamellar run -N 4 examples/arrays/iter/array_consumer_schedules.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AtomicArray, initWorld, Schedule } from 'lamellar';

await using world = await initWorld();
const me = world.myPe;
const ARRAY_LEN = 50;
await using array = await AtomicArray.create(world, { type: 'u32', length: ARRAY_LEN, distribution: 'block' });
await array.distIterMut().enumerate().forEach(([i, e]) => e.store(i));

const schedules: Schedule[] = ['static', 'dynamic', Schedule.chunk(10), 'guided', 'workStealing'];
for (const s of schedules) {
  const name = typeof s === 'string' ? s : `chunk(${s.size})`;
  const even = () => array.localIter().filter((e) => e % 2 === 0);
  let t0 = performance.now();
  let visited = 0;
  await even().forEachAsyncWithSchedule(s, async (e) => {
    await sleep(e);
    visited++;
  });
  const asyncMs = performance.now() - t0;
  // Lamellar's `.spawn()` then `array.wait_all()`: the consumer is left running, and the
  // array's waitAll() waits for it.
  let spawned = 0;
  void even().forEachAsyncWithSchedule(s, async (e) => {
    await sleep(e);
    spawned++;
  });
  await array.waitAll();
  t0 = performance.now();
  const reduced = await even().reduceWithSchedule(s, (a, b) => a + b);
  const collected = await even().collectWithSchedule(s);
  const counted = await even().countWithSchedule(s);
  const summed = await even().sumWithSchedule(s);
  const syncMs = performance.now() - t0;
  console.log(`[PE ${me}] ${name}: forEachAsync visited ${visited} (left running: ${spawned}); reduce ${reduced}; collect [${collected.join(', ')}]; count ${counted}; sum ${summed}`);
  console.log(`[PE ${me}] ${name}: forEachAsync ${asyncMs.toFixed(1)} ms, the other consumers ${syncMs.toFixed(2)} ms`);
  await world.barrier();
}
