/**
 * What one atomic add costs in Node, and what it could cost: a histogram of `updates` random
 * indices into a `table`-element Uint32Array on shared memory, one thread, three ways:
 *
 *   plain_add           t[i]++ on a SharedArrayBuffer view
 *   atomics_add         Atomics.add(t, i, 1)
 *   wasm_atomic_add     the same loop in WebAssembly (i32.atomic.rmw.add) over a shared
 *                       WebAssembly.Memory
 *
 * This explains the histo buffered-AM-with-atomics miss (bench/README.md) and measures the way
 * out: runtime batch kernels in WebAssembly over heaps allocated as shared WebAssembly.Memory.
 * Not part of the suite (it runs no PEs); prints one JSON line per variant, best of `reps`
 * (recorded: bench/results/atomics-2026-11-23.jsonl).
 *
 *   node --import tsx bench/micro/atomics.ts [--updates 10000000] [--table 1000] [--reps 3]
 */
import { gitRev, machine, parseSizes } from '../lib/harness.js';

/**
 * The wasm module, compiled with wabt's wat2wasm (threads enabled) from:
 *   (module
 *     (import "env" "mem" (memory 1 65536 shared))
 *     (func (export "addOne") (param $idx i32) (param $n i32) (param $tab i32)
 *       (local $end i32)
 *       (local.set $end (i32.add (local.get $idx) (i32.shl (local.get $n) (i32.const 2))))
 *       (block $out (loop $l
 *         (br_if $out (i32.ge_u (local.get $idx) (local.get $end)))
 *         (drop (i32.atomic.rmw.add
 *           (i32.add (local.get $tab) (i32.shl (i32.load (local.get $idx)) (i32.const 2)))
 *           (i32.const 1)))
 *         (local.set $idx (i32.add (local.get $idx) (i32.const 4)))
 *         (br $l)))))
 */
const WASM = 'AGFzbQEAAAABBwFgA39/fwACDwEDZW52A21lbQIDAYCABAMCAQAHCgEGYWRkT25lAAAKOAE2AQF/IAAgAUECdGohAwJAA0AgACADTw0BIAIgACgCAEECdGpBAf4eAgAaIABBBGohAAwACwsL';

/** The part of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: SharedArrayBuffer };
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const { sizes } = parseSizes({
  quick: { updates: 2_000_000, table: 1000, reps: 3 },
  full: { updates: 10_000_000, table: 1000, reps: 3 },
});
const { updates: N, table: T } = sizes;

// One shared wasm memory holds the table (at 0) and the indices (after it), so all three
// variants read the same indices and update the same kind of memory.
const tableBytes = Math.ceil((4 * T) / 65536) * 65536;
const pages = Math.ceil((tableBytes + 4 * N) / 65536);
const mem = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
const table = new Uint32Array(mem.buffer, 0, T);
const idx = new Uint32Array(mem.buffer, tableBytes, N);
let seed = 12345;
for (let i = 0; i < N; i++) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  idx[i] = seed % T;
}
const { instance } = await WebAssembly.instantiate(Buffer.from(WASM, 'base64'), { env: { mem } });
const addOne = instance.exports['addOne'] as (idxAt: number, n: number, tab: number) => void;

function plainAdd(): void {
  for (let i = 0; i < N; i++) table[idx[i]!]!++;
}
function atomicsAdd(): void {
  for (let i = 0; i < N; i++) Atomics.add(table, idx[i]!, 1);
}
function wasmAdd(): void {
  addOne(tableBytes, N, 0);
}

for (const [variant, run] of [['plain_add', plainAdd], ['atomics_add', atomicsAdd], ['wasm_atomic_add', wasmAdd]] as const) {
  let best = Infinity;
  for (let r = 0; r < sizes.reps; r++) {
    table.fill(0);
    const t0 = performance.now();
    run();
    best = Math.min(best, (performance.now() - t0) / 1000);
    let sum = 0;
    for (let j = 0; j < T; j++) sum += table[j]!;
    if (sum !== N) throw new Error(`${variant}: counts sum to ${sum}, expected ${N}`);
  }
  const line = { name: 'atomics', variant, threads: 1, updates: N, table: T, global_time_secs: Number(best.toFixed(6)), MUPS: Number((N / best / 1e6).toFixed(1)), verified: true, machine: machine(), git: gitRev(), date: new Date().toISOString() };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
