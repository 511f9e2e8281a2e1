import { closure, initWorld } from 'lamellar';
const world = await initWorld();
const other = (world.myPe + 1) % world.numPes;
const Math = { ...globalThis.Math, round: (x) => Number(x.toFixed(1)) };
try {
  const c = closure((ctx, env) => Math.round(env.x), { x: 2.44 });
  console.log('not refused', await world.execAmPe(other, c));
} catch (e) { console.log(world.myPe, e.code, e.message); }
await world.shutdown();
