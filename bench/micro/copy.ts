/**
 * Why a put or get into shared memory ran below memcpy, and what copies at memcpy speed: one
 * thread copies `size` bytes again and again, every way below, the ways interleaved rep by rep
 * (a shared machine drifts), for 4 KiB .. 16 MiB.
 *
 *   memcpy                         TypedArray.set between two private arrays (V8: libc memcpy)
 *   set_private_to_shared          TypedArray.set into a SharedArrayBuffer (what put did)
 *   set_shared_to_private          TypedArray.set out of one (what get did)
 *   set_shared_to_shared
 *   set_chunked_4k_to_shared       the same set in 4 KiB pieces
 *   set_chunked_64k_to_shared      ... in 64 KiB pieces
 *   staged_private_then_shared     into a private staging array, then into shared memory
 *   fill_private_to_shared         Buffer.prototype.fill(view) into shared memory (core/copy.ts)
 *   fill_shared_to_private         ... out of it
 *   wasm_memory_copy               WebAssembly memory.copy inside one shared WebAssembly memory
 *
 * Each line: GB/s (best rep, and the median), and ratio_to_memcpy, the median over reps of this
 * way's rate over memcpy's in the same rep. Not part of the suite (it runs no PEs).
 *
 *   node --import tsx bench/micro/copy.ts [--quick] [--bytes-per-rep N] [--reps N]
 */
import { gitRev, machine, parseSizes } from '../lib/harness.js';

/** The part of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: SharedArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * (module (import "env" "mem" (memory 1 65536 shared))
 *   (func (export "copy") (param $dst i32) (param $src i32) (param $n i32)
 *     (memory.copy (local.get $dst) (local.get $src) (local.get $n))))
 */
const COPY_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00,
  0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x03, 0x01, 0x80, 0x80, 0x04,
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x08, 0x01, 0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x00,
  0x0a, 0x0e, 0x01, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x00, 0x0b,
]);

const { sizes } = parseSizes({
  quick: { 'bytes-per-rep': 32 << 20, reps: 21 },
  full: { 'bytes-per-rep': 128 << 20, reps: 41 },
});
const MAX = 16 << 20;
const shared = new Uint8Array(new SharedArrayBuffer(MAX));
const shared2 = new Uint8Array(new SharedArrayBuffer(MAX));
const priv = new Uint8Array(MAX);
const staging = new Uint8Array(MAX);
const mem = new WebAssembly.Memory({ initial: (2 * MAX) / 65536, maximum: (2 * MAX) / 65536, shared: true });
const wasmCopy = new WebAssembly.Instance(new WebAssembly.Module(COPY_WASM), { env: { mem } }).exports['copy'] as (dst: number, src: number, n: number) => void;
const fill = Buffer.prototype.fill as (this: Uint8Array, v: Uint8Array, start: number, end: number) => Uint8Array;

type Way = (src: Uint8Array, n: number, count: number) => void;

function chunked(piece: number): Way {
  return (src, n, count) => {
    for (let i = 0; i < count; i++) for (let at = 0; at < n; at += piece) shared.set(src.subarray(at, Math.min(n, at + piece)), at);
  };
}

const WAYS: Record<string, Way> = {
  memcpy: (src, n, count) => {
    for (let i = 0; i < count; i++) priv.set(src);
  },
  set_private_to_shared: (src, n, count) => {
    for (let i = 0; i < count; i++) shared.set(src);
  },
  set_shared_to_private: (_src, n, count) => {
    const from = shared2.subarray(0, n);
    for (let i = 0; i < count; i++) priv.set(from);
  },
  set_shared_to_shared: (_src, n, count) => {
    const from = shared2.subarray(0, n);
    for (let i = 0; i < count; i++) shared.set(from);
  },
  set_chunked_4k_to_shared: chunked(4096),
  set_chunked_64k_to_shared: chunked(65536),
  staged_private_then_shared: (src, n, count) => {
    const st = staging.subarray(0, n);
    for (let i = 0; i < count; i++) {
      st.set(src);
      shared.set(st);
    }
  },
  fill_private_to_shared: (src, n, count) => {
    for (let i = 0; i < count; i++) fill.call(shared, src, 0, n);
  },
  fill_shared_to_private: (_src, n, count) => {
    const from = shared2.subarray(0, n);
    for (let i = 0; i < count; i++) fill.call(priv, from, 0, n);
  },
  wasm_memory_copy: (_src, n, count) => {
    for (let i = 0; i < count; i++) wasmCopy(0, MAX, n);
  },
};

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;

for (const size of [4096, 65536, 1 << 20, 16 << 20]) {
  const src = new Uint8Array(size);
  for (let i = 0; i < size; i++) src[i] = (i * 31 + 7) & 255;
  shared2.set(src);
  new Uint8Array(mem.buffer, MAX, size).set(src);
  const count = Math.max(2, Math.floor(sizes['bytes-per-rep'] / size));
  const names = Object.keys(WAYS);
  const rates: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < sizes.reps + 1; r++) {
    // Alternate the order rep by rep, so no way always runs right after another.
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      const t0 = performance.now();
      WAYS[name]!(src, size, count);
      const secs = (performance.now() - t0) / 1000;
      if (r > 0) rates[name]!.push((count * size) / secs / 1e9);
    }
  }
  for (const name of names) {
    const rs = rates[name]!;
    const vsMemcpy = rs.map((x, i) => x / rates['memcpy']![i]!);
    const line = {
      name: 'copy', variant: name, threads: 1, bytes: size, reps: rs.length,
      GB_per_sec: Number(Math.max(...rs).toFixed(2)), median_GB_per_sec: Number(median(rs).toFixed(2)),
      ratio_to_memcpy: Number(median(vsMemcpy).toFixed(3)), verified: true,
      machine: machine(), git: gitRev(), date: new Date().toISOString(),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
// The ways copied what they should have.
if (priv[100] !== shared2[100] || shared[12345] !== shared2[12345]) throw new Error('copy: a copy did not land');
