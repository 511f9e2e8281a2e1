/**
 * Hello world: every PE prints its number and the size of the world.
 *
 *   npx lamellar run -N 4 examples/hello_world.ts
 */
import { initWorld } from 'lamellar';

await using world = await initWorld();
console.log(`Hello from PE ${world.myPe} of ${world.numPes} (${world.backend})`);
