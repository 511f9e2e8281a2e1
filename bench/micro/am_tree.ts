/**
 * am_tree: active messages that launch and await active messages, the pattern of a recursive
 * divide-and-conquer program (a tree search, a parallel reduction written as recursion).
 *
 *   tree            PE 0 launches the root on PE 1 (mod PEs); a node of depth d > 0 launches
 *                   `fanout` children, child i on PE (its PE + 1 + i) mod PEs, awaits them and
 *                   returns 1 + their counts; a leaf returns 1. ops: the nodes, each one AM
 *   awaited_window  the same number of AMs from PE 0 to PE 1 (mod PEs), `window` at a time, each
 *                   window awaited with Promise.all before the next; the flat form of the same
 *                   work, its baseline (ratio_to_baseline is tree / awaited_window)
 *
 * Both hold many AMs in flight, each with its handle and promise (and, in the tree, an async
 * frame) alive until its reply comes back: what the garbage collector's young generation has to
 * carry (docs/env.md, "Young generation"). Reps alternate between the variants; the best rep is
 * reported, the median beside it. Verified: the root's count is the tree's node count, and the
 * window AMs' returned values sum to what was sent.
 *
 *   npx lamellar run -N 2 --backend shmem bench/micro/am_tree.ts [--quick|--full] [--depth N] [--fanout N] [--window N] [--reps N]
 */
import { defineAm, initWorld } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';

const Node = defineAm('bench/am-tree/node', async (ctx, a: { depth: number; fanout: number }): Promise<number> => {
  if (a.depth === 0) return 1;
  const children: PromiseLike<number>[] = [];
  for (let i = 0; i < a.fanout; i++) children.push(ctx.world.execAmPe((ctx.currentPe + 1 + i) % ctx.numPes, Node, { depth: a.depth - 1, fanout: a.fanout }));
  let n = 1;
  for (const c of children) n += await c;
  return n;
});
const Echo = defineAm('bench/am-tree/echo', (_ctx, x: number) => x);

const { mode, sizes } = parseSizes({
  quick: { depth: 14, fanout: 2, window: 4096, reps: 5 },
  full: { depth: 16, fanout: 2, window: 4096, reps: 7 },
});

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const me = world.myPe;
const target = 1 % world.numPes;
const { depth, fanout, window } = sizes;
let nodes = 0;
for (let d = 0, level = 1; d <= depth; d++, level *= fanout) nodes += level;

async function tree(): Promise<void> {
  if (me !== 0) return;
  const n = await world.execAmPe(target, Node, { depth, fanout });
  verify(n === nodes, `am_tree: the root counted ${n} nodes, not ${nodes}`);
}

async function awaitedWindow(): Promise<void> {
  if (me !== 0) return;
  let sum = 0;
  let sent = 0;
  for (let i = 0; i < nodes; i += window) {
    const hs: PromiseLike<number>[] = [];
    for (let j = i; j < Math.min(nodes, i + window); j++) {
      hs.push(world.execAmPe(target, Echo, j));
      sent += j;
    }
    for (const x of await Promise.all(hs)) sum += x;
  }
  verify(sum === sent, `am_tree: the window AMs returned ${sum}, not ${sent}`);
}

const variants = [
  { name: 'awaited_window', run: awaitedWindow, secs: [] as number[] },
  { name: 'tree', run: tree, secs: [] as number[] },
];
for (let rep = -1; rep < sizes.reps; rep++) {
  for (const v of variants) {
    await world.barrier();
    const t0 = performance.now();
    await v.run();
    await world.barrier();
    // Rep -1 warms up both.
    if (rep >= 0) v.secs.push((performance.now() - t0) / 1000);
  }
}
let baseline: { variant: string; opsPerSec: number } | undefined;
for (const v of variants) {
  report.begin('am_tree', v.name);
  const opsPerSec = report.emit({
    name: 'am_tree', variant: v.name, updatesPerPe: nodes, tableSizePerPe: 0, secs: v.secs, ops: nodes, bytes: 0, verified: true, baseline,
    extra: v.name === 'tree' ? { depth, fanout } : { window },
  });
  baseline ??= { variant: v.name, opsPerSec };
}
await world.shutdown();
