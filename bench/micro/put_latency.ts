/**
 * put_latency: one memory-region put at a time, PE 0 to PE 1, each awaited before the next (the
 * latency a put's caller sees, where put_bw keeps many in flight). Sizes 8 B and 4 KiB, `ops`
 * puts each after a warm-up; reported: the median put as `global_time_secs` and `us_per_op`,
 * with the 90th percentile beside it (`p90_us`). Verified by reading the last put back.
 *
 *   npx lamellar run -N 2 --backend ofi bench/micro/put_latency.ts [--quick|--full] [--ops N]
 */
import { initWorld } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';

const { mode, sizes } = parseSizes({ quick: { ops: 3000 }, full: { ops: 20000 } });

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const r = await world.allocSharedMemRegion('u8', 4096);
const dst = world.numPes - 1;
await world.barrier();
for (const size of [8, 4096]) {
  report.begin('put_latency', 'region_put_awaited', size);
  if (world.myPe === 0) {
    const src = new Uint8Array(size);
    const lat: number[] = [];
    for (let i = 0; i < 200 + sizes.ops; i++) {
      src.fill(i & 0xff);
      const t0 = performance.now();
      await r.put(dst, 0, src);
      if (i >= 200) lat.push((performance.now() - t0) / 1000);
    }
    const back = new Uint8Array(size);
    await r.get(dst, 0, back);
    verify(back.every((x) => x === ((200 + sizes.ops - 1) & 0xff)), 'put_latency: the last put is there');
    lat.sort((a, b) => a - b);
    report.emit({
      name: 'put_latency', variant: 'region_put_awaited', updatesPerPe: sizes.ops, tableSizePerPe: 4096, secs: lat[lat.length >> 1]!, ops: 1, bytes: size, verified: true,
      threads: 1, extra: { p90_us: Math.round(lat[Math.floor(lat.length * 0.9)]! * 1e7) / 10 },
    });
  }
  await world.barrier();
}
await r.drop();
await world.shutdown();
