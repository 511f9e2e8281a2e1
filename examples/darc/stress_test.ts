/**
 * A stress test of Darcs in AMs, after Lamellar's darc stress_test example: a random tree of
 * AMs, each carrying a Darc, fanning out `width` children to random PEs down to `depth`. The
 * roots go out through a TypedAmGroup; then more trees on two sub-teams (the first half, and the
 * odd PEs). Every AM bumps the Darc's instance on the PE it runs on, so the totals are exact.
 *
 *   npx lamellar run -N 4 examples/darc/stress_test.ts
 */
import { BlockedArch, Darc, defineAm, initWorld, StridedArch, TypedAmGroup } from 'lamellar';

interface Hits {
  n: number;
}

let seed = 0;
const rand = (n: number): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};

const DataAm = defineAm('stress_test/data', async (ctx, a: { darc: Darc<Hits>; depth: number; width: number; path: number[] }): Promise<void> => {
  a.darc.value.n++;
  if (a.depth === 0) return;
  const path = [...a.path, ctx.currentPe];
  const kids = [];
  for (let i = 0; i < a.width; i++) kids.push(ctx.team.execAmPe(rand(ctx.team.numPes), DataAm, { darc: a.darc, depth: a.depth - 1, width: a.width, path }));
  await Promise.all(kids);
});
const Read = defineAm('stress_test/read', (_ctx, a: { darc: Darc<Hits> }) => a.darc.value.n);

/** AMs in one tree of `depth` levels below its root, `width` children each. */
const treeSize = (depth: number, width: number): number => (depth < 0 ? 0 : 1 + width * treeSize(depth - 1, width));

await using world = await initWorld();
const me = world.myPe;
const P = world.numPes;
seed = 0x9e3779b9 ^ (me * 7919 + 1);
const darc = await Darc.create(world, { n: 0 } as Hits);

const width = 4;
const depth = 4;
let t0 = performance.now();
const tg = new TypedAmGroup(world, DataAm, { static: { darc, width } });
for (let i = 0; i < width; i++) tg.addAmPe(rand(P), { depth, path: [me] });
await tg.exec();
await world.barrier();
const expectWorld = P * width * treeSize(depth, width);
if (me === 0) {
  const total = (await world.execAmAll(Read, { darc })).reduce((a, b) => a + b, 0);
  console.log(`world trees: ${total} AMs ran (expected ${expectWorld}) in ${((performance.now() - t0) / 1000).toFixed(3)} s`);
}
await world.barrier();

const firstHalf = await world.createTeamFromArch(new BlockedArch(0, Math.ceil(P / 2)));
const odd = await world.createTeamFromArch(new StridedArch(1, 2, Math.floor(P / 2)));
t0 = performance.now();
const w2 = 3;
const runs = [];
for (let i = 0; i < w2; i++) {
  if (firstHalf.isMember) runs.push(firstHalf.execAmPe(rand(firstHalf.numPes), DataAm, { darc, depth: 3, width: w2, path: [me] }));
  if (odd.isMember) runs.push(odd.execAmPe(rand(odd.numPes), DataAm, { darc, depth: 3, width: w2, path: [me] }));
}
await Promise.all(runs);
await world.waitAll();
await world.barrier();
const roots = Math.ceil(P / 2) * w2 + Math.floor(P / 2) * w2;
if (me === 0) {
  const total = (await world.execAmAll(Read, { darc })).reduce((a, b) => a + b, 0);
  console.log(`sub-team trees: ${total - expectWorld} AMs ran (expected ${roots * treeSize(3, w2)}) in ${((performance.now() - t0) / 1000).toFixed(3)} s`);
}
await world.barrier();
await darc.drop();
