/**
 * AM groups: many AMs for single PEs and for all PEs, launched together (so they travel in the
 * same aggregated frames), with results in insertion order. Plus a TaskGroup, whose waitAll()
 * waits only for its own AMs.
 *
 *   npx lamellar run -N 4 examples/active_messages/am_group.ts
 */
import { AmGroup, defineAm, initWorld, TaskGroup } from 'lamellar';

const Square = defineAm('examples/square', (ctx, args: { x: number }) => ({ x: args.x, sq: args.x * args.x, pe: ctx.currentPe }));
let counter = 0;
const Bump = defineAm('examples/bump', () => {
  counter++;
});
const Read = defineAm('examples/read', () => counter);

await using world = await initWorld();
const n = world.numPes;
const group = new AmGroup<{ x: number; sq: number; pe: number }>(world);
for (let i = 0; i < 12; i++) {
  if (i % 4 === 0) group.addAmAll(Square, { x: i });
  else group.addAmPe(i % n, Square, { x: i });
}
const results = await group.exec();
if (world.myPe === 0) {
  results.forEach((r, i) => {
    const show = Array.isArray(r) ? `all PEs: ${r.map((e) => `${e.sq}@${e.pe}`).join(' ')}` : `${r.sq}@PE ${r.pe}`;
    console.log(`entry ${i}: ${show}`);
  });
}

const bumps = 1000;
const tg = new TaskGroup(world);
for (let i = 0; i < bumps; i++) tg.execAmPe(i % n, Bump);
await tg.waitAll();
await world.barrier();
// Every PE sent Bump i to PE i % n, so this PE got its share of 0..bumps-1 from each of the n PEs.
const share = Math.floor(bumps / n) + (world.myPe < bumps % n ? 1 : 0);
console.log(`PE ${world.myPe}: counter = ${await world.execAmPe(world.myPe, Read)} (expected ${n * share})`);
