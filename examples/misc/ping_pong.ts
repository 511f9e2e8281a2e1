/**
 * Ping-pong through shared memory regions, after Lamellar's ping_pong example: each PE sends
 * batches of indices to its partner by writing them straight into the partner's receive buffer
 * (a put into a SharedMemoryRegion), and a local AM on the partner answers each batch by putting
 * the results (index × 2 + 1) into the sender's result buffer. No AM carries the data: flags in
 * an AtomicArray say when a batch or its answer has landed (their atomic store orders the plain
 * data writes before it). A TaskGroup holds the receiving AMs.
 *
 *   npx lamellar run -N 4 examples/misc/ping_pong.ts
 */
import { AtomicArray, defineAm, initWorld, TaskGroup, type SharedMemoryRegion } from 'lamellar';

const BUF = 256;
const ROUNDS = 50;

interface Buffers {
  idxRecv: SharedMemoryRegion<'u32'>;
  resRecv: SharedMemoryRegion<'u32'>;
  /** Per PE: [0] the last batch that arrived here, [1] the last answer that arrived here. */
  flags: AtomicArray<'u32'>;
}

/**
 * Waits until this PE's flag `slot` reaches `value`: a few quick looks, then a 1 ms sleep
 * between looks, so that waiting PEs leave the cores to the PEs they wait for.
 */
async function waitFlag(flags: AtomicArray<'u32'>, slot: number, value: number): Promise<void> {
  const local = flags.localData();
  for (let k = 0; local.load(slot) < value; k++) await new Promise((r) => (k < 20 ? setImmediate(r) : setTimeout(r, 1)));
}

/** On a PE: answers `ROUNDS` batches from `from`, each by putting results into `from`'s buffer. */
const RecvAm = defineAm('ping_pong/recv', async (ctx, a: Buffers & { from: number }) => {
  const idx = a.idxRecv.unsafeLocalData();
  const out = new Uint32Array(BUF);
  for (let round = 1; round <= ROUNDS; round++) {
    await waitFlag(a.flags, 0, round);
    for (let k = 0; k < BUF; k++) out[k] = idx[k]! * 2 + 1;
    await a.resRecv.put(a.from, 0, out);
    await a.flags.store(2 * a.from + 1, round);
  }
  return ctx.currentPe;
});

await using world = await initWorld();
const me = world.myPe;
const P = world.numPes;
const partner = (me + 1) % P; // I send to my right neighbour, and answer my left one
const from = (me + P - 1) % P;
const idxRecv = await world.allocSharedMemRegion('u32', BUF);
const resRecv = await world.allocSharedMemRegion('u32', BUF);
const flags = await AtomicArray.create(world, { type: 'u32', length: 2 * P, distribution: 'block' });
const bufs: Buffers = { idxRecv, resRecv, flags };

const tg = new TaskGroup(world);
const answering = tg.execAmLocal(RecvAm, { ...bufs, from });
const send = new Uint32Array(BUF);
let wrong = 0;
const t0 = performance.now();
for (let round = 1; round <= ROUNDS; round++) {
  for (let k = 0; k < BUF; k++) send[k] = round * 1000 + k;
  await idxRecv.put(partner, 0, send);
  await flags.store(2 * partner, round);
  await waitFlag(flags, 1, round);
  const res = resRecv.unsafeLocalData();
  for (let k = 0; k < BUF; k++) if (res[k] !== send[k]! * 2 + 1) wrong++;
}
await answering;
await tg.waitAll();
const secs = (performance.now() - t0) / 1000;
await world.barrier();
console.log(`PE ${me}: ${ROUNDS} rounds of ${BUF} indices with PE ${partner}, ${wrong} wrong results (${((ROUNDS * 2) / secs).toFixed(0)} messages/s)`);
await world.barrier();
await Promise.all([idxRecv.drop(), resRecv.drop(), flags.drop()]);
