/**
 * The per-core limit for each kernel: the same work done by one thread on one local table, with
 * no communication at all. Each takes PE 0's index stream (global indices over the whole
 * P-PE table) and returns seconds; each checks its own result. The histo and gather loops run
 * once untimed on a tenth of the stream first: the limit per core is that of optimized code.
 */
import { checkGather, checkHisto, checkPermutation, EMPTY, gatherValue, histoStats, indexSum, occupied } from '../kernels/common.js';
import { fillUniform, peSeed } from '../lib/rng.js';

function histoLoop(table: Uint32Array, indices: Uint32Array): void {
  for (let i = 0; i < indices.length; i++) table[indices[i]!]!++;
}

function gatherLoop(table: Uint32Array, indices: Uint32Array, out: Uint32Array): void {
  for (let i = 0; i < indices.length; i++) out[i] = table[indices[i]!]!;
}

/** A first pass over a tenth of the work, so the timed pass runs optimized code. */
const warmup = (indices: Uint32Array): Uint32Array => indices.subarray(0, Math.ceil(indices.length / 10));

/** `+= 1` at each index of `indices` into a table of `tableSize`. */
export function localHisto(indices: Uint32Array, tableSize: number): number {
  const table = new Uint32Array(tableSize);
  histoLoop(table, warmup(indices));
  table.fill(0);
  const t0 = performance.now();
  histoLoop(table, indices);
  const secs = (performance.now() - t0) / 1000;
  checkHisto([histoStats(table, 0, 1, indexSum(indices))], indices.length);
  return secs;
}

/** out[i] = table[indices[i]] over a table of `tableSize` holding the closed form. */
export function localGather(indices: Uint32Array, tableSize: number): number {
  const table = new Uint32Array(tableSize);
  for (let g = 0; g < tableSize; g++) table[g] = gatherValue(g);
  const out = new Uint32Array(indices.length);
  gatherLoop(table, warmup(indices), out);
  const t0 = performance.now();
  gatherLoop(table, indices, out);
  const secs = (performance.now() - t0) / 1000;
  checkGather(indices, out);
  return secs;
}

/** Dart throwing for `n` items into 2n slots, rethrowing the misses until all land. */
export function localRandperm(n: number, salt: number): number {
  const slots = 2 * n;
  const table = new Uint32Array(slots).fill(EMPTY);
  let darts = new Uint32Array(n);
  for (let i = 0; i < n; i++) darts[i] = i;
  let aims = new Uint32Array(n);
  const t0 = performance.now();
  for (let round = 0; darts.length > 0; round++) {
    fillUniform(aims, slots, peSeed(salt + round, 0));
    let missed = 0;
    for (let i = 0; i < darts.length; i++) {
      const s = aims[i]!;
      if (table[s] === EMPTY) table[s] = darts[i]!;
      else darts[missed++] = darts[i]!;
    }
    darts = darts.subarray(0, missed);
    aims = aims.subarray(0, missed);
  }
  const secs = (performance.now() - t0) / 1000;
  checkPermutation([occupied(table)], n);
  return secs;
}
