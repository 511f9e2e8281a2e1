/**
 * A recursive AM: it hops from PE to PE around the ring, launching itself on the next PE, and
 * the path it took comes back to the origin (Lamellar's recursive_am.rs).
 *
 *   npx lamellar run -N 4 examples/active_messages/recursive_am.ts
 */
import { defineAm, initWorld } from 'lamellar';

const Hop = defineAm('examples/hop', async (ctx, args: { path: number[]; left: number }): Promise<number[]> => {
  const path = [...args.path, ctx.currentPe];
  if (args.left === 0) return path;
  const next = (ctx.currentPe + 1) % ctx.numPes;
  return ctx.team.execAmPe(next, Hop, { path, left: args.left - 1 });
});

await using world = await initWorld();
const path = await world.execAmPe(world.myPe, Hop, { path: [], left: world.numPes });
console.log(`PE ${world.myPe}: visited ${path.join(' -> ')}`);
