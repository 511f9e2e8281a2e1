/**
 * The loops that apply element ops to memory, one batch (or chunk) at a time: element k goes to
 * `views[pes[k]][offs[k]]` with value `vals` (a scalar, or `vals[vbase + k]`), and an old value
 * (fetch forms) is written to `out[obase + k]`. One switch per batch, then a tight loop per op:
 * no promise, closure or object per element.
 *
 * Modes:
 * - plain: ordinary loads and stores. UnsafeArray (non-atomic by design), ReadOnlyArray loads,
 *   and lock arrays, whose callers hold the owner's lock around the call.
 * - atomic: `Atomics.*` on integer elements; mul/div/rem/shifts and every float op are a
 *   compare-and-swap loop (on the bit pattern for floats: Atomics has no float ops).
 *
 * Types: the loops see every view as Int32Array and every value as number. At run time a view
 * may be any element typed array and 64-bit views carry bigints; Atomics and the combine
 * functions accept both, so one loop serves every element type. `bool` is a u8 of 0/1 (its ops,
 * store, swap, compareExchange and the bit ops, keep it 0/1); 128-bit types have their own
 * kernel (wide.ts).
 */
import type { ArrayElemType } from '../elem.js';
import { Op, type OpCode } from '../types.js';
import type { Combine } from './combine.js';
import { runWideKernel } from './wide.js';

export type View = Int32Array;

export interface KernelCall {
  op: OpCode;
  atomic: boolean;
  type: ArrayElemType;
  /** Storage words per element: 2 for i128/u128 (ops/wide.ts), else 1. */
  words: 1 | 2;
  comb: Combine;
  /** Element views per team PE (null where not mapped; never indexed then). */
  views: readonly (View | null)[];
  /** Bit-pattern views per team PE, for atomic float ops (Int32Array for f32, BigInt64Array for f64). */
  bits: readonly (View | null)[] | null;
  /** 128-bit types: per-element lock words per team PE (generic atomics). */
  elemLocks: readonly (Int32Array | null)[] | null;
  pes: Uint32Array;
  offs: Uint32Array;
  n: number;
  vals: number | View;
  vbase: number;
  /** compareExchange: the expected value(s); indexed like vals. */
  cur: number | View;
  eps: number;
  out: View | null;
  ok: Uint8Array | null;
  obase: number;
}

const F32 = new Float32Array(1);
const F32_BITS = new Int32Array(F32.buffer);
const F64 = new Float64Array(1);
const F64_BITS = new BigInt64Array(F64.buffer);

export function runKernel(c: KernelCall): void {
  if (c.words === 2) runWideKernel(c);
  else if (!c.atomic) plain(c);
  else if (c.type === 'f32') atomicFloat(c, F32 as unknown as View, F32_BITS);
  else if (c.type === 'f64') atomicFloat(c, F64 as unknown as View, F64_BITS as unknown as View);
  else atomicInt(c);
}

function plain(c: KernelCall): void {
  const { views, pes, offs, n, vbase, obase, out, ok, eps, comb } = c;
  const va = typeof c.vals === 'object' ? c.vals : null;
  const sv = va === null ? (c.vals as number) : 0;
  const ca = typeof c.cur === 'object' ? c.cur : null;
  const sc = ca === null ? (c.cur as number) : 0;
  switch (c.op) {
    case Op.load:
      for (let k = 0; k < n; k++) out![obase + k] = views[pes[k]!]![offs[k]!]!;
      return;
    case Op.store:
      for (let k = 0; k < n; k++) views[pes[k]!]![offs[k]!] = va === null ? sv : va[vbase + k]!;
      return;
    case Op.compareExchange:
    case Op.compareExchangeEpsilon:
      for (let k = 0; k < n; k++) {
        const v = views[pes[k]!]!;
        const o = offs[k]!;
        const old = v[o]!;
        const cu = ca === null ? sc : ca[vbase + k]!;
        const hit = c.op === Op.compareExchange ? old === cu : Math.abs(old - cu) < eps;
        if (hit) v[o] = va === null ? sv : va[vbase + k]!;
        ok![obase + k] = hit ? 1 : 0;
        out![obase + k] = old;
      }
      return;
    default:
      for (let k = 0; k < n; k++) {
        const v = views[pes[k]!]!;
        const o = offs[k]!;
        const old = v[o]!;
        v[o] = comb(old, va === null ? sv : va[vbase + k]!);
        if (out !== null) out[obase + k] = old;
      }
  }
}

function atomicInt(c: KernelCall): void {
  const { views, pes, offs, n, vbase, obase, out, ok, comb } = c;
  const va = typeof c.vals === 'object' ? c.vals : null;
  const sv = va === null ? (c.vals as number) : 0;
  let rmw: ((v: View, o: number, x: number) => number) | undefined;
  switch (c.op) {
    case Op.load:
      for (let k = 0; k < n; k++) out![obase + k] = Atomics.load(views[pes[k]!]!, offs[k]!);
      return;
    case Op.store:
      for (let k = 0; k < n; k++) Atomics.store(views[pes[k]!]!, offs[k]!, va === null ? sv : va[vbase + k]!);
      return;
    case Op.add:
      // The histogram path: written out so V8 sees the Atomics builtin directly.
      if (out === null && va === null) {
        for (let k = 0; k < n; k++) Atomics.add(views[pes[k]!]!, offs[k]!, sv);
        return;
      }
      rmw = Atomics.add;
      break;
    case Op.sub:
      rmw = Atomics.sub;
      break;
    case Op.bitAnd:
      rmw = Atomics.and;
      break;
    case Op.bitOr:
      rmw = Atomics.or;
      break;
    case Op.bitXor:
      rmw = Atomics.xor;
      break;
    case Op.swap:
      rmw = Atomics.exchange;
      break;
    case Op.compareExchange: {
      const ca = typeof c.cur === 'object' ? c.cur : null;
      const sc = ca === null ? (c.cur as number) : 0;
      for (let k = 0; k < n; k++) {
        const cu = ca === null ? sc : ca[vbase + k]!;
        const old = Atomics.compareExchange(views[pes[k]!]!, offs[k]!, cu, va === null ? sv : va[vbase + k]!);
        ok![obase + k] = old === cu ? 1 : 0;
        out![obase + k] = old;
      }
      return;
    }
    default:
      // mul, div, rem, shl, shr have no Atomics builtin: compare-and-swap until no other PE
      // changed the element between our load and our exchange.
      for (let k = 0; k < n; k++) {
        const v = views[pes[k]!]!;
        const o = offs[k]!;
        const x = va === null ? sv : va[vbase + k]!;
        let old = Atomics.load(v, o);
        for (;;) {
          const seen = Atomics.compareExchange(v, o, old, comb(old, x));
          if (seen === old) break;
          old = seen;
        }
        if (out !== null) out[obase + k] = old;
      }
      return;
  }
  for (let k = 0; k < n; k++) {
    const old = rmw(views[pes[k]!]!, offs[k]!, va === null ? sv : va[vbase + k]!);
    if (out !== null) out[obase + k] = old;
  }
}

/**
 * Floats have no Atomics: every op reads the element's bit pattern atomically, computes in a
 * one-element scratch (`fs` aliases `bs`), and publishes with a compare-and-swap of the bits,
 * retrying when another PE changed the element in between. Loads and stores go through the
 * bits too, so a 64-bit value is never seen half-written.
 */
function atomicFloat(c: KernelCall, fs: View, bs: View): void {
  const { pes, offs, n, vbase, obase, out, ok, comb, eps, op } = c;
  const bits = c.bits!;
  const va = typeof c.vals === 'object' ? c.vals : null;
  const sv = va === null ? (c.vals as number) : 0;
  const ca = typeof c.cur === 'object' ? c.cur : null;
  const sc = ca === null ? (c.cur as number) : 0;
  if (op === Op.load) {
    for (let k = 0; k < n; k++) {
      bs[0] = Atomics.load(bits[pes[k]!]!, offs[k]!);
      out![obase + k] = fs[0]!;
    }
    return;
  }
  if (op === Op.store || op === Op.swap) {
    for (let k = 0; k < n; k++) {
      fs[0] = va === null ? sv : va[vbase + k]!;
      bs[0] = Atomics.exchange(bits[pes[k]!]!, offs[k]!, bs[0]!);
      if (out !== null) out[obase + k] = fs[0];
    }
    return;
  }
  const isCas = op === Op.compareExchange || op === Op.compareExchangeEpsilon;
  for (let k = 0; k < n; k++) {
    const b = bits[pes[k]!]!;
    const o = offs[k]!;
    const x = va === null ? sv : va[vbase + k]!;
    const cu = ca === null ? sc : ca[vbase + k]!;
    let oldBits = Atomics.load(b, o);
    for (;;) {
      bs[0] = oldBits;
      const old = fs[0]!;
      if (isCas) {
        const hit = op === Op.compareExchange ? old === cu : Math.abs(old - cu) < eps;
        if (!hit) {
          ok![obase + k] = 0;
          out![obase + k] = old;
          break;
        }
        fs[0] = x;
      } else fs[0] = comb(old, x);
      const seen = Atomics.compareExchange(b, o, oldBits, bs[0]!);
      if (seen === oldBits) {
        if (ok !== null) ok[obase + k] = 1;
        if (out !== null) out[obase + k] = old;
        break;
      }
      oldBits = seen;
    }
  }
}
