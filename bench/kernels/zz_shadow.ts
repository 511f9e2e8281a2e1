import { setTimeout } from 'node:timers/promises';
import { closure, initWorld } from 'lamellar';
await using world = await initWorld();
try {
  closure(async () => await setTimeout(5, 'slept'));
  console.log('not refused');
} catch (e) { console.log(world.myPe, (e as { code: string }).code, (e as Error).message); }
const ok = closure(async () => { const { setTimeout: s } = await import('node:timers/promises'); return s(1, 'fine'); });
console.log(await world.execAmPe(0, ok), await setTimeout(1, 'mine'));
