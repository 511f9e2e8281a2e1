/**
 * The WebAssembly batch kernels (src/array/ops/wasm) against `Atomics.*` on the same data: every
 * op, element width, signedness, value form (scalar or per index) and fetch form, with duplicate
 * offsets (so the order of application shows in the old values) and values that wrap. Also the
 * heap factory's two kinds of heap and the scratch slots it reserves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wasmKernelFor, kernelModuleBytes, kernelsOf } from '../../src/array/ops/wasm/kernels.js';
import { Op, type OpCode } from '../../src/array/types.js';
import { heapBuffer, heapWasm, wasm, type WasmMemory } from '../../src/core/wasm.js';
import { createHeap, KERNEL_SLOT_BYTES, MappedHeaps } from '../../src/lamellae/common/mapped-heaps.js';

/** Any integer typed-array constructor, taking a shared buffer or a length. */
type Ctor = { new (...args: any[]): any; readonly BYTES_PER_ELEMENT: number; readonly name: string };
const CTORS: Ctor[] = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];

const OPS: [OpCode, (v: any, o: number, x: any) => any][] = [
  [Op.add, Atomics.add],
  [Op.sub, Atomics.sub],
  [Op.bitAnd, Atomics.and],
  [Op.bitOr, Atomics.or],
  [Op.bitXor, Atomics.xor],
  [Op.swap, Atomics.exchange],
  [Op.store, Atomics.store],
  [Op.load, (v: any, o: number) => Atomics.load(v, o)],
];

// Layout of the test memory: offsets, values and old values, then the elements.
const N = 1000;
const ELEMS = 97;
const OFFS_AT = 64;
const VALS_AT = OFFS_AT + N * 4;
const OUT_AT = VALS_AT + N * 8;
const BASE_AT = OUT_AT + N * 8 + 8;

function memory(): WasmMemory {
  return new wasm!.Memory({ initial: 1, maximum: 1, shared: true });
}

test('the kernel module validates', () => {
  assert.ok(wasm!.validate(kernelModuleBytes()));
});

for (const C of CTORS) {
  const w = C.BYTES_PER_ELEMENT;
  const big = w === 8;
  for (const [op, ref] of OPS) {
    for (const vector of [false, true]) {
      for (const fetch of [false, true]) {
        if (op === Op.load && (vector || !fetch)) continue;
        const name = wasmKernelFor(op, w, vector, fetch || op === Op.load);
        test(`${C.name} op ${op} ${vector ? 'per-index values' : 'scalar'}${fetch ? ', fetching' : ''}: ${name} matches Atomics`, () => {
          assert.ok(name !== undefined);
          const mem = memory();
          const buf = mem.buffer;
          const fn = kernelsOf(mem)![name]!;
          const offs = new Uint32Array(buf, OFFS_AT, N);
          const vals = new C(buf, VALS_AT, N) as any;
          const out = new C(buf, OUT_AT, N) as any;
          const elems = new C(buf, BASE_AT, ELEMS) as any;
          const want = new C(ELEMS) as any;
          const wantOut = new C(N) as any;
          const ref32 = new C(new SharedArrayBuffer(ELEMS * w)) as any;
          let seed = 4242 + op * 17 + w;
          const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
          for (let j = 0; j < ELEMS; j++) {
            const x = rnd() - 2 ** 31;
            elems[j] = big ? BigInt(x) * 65537n : x;
            ref32[j] = elems[j];
          }
          for (let k = 0; k < N; k++) {
            offs[k] = rnd() % ELEMS;
            const x = rnd() - 2 ** 31;
            vals[k] = big ? BigInt(x) << 20n : x;
          }
          const scalar = big ? -123456789012345n : -0x12345679;
          for (let k = 0; k < N; k++) {
            const old = ref(ref32, offs[k]!, vector ? vals[k] : scalar);
            // store returns the value stored; a fetching store is a swap, so its old value is read first.
            wantOut[k] = op === Op.store ? (big ? 0n : 0) : old;
          }
          if (op === Op.store && fetch) {
            // Replay as a swap for the old values.
            const again = new C(new SharedArrayBuffer(ELEMS * w)) as any;
            for (let j = 0; j < ELEMS; j++) again[j] = elems[j];
            for (let k = 0; k < N; k++) wantOut[k] = Atomics.exchange(again, offs[k]!, vector ? vals[k] : scalar);
          }
          for (let j = 0; j < ELEMS; j++) want[j] = ref32[j];
          const v = vector ? VALS_AT : op === Op.load ? 0 : big ? scalar : Number(scalar);
          fn(OFFS_AT, N, BASE_AT, v, OUT_AT);
          assert.deepEqual(Array.from(elems), Array.from(want), 'elements');
          if (fetch || op === Op.load) assert.deepEqual(Array.from(out), Array.from(wantOut), 'old values');
        });
      }
    }
  }
}

test('mul, div, rem, shifts and compare-exchange have no kernel; neither have 16-byte elements', () => {
  for (const op of [Op.mul, Op.div, Op.rem, Op.shl, Op.shr, Op.compareExchange, Op.compareExchangeEpsilon]) {
    assert.equal(wasmKernelFor(op, 4, false, false), undefined, `op ${op}`);
  }
  assert.equal(wasmKernelFor(Op.add, 16, false, false), undefined);
});

test('createHeap: a shared WebAssembly memory mapped whole with kernels, a growable SharedArrayBuffer without', () => {
  const withK = createHeap(3 * 65536 + 1, true);
  assert.ok(heapWasm(withK) !== undefined);
  assert.equal(heapBuffer(withK).byteLength, 4 * 65536, 'whole pages, mapped at once');
  const without = createHeap(1 << 20, false);
  assert.ok(without instanceof SharedArrayBuffer);
  assert.equal(heapWasm(without), undefined);
  assert.equal(heapBuffer(without).byteLength, 0, 'grows as used');
  assert.equal(heapBuffer(without).maxByteLength, 1 << 20);
});

test('MappedHeaps reserves the scratch slots below the first block, with or without WebAssembly memories', () => {
  const wait = { spinMicros: 0, deadlockTimeoutSecs: 1 };
  for (const kernels of [true, false]) {
    const h = createHeap(1 << 20, kernels);
    const mem = new MappedHeaps([heapBuffer(h)], 0, wait, { memories: [heapWasm(h)], slots: 2 });
    const first = mem.alloc(64);
    assert.ok(first >= 64 + 2 * KERNEL_SLOT_BYTES, `first block at ${first}`);
    const space = mem.kernelSpace(0);
    if (kernels) {
      assert.equal(space?.scratch, 64, 'a one-slot reservation would still start at 64');
      assert.equal(space?.scratchBytes, KERNEL_SLOT_BYTES);
    } else assert.equal(space, undefined);
  }
});

test('a heap mapped whole still refuses accesses past what its allocator handed out, as a growing one did', () => {
  const wait = { spinMicros: 0, deadlockTimeoutSecs: 1 };
  for (const kernels of [true, false]) {
    const h = createHeap(1 << 24, kernels);
    const mem = new MappedHeaps([heapBuffer(h)], 0, wait, { memories: [heapWasm(h)], slots: 1 });
    assert.throws(() => mem.get(0, 1 << 23, new Uint8Array(4)), { code: 'LAMELLAR_ERR_INDEX_OUT_OF_BOUNDS' });
    const at = mem.alloc(100);
    mem.put(0, at, Uint8Array.of(1, 2, 3));
    const back = new Uint8Array(3);
    mem.get(0, at, back);
    assert.deepEqual(Array.from(back), [1, 2, 3]);
    assert.throws(() => mem.get(0, (1 << 24) - 8, new Uint8Array(4)), { code: 'LAMELLAR_ERR_INDEX_OUT_OF_BOUNDS' }, `kernels ${kernels}`);
  }
});
