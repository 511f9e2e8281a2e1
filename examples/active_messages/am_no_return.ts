/**
 * AMs that return nothing, after Lamellar's am_no_return example: run locally, on the last PE,
 * on all PEs, through a TaskGroup, and through a TypedAmGroup whose `testVar` is a static member
 * (given once to the group, sent once per message instead of once per AM).
 *
 *   npx lamellar run -N 4 examples/active_messages/am_no_return.ts
 */
import { defineAm, initWorld, TaskGroup, TypedAmGroup } from 'lamellar';

const seen: string[] = [];
const AmNoReturn = defineAm('am_no_return/am', (ctx, a: { myPe: number; testVar: number }) => {
  seen.push(`${a.myPe}/${a.testVar}`);
  console.log(`\tin AmNoReturn { myPe: ${a.myPe}, testVar: ${a.testVar} } on pe ${ctx.currentPe} of ${ctx.numPes}`);
});
const Seen = defineAm('am_no_return/seen', () => seen.length);

await using world = await initWorld();
const me = world.myPe;
const P = world.numPes;
await world.barrier();
const am = { myPe: me, testVar: 1000 };
if (me === 0) {
  console.log('Testing local am no return');
  console.log(`no return result: ${String(await world.execAmPe(me, AmNoReturn, am))}`);
  console.log('Testing remote am no return');
  console.log(`no return result: ${String(await world.execAmPe(P - 1, AmNoReturn, am))}`);
  console.log('Testing all am no return');
  const all = await world.execAmAll(AmNoReturn, am);
  console.log(`no return result: [${all.map(String).join(', ')}]`);

  const tg = new TaskGroup(world);
  for (let i = 0; i < 10; i++) {
    await tg.execAmPe(i % P, AmNoReturn, { myPe: i, testVar: 10 * i });
    await tg.execAmAll(AmNoReturn, { myPe: i, testVar: 10 * i });
  }
  await tg.waitAll();

  const group = new TypedAmGroup(world, AmNoReturn, { static: { testVar: 7 } });
  for (let i = 0; i < 10; i++) {
    group.addAmPe(i % P, { myPe: i });
    group.addAmAll({ myPe: i });
  }
  const res = await group.exec();
  console.log(`typed group: ${res.length} results, all undefined: ${[...res].every((e) => (e.kind === 'pe' ? e.value === undefined : e.results.every((r) => r.value === undefined)))}`);
}
await world.waitAll();
await world.barrier();
if (me === 0) {
  const counts = await world.execAmAll(Seen);
  console.log(`AMs run per PE: ${counts.join(', ')}`);
}
await world.barrier();
