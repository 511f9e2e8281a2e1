/**
 * AMs that return values: a typed result per PE, and a reduction of all results.
 *
 *   npx lamellar run -N 4 examples/active_messages/am_return_value.ts
 */
import { defineAm, initWorld } from 'lamellar';

const SumRange = defineAm('examples/sum-range', (ctx, args: { from: number; to: number }) => {
  let s = 0;
  for (let i = args.from; i < args.to; i++) s += i;
  return { pe: ctx.currentPe, sum: s };
});

await using world = await initWorld();
if (world.myPe === 0) {
  const chunk = 1_000_000;
  const parts = await world.execAmAll(SumRange, { from: 0, to: chunk });
  for (const p of parts) console.log(`PE ${p.pe} summed [0, ${chunk}) = ${p.sum}`);
  // Split one range over all PEs and add the pieces. The bounds are whole numbers for any PE
  // count: PE pe gets [floor(pe * chunk / n), floor((pe + 1) * chunk / n)).
  const n = world.numPes;
  const bound = (pe: number): number => Math.floor((pe * chunk) / n);
  const pieces = await Promise.all(Array.from({ length: n }, (_, pe) => world.execAmPe(pe, SumRange, { from: bound(pe), to: bound(pe + 1) })));
  console.log(`distributed sum of [0, ${chunk}) = ${pieces.reduce((a, p) => a + p.sum, 0)} (expected ${(chunk * (chunk - 1)) / 2})`);
}
