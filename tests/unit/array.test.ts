/** Unit tests of the array layout (Lamellar's block and cyclic formulas, sub-array ranges), the classes users get from the runtime refusing construction, the batch temporaries pool, and the cutting of large batches into slices. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Layout } from '../../src/array/layout.js';
import { giveU32, takeU32 } from '../../src/array/ops/pool.js';
import { sliceBatch, sliceCount } from '../../src/array/ops/sliced.js';

test('block layout matches the docs example and spreads the remainder over the first PEs', () => {
  const l = new Layout('block', 4, 16);
  const pes = new Uint32Array(1);
  const offs = new Uint32Array(1);
  l.route([6], 0, 1, 0, pes, offs);
  assert.deepEqual([pes[0], offs[0]], [1, 2]);
  const r = new Layout('block', 4, 19);
  assert.deepEqual([0, 1, 2, 3].map((p) => r.countOnPe(p)), [5, 5, 5, 4]);
  assert.deepEqual([0, 1, 2, 3].map((p) => r.globalOf(p, 0)), [0, 5, 10, 15]);
  const all = Uint32Array.from({ length: 19 }, (_, i) => i);
  const P = new Uint32Array(19);
  const O = new Uint32Array(19);
  r.route(all, 0, 19, 0, P, O);
  for (let g = 0; g < 19; g++) assert.equal(r.globalOf(P[g]!, O[g]!), g, `round trip of ${g}`);
});

test('cyclic layout matches the docs example', () => {
  const l = new Layout('cyclic', 4, 16);
  const pes = new Uint32Array(1);
  const offs = new Uint32Array(1);
  l.route([6], 0, 1, 0, pes, offs);
  assert.deepEqual([pes[0], offs[0]], [2, 1]);
  assert.deepEqual(new Layout('cyclic', 3, 19).localRange(1, 4, 11), [1, 4]);
});

test('cyclic routing by mask and shift (2^k PEs) agrees with the formula, windows included', () => {
  for (const P of [1, 2, 3, 4, 8, 6]) {
    const total = 1000 * P + (P > 1 ? 1 : 0);
    const l = new Layout('cyclic', P, total);
    assert.equal(l.shift >= 0, (P & (P - 1)) === 0, `P = ${P}`);
    const base = 7;
    const idx = Uint32Array.from({ length: 500 }, (_, k) => (k * 7919) % (total - base));
    const pes = new Uint32Array(500);
    const offs = new Uint32Array(500);
    l.route(idx, 0, 500, base, pes, offs);
    for (let k = 0; k < 500; k++) {
      const g = base + idx[k]!;
      assert.deepEqual([pes[k], offs[k]], [g % P, Math.floor(g / P)], `P = ${P}, g = ${g}`);
    }
  }
});

test('localRange clips a window to each PE part', () => {
  const l = new Layout('block', 3, 10);
  assert.deepEqual(l.localRange(0, 2, 8), [2, 4]);
  assert.deepEqual(l.localRange(1, 2, 8), [0, 3]);
  assert.deepEqual(l.localRange(2, 2, 8), [0, 1]);
  assert.deepEqual(l.localRange(2, 0, 3), [0, 0]);
});

test('handles the runtime makes have no public constructor: from JavaScript each is INVALID_ARGUMENT', async () => {
  const lamellar = await import('../../src/index.js');
  const made = {
    LocalDataGuard: lamellar.LocalDataGuard,
    ArrayReadGuard: lamellar.ArrayReadGuard,
    ArrayWriteGuard: lamellar.ArrayWriteGuard,
    LocalChunks: lamellar.LocalChunks,
    AtomicLocalData: lamellar.AtomicLocalData,
    WeakDarc: lamellar.WeakDarc,
    TypedAmGroupResult: lamellar.TypedAmGroupResult,
  };
  for (const [name, cls] of Object.entries(made)) {
    const Ctor = cls as unknown as new (...args: unknown[]) => unknown;
    assert.throws(
      () => new Ctor(new Uint8Array(4), () => {}, 'x'),
      (e: { code?: string; message?: string }) => e.code === 'LAMELLAR_ERR_INVALID_ARGUMENT' && new RegExp(`${name} has no public constructor`).test(e.message ?? ''),
      name,
    );
  }
});

test('checkIndices on a Uint32Array names the first index out of bounds and its position', async () => {
  const { checkIndices } = await import('../../src/array/layout.js');
  const good = Uint32Array.of(0, 9, 3);
  assert.equal(checkIndices(good, 10, 'T.batchLoad'), good);
  assert.throws(
    () => checkIndices(Uint32Array.of(0, 5, 10, 11), 10, 'T.batchLoad'),
    (e: { code?: string; details?: { index?: number; position?: number } }) =>
      e.code === 'LAMELLAR_ERR_INDEX_OUT_OF_BOUNDS' && e.details?.index === 10 && e.details?.position === 2,
  );
});

test('an element type outside the list is TYPE_MISMATCH; Rust pointer-sized names say what to write instead', async () => {
  const { checkArrayElemType } = await import('../../src/array/create.js');
  assert.equal(checkArrayElemType('u64', 'AtomicArray.create'), 'u64');
  assert.throws(() => checkArrayElemType('usize', 'AtomicArray.create'),
    (e: Error & { code?: string }) => e.code === 'LAMELLAR_ERR_TYPE_MISMATCH' && /'u64' here/.test(e.message) && /'u32'/.test(e.message));
  assert.throws(() => checkArrayElemType('isize', 'UnsafeArray.create'), (e: Error) => /'i64' here/.test(e.message));
  assert.throws(() => checkArrayElemType('f16', 'UnsafeArray.create'),
    (e: Error & { code?: string }) => e.code === 'LAMELLAR_ERR_TYPE_MISMATCH' && !/here/.test(e.message));
  assert.throws(() => checkArrayElemType(7, 'UnsafeArray.create'), { code: 'LAMELLAR_ERR_TYPE_MISMATCH' });
});

test('a bad value in a batch is TYPE_MISMATCH naming its position and saying nothing was applied', async () => {
  const { checkValues } = await import('../../src/array/types.js');
  assert.deepEqual(checkValues('u32', [1, 2], 2, 'T.batchAdd'), Uint32Array.of(1, 2));
  for (const [type, values] of [['u32', [1, 1.5]], ['u64', [1n, 2]], ['bool', Uint8Array.of(1, 2)]] as const) {
    assert.throws(() => checkValues(type, values, 2, 'T.batchAdd'),
      (e: Error & { code?: string }) => e.code === 'LAMELLAR_ERR_TYPE_MISMATCH' && /\(value 1; nothing was applied\)/.test(e.message));
  }
});

describe('batch temporaries pool (array/ops/pool.ts)', () => {
  test('a taken array is exactly n long, never shared while out, and reused once given back', () => {
    const a = takeU32(1000);
    const b = takeU32(1000);
    assert.equal(a.length, 1000);
    assert.notEqual(a.buffer, b.buffer);
    a.fill(7);
    giveU32(a, b);
    const c = takeU32(600);
    assert.equal(c.length, 600);
    assert.ok(c.buffer === a.buffer || c.buffer === b.buffer, 'a smaller request uses the front of a kept array');
    const d = takeU32(1000);
    assert.notEqual(d.buffer, c.buffer);
    assert.equal(d.length, 1000);
    // Larger than anything kept: a fresh array; giving it back keeps the largest five.
    const e = takeU32(5000);
    assert.equal(e.length, 5000);
    giveU32(c, d, e);
    const big = [takeU32(5000), takeU32(1000), takeU32(1000)];
    assert.equal(big[0]!.buffer, e.buffer);
    giveU32(...big);
  });
});

describe('sliced batches (ops/sliced.ts)', () => {
  const cutArgs = (idx: ArrayLike<number>, vals: unknown): { idx: number[]; vals: unknown } => ({
    idx: Array.from(idx),
    vals: typeof vals === 'object' ? Array.from(vals as ArrayLike<number>) : vals,
  });

  test('a batch is cut into as few slices of at most the slice length as it takes; 0 never cuts', () => {
    assert.equal(sliceCount(10, 0), 1, '0: never sliced');
    assert.equal(sliceCount(10, 10), 1);
    assert.equal(sliceCount(11, 10), 2);
    assert.equal(sliceCount(2_500_000, 1 << 20), 3);
  });

  test('slices get their indices, per-index values (two words each) and result views in input order', async () => {
    const idx = Uint32Array.from({ length: 10 }, (_, i) => 100 + i);
    const vals = Int32Array.from({ length: 20 }, (_, i) => i);
    const out = new Int32Array(20);
    const seen: { idx: number[]; vals: unknown }[] = [];
    const run = sliceBatch(10, 3, 2, out, null, { idx, vals: vals as never, cur: 0 }, true, cutArgs, (s) => {
      seen.push(s.args);
      s.out!.fill(s.args.idx[0]!);
    });
    const p = run();
    // Refilled at once, as a caller may: the slices still see what was passed.
    idx.fill(0);
    vals.fill(-1);
    await p;
    assert.deepEqual(seen.map((s) => s.idx), [[100, 101, 102, 103], [104, 105, 106, 107], [108, 109]]);
    assert.deepEqual(seen[1]!.vals, [8, 9, 10, 11, 12, 13, 14, 15]);
    assert.deepEqual(Array.from(out), [...Array(8).fill(100), ...Array(8).fill(104), ...Array(4).fill(108)]);
  });

  test('only the first slice is applied before the call returns, unless it must wait (then it is copied too)', async () => {
    for (const firstNow of [true, false]) {
      const idx = [1, 2, 3, 4, 5];
      const seen: number[][] = [];
      const run = sliceBatch(5, 2, 1, null, null, { idx, vals: 7, cur: 0 }, firstNow, cutArgs, (s) => void seen.push(s.args.idx));
      const p = firstNow ? run() : undefined;
      assert.equal(seen.length, firstNow ? 1 : 0);
      idx.fill(0);
      await (p ?? run());
      assert.deepEqual(seen, [[1, 2, 3], [4, 5]]);
    }
  });

  test('at most two slices are in flight, and a failed one leaves none unsettled', async () => {
    let open = 0;
    let most = 0;
    let settledAfterFailure = false;
    const run = sliceBatch(8, 8, 1, null, null, { idx: Uint32Array.from({ length: 8 }, (_, i) => i), vals: 1, cur: 0 }, true, cutArgs, async (s) => {
      most = Math.max(most, ++open);
      // Longer than the turn between slices: the next slice starts before this one ends.
      for (let t = 0; t < 3; t++) await new Promise((r) => setImmediate(r));
      open--;
      if (s.args.idx[0] === 5) {
        await new Promise((r) => setImmediate(r));
        settledAfterFailure = true;
      }
      if (s.args.idx[0] === 4) throw new Error('slice 4 failed');
    });
    await assert.rejects(run(), /slice 4 failed/);
    assert.equal(most, 2);
    assert.equal(settledAfterFailure, true, 'the slice in flight beside the failed one settled first');
  });
});
