/** core/copy.ts: the memcpy path for copies into and out of shared memory gives exactly set()'s bytes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { copyBytes, copyElems, FAST_COPY_MAX, FAST_COPY_MIN, heapOf, lend, sameMemory } from '../../src/core/index.js';

const pattern = (n: number, salt: number): Uint8Array => {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 31 + salt) & 255;
  return a;
};

describe('copyBytes', () => {
  for (const n of [0, 1, FAST_COPY_MIN - 1, FAST_COPY_MIN, 65536 + 3, FAST_COPY_MAX, FAST_COPY_MAX + 8]) {
    test(`${n} bytes into and out of shared memory, at an odd offset, land exactly and nowhere else`, () => {
      const sab = new Uint8Array(new SharedArrayBuffer(n + 64));
      const src = pattern(n, 7);
      copyBytes(sab, 13, src);
      assert.equal(sab[12], 0);
      assert.equal(sab[13 + n], 0);
      assert.deepEqual(sab.subarray(13, 13 + n), src);
      const back = new Uint8Array(n + 2);
      copyBytes(back, 1, sab.subarray(13, 13 + n));
      assert.equal(back[0], 0);
      assert.equal(back[n + 1], 0);
      assert.deepEqual(back.subarray(1, 1 + n), src);
    });
  }

  test('overlapping ranges of one buffer move like set() (memmove), both directions', () => {
    const n = FAST_COPY_MIN * 2;
    for (const shift of [-100, 100]) {
      const sab = new Uint8Array(new SharedArrayBuffer(n + 400));
      const expect = new Uint8Array(n + 400);
      sab.set(pattern(n, 3), 200);
      expect.set(pattern(n, 3), 200);
      copyBytes(sab, 200 + shift, sab.subarray(200, 200 + n));
      expect.copyWithin(200 + shift, 200, 200 + n);
      assert.deepEqual(Uint8Array.from(sab), expect);
    }
  });

  test('a lent view is on another buffer object with the same memory, and sameMemory and heapOf say so', () => {
    const heap = new Uint32Array(new SharedArrayBuffer(4096));
    const owner = {};
    const lentView = lend(heap.subarray(16, 48), owner);
    assert.notEqual(lentView.buffer, heap.buffer);
    assert.ok(lentView instanceof Uint32Array && lentView.byteOffset === 64 && lentView.length === 32);
    lentView[0] = 7;
    heap[47] = 9;
    assert.equal(heap[16], 7);
    assert.equal(lentView[31], 9);
    assert.equal(heapOf(lentView.buffer), heap.buffer);
    assert.ok(sameMemory(lentView.buffer, heap.buffer) && sameMemory(heap.buffer, lentView.subarray(3).buffer));
    // Lent again from a lent view: still the heap's memory.
    assert.equal(heapOf(lend(lentView, owner).buffer), heap.buffer);
    assert.ok(!sameMemory(new SharedArrayBuffer(4096), heap.buffer) && !sameMemory(new ArrayBuffer(8), heap.buffer));
    // Not shared memory: nothing to lend.
    const plain = new Uint8Array(8);
    assert.equal(lend(plain, owner), plain);
  });
});

describe('copyElems', () => {
  test('f64 and u64 elements into a shared view at an element index, and back into a fresh private array', () => {
    const n = FAST_COPY_MIN; // elements: 32 KiB of f64, over the memcpy threshold
    const f = new Float64Array(new SharedArrayBuffer(8 * (n + 8)), 16, n + 4);
    const src = Float64Array.from({ length: n }, (_, i) => i * 1.5 - 7);
    copyElems(f, 3, src);
    assert.equal(f[2], 0);
    assert.equal(f[3 + n], 0);
    assert.deepEqual(f.subarray(3, 3 + n), src);
    const out = new Float64Array(n);
    copyElems(out, 0, f.subarray(3, 3 + n));
    assert.deepEqual(out, src);

    const u = new BigUint64Array(new SharedArrayBuffer(8 * (n + 2)));
    const big = BigUint64Array.from({ length: n }, (_, i) => (BigInt(i) << 40n) | 0xabcdn);
    copyElems(u, 1, big);
    assert.equal(u[0], 0n);
    assert.equal(u[n + 1], 0n);
    assert.deepEqual(u.subarray(1, 1 + n), big);
  });

  test('small and private-to-private copies take set() and still land', () => {
    const dst = new Int16Array(10);
    copyElems(dst, 2, Int16Array.of(-1, 2, -3));
    assert.deepEqual(Array.from(dst), [0, 0, -1, 2, -3, 0, 0, 0, 0, 0]);
    const big = new Int32Array(FAST_COPY_MIN);
    const src = Int32Array.from({ length: FAST_COPY_MIN - 8 }, (_, i) => -i);
    copyElems(big, 8, src);
    assert.deepEqual(big.subarray(8), src);
  });
});

test('copyElems into a shared WebAssembly memory (every heap is one; its buffer is not extensible)', () => {
  const mem = new (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: SharedArrayBuffer } } }).WebAssembly.Memory({ initial: 2, maximum: 2, shared: true });
  assert.equal(Object.isExtensible(mem.buffer), false);
  const dst = new Uint32Array(mem.buffer, 64, 20010);
  const src = Uint32Array.from({ length: 10000 }, (_, k) => k * 7 + 1);
  copyElems(dst, 5, src);
  copyElems(dst, 10005, src);
  assert.equal(dst[4], 0);
  assert.deepEqual(Array.from(dst.subarray(5, 10005)), Array.from(src));
  assert.deepEqual(Array.from(dst.subarray(10005, 20005)), Array.from(src));
  assert.equal(dst[20005], 0);
});
