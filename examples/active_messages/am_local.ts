/**
 * Local AMs, after Lamellar's am_local example: `execAmLocal` runs an AM on this PE without
 * serializing its arguments, so they may hold anything, here a Map shared by ten AMs and a
 * work counter they take items from. The first ten return nothing; the next ten each return how
 * many items they processed.
 *
 *   npx lamellar run -N 4 examples/active_messages/am_local.ts
 */
import { defineAm, initWorld } from 'lamellar';

interface Work {
  myId: number;
  data: Map<number, number[]>;
  index: { next: number };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

const AmNoReturn = defineAm('am_local/no-return', async (ctx, w: Work) => {
  for (let i = w.index.next++; i < w.data.size; i = w.index.next++) {
    console.log(`${w.myId} ${i} [${w.data.get(i)!.join(', ')}] on pe ${ctx.currentPe}`);
    await tick();
  }
});

const AmReturnCount = defineAm('am_local/return-count', async (_ctx, w: Work) => {
  let n = 0;
  for (let i = w.index.next++; i < w.data.size; i = w.index.next++) {
    n += w.data.get(i)!.length;
    await tick();
  }
  return n;
});

await using world = await initWorld();
const me = world.myPe;
const data = new Map<number, number[]>();
for (let i = 0; i < 10; i++) data.set(i, Array.from({ length: 10 - i }, (_, k) => i + k));
if (me === 0) {
  console.log('Testing local am no return');
  const index = { next: 0 };
  for (let i = 0; i < data.size; i++) void world.execAmLocal(AmNoReturn, { myId: i, data, index });
  await world.waitAll();
  console.log('Testing local am returning a count');
  const index2 = { next: 0 };
  const counts = await Promise.all(Array.from({ length: data.size }, (_, i) => world.execAmLocal(AmReturnCount, { myId: i, data, index: index2 })));
  console.log(`items processed: ${counts.reduce((a, b) => a + b, 0)} (expected 55)`);
}
await world.barrier();
