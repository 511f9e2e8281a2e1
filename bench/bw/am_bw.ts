/**
 * am_bw: AM bandwidth from PE 0 to the last PE, the AM carrying a byte payload of 2^0 .. 2^20 B
 * (Lamellar's examples/bandwidths/am_bw.rs). Per size: MB/s of payload and us_per_op (µs per
 * AM), from the first launch until `waitAll()` says every AM ran.
 *
 * Each size sends enough AMs to move `bytes-per-size` bytes (at least `min-count` AMs, at most
 * `max-count`), in a pipeline that keeps about `window` bytes in flight, `reps` times after a
 * warm-up; the best rep is reported, the median beside it. Verified by the target's
 * count of AMs and bytes received, and by the payload's first and last bytes.
 *
 *   npx lamellar run -N 2 --backend shmem bench/bw/am_bw.ts [--quick|--full] [--min-exp 0] [--max-exp 20] ...
 */
import { defineAm, initWorld } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';
import { pipelined } from '../lib/pipeline.js';

let amsIn = 0;
let bytesIn = 0;
let badPayloads = 0;
const Payload = defineAm('bench/am-bw/payload', (_ctx, data: Uint8Array) => {
  amsIn++;
  bytesIn += data.length;
  if (data[0] !== 0xa5 || (data.length > 1 && data[data.length - 1] !== 0x5a)) badPayloads++;
});
const Received = defineAm('bench/am-bw/received', () => ({ amsIn, bytesIn, badPayloads }));

const { mode, sizes } = parseSizes({
  quick: { 'min-exp': 0, 'max-exp': 20, 'bytes-per-size': 64 << 20, 'min-count': 64, 'max-count': 100_000, window: 4 << 20, reps: 3 },
  full: { 'min-exp': 0, 'max-exp': 20, 'bytes-per-size': 512 << 20, 'min-count': 256, 'max-count': 1_000_000, window: 4 << 20, reps: 5 },
});

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const target = world.numPes - 1;

function payload(size: number): Uint8Array {
  const p = new Uint8Array(size).fill(0x33);
  p[size - 1] = 0x5a;
  p[0] = 0xa5;
  return p;
}

/** Sends `count` AMs carrying `data`; returns seconds. */
async function send(data: Uint8Array, count: number): Promise<number> {
  const chunk = Math.max(1, Math.min(8192, Math.floor(sizes.window / 2 / data.length)));
  const t0 = performance.now();
  await pipelined(count, chunk, (start, end) => {
    let last: PromiseLike<unknown> | undefined;
    for (let i = start; i < end; i++) last = world.execAmPe(target, Payload, data);
    return last!;
  });
  await world.waitAll();
  return (performance.now() - t0) / 1000;
}

for (let e = sizes['min-exp']; e <= sizes['max-exp']; e++) {
  await world.barrier();
  if (world.myPe === 0) {
    const size = 2 ** e;
    const count = Math.max(sizes['min-count'], Math.min(sizes['max-count'], Math.floor(sizes['bytes-per-size'] / size)));
    const data = payload(size);
    report.begin('am_bw', 'am_payload', size);
    const before = await world.execAmPe(target, Received);
    const warm = Math.max(1, Math.ceil(count / 10));
    await send(data, warm);
    const secs: number[] = [];
    for (let rep = 0; rep < sizes.reps; rep++) secs.push(await send(data, count));
    const after = await world.execAmPe(target, Received);
    const sent = warm + sizes.reps * count;
    verify(after.amsIn - before.amsIn === sent, `${size} B: the target ran ${after.amsIn - before.amsIn} AMs, expected ${sent}`);
    verify(after.bytesIn - before.bytesIn === sent * size, `${size} B: the target got ${after.bytesIn - before.bytesIn} bytes`);
    verify(after.badPayloads === 0, `${size} B: ${after.badPayloads} payloads arrived corrupted`);
    report.emit({ name: 'am_bw', variant: 'am_payload', updatesPerPe: count, tableSizePerPe: 0, secs, ops: count, bytes: size, verified: true });
  }
}
await world.shutdown();
