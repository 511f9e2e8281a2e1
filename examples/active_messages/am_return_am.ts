/**
 * Returning an AM: the remote AM returns another AM, which runs back on the PE that launched
 * the first one; the handle resolves to that returned AM's result (Lamellar's return_am).
 *
 *   npx lamellar run -N 4 examples/active_messages/am_return_am.ts
 */
import { defineAm, initWorld, returnAm } from 'lamellar';

const Pong = defineAm('examples/pong', async (ctx, args: { from: number; hops: number }) =>
  `pong ran on PE ${ctx.currentPe} (origin), sent by PE ${args.from}, after ${args.hops} hop(s)`);

const Ping = defineAm('examples/ping', async (ctx, args: { hops: number }) =>
  returnAm(Pong, { from: ctx.currentPe, hops: args.hops + 1 }));

await using world = await initWorld();
const target = (world.myPe + 1) % world.numPes;
const msg: string = await world.execAmPe(target, Ping, { hops: 0 });
console.log(`PE ${world.myPe} -> PE ${target}: ${msg}`);
