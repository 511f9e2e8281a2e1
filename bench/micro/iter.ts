/**
 * iter: array iterators against hand-written loops, in the same run.
 *
 *   local_map_sum      localIter().map(f).sum() over `elems` f64 per PE   baseline: hand_loop (the same f over unsafeLocalData())
 *   dist_fill          distIterMut().forEach((x) => x.store(v)), UnsafeArray f64   baseline: hand_fill
 *   dist_fill_enumerate distIterMut().enumerate().forEach(([i, x]) => x.store(i))   baseline: hand_fill
 *   atomic_fill        AtomicArray u32 distIterMut().forEach((x) => x.store(v))     baseline: hand_fill
 *   onesided_chunks    PE 0 walks the whole u32 array (`onesided-elems` in all) with onesidedIter().chunks(`chunk`)   baseline: get_whole (one get of every element)
 *   onesided_sum       onesidedIter().sum() over the same array                  baseline: get_whole_sum (one get, then a hand sum)
 *   onesided_find      onesidedIter().find() of the last element (a walk of every element)   baseline: onesided_sum
 *   get_chunks         get() in `chunk` pieces, for reference
 *   collect            distIter().collect(ReadOnlyArray, 'block') of `elems` u32 per PE   baseline: create_put (create + put of the same elements)
 *   forEach/<schedule>, forEachAsync/<schedule>   the schedules on one PE (forEachAsync over `async-elems` items)
 *   small_sum_hoisted, small_sum_fresh   `consumes` × localIter().map(f).sum() over 100 elements: us_per_op per consume, with one callback object, or a fresh arrow each time (one loop compile each)
 *   am_reply_during_forEach   PE 0 pings PE 1 with an AM while PE 1 runs a `ping-elems` forEach: us_per_op is the median reply time (max_ms beside it)
 *
 * All PEs run the local and distributed cases at once (barriers around each rep); the one-sided
 * cases run on PE 0 while the others wait. ratio_to_baseline > 1 means the iterator is faster.
 * Verified: every case's result is checked against its baseline or a closed form.
 *
 *   npx lamellar run -N 2 --backend shmem bench/micro/iter.ts [--quick|--full] [--elems N] [--onesided-elems N] ...
 */
import { AtomicArray, defineAm, initWorld, ReadOnlyArray, Schedule, UnsafeArray, type AtomicElement, type ElemRef } from 'lamellar';
import { parseSizes, ratio, Reporter, verify } from '../lib/harness.js';

const { mode, sizes } = parseSizes({
  quick: { elems: 1_000_000, 'onesided-elems': 4_194_304, chunk: 65_536, 'async-elems': 20_000, 'ping-elems': 2_000_000, consumes: 2_000, reps: 3 },
  full: { elems: 10_000_000, 'onesided-elems': 16_777_216, chunk: 65_536, 'async-elems': 200_000, 'ping-elems': 10_000_000, consumes: 20_000, reps: 5 },
});

let progress = 0;
let iterating = false;
let finished = false;
let stop = false;
const Ping = defineAm('bench/iter/ping', () => ({ progress, iterating, finished }));
const Stop = defineAm('bench/iter/stop', () => {
  stop = true;
});

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const P = world.numPes;
const me = world.myPe;
const E = sizes.elems;

/** Times `fn` on every PE `reps` times (a barrier before and after each), alternating with `base`. */
async function pair<R>(fn: () => Promise<R> | R, base: () => Promise<R> | R, check: (got: R, want: R) => boolean, what: string): Promise<[number[], number[]]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let rep = 0; rep < sizes.reps + 1; rep++) {
    await world.barrier();
    let t0 = performance.now();
    const want = await base();
    await world.barrier();
    const tb = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const got = await fn();
    await world.barrier();
    const ta = (performance.now() - t0) / 1000;
    verify(check(got, want), `${what}: ${String(got)} != ${String(want)}`);
    // The first rep warms both up (the fused loop is compiled on first use).
    if (rep > 0) {
      a.push(ta);
      b.push(tb);
    }
  }
  return [a, b];
}

const best = (xs: number[]): number => Math.min(...xs);

// ---- local_map_sum ----
{
  const arr = await UnsafeArray.create(world, { type: 'f64', length: E * P, distribution: 'block' });
  const d = arr.unsafeLocalData();
  for (let i = 0; i < d.length; i++) d[i] = (i % 1000) * 0.25;
  const f = (x: number): number => x * 2 + 1;
  const hand = (): number => {
    const v = arr.unsafeLocalData();
    let s = 0;
    for (let i = 0; i < v.length; i++) s += f(v[i]!);
    return s;
  };
  const inline = (): number => {
    const v = arr.unsafeLocalData();
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * 2 + 1;
    return s;
  };
  for (const v of ['hand_loop', 'local_map_sum']) report.begin('iter', v);
  const [it, base] = await pair(() => arr.localIter().map(f).sum(), hand, (x, y) => x === y, 'local_map_sum');
  const [inl] = await pair(inline, hand, (x, y) => x === y, 'inline loop');
  const ops = E * P;
  const handRate = report.emit({ name: 'iter', variant: 'hand_loop', updatesPerPe: E, tableSizePerPe: E, secs: base, ops, bytes: 8, verified: true });
  report.emit({
    name: 'iter', variant: 'local_map_sum', updatesPerPe: E, tableSizePerPe: E, secs: it, ops, bytes: 8, verified: true,
    baseline: { variant: 'hand_loop', opsPerSec: handRate }, extra: { ratio_to_inline_loop: ratio(best(inl), best(it)) },
  });
  await world.barrier();
  await arr.drop();
}

// ---- fills ----
{
  const arr = await UnsafeArray.create(world, { type: 'f64', length: E * P, distribution: 'block' });
  const at = await AtomicArray.create(world, { type: 'u32', length: E * P, distribution: 'block' });
  const handFill = (v: number): number => {
    const d = arr.unsafeLocalData();
    for (let i = 0; i < d.length; i++) d[i] = v;
    return v;
  };
  const checkFill = async (a: UnsafeArray<'f64'> | AtomicArray<'u32'>, v: (i: number) => number): Promise<boolean> => {
    const s = await a.distIter().enumerate().filter(([i, x]) => x !== v(i)).count();
    return s === 0;
  };
  // Callbacks hoisted, as the docs advise: each new function object costs one loop compile.
  const store15 = (x: ElemRef<'f64'>): void => x.store(1.5);
  const storeI = ([i, x]: [number, ElemRef<'f64'>]): void => x.store(i);
  const store7 = (x: AtomicElement<'u32'>): void => x.store(7);
  for (const v of ['hand_fill', 'dist_fill', 'dist_fill_enumerate', 'atomic_fill']) report.begin('iter', v);
  const [fill, base] = await pair(async () => {
    await arr.distIterMut().forEach(store15);
    return 1.5;
  }, () => handFill(1.5), (x, y) => x === y, 'dist_fill');
  verify(await checkFill(arr, () => 1.5), 'dist_fill wrote every element');
  const [enumFill] = await pair(async () => {
    await arr.distIterMut().enumerate().forEach(storeI);
    return 0;
  }, () => 0, () => true, 'dist_fill_enumerate');
  verify(await checkFill(arr, (i) => i), 'dist_fill_enumerate wrote every index');
  const [atomicFill] = await pair(async () => {
    await at.distIterMut().forEach(store7);
    return 0;
  }, () => 0, () => true, 'atomic_fill');
  verify(await checkFill(at, () => 7), 'atomic_fill wrote every element');
  const ops = E * P;
  const handRate = report.emit({ name: 'iter', variant: 'hand_fill', updatesPerPe: E, tableSizePerPe: E, secs: base, ops, bytes: 8, verified: true });
  for (const [variant, secs] of [['dist_fill', fill], ['dist_fill_enumerate', enumFill], ['atomic_fill', atomicFill]] as const) {
    report.emit({ name: 'iter', variant, updatesPerPe: E, tableSizePerPe: E, secs, ops, bytes: variant === 'atomic_fill' ? 4 : 8, verified: true, baseline: { variant: 'hand_fill', opsPerSec: handRate } });
  }
  await world.barrier();
  await arr.drop();
  await at.drop();
}

// ---- one-sided against get ----
{
  const N = sizes['onesided-elems'];
  const C = sizes.chunk;
  const arr = await UnsafeArray.create(world, { type: 'u32', length: N, distribution: 'block' });
  await arr.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
  const want = (N * (N - 1)) / 2;
  if (me === 0) {
    const secs: Record<string, number[]> = { get_whole: [], get_whole_sum: [], get_chunks: [], onesided_chunks: [], onesided_sum: [], onesided_find: [] };
    const time = async (k: string, fn: () => Promise<number>): Promise<void> => {
      const t0 = performance.now();
      const r = await fn();
      secs[k]!.push((performance.now() - t0) / 1000);
      verify(r === N || r === want, `${k} saw ${r}`);
    };
    for (const v of ['get_whole', 'get_whole_sum', 'get_chunks', 'onesided_chunks', 'onesided_sum', 'onesided_find']) report.begin('iter', v);
    for (let rep = 0; rep < sizes.reps + 1; rep++) {
      await time('get_whole', async () => (await arr.get(0, N)).length);
      await time('get_whole_sum', async () => {
        const g = await arr.get(0, N);
        let s = 0;
        for (let i = 0; i < g.length; i++) s += g[i]!;
        return s;
      });
      await time('get_chunks', async () => {
        let n = 0;
        for (let i = 0; i < N; i += C) n += (await arr.get(i, Math.min(C, N - i))).length;
        return n;
      });
      await time('onesided_chunks', async () => {
        let n = 0;
        for await (const c of arr.bufferedOnesidedIter(C).chunks(C)) n += c.length;
        return n;
      });
      await time('onesided_sum', () => arr.bufferedOnesidedIter(C).sum());
      // Found at the very end: N when found (the check above), -1 + 1 = 0 when not.
      await time('onesided_find', async () => ((await arr.bufferedOnesidedIter(C).find((x) => x === N - 1)) ?? -1) + 1);
      if (rep === 0) for (const k of Object.keys(secs)) secs[k]!.length = 0;
    }
    const emit = (variant: string, base?: string): number =>
      report.emit({
        name: 'iter', variant, updatesPerPe: N, tableSizePerPe: N / P, secs: secs[variant]!, ops: N, bytes: 4, verified: true,
        ...(base === undefined ? {} : { baseline: { variant: base, opsPerSec: N / best(secs[base]!) } }),
        extra: { chunk: C },
      });
    emit('get_whole');
    emit('get_whole_sum');
    emit('get_chunks', 'get_whole');
    emit('onesided_chunks', 'get_whole');
    emit('onesided_sum', 'get_whole_sum');
    emit('onesided_find', 'onesided_sum');
  }
  await world.barrier();
  await arr.drop();
}

// ---- collect ----
{
  const arr = await UnsafeArray.create(world, { type: 'u32', length: E * P, distribution: 'block' });
  const d = arr.unsafeLocalData();
  for (let i = 0; i < d.length; i++) d[i] = i;
  for (const v of ['create_put', 'collect']) report.begin('iter', v);
  const [col, base] = await pair(
    async () => {
      const c = await arr.distIter().collect(ReadOnlyArray, 'block');
      const n = c.length;
      await c.drop();
      return n;
    },
    async () => {
      const u = await UnsafeArray.create(world, { type: 'u32', length: E * P, distribution: 'block' });
      await u.put(me * E, arr.unsafeLocalData());
      await world.barrier();
      const r = await u.intoReadOnly();
      const n = r.length;
      await r.drop();
      return n;
    },
    (x, y) => x === y && x === E * P,
    'collect',
  );
  const rate = report.emit({ name: 'iter', variant: 'create_put', updatesPerPe: E, tableSizePerPe: E, secs: base, ops: E * P, bytes: 4, verified: true });
  report.emit({ name: 'iter', variant: 'collect', updatesPerPe: E, tableSizePerPe: E, secs: col, ops: E * P, bytes: 4, verified: true, baseline: { variant: 'create_put', opsPerSec: rate } });
  await world.barrier();
  await arr.drop();
}

// ---- schedules (each PE on its own part) ----
{
  const arr = await UnsafeArray.create(world, { type: 'f64', length: E * P, distribution: 'block' });
  const n = sizes['async-elems'];
  const small = await UnsafeArray.create(world, { type: 'f64', length: n * P, distribution: 'block' });
  for (const s of ['static', 'dynamic', 'guided', 'workStealing', Schedule.chunk(1024)] as const) {
    const name = typeof s === 'string' ? s : `chunk(${s.size})`;
    for (const v of [`forEach/${name}`, `forEachAsync/${name}`]) report.begin('iter', v);
    const sync: number[] = [];
    const asyncs: number[] = [];
    for (let rep = 0; rep < sizes.reps + 1; rep++) {
      await world.barrier();
      let seen = 0;
      let t0 = performance.now();
      await arr.localIter().forEachWithSchedule(s, () => void seen++);
      const ts = (performance.now() - t0) / 1000;
      verify(seen === E, `forEach/${name} saw ${seen} of ${E}`);
      let done = 0;
      t0 = performance.now();
      await small.localIter().forEachAsyncWithSchedule(s, async () => {
        await null;
        done++;
      });
      const ta = (performance.now() - t0) / 1000;
      verify(done === small.numElemsLocal, `forEachAsync/${name} finished ${done} of ${small.numElemsLocal}`);
      if (rep > 0) {
        sync.push(ts);
        asyncs.push(ta);
      }
    }
    report.emit({ name: 'iter', variant: `forEach/${name}`, updatesPerPe: E, tableSizePerPe: E, secs: sync, ops: E * P, bytes: 8, verified: true });
    report.emit({ name: 'iter', variant: `forEachAsync/${name}`, updatesPerPe: small.numElemsLocal, tableSizePerPe: E, secs: asyncs, ops: small.numElemsLocal * P, bytes: 0, verified: true });
  }
  await world.barrier();
  await small.drop();
  await arr.drop();
}

// ---- many small consumes: the fixed cost of a consumer ----
{
  const arr = await UnsafeArray.create(world, { type: 'f64', length: 100 * P, distribution: 'block' });
  await arr.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
  const want = await arr.localIter().sum();
  const k = sizes.consumes;
  const g = (x: number): number => x + 1;
  for (const v of ['small_sum_hoisted', 'small_sum_fresh']) report.begin('iter', v);
  const [hoisted, fresh] = await pair(
    async () => {
      let s = 0;
      for (let j = 0; j < k; j++) s = await arr.localIter().map(g).sum();
      return s;
    },
    async () => {
      let s = 0;
      for (let j = 0; j < k; j++) s = await arr.localIter().map((x) => x + 1).sum();
      return s;
    },
    (x, y) => x === y && x === want + arr.numElemsLocal,
    'small sums',
  );
  report.emit({ name: 'iter', variant: 'small_sum_hoisted', updatesPerPe: k, tableSizePerPe: 100, secs: hoisted, ops: k, bytes: 0, verified: true });
  report.emit({ name: 'iter', variant: 'small_sum_fresh', updatesPerPe: k, tableSizePerPe: 100, secs: fresh, ops: k, bytes: 0, verified: true });
  await world.barrier();
  await arr.drop();
}

// ---- an AM answered during a long forEach ----
if (P > 1) {
  const n = sizes['ping-elems'];
  const arr = await UnsafeArray.create(world, { type: 'f64', length: n * P, distribution: 'block' });
  report.begin('iter', 'am_reply_during_forEach');
  await world.barrier();
  const lat: number[] = [];
  if (me === 1) {
    // The forEach repeats until PE 0 has its replies: at small sizes, or on a loaded machine,
    // one pass (or a hundred) can end before a ping lands between two of its chunks. The
    // deadline only bounds a broken run; PE 0 then fails verification.
    const deadline = performance.now() + 30_000;
    while (!stop && performance.now() < deadline) {
      iterating = true;
      progress = 0;
      await arr.localIter().forEach((x) => {
        progress++;
        if (Math.sqrt(x + progress) < -1) throw new Error('unreachable');
      });
      iterating = false;
    }
    finished = true;
  } else if (me === 0) {
    for (;;) {
      const t0 = performance.now();
      const r = await world.execAmPe(1, Ping);
      const dt = performance.now() - t0;
      if (r.iterating && r.progress > 0 && r.progress < n) lat.push(dt);
      else await new Promise((resolve) => setImmediate(resolve));
      if (lat.length >= 20 || r.finished) break;
    }
    await world.execAmPe(1, Stop);
    verify(lat.length > 0, 'no AM was answered during the forEach');
  }
  await world.barrier();
  if (me === 0) {
    lat.sort((x, y) => x - y);
    const median = lat[lat.length >> 1]! / 1000;
    report.emit({
      name: 'iter', variant: 'am_reply_during_forEach', updatesPerPe: n, tableSizePerPe: n, secs: median, ops: 1, bytes: 0, verified: true,
      extra: { replies: lat.length, max_ms: Math.round(lat[lat.length - 1]! * 1000) / 1000, p90_ms: Math.round(lat[Math.floor(lat.length * 0.9)]! * 1000) / 1000 },
    });
  }
  await world.barrier();
  await arr.drop();
}

await world.shutdown();
