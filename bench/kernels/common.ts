/**
 * What the kernels and their baselines share: the cyclic layout (global index g lives on PE
 * g % P at offset ⌊g / P⌋), the seeded index streams, the closed form index_gather reads, and the
 * checks each kernel's result must pass. The checks are pure functions, so the smoke test can
 * show that they reject wrong results.
 */
import { fillUniform, peSeed } from '../lib/rng.js';

export const HISTO_SALT = 1;
export const GATHER_SALT = 2;
export const RANDPERM_SALT = 3;

/** PE `pe`'s `n` uniform global indices into a table of `tablePerPe` × `numPes` elements. */
export function kernelIndices(salt: number, pe: number, numPes: number, n: number, tablePerPe: number): Uint32Array {
  return fillUniform(new Uint32Array(n), tablePerPe * numPes, peSeed(salt, pe));
}

/** The value index_gather's table holds at global index g: a hash, so a wrong index shows. */
export const gatherValue = (g: number): number => Math.imul(g ^ 0x5bd1e995, 0x85ebca6b) >>> 0;

/** Fills PE `pe`'s part of the gather table. */
export function fillGatherTable(table: Uint32Array, pe: number, numPes: number): void {
  for (let j = 0; j < table.length; j++) table[j] = gatherValue(j * numPes + pe);
}

/** Sum of a stream's global indices: what the weighted histogram check compares against. */
export function indexSum(indices: Uint32Array, n = indices.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += indices[i]!;
  return s;
}

/** One PE's view of its histogram part: updates counted, and Σ count × global index. */
export interface HistoStats {
  count: number;
  weighted: number;
  /** Σ of the global indices this PE sent. */
  sent: number;
}

export function histoStats(table: ArrayLike<number>, pe: number, numPes: number, sent: number): HistoStats {
  let count = 0;
  let weighted = 0;
  for (let j = 0; j < table.length; j++) {
    const c = table[j]!;
    count += c;
    weighted += c * (j * numPes + pe);
  }
  return { count, weighted, sent };
}

/**
 * The histogram is right when every update was counted once (counts sum to the updates) and
 * each landed where it was aimed (Σ count × index over all tables = Σ of all indices sent).
 * Throws otherwise.
 */
export function checkHisto(parts: readonly HistoStats[], expectedUpdates: number): void {
  const count = parts.reduce((s, p) => s + p.count, 0);
  const weighted = parts.reduce((s, p) => s + p.weighted, 0);
  const sent = parts.reduce((s, p) => s + p.sent, 0);
  if (count !== expectedUpdates) throw new Error(`histo verification failed: counts sum to ${count}, expected ${expectedUpdates}`);
  if (weighted !== sent) throw new Error(`histo verification failed: Σ count × index is ${weighted}, expected ${sent} (updates landed in the wrong slots)`);
}

/** Index gather is right when out[i] = gatherValue(indices[i]) for every request. Throws otherwise. */
export function checkGather(indices: Uint32Array, out: Uint32Array, n = indices.length): void {
  for (let i = 0; i < n; i++) {
    if (out[i] !== gatherValue(indices[i]!)) {
      throw new Error(`index_gather verification failed: request ${i} (index ${indices[i]}) got ${out[i]}, expected ${gatherValue(indices[i]!)}`);
    }
  }
}

/** Marks an empty randperm slot. */
export const EMPTY = 0xffffffff;

/**
 * A true permutation of 0 .. n-1: exactly n values, each below n, none twice. `parts` are the
 * occupied slots of every PE in any order. Throws otherwise.
 */
export function checkPermutation(parts: readonly Uint32Array[], n: number): void {
  const seen = new Uint8Array(n);
  let total = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const v = part[i]!;
      if (v >= n) throw new Error(`randperm verification failed: value ${v} is not below ${n}`);
      if (seen[v] !== 0) throw new Error(`randperm verification failed: value ${v} appears twice`);
      seen[v] = 1;
    }
    total += part.length;
  }
  if (total !== n) throw new Error(`randperm verification failed: ${total} values, expected ${n}`);
}

/** The occupied slots of a randperm table, in slot order. */
export function occupied(table: Uint32Array): Uint32Array {
  let n = 0;
  for (let i = 0; i < table.length; i++) if (table[i] !== EMPTY) n++;
  const out = new Uint32Array(n);
  for (let i = 0, k = 0; i < table.length; i++) if (table[i] !== EMPTY) out[k++] = table[i]!;
  return out;
}
