/**
 * put_bw and get_bw: memory-region put or get from PE 0 to the last PE's part of a shared u8
 * region, 2^3 .. 2^24 B per operation (Lamellar's examples/bandwidths/put_bw.rs, get_bw.rs).
 * Each size also times, in the same process, `TypedArray.set` of the same bytes into shared
 * memory (the baseline; the region line carries ratio_to_baseline) and between private arrays
 * (`memcpy`, the machine's copy speed; ratio_to_memcpy). A get returns a new array, so get lines
 * also carry ratio_to_typedarray_slice: against the allocating copy that such an API cannot go
 * below.
 *
 * Per size, enough operations to move `bytes-per-size` bytes (at least `min-count`, at most
 * `max-count`; the region op also at most what its warm-up says fits in about half a second a
 * rep), pipelined so that a lamella that completes them asynchronously (tcp) has several
 * in flight; the time runs until every operation's handle has settled. Each size runs `reps`
 * times (the baseline too); the best rep is reported, the median beside it. Verified: after the puts PE 0 reads the target's bytes back and compares; for get,
 * the target fills its part with a known pattern first and PE 0 checks what it fetched.
 */
import { initWorld, type SharedMemoryRegion } from 'lamellar';
import { CopyBaseline } from '../baselines/copy.js';
import { parseSizes, ratio, Reporter, verify } from '../lib/harness.js';
import { pipelined } from '../lib/pipeline.js';

const pattern = (i: number, salt: number): number => (i * 31 + salt) & 255;
/** What one timed rep of the region op aims at, from the warm-up's rate. */
const REP_BUDGET_SECS = 0.5;

function patterned(size: number, salt: number): Uint8Array {
  const a = new Uint8Array(size);
  for (let i = 0; i < size; i++) a[i] = pattern(i, salt);
  return a;
}

function firstMismatch(a: Uint8Array, size: number, salt: number): number {
  for (let i = 0; i < size; i++) if (a[i] !== pattern(i, salt)) return i;
  return -1;
}

export async function rdmaBandwidth(op: 'put' | 'get'): Promise<void> {
  const name = `${op}_bw`;
  const { mode, sizes } = parseSizes({
    quick: { 'min-exp': 3, 'max-exp': 24, 'bytes-per-size': 256 << 20, 'min-count': 16, 'max-count': 50_000, reps: 3 },
    full: { 'min-exp': 3, 'max-exp': 24, 'bytes-per-size': 2 ** 31, 'min-count': 64, 'max-count': 2_000_000, reps: 5 },
  });
  const world = await initWorld();
  const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
  const target = world.numPes - 1;
  const maxBytes = 2 ** sizes['max-exp'];
  const region: SharedMemoryRegion<'u8'> = await world.allocSharedMemRegion('u8', maxBytes);
  const getSalt = 7;
  if (op === 'get') {
    const mine = region.unsafeLocalData();
    for (let i = 0; i < maxBytes; i++) mine[i] = pattern(i, getSalt);
  }
  await world.barrier();
  const copy = world.myPe === 0 ? new CopyBaseline(maxBytes) : undefined;

  // Only PE 0 works; the others' memory is the target, and they wait at the barrier below.
  for (let e = sizes['min-exp']; world.myPe === 0 && e <= sizes['max-exp']; e++) {
    const size = 2 ** e;
    const count = Math.max(sizes['min-count'], Math.min(sizes['max-count'], Math.floor(sizes['bytes-per-size'] / size)));
    const chunk = Math.max(1, Math.min(4096, Math.floor((8 << 20) / size)));
    const src = patterned(size, e);
    let last: Uint8Array = src;
    const into = new Uint8Array(size);
    const run = async (n: number): Promise<number> => {
      const t0 = performance.now();
      if (op === 'put') {
        await pipelined(n, chunk, (start, end) => {
          // A direct put returns one shared settled promise: keep each distinct handle once.
          const hs: Promise<void>[] = [];
          for (let i = start; i < end; i++) {
            const h = region.put(target, 0, src);
            if (h !== hs[hs.length - 1]) hs.push(h);
          }
          return Promise.all(hs);
        });
      } else {
        await pipelined(n, chunk, (start, end) => {
          // Lamellar's get fills a caller's buffer; the allocating form measures allocation.
          const hs: Promise<Uint8Array>[] = [];
          for (let i = start; i < end; i++) hs.push(region.get(target, 0, into));
          return Promise.all(hs).then((got) => (last = got[got.length - 1]!));
        });
      }
      return (performance.now() - t0) / 1000;
    };
    report.begin(name, 'typedarray_set', size);
    const baseSecs = Array.from({ length: sizes.reps }, () => copy!.time(src, count));
    const baseline = report.emit({
      name, variant: 'typedarray_set', threads: 1, updatesPerPe: count, tableSizePerPe: maxBytes, secs: baseSecs, ops: count, bytes: size, verified: true,
    });
    report.begin(name, 'memcpy', size);
    const memcpySecs = Array.from({ length: sizes.reps }, () => copy!.timeMemcpy(src, count));
    const memcpy = report.emit({
      name, variant: 'memcpy', threads: 1, updatesPerPe: count, tableSizePerPe: maxBytes, secs: memcpySecs, ops: count, bytes: size, verified: true,
    });
    const sliceOps = op === 'get' ? count / Math.min(...Array.from({ length: sizes.reps }, () => copy!.timeSlice(src, count))) : 0;
    report.begin(name, `region_${op}`, size);
    const warm = Math.max(1, Math.ceil(count / 10));
    const warmSecs = await run(warm);
    // Over tcp a small put or get is a message: 2M of them per rep made one size take minutes.
    // The warm-up's rate caps a rep at about REP_BUDGET_SECS (never below min-count).
    const n = Math.max(Math.min(sizes['min-count'], count), Math.min(count, Math.ceil((warm * REP_BUDGET_SECS) / Math.max(warmSecs, 1e-6))));
    const secs: number[] = [];
    for (let rep = 0; rep < sizes.reps; rep++) secs.push(await run(n));
    if (op === 'put') {
      const back = await region.get(target, 0, size);
      const bad = firstMismatch(back, size, e);
      verify(bad < 0, `put ${size} B: byte ${bad} on PE ${target} is ${back[bad]}, expected ${pattern(bad, e)}`);
    } else {
      const bad = firstMismatch(last, size, getSalt);
      verify(last.length === size && bad < 0, `get ${size} B: fetched byte ${bad} is ${last[bad]}, expected ${pattern(bad, getSalt)}`);
    }
    report.emit({
      name, variant: `region_${op}`, updatesPerPe: n, tableSizePerPe: maxBytes, secs, ops: n, bytes: size, verified: true,
      baseline: { variant: 'typedarray_set', opsPerSec: baseline },
      extra: {
        ratio_to_memcpy: ratio(n / Math.min(...secs), memcpy),
        ...(op === 'get' ? { ratio_to_typedarray_slice: ratio(n / Math.min(...secs), sliceOps) } : {}),
      },
    });
  }
  await world.barrier();
  await world.shutdown();
}
