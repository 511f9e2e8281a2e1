/**
 * The runtime's string hashes. Every PE must compute the same value from the same string (AM
 * ids, ref-codec ids, collective fingerprints, team fingerprints, tcp ports), so there is one
 * implementation of each, here. Both hash UTF-16 code units, which is what a JS string holds.
 */

/** 32-bit FNV-1a, as an unsigned integer. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * cyrb53: a 53-bit hash, so it travels exactly as a number (through an allgather of f64s, say).
 * Two different strings collide with probability about 2^-53. Never negative.
 */
export function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
