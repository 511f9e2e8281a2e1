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

/**
 * Element `k` of a word view, read under its lock word (a generic atomic read: the two words are
 * never seen half-written by another PE's op). For the iterators' reads of 128-bit AtomicArrays.
 */
export function loadLocked(words: BigUint64Array, locks: Int32Array, k: number, signed: boolean): bigint {
  acquire(locks, k);
  const lo = words[2 * k]!;
  const hi = words[2 * k + 1]!;
  release(locks, k);
  const v = (hi << 64n) | lo;
  return signed ? BigInt.asIntN(128, v) : v;
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

/** Little-endian hosts (all Node targets in practice): the low u32 of a u64 word comes first. */
const LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Ops done on four u32 limbs with number arithmetic: no bigint allocated per element. */
const LIMB_OPS: ReadonlySet<number> = new Set([Op.load, Op.store, Op.swap, Op.add, Op.sub, Op.bitAnd, Op.bitOr, Op.bitXor, Op.compareExchange]);

const limbViews = new WeakMap<BigUint64Array, Uint32Array>();
/** The u32 limbs over a word view (cached per view, so a batch allocates none). */
function limbsOf(w: BigUint64Array): Uint32Array {
  let l = limbViews.get(w);
  if (l === undefined) {
    l = new Uint32Array(w.buffer, w.byteOffset, w.length * 2);
    limbViews.set(w, l);
  }
  return l;
}

const SCALAR = new BigUint64Array(2);
const CUR = new BigUint64Array(2);

export function runWideKernel(c: KernelCall): void {
  if (LE && LIMB_OPS.has(c.op)) limbKernel(c);
  else bigintKernel(c);
}

/**
 * add, sub, the bit ops, load, store, swap and compareExchange on 32-bit limbs: two's complement
 * makes them the same for i128 and u128, and a carry or borrow chain of four number additions
 * replaces the bigint arithmetic (whose every step allocates).
 */
function limbKernel(c: KernelCall): void {
  const { pes, offs, n, vbase, obase, out, ok, op } = c;
  const views = c.views as unknown as readonly (BigUint64Array | null)[];
  const locks = c.atomic ? c.elemLocks : null;
  let va: Uint32Array;
  let vb: number;
  if (typeof c.vals === 'object') {
    va = limbsOf(c.vals as unknown as BigUint64Array);
    vb = 4 * vbase;
  } else {
    const x = BigInt.asUintN(128, BigInt(c.vals as unknown as bigint));
    SCALAR[0] = x & M64;
    SCALAR[1] = x >> 64n;
    va = limbsOf(SCALAR);
    vb = 0;
  }
  const vstep = typeof c.vals === 'object' ? 4 : 0;
  let ca: Uint32Array | null = null;
  let cb = 0;
  if (op === Op.compareExchange) {
    if (typeof c.cur === 'object') {
      ca = limbsOf(c.cur as unknown as BigUint64Array);
      cb = 4 * vbase;
    } else {
      const x = BigInt.asUintN(128, BigInt(c.cur as unknown as bigint));
      CUR[0] = x & M64;
      CUR[1] = x >> 64n;
      ca = limbsOf(CUR);
    }
  }
  const cstep = typeof c.cur === 'object' ? 4 : 0;
  const o32 = out === null ? null : limbsOf(out as unknown as BigUint64Array);
  for (let k = 0; k < n; k++) {
    const pe = pes[k]!;
    const L = limbsOf(views[pe]!);
    const o = offs[k]!;
    const b = 4 * o;
    const lk = locks === null ? null : locks[pe]!;
    if (lk !== null) acquire(lk, o);
    const l0 = L[b]!;
    const l1 = L[b + 1]!;
    const l2 = L[b + 2]!;
    const l3 = L[b + 3]!;
    const x = vb + k * vstep;
    switch (op) {
      case Op.load:
        break;
      case Op.store:
      case Op.swap:
        L[b] = va[x]!;
        L[b + 1] = va[x + 1]!;
        L[b + 2] = va[x + 2]!;
        L[b + 3] = va[x + 3]!;
        break;
      case Op.add: {
        // Each limb sum is below 2^33, exact in a double; the store into a Uint32Array wraps it.
        let s = l0 + va[x]!;
        L[b] = s;
        s = l1 + va[x + 1]! + (s > 0xffffffff ? 1 : 0);
        L[b + 1] = s;
        s = l2 + va[x + 2]! + (s > 0xffffffff ? 1 : 0);
        L[b + 2] = s;
        L[b + 3] = l3 + va[x + 3]! + (s > 0xffffffff ? 1 : 0);
        break;
      }
      case Op.sub: {
        let s = l0 - va[x]!;
        L[b] = s;
        s = l1 - va[x + 1]! - (s < 0 ? 1 : 0);
        L[b + 1] = s;
        s = l2 - va[x + 2]! - (s < 0 ? 1 : 0);
        L[b + 2] = s;
        L[b + 3] = l3 - va[x + 3]! - (s < 0 ? 1 : 0);
        break;
      }
      case Op.bitAnd:
        L[b] = l0 & va[x]!;
        L[b + 1] = l1 & va[x + 1]!;
        L[b + 2] = l2 & va[x + 2]!;
        L[b + 3] = l3 & va[x + 3]!;
        break;
      case Op.bitOr:
        L[b] = l0 | va[x]!;
        L[b + 1] = l1 | va[x + 1]!;
        L[b + 2] = l2 | va[x + 2]!;
        L[b + 3] = l3 | va[x + 3]!;
        break;
      case Op.bitXor:
        L[b] = l0 ^ va[x]!;
        L[b + 1] = l1 ^ va[x + 1]!;
        L[b + 2] = l2 ^ va[x + 2]!;
        L[b + 3] = l3 ^ va[x + 3]!;
        break;
      default: {
        // compareExchange
        const y = cb + k * cstep;
        const hit = l0 === ca![y] && l1 === ca![y + 1] && l2 === ca![y + 2] && l3 === ca![y + 3];
        if (hit) {
          L[b] = va[x]!;
          L[b + 1] = va[x + 1]!;
          L[b + 2] = va[x + 2]!;
          L[b + 3] = va[x + 3]!;
        }
        ok![obase + k] = hit ? 1 : 0;
      }
    }
    if (lk !== null) release(lk, o);
    if (o32 !== null) {
      const r = 4 * (obase + k);
      o32[r] = l0;
      o32[r + 1] = l1;
      o32[r + 2] = l2;
      o32[r + 3] = l3;
    }
  }
}

/** mul, div, rem and the shifts: bigint arithmetic on the whole value. */
function bigintKernel(c: KernelCall): void {
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
