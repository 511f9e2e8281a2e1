/**
 * Closure AMs: active messages written inline, with no defineAm. The function travels as source
 * (once per destination; later launches carry a short id) and must be self-contained: what it
 * needs from here goes in `env`, modules are reached with `await import(...)` inside it.
 *
 *   npx lamellar run -N 4 examples/active_messages/closure_am.ts
 */
import { closure, initWorld } from 'lamellar';

await using world = await initWorld();
const me = world.myPe;

// 1. Inline on every PE: each PE's memory use, gathered here in PE order. (heapUsed is the PE's
// own JS heap; rss is the process's, shared by all PEs on shmem, where PEs are threads.)
const mem = await world.execAmAll(closure(() => ({ heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss })));
if (me === 0) {
  const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
  mem.forEach((m, pe) => console.log(`PE ${pe}: heap used ${mib(m.heap)} MiB, process rss ${mib(m.rss)} MiB`));
  console.log(`gathered the memory use of ${mem.length} PE(s)`);
}
await world.barrier();

// 2. Values from here travel in env, typed: env.scale is a number inside the function.
const next = (me + 1) % world.numPes;
const scaled = await world.execAmPe(next, closure((ctx, env) => env.scale * ctx.currentPe, { scale: 100 }));
console.log(`PE ${me}: PE ${next} answered ${scaled}`);
await world.barrier();

// 3. A closure that returns a closure: the returned one runs back here, on the launching PE,
// with the values the target put in its env.
const report = await world.execAmPe(next, closure(async (ctx, env) => {
  const { closure: make } = await import('lamellar');
  const os = await import('node:os');
  return make((back, e) => `${e.greeting} from PE ${e.from} (${e.cpus > 0 ? 'has' : 'no'} CPUs), read on PE ${back.currentPe}`, {
    greeting: env.greeting,
    from: ctx.currentPe,
    cpus: os.cpus().length,
  });
}, { greeting: 'hello' }));
console.log(`PE ${me}: ${report}`);
