/**
 * Memory regions inside active messages: the recommended pattern for moving a large payload.
 * Each PE allocates a one-sided region, fills it, and sends its handle in an AM to the next PE.
 * The AM pulls the payload with get(), and writes an answer back into the sender's region with
 * put(): no payload travels in the message itself.
 *
 *   npx lamellar run -N 4 examples/rdma/rdma_am.ts
 */
import { defineAm, initWorld, type OneSidedMemoryRegion } from 'lamellar';

const LEN = 1 << 16;

const SumAndReply = defineAm('rdma_am/sum-and-reply', async (ctx, a: { buf: OneSidedMemoryRegion<'f64'> }) => {
  const data = await a.buf.get(0, LEN);
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i]!;
  // Write the answer into the last element of the sender's buffer.
  await a.buf.put(LEN - 1, new Float64Array([sum]));
  return `PE ${ctx.currentPe} summed ${LEN} elements owned by PE ${a.buf.owner}`;
});

await using world = await initWorld();
const me = world.myPe;
await using buf = world.allocOneSidedMemRegion('f64', LEN);
const local = buf.unsafeLocalData();
for (let i = 0; i < LEN - 1; i++) local[i] = me + 1;
const expected = (LEN - 1) * (me + 1);

const msg = await world.execAmPe((me + 1) % world.numPes, SumAndReply, { buf });
console.log(`PE ${me}: ${msg}; the answer in my buffer is ${local[LEN - 1]} (expected ${expected})`);
await world.barrier();
