/**
 * The kernel of 128-bit elements (i128, u128). Storage is two u64 words per element, low word
 * first; values, current values and old values travel the same way (BigUint64Array, two words
 * per element), or as one bigint for a scalar.
 *
 * No CPU gives JS a 128-bit atomic, so an AtomicArray of these types is a *generic* atomic
 * array, as in Lamellar: each element has an i32 lock word (meta.ts), and an atomic op takes
 * it around its read-modify-write. The critical section is a few bigint operations and never
 * awaits, so the lock is a futex-style mutex (0 free, 1 held, 2 held with waiters): an
 * uncontended op costs two atomic instructions; a contended one spins briefly, then sleeps in
 * Atomics.wait until the holder's notify. Only shmem PEs can contend (they share memory); on
 * tcp every op on an element runs on its owner's single thread.
 */
import { Op } from '../types.js';
import type { KernelCall } from './kernels.js';

const M64 = (1n << 64n) - 1n;
const SPINS = 64;

function acquire(l: Int32Array, o: number): void {
  if (Atomics.compareExchange(l, o, 0, 1) === 0) return;
  for (let i = 0; i < SPINS; i++) if (Atomics.load(l, o) === 0 && Atomics.compareExchange(l, o, 0, 1) === 0) return;
  // Mark the lock contended (2) and sleep until the holder's release wakes us.
  while (Atomics.exchange(l, o, 2) !== 0) Atomics.wait(l, o, 2, 10);
}

function release(l: Int32Array, o: number): void {
  if (Atomics.exchange(l, o, 0) === 2) Atomics.notify(l, o, 1);
}

function combine(op: number, a: bigint, b: bigint): bigint {
  switch (op) {
    case Op.add:
      return a + b;
    case Op.sub:
      return a - b;
    case Op.mul:
      return a * b;
    case Op.div:
      return a / b;
    case Op.rem:
      return a % b;
    case Op.bitAnd:
      return a & b;
    case Op.bitOr:
      return a | b;
    case Op.bitXor:
      return a ^ b;
    case Op.shl:
      return a << b;
    case Op.shr:
      return a >> b;
    default:
      // store, swap
      return b;
  }
}

export function runWideKernel(c: KernelCall): void {
  const { pes, offs, n, vbase, obase, out, ok, op } = c;
  const views = c.views as unknown as readonly (BigUint64Array | null)[];
  const locks = c.atomic ? c.elemLocks : null;
  const signed = c.type === 'i128';
  const va = typeof c.vals === 'object' ? (c.vals as unknown as BigUint64Array) : null;
  const sv = va === null ? BigInt(c.vals as unknown as bigint) : 0n;
  const ca = typeof c.cur === 'object' ? (c.cur as unknown as BigUint64Array) : null;
  const sc = ca === null ? BigInt(c.cur as unknown as bigint) : 0n;
  const o64 = out as unknown as BigUint64Array | null;
  const isCas = op === Op.compareExchange;
  for (let k = 0; k < n; k++) {
    const pe = pes[k]!;
    const v = views[pe]!;
    const o = offs[k]!;
    const w = 2 * o;
    const l = locks === null ? null : locks[pe]!;
    if (l !== null) acquire(l, o);
    const lo = v[w]!;
    const hi = v[w + 1]!;
    let old = (hi << 64n) | lo;
    if (signed) old = BigInt.asIntN(128, old);
    if (op !== Op.load) {
      const j = 2 * (vbase + k);
      let x = va === null ? sv : (va[j + 1]! << 64n) | va[j]!;
      if (signed && va !== null) x = BigInt.asIntN(128, x);
      let store = true;
      if (isCas) {
        let cu = ca === null ? sc : (ca[j + 1]! << 64n) | ca[j]!;
        if (signed && ca !== null) cu = BigInt.asIntN(128, cu);
        store = old === cu;
        ok![obase + k] = store ? 1 : 0;
      }
      if (store) {
        const nv = isCas ? x : combine(op, old, x);
        v[w] = nv & M64;
        v[w + 1] = (nv >> 64n) & M64;
      }
    }
    if (l !== null) release(l, o);
    if (o64 !== null) {
      const r = 2 * (obase + k);
      o64[r] = lo;
      o64[r + 1] = hi;
    }
  }
}
