/**
 * Where elements live: Lamellar's Block and Cyclic formulas (its array/ distributions), applied to
 * a window [offset, offset + size) of the original index space so that sub-arrays use the same
 * code. With P PEs and L = max(length, P) elements, e = ⌊L/P⌋ and r = L mod P:
 *   block:  PEs 0..r-1 hold e+1 elements, the others e; PE p starts at e·p + min(p, r).
 *   cyclic: global g lives on PE g mod P at offset ⌊g/P⌋.
 */
import { ErrorCode, LamellarError } from '../core/index.js';
import { shownValue, type Distribution } from './types.js';

export class Layout {
  /** Elements per PE of the allocation (the largest PE part). */
  readonly capacity: number;
  readonly e: number;
  readonly r: number;
  /**
   * log2 of the PE count when a cyclic layout can route with a mask and a shift (a power of two
   * of PEs, every global index below 2^31), else -1: a float division per index was most of the
   * routing loop.
   */
  readonly shift: number;

  constructor(
    readonly dist: Distribution,
    readonly numPes: number,
    /** L: elements of the whole allocation (at least one per PE). */
    readonly total: number,
  ) {
    this.e = Math.floor(total / numPes);
    this.r = total % numPes;
    this.capacity = Math.ceil(total / numPes);
    this.shift = dist === 'cyclic' && (numPes & (numPes - 1)) === 0 && total <= 0x7fffffff ? 31 - Math.clz32(numPes) : -1;
  }

  /** Elements that PE `pe` holds in the whole allocation. */
  countOnPe(pe: number): number {
    if (this.dist === 'cyclic') return Math.floor(this.total / this.numPes) + (pe < this.r ? 1 : 0);
    return this.e + (pe < this.r ? 1 : 0);
  }

  /** Global index (whole allocation) of PE `pe`'s local offset `off`. */
  globalOf(pe: number, off: number): number {
    return this.dist === 'cyclic' ? off * this.numPes + pe : this.e * pe + Math.min(pe, this.r) + off;
  }

  /**
   * Routes `n` global indices `base + idx[k]` into owner PEs and local offsets. Every index was
   * checked already; the loops are split by distribution so neither branches per element.
   */
  route(idx: ArrayLike<number>, from: number, n: number, base: number, pes: Uint32Array, offs: Uint32Array): void {
    const P = this.numPes;
    if (this.dist === 'cyclic') {
      const shift = this.shift;
      if (shift >= 0) {
        const mask = P - 1;
        for (let k = 0; k < n; k++) {
          const g = base + idx[from + k]!;
          pes[k] = g & mask;
          offs[k] = g >>> shift;
        }
        return;
      }
      for (let k = 0; k < n; k++) {
        const g = base + idx[from + k]!;
        const q = Math.floor(g / P);
        pes[k] = g - q * P;
        offs[k] = q;
      }
      return;
    }
    const e = this.e;
    const e1 = e + 1;
    const split = this.r * e1;
    const r = this.r;
    for (let k = 0; k < n; k++) {
      const g = base + idx[from + k]!;
      if (g < split) {
        const pe = Math.floor(g / e1);
        pes[k] = pe;
        offs[k] = g - pe * e1;
      } else {
        const t = g - split;
        const q = Math.floor(t / e);
        pes[k] = r + q;
        offs[k] = t - q * e;
      }
    }
  }

  /** [start, end) of PE `pe`'s local offsets whose global index lies in [lo, hi). */
  localRange(pe: number, lo: number, hi: number): [number, number] {
    const cnt = this.countOnPe(pe);
    if (this.dist === 'cyclic') {
      const P = this.numPes;
      const s = Math.max(0, Math.ceil((lo - pe) / P));
      const t = Math.min(cnt, Math.max(0, Math.ceil((hi - pe) / P)));
      return s < t ? [s, t] : [0, 0];
    }
    const g0 = this.globalOf(pe, 0);
    const s = Math.max(0, lo - g0);
    const t = Math.min(cnt, hi - g0);
    return s < t ? [s, t] : [0, 0];
  }
}

/** Throws INDEX_OUT_OF_BOUNDS naming the first bad position, or returns -1 when all are good. */
export function checkIndices(idx: unknown, len: number, what: string): ArrayLike<number> {
  if (typeof idx !== 'object' || idx === null || typeof (idx as ArrayLike<number>).length !== 'number') {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: indices must be an array or typed array of element indices`);
  }
  if (idx instanceof Uint32Array) {
    // The common index array: every element is a non-negative integer already, so one compare
    // each, in a loop of its own (monomorphic, no try).
    const u = idx;
    const n = u.length;
    for (let j = 0; j < n; j++) if (u[j]! >= len) throw outOfBounds(what, u[j], len, j);
    return u;
  }
  // 64-bit index arrays hold bigints: checked as bigints, then taken as the numbers they are
  // (every valid index is far below 2^53).
  if (idx instanceof BigInt64Array || idx instanceof BigUint64Array) return bigIndices(idx, len, what);
  const a = idx as ArrayLike<number>;
  const n = a.length;
  let k = 0;
  try {
    for (; k < n; k++) {
      const i = a[k]!;
      // One comparison chain per element; the slow message is built only on failure.
      if (!(i >= 0 && i < len && Math.floor(i) === i)) throw outOfBounds(what, i, len, k);
    }
  } catch (err) {
    if (err instanceof LamellarError) throw err;
    // Math.floor of a bigint (or of an object whose valueOf throws) lands here.
    const v: unknown = a[k];
    throw new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: the index at position ${k} of the batch is ${typeof v === 'bigint' ? `a bigint (${v}n)` : shownValue(v)}, not a number (nothing was applied)`, {
      details: { position: k },
    });
  }
  return a;
}

/**
 * A 64-bit index array (indices taken from a 64-bit array's local data) as the numbers it holds,
 * each checked against `len` as a bigint first: converting first would round a value above 2^53
 * (2^53 + 1 passes for 2^53) and a bad one must be named exactly as passed. One compare pair and
 * one conversion per element, in a loop of its own.
 */
function bigIndices(idx: BigInt64Array | BigUint64Array, len: number, what: string): Float64Array {
  const n = idx.length;
  const out = new Float64Array(n);
  const L = BigInt(len);
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (i < 0n || i >= L) throw outOfBounds(what, i, len, k);
    out[k] = Number(i);
  }
  return out;
}

/**
 * Why `index` is not an element index: a fraction or NaN is not out of range but not an integer.
 * `local`: `len` is this PE's local part (local-data accessors), not the whole array.
 */
function badIndex(index: unknown, len: number, local: boolean): string {
  const outside = local ? `this PE's ${len} local elements` : `the array's ${len} elements`;
  if (typeof index === 'bigint') {
    return index >= 0n && index < BigInt(len) ? `index ${index}n is a bigint; indices are numbers (Number(i))` : `index ${index} is outside ${outside}`;
  }
  if (typeof index === 'number') {
    return Number.isNaN(index) || (Number.isFinite(index) && !Number.isInteger(index))
      ? `index ${index} is not an integer`
      : `index ${index} is outside ${outside}`;
  }
  if (index === undefined) return 'index is missing (undefined), not an integer';
  if (index === null) return 'index is null, not an integer';
  if (typeof index === 'string') return `index ${JSON.stringify(index)} is a string, not an integer`;
  return `index is ${Array.isArray(index) ? 'an array' : typeof index === 'object' ? 'an object' : `a ${typeof index}`}, not an integer`;
}

export function outOfBounds(what: string, index: unknown, len: number, position?: number, local = false): LamellarError {
  const at = position === undefined ? '' : ` (position ${position} of the batch; nothing was applied)`;
  return new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `${what}: ${badIndex(index, len, local)}${at}`, {
    details: { index, length: len, ...(position === undefined ? {} : { position }) },
  });
}

/** `i` as an element index below `len`; `local`: `len` is this PE's local part, as the message says. */
export function checkIndex(i: unknown, len: number, what: string, local = false): number {
  if (typeof i !== 'number' || !(i >= 0 && i < len && Math.floor(i) === i)) throw outOfBounds(what, i, len, undefined, local);
  return i;
}

/** Checks that elements [index, index + n) lie inside an array of `len` elements (put, get); returns `index`. */
export function checkRangeOf(kind: string, what: string, index: unknown, n: number, len: number): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index + n > len) {
    if (typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < len) {
      // The start is inside: the range runs past the end.
      throw new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `${kind}.${what}: elements [${index}, ${index + n}) run past the array's ${len} elements`, {
        details: { index, length: len },
      });
    }
    throw outOfBounds(`${kind}.${what} of ${n} element(s)`, index, len);
  }
  return index;
}
