/**
 * Every PE sends a hello AM to every PE (itself included) and prints the greetings it got back.
 *
 *   npx lamellar run -N 4 examples/active_messages/hello_world_am.ts
 */
import { defineAm, initWorld } from 'lamellar';

const Hello = defineAm('examples/hello', async (ctx, args: { from: number }) =>
  `PE ${ctx.currentPe} of ${ctx.numPes} got hello from PE ${args.from}`);

await using world = await initWorld();
const greetings = await world.execAmAll(Hello, { from: world.myPe }); // string[], in PE order
for (const g of greetings) console.log(`[from PE ${world.myPe}'s view] ${g}`);
