/**
 * array_bw: `put` and `get` of one contiguous range of `bytes` bytes from PE 0 into the last
 * PE's part of a block array (Lamellar's examples/bandwidths/*array* ports), for u8 and f64
 * elements, on UnsafeArray, AtomicArray, LocalLockArray and GlobalLockArray, beside a
 * SharedMemoryRegion put/get of the same bytes (the yardstick). Each rep runs
 * `count` puts then `count` gets back to back (each awaited); the best of `reps` is reported.
 * Verified: the last get returns what was put.
 *
 *   npx lamellar run -N 2 --backend tcp bench/bw/array_bw.ts [--quick|--full] [--bytes 1048576]
 */
import { AtomicArray, GlobalLockArray, initWorld, LocalLockArray, UnsafeArray } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';

const { mode, sizes } = parseSizes({
  quick: { bytes: 1 << 20, count: 4, reps: 3 },
  full: { bytes: 1 << 20, count: 16, reps: 5 },
});
const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const KINDS = { UnsafeArray, AtomicArray, LocalLockArray, GlobalLockArray } as const;
const last = world.numPes - 1;

for (const type of ['u8', 'f64'] as const) {
  const n = sizes.bytes / (type === 'u8' ? 1 : 8);
  const src = type === 'u8' ? Uint8Array.from({ length: n }, (_, i) => (i * 31 + 5) & 255) : Float64Array.from({ length: n }, (_, i) => i * 0.5);
  const dst = type === 'u8' ? new Uint8Array(n) : new Float64Array(n);
  for (const [kind, Cls] of Object.entries(KINDS)) {
    const a = await (Cls as typeof UnsafeArray).create(world, { type, length: n * world.numPes, distribution: 'block' });
    const at = n * last;
    for (const op of ['put', 'get'] as const) {
      const secs: number[] = [];
      if (world.myPe === 0) {
        report.begin('array_bw', `${kind}_${type}_${op}`, sizes.bytes);
        for (let rep = 0; rep < sizes.reps; rep++) {
          const t0 = performance.now();
          for (let k = 0; k < sizes.count; k++) {
            if (op === 'put') await a.put(at, src as never);
            else await a.get(at, dst as never);
          }
          secs.push((performance.now() - t0) / 1000);
        }
        // A put is checked by reading the range back (untimed); a get by what it returned.
        const got = op === 'get' ? dst : await a.get(at, n);
        verify(got.every((x, i) => x === src[i]), `${kind} ${type} ${op}: the range holds what was put`);
        report.emit({
          name: 'array_bw', variant: `${kind}_${type}_${op}`, threads: 1, updatesPerPe: sizes.count, tableSizePerPe: n, secs, ops: sizes.count, bytes: sizes.bytes, verified: true,
        });
      }
      await world.barrier();
    }
    dst.fill(0 as never);
    await a.drop();
  }
  // The yardstick: the same bytes as a SharedMemoryRegion put/get into the last PE's part.
  const region = await world.allocSharedMemRegion(type, n);
  for (const op of ['put', 'get'] as const) {
    if (world.myPe === 0) {
      const secs: number[] = [];
      report.begin('array_bw', `SharedMemoryRegion_${type}_${op}`, sizes.bytes);
      for (let rep = 0; rep < sizes.reps; rep++) {
        const t0 = performance.now();
        for (let k = 0; k < sizes.count; k++) {
          if (op === 'put') await region.put(last, 0, src as never);
          else await region.get(last, 0, dst as never);
        }
        secs.push((performance.now() - t0) / 1000);
      }
      if (op === 'put') await region.get(last, 0, dst as never);
      verify(dst.every((x, i) => x === src[i]), `region ${type} ${op}: the part holds what was put`);
      report.emit({
        name: 'array_bw', variant: `SharedMemoryRegion_${type}_${op}`, threads: 1, updatesPerPe: sizes.count, tableSizePerPe: n, secs, ops: sizes.count, bytes: sizes.bytes, verified: true,
      });
    }
    await world.barrier();
  }
  await region.drop();
}
await world.shutdown();
