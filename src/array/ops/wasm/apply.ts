/**
 * Batch ops of AtomicArrays through the WebAssembly kernels (kernels.ts): the caller routes each
 * index to its owner and writes the local offset (and value) into its own scratch slot in that
 * owner's heap; when a slot holds a chunk, one kernel call applies it there, and old values
 * come back through the same slot. JavaScript does the routing (plain typed-array stores); the
 * atomics run as WebAssembly.
 *
 * A PE's slot in a heap is its own (Lamella.kernelSpace), and a batch runs synchronously from
 * its first index to its last flush, so nothing else writes the slot meanwhile: no locking.
 */
import type { ArrayInternals, ArrayMeta } from '../../meta.js';
import { Op, type OpCode } from '../../types.js';
import type { View } from '../kernels.js';
import { wasmKernelFor, kernelsOf, type KernelFn } from './kernels.js';

/** One array's kernel plumbing on this PE, per team PE (undefined where that heap has none). */
export interface WasmSide {
  /** Bytes per element. */
  readonly width: number;
  /** Elements per chunk: what one scratch slot holds. */
  readonly chunk: number;
  readonly fns: (Record<string, KernelFn> | undefined)[];
  /** Byte address of the array's element 0 in each PE's heap. */
  readonly base: number[];
  /** This PE's scratch slot in each PE's heap: offsets, then values, then old values. */
  readonly slot: number[];
  readonly offs: (Uint32Array | undefined)[];
  readonly vals: (View | undefined)[];
  readonly out: (View | undefined)[];
  /** Every PE's heap has kernels: the direct path may use them. */
  readonly all: boolean;
}

const sides = new WeakMap<ArrayMeta, WasmSide | null>();

/**
 * Smallest batch that runs as a kernel. 1: even a single element op costs no more as one kernel
 * call than as an `Atomics.*` builtin call, and one path for every size keeps the results alike.
 * A single element op (`add(i, v)`, `load(i)`) never gets here: it takes the JavaScript kernel at
 * its route (engine.ts, run), which saves this path's set-up (0.38 → 0.25 µs an awaited load).
 */
export const WASM_MIN_BATCH = 1;

/**
 * The kernels of an array, built on first use: one word per element (the 128-bit types keep
 * their JS kernels). Float arrays get a side too, for the bit-exact store and load kernels of
 * range put/get (ops/range.ts); their element ops keep the JS compare-and-swap loops (wasmKernel).
 */
export function wasmSideOf(m: ArrayMeta): WasmSide | null {
  let s = sides.get(m);
  if (s !== undefined) return s;
  s = null;
  const width = m.ctor.BYTES_PER_ELEMENT;
  if (m.words === 1) {
    const P = m.layout.numPes;
    const region = m.region;
    const fns: (Record<string, KernelFn> | undefined)[] = [];
    const base: number[] = [];
    const slot: number[] = [];
    const offs: (Uint32Array | undefined)[] = [];
    const vals: (View | undefined)[] = [];
    const out: (View | undefined)[] = [];
    let chunk = Infinity;
    let any = false;
    let all = true;
    for (let pe = 0; pe < P; pe++) {
      const space = region.lamella.kernelSpace(region.worldPe(pe));
      const kernels = space === undefined ? undefined : kernelsOf(space.memory);
      if (space === undefined || kernels === undefined) {
        all = false;
        fns.push(undefined);
        base.push(0);
        slot.push(0);
        offs.push(undefined);
        vals.push(undefined);
        out.push(undefined);
        continue;
      }
      any = true;
      // Offsets (4 bytes), values and old values (8 at most) per element; an even count keeps
      // the 8-byte areas aligned.
      const c = Math.floor(space.scratchBytes / 20) & ~1;
      chunk = Math.min(chunk, c);
      const buf = space.memory.buffer;
      fns.push(kernels);
      base.push(region.addr(pe));
      slot.push(space.scratch);
      offs.push(new Uint32Array(buf, space.scratch, c));
      vals.push(new m.ctor(buf, space.scratch + c * 4, c) as unknown as View);
      out.push(new m.ctor(buf, space.scratch + c * 12, c) as unknown as View);
    }
    if (any) s = { width, chunk, fns, base, slot, offs, vals, out, all };
  }
  sides.set(m, s);
  return s;
}

/** The kernel for a batch of `op` on this array, or undefined (then the JS kernels run). */
export function wasmKernel(ai: ArrayInternals, op: OpCode, vals: unknown, fetch: boolean): string | undefined {
  if (ai.kind !== 'AtomicArray' || ai.meta.bits !== null) return undefined;
  const side = wasmSideOf(ai.meta);
  if (side === null) return undefined;
  return wasmKernelFor(op, side.width, typeof vals === 'object', fetch || op === Op.load);
}

let counts = new Int32Array(0);
let positions: Uint32Array[] = [];

/**
 * Applies a batch whose global indices `idx` (relative to the handle's window at `offset`) are
 * routed by `route` into owner PEs and local offsets, a `CHUNK` at a time into `pes`/`offs`.
 * Old values (when `out` is given) land in input order.
 */
export function applyRouted(
  side: WasmSide,
  name: string,
  ai: ArrayInternals,
  idx: ArrayLike<number>,
  vals: number | bigint | View,
  out: View | null,
  pes: Uint32Array,
  offs: Uint32Array,
): void {
  const m = ai.meta;
  const P = m.layout.numPes;
  const n = idx.length;
  const C = side.chunk;
  const routeChunk = pes.length;
  if (counts.length < P) counts = new Int32Array(P);
  // A batch that threw part-way (a value the kernel could not take) left its counts behind.
  counts.fill(0, 0, P);
  const fetch = out !== null;
  if (fetch && (positions.length < P || positions[0]!.length < C)) positions = Array.from({ length: P }, () => new Uint32Array(C));
  const va = typeof vals === 'object' ? vals : null;
  const sOffs = side.offs as Uint32Array[];
  const sVals = side.vals as View[];
  if (va === null && !fetch && m.layout.dist === 'cyclic') {
    // The histogram case: one value, no results, cyclic layout. Routing (global g on PE g mod P
    // at offset g div P) is fused into the placing loop: one pass over the indices.
    const base = ai.offset;
    for (let k = 0; k < n; k++) {
      const g = base + idx[k]!;
      const q = Math.floor(g / P);
      const p = g - q * P;
      const j = counts[p]!;
      sOffs[p]![j] = q;
      if (j + 1 === C) {
        flush(side, name, p, C, vals, null);
        counts[p] = 0;
      } else counts[p] = j + 1;
    }
    flushAll(side, name, P, vals, null);
    return;
  }
  for (let from = 0; from < n; from += routeChunk) {
    const c = Math.min(routeChunk, n - from);
    m.layout.route(idx, from, c, ai.offset, pes, offs);
    if (va === null && !fetch) {
      // The common case (batchAdd of one value): nothing but the offsets to place.
      for (let k = 0; k < c; k++) {
        const p = pes[k]!;
        const j = counts[p]!;
        sOffs[p]![j] = offs[k]!;
        if (j + 1 === C) {
          flush(side, name, p, C, vals, null);
          counts[p] = 0;
        } else counts[p] = j + 1;
      }
      continue;
    }
    for (let k = 0; k < c; k++) {
      const p = pes[k]!;
      const j = counts[p]!;
      sOffs[p]![j] = offs[k]!;
      if (va !== null) sVals[p]![j] = va[from + k]!;
      if (fetch) positions[p]![j] = from + k;
      if (j + 1 === C) {
        flush(side, name, p, C, vals, out);
        counts[p] = 0;
      } else counts[p] = j + 1;
    }
  }
  flushAll(side, name, P, vals, out);
}

function flushAll(side: WasmSide, name: string, P: number, vals: number | bigint | View, out: View | null): void {
  for (let p = 0; p < P; p++) {
    const j = counts[p]!;
    if (j === 0) continue;
    counts[p] = 0;
    flush(side, name, p, j, vals, out);
  }
}

function flush(side: WasmSide, name: string, p: number, c: number, vals: number | bigint | View, out: View | null): void {
  const at = side.slot[p]!;
  const C = side.chunk;
  side.fns[p]![name]!(at, c, side.base[p]!, typeof vals === 'object' ? at + C * 4 : vals, at + C * 12);
  if (out === null) return;
  const got = side.out[p]!;
  const pos = positions[p]!;
  for (let j = 0; j < c; j++) out[pos[j]!] = got[j]!;
}

/**
 * Applies a batch of local offsets `offs` on this PE's own part (an owner applying a remote
 * batch, tcp and ofi): the offsets and values are copied into the own slot a chunk at a time.
 */
export function applyLocal(side: WasmSide, name: string, me: number, offs: Uint32Array, vals: number | bigint | View, out: View | null): void {
  const C = side.chunk;
  const at = side.slot[me]!;
  const fn = side.fns[me]![name]!;
  const sOffs = side.offs[me]!;
  const sVals = side.vals[me]!;
  const sOut = side.out[me]!;
  const vector = typeof vals === 'object';
  for (let from = 0; from < offs.length; from += C) {
    const c = Math.min(C, offs.length - from);
    sOffs.set(offs.subarray(from, from + c));
    if (vector) sVals.set(vals.subarray(from, from + c));
    fn(at, c, side.base[me]!, vector ? at + C * 4 : vals, at + C * 12);
    if (out !== null) out.set(sOut.subarray(0, c), from);
  }
}
