/**
 * Darc: one instance of a value per PE, with a lifetime shared by all PEs. Every PE sends AMs
 * carrying the Darc to every PE; each AM arrives holding the *target's* instance and bumps its
 * counter. A clone kept on PE 0 keeps the Darc alive after the original handles are dropped.
 *
 *   npx lamellar run -N 4 examples/darc/darc.ts
 */
import { Darc, defineAm, initWorld } from 'lamellar';

interface Stats {
  hits: number;
  from: number[];
}

const Hit = defineAm('darc_example/hit', (ctx, a: { stats: Darc<Stats> }) => {
  a.stats.value.hits++;
  a.stats.value.from.push(ctx.srcPe);
});

await using world = await initWorld();
const me = world.myPe;
const stats = await Darc.create(world, { hits: 0, from: [] } as Stats);

await Promise.all(Array.from({ length: world.numPes }, (_, pe) => world.execAmPe(pe, Hit, { stats })));
await world.barrier();
console.log(`PE ${me}: ${stats.value.hits} hits, from PEs ${[...stats.value.from].sort((a, b) => a - b).join(',')}`);

const keep = me === 0 ? stats.clone() : undefined;
await stats.drop();
await world.barrier();
if (keep !== undefined) {
  console.log(`PE 0 still holds a clone after every original handle was dropped: ${keep.value.hits} hits`);
  await keep.drop();
}
