/**
 * Seeded uniform random numbers for the kernels (mulberry32: 32-bit state, fast, and good enough
 * for load generation). Every kernel and its baselines draw the same streams from the same seeds,
 * so a baseline applies exactly the updates the runtime applied.
 */

/** Seed of PE `pe`'s index stream for a kernel (`salt` keeps kernels' streams apart). */
export const peSeed = (salt: number, pe: number): number => (Math.imul(salt, 0x9e3779b1) ^ Math.imul(pe + 1, 0x85ebca6b)) >>> 0;

/** Fills `out` with uniform integers in [0, range) from the stream seeded by `seed`. */
export function fillUniform(out: Uint32Array, range: number, seed: number): Uint32Array {
  let a = seed | 0;
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    // floor(u32 × range / 2^32): always below `range`, with no modulo bias.
    out[i] = Math.floor((((t ^ (t >>> 14)) >>> 0) * range) / 4294967296);
  }
  return out;
}
