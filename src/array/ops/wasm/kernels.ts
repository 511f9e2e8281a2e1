/**
 * The batch kernels in WebAssembly, and their instances per heap.
 *
 * Why: an `Atomics.add` in JavaScript is a call into a V8 builtin that re-checks the typed
 * array, the index and the value on every element (bench/micro/atomics.ts: 45 M/s on one
 * thread), while the same loop in WebAssembly is one inline `lock xadd` per element (195 M/s); on
 * a table larger than the caches the WebAssembly loop also keeps several misses in flight.
 *
 * Every heap is a shared WebAssembly memory (lamellae/common/mapped-heaps.ts), and a module
 * instance can only address the one memory it imports, so each heap gets its own instance of
 * this module, and a kernel reads its operands from the same heap: the caller's scratch slot
 * there (Lamella.kernelSpace) holds the element offsets, the values and the old values.
 *
 * One function per (op, element width, value form, fetch):
 *   <op>_<bits>_<s|v>[f](offs, n, base, v, out)
 *     for k < n: element at byte base + (u32 at offs + 4k) * width  ⊕=  value
 *       value: the scalar `v` (an i64 for 64-bit elements, given as a bigint), or for `v` forms
 *              the k-th element of the array at byte address `v`
 *       f:     the old value is stored at byte out + k * width
 * with ops add, sub, and, or, xor, xchg (swap), store (no f) and load (`load_<bits>`: always f,
 * no value). Every access is a sequentially consistent atomic, as Atomics.* is: JS and
 * WebAssembly PEs may update the same elements at once. Sub-word rmw ops are the zero-extending
 * `_u` forms; an old value is stored back at the element's width, so its sign is the reader's.
 *
 * As WebAssembly text, add_32_s is:
 *   (func (param $offs i32) (param $n i32) (param $base i32) (param $v i32) (param $out i32)
 *     (local $end i32)
 *     (local.set $end (i32.add (local.get $offs) (i32.shl (local.get $n) (i32.const 2))))
 *     (block $done (loop $next
 *       (br_if $done (i32.ge_u (local.get $offs) (local.get $end)))
 *       (drop (i32.atomic.rmw.add
 *         (i32.add (local.get $base) (i32.shl (i32.load (local.get $offs)) (i32.const 2)))
 *         (local.get $v)))
 *       (local.set $offs (i32.add (local.get $offs) (i32.const 4)))
 *       (br $next))))
 */
import { debug, wasm, type WasmMemory, type WasmModule } from '../../../core/index.js';
import { Op, type OpCode } from '../../types.js';
import { encodeModule, I32, I64, op, sleb, uleb, type ValType, type WasmFunc } from './encode.js';

/** A kernel: (offsets address, count, element 0's address, value or values address, old-values address). */
export type KernelFn = (offs: number, n: number, base: number, v: number | bigint, out: number) => void;

/** Element widths in bytes, and the atomic opcode offset of each in an op's group. */
const WIDTHS = [1, 2, 4, 8] as const;
type Width = (typeof WIDTHS)[number];
const GROUP_OFFSET: Record<Width, number> = { 4: 0, 8: 1, 1: 2, 2: 3 };
const LOG2: Record<Width, number> = { 1: 0, 2: 1, 4: 2, 8: 3 };

/** The threads proposal's read-modify-write groups: i32, i64, i32 8u, i32 16u, ... */
const RMW: Record<string, number> = { add: 0x1e, sub: 0x25, and: 0x2c, or: 0x33, xor: 0x3a, xchg: 0x41 };
const ATOMIC_LOAD = 0x10;
const ATOMIC_STORE = 0x17;

const PLAIN_LOAD: Record<Width, number> = { 1: op.i32Load8u, 2: op.i32Load16u, 4: op.i32Load, 8: op.i64Load };
const PLAIN_STORE: Record<Width, number> = { 1: op.i32Store8, 2: op.i32Store16, 4: op.i32Store, 8: op.i64Store };

const OFFS = 0;
const N = 1;
const BASE = 2;
const V = 3;
const OUT = 4;
const END = 5;

const get = (i: number): number[] => [op.localGet, ...uleb(i)];
const set = (i: number): number[] => [op.localSet, ...uleb(i)];
const i32 = (n: number): number[] => [op.i32Const, ...sleb(n)];
const memarg = (w: Width): number[] => [...uleb(LOG2[w]), 0];
const atomic = (code: number, w: Width): number[] => [op.atomic, ...uleb(code), ...memarg(w)];
const bump = (local: number, by: number): number[] => [...get(local), ...i32(by), op.i32Add, ...set(local)];

/** One kernel's function: `kind` is an RMW group name, 'store' or 'load'. */
function kernel(kind: string, w: Width, vector: boolean, fetch: boolean): WasmFunc {
  const big = w === 8;
  // load takes no value (its v is an unused i32, so any number may be passed).
  const valType: ValType = big && !vector && kind !== 'load' ? I64 : I32;
  // The element's address: base + offset << log2(width).
  const addr = [...get(BASE), ...get(OFFS), op.i32Load, ...memarg(4), ...(LOG2[w] === 0 ? [] : [...i32(LOG2[w]), op.i32Shl]), op.i32Add];
  const value = vector ? [...get(V), PLAIN_LOAD[w], ...memarg(w)] : get(V);
  let step: number[];
  if (kind === 'load') step = [...get(OUT), ...addr, ...atomic(ATOMIC_LOAD + GROUP_OFFSET[w], w), PLAIN_STORE[w], ...memarg(w)];
  else if (kind === 'store') step = [...addr, ...value, ...atomic(ATOMIC_STORE + GROUP_OFFSET[w], w)];
  else {
    const rmw = atomic(RMW[kind]! + GROUP_OFFSET[w], w);
    step = fetch ? [...get(OUT), ...addr, ...value, ...rmw, PLAIN_STORE[w], ...memarg(w)] : [...addr, ...value, ...rmw, op.drop];
  }
  const body = [
    ...get(OFFS), ...get(N), ...i32(2), op.i32Shl, op.i32Add, ...set(END),
    op.block, op.void, op.loop, op.void,
    ...get(OFFS), ...get(END), op.i32GeU, op.brIf, 1,
    ...step,
    ...bump(OFFS, 4),
    ...(vector ? bump(V, w) : []),
    ...(fetch ? bump(OUT, w) : []),
    op.br, 0,
    op.end, op.end,
  ];
  return { name: kernelName(kind, w, vector, fetch), params: [I32, I32, I32, valType, I32], locals: [I32], body };
}

function kernelName(kind: string, w: number, vector: boolean, fetch: boolean): string {
  return kind === 'load' ? `load_${w * 8}` : `${kind}_${w * 8}_${vector ? 'v' : 's'}${fetch ? 'f' : ''}`;
}

function allKernels(): WasmFunc[] {
  const out: WasmFunc[] = [];
  for (const w of WIDTHS) {
    out.push(kernel('load', w, false, true));
    for (const vector of [false, true]) {
      out.push(kernel('store', w, vector, false));
      for (const kind of Object.keys(RMW)) for (const fetch of [false, true]) out.push(kernel(kind, w, vector, fetch));
    }
  }
  return out;
}

const KIND: Partial<Record<OpCode, string>> = {
  [Op.load]: 'load',
  [Op.store]: 'store',
  [Op.swap]: 'xchg',
  [Op.add]: 'add',
  [Op.sub]: 'sub',
  [Op.bitAnd]: 'and',
  [Op.bitOr]: 'or',
  [Op.bitXor]: 'xor',
};

/**
 * The kernel's export name for `op` on elements of `width` bytes, or undefined when no kernel
 * does that op (mul, div, rem, shifts and compare-exchange stay in JS). store has no fetch form
 * (a store with old values is a swap); load always fetches.
 */
export function wasmKernelFor(opCode: OpCode, width: number, vector: boolean, fetch: boolean): string | undefined {
  const kind = KIND[opCode];
  if (kind === undefined || !(width in LOG2)) return undefined;
  if (kind === 'load') return kernelName(kind, width, false, true);
  if (kind === 'store' && fetch) return kernelName('xchg', width, vector, true);
  return kernelName(kind, width, vector, fetch);
}

/** The compiled module; null once compiling failed on this thread (then the JS kernels run). */
let compiled: WasmModule | null | undefined;
const instances = new WeakMap<WasmMemory, Record<string, KernelFn>>();

/**
 * The kernels over `memory` (compiled once per thread, instantiated once per heap), or undefined
 * where this thread cannot compile or instantiate them: the caller then runs the JS kernels.
 */
export function kernelsOf(memory: WasmMemory): Record<string, KernelFn> | undefined {
  let k = instances.get(memory);
  if (k !== undefined) return k;
  if (compiled === null || wasm === undefined) return undefined;
  try {
    compiled ??= new wasm.Module(encodeModule(allKernels()));
    k = new wasm.Instance(compiled, { env: { mem: memory } }).exports as Record<string, KernelFn>;
  } catch (err) {
    debug('WebAssembly batch kernels unavailable (%s): the JavaScript kernels run', (err as Error).message);
    compiled = null;
    return undefined;
  }
  instances.set(memory, k);
  return k;
}

/** The module's bytes, for tests (it must validate). */
export const kernelModuleBytes = (): Uint8Array => encodeModule(allKernels());
