/**
 * Unit tests of the iterator machinery: index windows against a sequential reference (every PE
 * count, block and cyclic, sub-array windows, random adapter chains), generated loops against
 * the interpreted ones (plain values and the readers of bool and 128-bit storage), collected
 * items stored as each target type, and the schedules' coverage, order and concurrency.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeWide } from '../../src/array/elem.js';
import { readerOf } from '../../src/array/iter/access.js';
import { storeItems } from '../../src/array/iter/collect.js';
import { failedElsewhere, type ExchangeRecord } from '../../src/array/iter/exchange.js';
import { kernelFor, TIER_UP, useInterpretedKernels, type KernelShape, type TailKind } from '../../src/array/iter/fuse.js';
import { ASYNC_LANES, checkSchedule, driveAsync, driveSync, Schedule, type Schedule as Sched } from '../../src/array/iter/schedule.js';
import { applyWindow, fullWindow, progression, type WindowOp } from '../../src/array/iter/window.js';
import { Layout } from '../../src/array/layout.js';

/** A seeded generator, so a failure names a case that can be re-run. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

/** The sequential iterator: which indices survive `ops`, with each enumerate's index. */
function reference(len: number, ops: WindowOp[]): Map<number, number[]> {
  let items = Array.from({ length: len }, (_, s) => ({ s, enums: [] as number[] }));
  for (const op of ops) {
    if (op.op === 'skip') items = items.slice(op.n);
    else if (op.op === 'take') items = items.slice(0, op.n);
    else if (op.op === 'stepBy') items = items.filter((_, k) => k % op.n === 0);
    else items = items.map((it, k) => ({ s: it.s, enums: [...it.enums, k] }));
  }
  return new Map(items.map((it) => [it.s, it.enums]));
}

function randomOps(r: (n: number) => number, len: number): WindowOp[] {
  const ops: WindowOp[] = [];
  for (let j = r(5); j > 0; j--) {
    const kind = r(5);
    if (kind === 0) ops.push({ op: 'enumerate' });
    else if (kind === 1) ops.push({ op: 'skip', n: r(len + 3) });
    else if (kind === 2) ops.push({ op: 'take', n: r(len + 3) });
    else if (kind === 3) ops.push({ op: 'stepBy', n: 1 + r(7) });
    else ops.push({ op: 'stepBy', n: r(3) === 0 ? 2 ** 41 : 1 + r(len + 2) });
  }
  return ops;
}

test('distributed windows visit exactly the sequential iterator\'s elements, with its enumerate indices, on every PE count and layout', () => {
  const r = rng(12345);
  let cases = 0;
  for (const dist of ['block', 'cyclic'] as const) {
    for (let P = 1; P <= 5; P++) {
      for (let trial = 0; trial < 150; trial++) {
        const total = Math.max(P, 1 + r(40));
        const off = r(total);
        const len = r(total - off + 1);
        const ops = randomOps(r, len);
        const what = `${dist} P=${P} total=${total} window [${off}, ${off + len}) ops ${JSON.stringify(ops)}`;
        let w = fullWindow(len);
        for (const op of ops) w = applyWindow(w, op);
        const want = reference(len, ops);
        const got = new Map<number, number[]>();
        const layout = new Layout(dist, P, total);
        for (let pe = 0; pe < P; pe++) {
          const [s, e] = layout.localRange(pe, off, off + len);
          const s0 = e > s ? layout.globalOf(pe, s) - off : 0;
          const p = progression(w, s0, dist === 'cyclic' ? P : 1, 0, e - s);
          let last = -1;
          for (let k = 0; k < p.n; k++) {
            const l = p.l0 + k * p.ls;
            assert.ok(l >= 0 && l < e - s, `${what}: PE ${pe} offset ${l} outside its part`);
            const idx = layout.globalOf(pe, s + l) - off;
            assert.ok(idx > last, `${what}: PE ${pe} visits in increasing index order`);
            last = idx;
            const enums = Array.from({ length: p.enums.length / 2 }, (_, j) => p.enums[2 * j]! + k * p.enums[2 * j + 1]!);
            got.set(idx, enums);
          }
        }
        assert.deepEqual([...got.entries()].sort((x, y) => x[0] - y[0]), [...want.entries()].sort((x, y) => x[0] - y[0]), what);
        cases++;
      }
    }
  }
  assert.equal(cases, 2 * 5 * 150);
});

test('local windows (step 1 from 0) match the sequential iterator too', () => {
  const r = rng(777);
  for (let trial = 0; trial < 500; trial++) {
    const len = r(50);
    const ops = randomOps(r, len);
    let w = fullWindow(len);
    for (const op of ops) w = applyWindow(w, op);
    const p = progression(w, 0, 1, 0, len);
    const got = new Map<number, number[]>();
    for (let k = 0; k < p.n; k++) got.set(p.l0 + k * p.ls, Array.from({ length: p.enums.length / 2 }, (_, j) => p.enums[2 * j]! + k * p.enums[2 * j + 1]!));
    assert.deepEqual([...got.entries()], [...reference(len, ops).entries()], `len ${len} ops ${JSON.stringify(ops)}`);
  }
});

const TAILS: TailKind[] = ['map', 'filter', 'filterMap', 'monotonic'];

test('generated loops and the interpreted loops agree on every consumer and tail', () => {
  const r = rng(99);
  const v = Float64Array.from({ length: 40 }, (_, i) => (i * 7) % 13);
  const fns: Record<string, (x: never) => unknown> = {
    map: (x: unknown) => (Array.isArray(x) ? x.length + Number(x[0]) : (x as number) * 3 - 1),
    filter: (x: unknown) => (Array.isArray(x) ? Number(x[0]) % 2 === 0 : (x as number) % 3 !== 0),
    filterMap: (x: unknown) => (Array.isArray(x) ? Number(x[0]) : (x as number) > 4 ? (x as number) + 0.5 : undefined),
  };
  for (let trial = 0; trial < 200; trial++) {
    const tail = Array.from({ length: r(4) }, () => TAILS[r(4)]!);
    const enums = r(3);
    for (const consumer of ['each', 'sum', 'count', 'reduce', 'push'] as const) {
      const shape: KernelShape = { src: 'val', enums, tail, consumer, tag: 'Float64Array' };
      const F = tail.map((t) => (t === 'monotonic' ? null : fns[t]!)) as ((...a: never[]) => unknown)[];
      const results = [true, false].map((interp) => {
        useInterpretedKernels(interp);
        const seen: unknown[] = [];
        const C = consumer === 'each' ? (x: unknown) => void seen.push(x) : consumer === 'reduce' ? (a: unknown, b: unknown) => String(a) + '|' + String(b) : null;
        const E = Float64Array.from({ length: 2 * enums }, (_, j) => (j % 2 === 0 ? j * 10 : j + 1));
        const args = { v, l0: 3, ls: 2, E, G: null, R: null, S: null, at: null, F, C: C as never, st: { acc: 0 as unknown, has: false, mono: tail.map(() => 0) }, out: [] as unknown[] };
        const k = kernelFor(shape, F, C as never, Infinity);
        k(args, 0, 7);
        k(args, 7, 18);
        return JSON.stringify({ acc: args.st.acc, has: args.st.has, mono: args.st.mono, out: args.out, seen });
      });
      assert.equal(results[0], results[1], `tail ${tail.join(',')} enums ${enums} consumer ${consumer}`);
    }
  }
  useInterpretedKernels(false);
});

test('a chain runs the shared interpreted loop until its callbacks have been given TIER_UP elements, then its own compiled loop', () => {
  const shape: KernelShape = { src: 'val', enums: 0, tail: ['map'], consumer: 'sum', tag: 'Float64Array' };
  const v = Float64Array.from({ length: 10 }, (_, i) => i);
  const sum = (k: ReturnType<typeof kernelFor>, F: ((...a: never[]) => unknown)[]): unknown => {
    const args = { v, l0: 0, ls: 1, E: new Float64Array(0), G: null, R: null, S: null, at: null, F, C: null, st: { acc: 0 as unknown, has: false, mono: [0] }, out: [] as unknown[] };
    k(args, 0, v.length);
    return args.st.acc;
  };
  // Fresh callbacks over small parts (an arrow written in the call) share one loop and compile nothing.
  const fresh = [1, 2, 3].map((m) => {
    const f = [(x: number) => x * m] as ((...a: never[]) => unknown)[];
    const k = kernelFor(shape, f, null, 100);
    assert.equal(sum(k, f), 45 * m);
    return k;
  });
  assert.equal(fresh[0], fresh[1]);
  assert.equal(fresh[1], fresh[2]);
  // A hoisted callback compiles once it has been given TIER_UP elements, and keeps that loop.
  const F = [(x: number) => x + 1] as ((...a: never[]) => unknown)[];
  const third = Math.ceil(TIER_UP / 3);
  assert.equal(kernelFor(shape, F, null, third), fresh[0]);
  assert.equal(kernelFor(shape, F, null, third), fresh[0]);
  const compiled = kernelFor(shape, F, null, third);
  assert.notEqual(compiled, fresh[0]);
  assert.equal(kernelFor(shape, F, null, 1), compiled);
  assert.equal(sum(compiled, F), 55);
  // A part that large compiles at once.
  const big = [(x: number) => x - 1] as ((...a: never[]) => unknown)[];
  const k = kernelFor(shape, big, null, TIER_UP);
  assert.notEqual(k, fresh[0]);
  assert.equal(sum(k, big), 35);
});

test('the store consumers write typed elements and report the first item that does not fit, generated and interpreted alike', () => {
  const cases: [ 'storeInt' | 'storeFloat' | 'storeBig', new (n: number) => ArrayLike<unknown>, unknown[], number][] = [
    ['storeInt', Uint8Array, [1, 2, 255, 7], -1],
    ['storeInt', Uint8Array, [1, 256, 3], 1],
    ['storeInt', Int32Array, [1, 1.5, 3], 1],
    ['storeInt', Int16Array, [1, '2', 3], 1],
    ['storeFloat', Float32Array, [0.1, 2, 1e40], -1],
    ['storeFloat', Float64Array, [1, 2n, 3], 1],
    ['storeBig', BigUint64Array, [1n, 2n ** 64n, 3n], 1],
    ['storeBig', BigInt64Array, [1n, 2, 3n], 1],
    ['storeBig', BigInt64Array, [-5n, 6n], -1],
  ];
  for (const [kind, Ctor, items, badAt] of cases) {
    const results = [true, false].map((interp) => {
      useInterpretedKernels(interp);
      const out = new Ctor(items.length) as unknown as unknown[];
      let bad: unknown = 'none';
      const C = (x: unknown): void => {
        bad = x;
        throw new Error('bad item');
      };
      const shape: KernelShape = { src: 'val', enums: 0, tail: [], consumer: kind, tag: 'Array' };
      const args = { v: items, l0: 0, ls: 1, E: new Float64Array(0), G: null, R: null, S: null, at: null, F: [], C: C as never, st: { acc: 0 as unknown, has: false, mono: [] }, out };
      try {
        kernelFor(shape, [], C as never, Infinity)(args, 0, items.length);
      } catch {}
      return { bad, n: args.st.acc, out: Array.from(out as ArrayLike<unknown>, String) };
    });
    assert.deepEqual(results[0], results[1], `${kind} ${Ctor.name} ${items.map(String)}`);
    if (badAt < 0) {
      assert.equal(results[0]!.bad, 'none');
      assert.equal(results[0]!.n, items.length);
    } else assert.equal(results[0]!.bad, items[badAt], `${kind} ${Ctor.name}: the item at ${badAt} is reported`);
  }
  useInterpretedKernels(false);
});

test('a reader source (bool, i128, u128 storage) gives the API values, generated and interpreted alike', () => {
  const bools = Uint8Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const words = new BigUint64Array(40);
  for (let i = 0; i < 20; i++) writeWide(words, i, i % 2 === 0 ? BigInt(i) << 70n : -BigInt(i));
  const sources: [string, ArrayLike<unknown>, (v: never, l: number) => unknown, (i: number) => unknown][] = [
    ['bool', bools, readerOf('bool')!, (i) => i % 3 === 0],
    ['u128', words, readerOf('u128')!, (i) => (i % 2 === 0 ? BigInt(i) << 70n : (1n << 128n) - BigInt(i))],
    ['i128', words, readerOf('i128')!, (i) => (i % 2 === 0 ? BigInt(i) << 70n : -BigInt(i))],
  ];
  assert.equal(readerOf('u64'), null, 'the region types keep v[l]');
  for (const [name, v, G, want] of sources) {
    for (const consumer of ['push', 'count'] as const) {
      const results = [true, false].map((interp) => {
        useInterpretedKernels(interp);
        const shape: KernelShape = { src: 'get', enums: 1, tail: ['filter'], consumer, tag: name };
        const F = [(x: unknown) => (x as [number, unknown])[0] % 2 === 1] as ((...a: never[]) => unknown)[];
        const args = { v, l0: 1, ls: 3, E: Float64Array.of(100, 1), G, R: null, S: null, at: null, F, C: null, st: { acc: 0 as unknown, has: false, mono: [0] }, out: [] as unknown[] };
        const k = kernelFor(shape, F, null, Infinity);
        k(args, 0, 2);
        k(args, 2, 6);
        return { acc: args.st.acc, out: args.out };
      });
      assert.deepEqual(results[0], results[1], `${name} ${consumer}`);
      if (consumer === 'push') assert.deepEqual(results[0]!.out, [1, 3, 5].map((k) => [100 + k, want(1 + 3 * k)]), `${name}: the items`);
    }
  }
  useInterpretedKernels(false);
});

test('collected items are stored as the target type\'s storage (bool 0/1, 128-bit two words), each checked', () => {
  const b = storeItems([true, false, true], 'bool', 'x');
  assert.equal(b.n, 3);
  assert.deepEqual(Array.from(b.data as Uint8Array), [1, 0, 1]);
  const w = storeItems([-1n, 1n << 100n], 'i128', 'x');
  assert.equal(w.n, 2);
  assert.deepEqual(Array.from(w.data as BigUint64Array), [2n ** 64n - 1n, 2n ** 64n - 1n, 0n, 1n << 36n]);
  const u = storeItems([7], 'u8', 'x');
  assert.deepEqual([u.n, ...(u.data as Uint8Array)], [1, 7]);
  assert.throws(() => storeItems([true, 1], 'bool', 'collect'), (e: Error & { code?: string }) => e.code === 'LAMELLAR_ERR_TYPE_MISMATCH' && /item 1/.test(e.message));
  assert.throws(() => storeItems([1n << 128n], 'u128', 'collect'), { code: 'LAMELLAR_ERR_TYPE_MISMATCH' });
  assert.throws(() => storeItems([-1n], 'u128', 'collect'), { code: 'LAMELLAR_ERR_TYPE_MISMATCH' });
  assert.throws(() => storeItems([1], 'i128', 'collect'), { code: 'LAMELLAR_ERR_TYPE_MISMATCH' });
});

const SCHEDULES: Sched[] = ['static', 'dynamic', 'guided', 'workStealing', Schedule.chunk(1), Schedule.chunk(7), Schedule.chunk(1000)];

test('every schedule runs each position once, in order, for synchronous consumers', async () => {
  for (const s of SCHEDULES) {
    for (const n of [0, 1, 5, 100, 5000]) {
      const seen: number[] = [];
      await driveSync(n, s, (k0, k1) => {
        for (let k = k0; k < k1; k++) seen.push(k);
      });
      assert.deepEqual(seen, Array.from({ length: n }, (_, k) => k), `${JSON.stringify(s)} n=${n}`);
    }
  }
});

test('every schedule hands each position to exactly one lane, with at most ASYNC_LANES items in flight', async () => {
  for (const s of SCHEDULES) {
    for (const n of [0, 1, 3, 40, 333]) {
      const hits = new Uint8Array(n);
      let inFlight = 0;
      let most = 0;
      const segs: { start: number; items: number[] }[] = [];
      await driveAsync(n, s, {
        produce: (k0, k1) => Array.from({ length: k1 - k0 }, (_, j) => k0 + j),
        segment(start) {
          segs.push({ start, items: [] });
          return segs.length - 1;
        },
        async handle(item, seg) {
          inFlight++;
          most = Math.max(most, inFlight);
          hits[item as number]!++;
          segs[seg]!.items.push(item as number);
          await new Promise((resolve) => setImmediate(resolve));
          inFlight--;
        },
      });
      assert.ok(hits.every((h) => h === 1), `${JSON.stringify(s)} n=${n}: every position once`);
      assert.ok(most <= ASYNC_LANES, `${JSON.stringify(s)} n=${n}: ${most} in flight`);
      const ordered = segs.sort((x, y) => x.start - y.start).flatMap((x) => x.items);
      assert.deepEqual(ordered, Array.from({ length: n }, (_, k) => k), `${JSON.stringify(s)} n=${n}: segments in position order`);
    }
  }
});

test('an async lane that throws stops the others from taking new work and rejects after every lane settled', async () => {
  let started = 0;
  let settledAfter = false;
  const p = driveAsync(1000, 'dynamic', {
    produce: (k0, k1) => Array.from({ length: k1 - k0 }, (_, j) => k0 + j),
    segment: () => 0,
    async handle(item) {
      started++;
      await new Promise((resolve) => setImmediate(resolve));
      if (item === 5) throw new Error('item 5');
      if (item === 6) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        settledAfter = true;
      }
    },
  });
  await assert.rejects(p, /item 5/);
  assert.ok(settledAfter, 'the lane busy with item 6 finished before the consumer rejected');
  assert.ok(started < 1000, `stopped early (${started} started)`);
});

test('schedules are checked at the call', () => {
  for (const bad of ['fast', 3, null, { kind: 'chunk', size: 0 }, { kind: 'chunk', size: 1.5 }]) {
    assert.throws(() => checkSchedule(bad, 'x'), { code: 'LAMELLAR_ERR_INVALID_ARGUMENT' }, String(JSON.stringify(bad)));
  }
  assert.throws(() => Schedule.chunk(0), { code: 'LAMELLAR_ERR_INVALID_ARGUMENT' });
  assert.throws(() => Schedule.chunk(-1), { code: 'LAMELLAR_ERR_INVALID_ARGUMENT' });
  assert.deepEqual(Schedule.chunk(5), { kind: 'chunk', size: 5 });
});

test('an iterator failure names the first failing PE, then the others, in English', () => {
  const bad: ExchangeRecord = { ok: false, m: 'boom', code: undefined };
  const ok: ExchangeRecord = { ok: true, v: 1 };
  assert.match(failedElsewhere('DistIter.sum', [ok, bad, ok]).message, /^DistIter\.sum failed on PE 1: boom/);
  assert.match(failedElsewhere('DistIter.sum', [ok, bad, bad]).message, /^DistIter\.sum failed on PE 1 \(and PE 2\): boom/);
  assert.match(failedElsewhere('DistIter.sum', [bad, bad, ok, bad]).message, /^DistIter\.sum failed on PE 0 \(and PEs 1, 3\): boom/);
});
