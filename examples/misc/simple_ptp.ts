/**
 * A toy Precision Time Protocol, after Lamellar's simple_ptp example: AMs that return AMs that
 * return data. Each PE sends PE 0 a SyncAm; PE 0 answers with a RespAm carrying its time t1,
 * which runs back on the sender; RespAm takes t2 and t3 and asks PE 0 for t4 (FollowUpAm), and
 * the sender's handle resolves to the estimated offset -((t2 - t1) - (t4 - t3)) / 2 in ns.
 * (Illustration only: PEs on one host share a clock, so the offsets are small.)
 *
 *   npx lamellar run -N 4 examples/misc/simple_ptp.ts
 */
import { defineAm, initWorld, returnAm } from 'lamellar';

const now = (): bigint => process.hrtime.bigint();

const FollowUpAm = defineAm('simple_ptp/follow-up', () => now());
const RespAm = defineAm('simple_ptp/resp', async (ctx, a: { time: bigint }) => {
  const t2 = now();
  const t1 = a.time;
  const t3 = now();
  const t4 = await ctx.world.execAmPe(0, FollowUpAm);
  return -((t2 - t1) - (t4 - t3)) / 2n;
});
const SyncAm = defineAm('simple_ptp/sync', () => returnAm(RespAm, { time: now() }));

await using world = await initWorld();
const me = world.myPe;
await world.barrier();
const tasks = 100;
const adjs = await Promise.all(Array.from({ length: tasks }, () => world.execAmPe(0, SyncAm)));
await world.waitAll();
await world.barrier();
const sum = adjs.reduce((a, b) => a + b, 0n);
console.log(`[${me}] ${adjs.length} exchanges with PE 0, mean adj: ${sum / BigInt(tasks)} ns`);
