/**
 * Index windows: what `skip`, `take`, `stepBy` and `enumerate` do to the positions of an indexed
 * iterator, as arithmetic instead of per-element work.
 *
 * Positions start as the index space of the iteration: global (sub-)array indices for
 * distributed and one-sided iterators, local indices for local ones. Any chain of those four
 * adapters keeps the indices s with
 *
 *     lo ≤ s < hi  and  s ≡ a (mod m),   at position (s − a) / m,
 *
 * and an `enumerate` in the chain reports (s − aₑ) / mₑ with the (a, m) in force where it stood:
 *   skip(n):   a += n·m, lo = max(lo, a)      take(n): hi = min(hi, a + n·m)
 *   stepBy(d): m ·= d                         enumerate: remember (a, m)
 * which is exactly the sequential iterator over the array in index order, whichever PE holds an
 * element. A PE whose elements have indices s(l) = s0 + (l − l0)·D (D = 1 for block layouts and
 * local iterators, D = P for cyclic ones) then visits an arithmetic progression of its local
 * offsets: the fused loop walks it with one addition per element.
 */
import { ErrorCode, LamellarError, shownNumber } from '../../core/index.js';

export interface Window {
  readonly lo: number;
  readonly hi: number;
  readonly a: number;
  readonly m: number;
  /** (a, m) of each enumerate, innermost first. */
  readonly enums: readonly (readonly [number, number])[];
}

export type WindowOp = { readonly op: 'skip' | 'take' | 'stepBy'; readonly n: number } | { readonly op: 'enumerate' };

/** Above this a stride leaves at most one index of any array (arrays hold < 2^32 elements). */
const HUGE = 2 ** 40;

export const fullWindow = (len: number): Window => ({ lo: 0, hi: len, a: 0, m: 1, enums: [] });

export function applyWindow(w: Window, op: WindowOp): Window {
  switch (op.op) {
    case 'enumerate':
      return { ...w, enums: [...w.enums, [w.a, w.m]] };
    case 'skip': {
      const a = w.a + op.n * w.m;
      return { ...w, a, lo: Math.max(w.lo, a) };
    }
    case 'take':
      return { ...w, hi: Math.min(w.hi, w.a + op.n * w.m) };
    case 'stepBy': {
      const m = w.m * op.n;
      if (m < HUGE) return { ...w, m };
      // Only s = a can still be kept (the next candidate is past any array): say so with m = 1,
      // so the numbers stay exact. Positions are unchanged: s = a is position 0 either way.
      return { ...w, lo: Math.max(w.lo, w.a), hi: Math.min(w.hi, w.a + 1), m: 1 };
    }
  }
}

/** Checks an adapter's count: an integer ≥ `min` (1 for stepBy and chunks, 0 for skip and take). */
export function checkAdapterCount(n: unknown, min: number, what: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what} needs an integer ≥ ${min}, got ${shownNumber(n)}`, { details: { value: n } });
  }
  return n;
}

/** The local offsets a PE visits, and the positions and enumerate indices that go with them. */
export interface Progression {
  /** Elements visited. */
  readonly n: number;
  /** First local offset and the step between offsets. */
  readonly l0: number;
  readonly ls: number;
  /** Per enumerate: index of the first element and the step, [e0, es, e0, es, ...]. */
  readonly enums: Float64Array;
}

const EMPTY: Progression = { n: 0, l0: 0, ls: 1, enums: new Float64Array(0) };

const mod = (x: number, m: number): number => ((x % m) + m) % m;

function gcd(x: number, y: number): number {
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** x⁻¹ mod m for coprime x, m (BigInt: the products of the extended Euclid may pass 2^53). */
function inverse(x: number, m: number): number {
  let [r0, r1] = [BigInt(mod(x, m)), BigInt(m)];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return Number(((s0 % BigInt(m)) + BigInt(m)) % BigInt(m));
}

/**
 * The progression of local offsets in [l0, l1) whose index s(l) = s0 + (l − l0)·D the window
 * keeps, in increasing order.
 */
export function progression(w: Window, s0: number, D: number, l0: number, l1: number): Progression {
  if (l1 <= l0 || w.lo >= w.hi) return withEnums(EMPTY, w);
  const lA = Math.max(l0, l0 + Math.ceil((w.lo - s0) / D));
  const lB = Math.min(l1, l0 + Math.ceil((w.hi - s0) / D));
  if (lA >= lB) return withEnums(EMPTY, w);
  // (l − l0)·D ≡ a − s0 (mod m): solvable iff gcd(D, m) divides a − s0; then t = l − l0 ≡ t0
  // (mod M) with M = m / g.
  const g = gcd(D, w.m);
  const r = mod(w.a - s0, w.m);
  if (r % g !== 0) return withEnums(EMPTY, w);
  const M = w.m / g;
  const t0 = M === 1 ? 0 : Number((BigInt(r / g) * BigInt(inverse(D / g, M))) % BigInt(M));
  const tA = lA - l0;
  const tF = tA + mod(t0 - tA, M);
  const lF = l0 + tF;
  if (lF >= lB) return withEnums(EMPTY, w);
  const n = Math.floor((lB - 1 - lF) / M) + 1;
  const sF = s0 + tF * D;
  const enums = new Float64Array(2 * w.enums.length);
  w.enums.forEach(([ae, me], j) => {
    enums[2 * j] = (sF - ae) / me;
    enums[2 * j + 1] = (M * D) / me;
  });
  return { n, l0: lF, ls: M, enums };
}

function withEnums(p: Progression, w: Window): Progression {
  return w.enums.length === 0 ? p : { ...p, enums: new Float64Array(2 * w.enums.length) };
}
