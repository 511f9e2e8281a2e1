/**
 * The kinds of collective a team runs. Every collective carries its kind and its sequence number
 * on the team, so PEs that pair two different calls fail with COLLECTIVE_MISMATCH instead of
 * silently matching them. Kinds fit in 4 bits: the barrier packs the kind into the low bits of
 * its signal words (see barrier.ts), so matching costs the barrier nothing extra.
 *
 * `iteration` is a named collective's step: a distributed iterator's consumer (DistIter.count,
 * ...), and the barriers of print() and collectiveWriteLocalData() (team/named-barrier.ts), which
 * would otherwise pair with another PE's barrier(). A consumer takes two numbers,
 * an opening barrier and then the exchange of its results, both of this kind and both labelled
 * with the consumer's name, so a consumer paired with anything else (a barrier() the other PE
 * called, a shutdown) is caught at its opening barrier and named as the consumer. It is the
 * value 0 because all 16 values of the signal word's kind bits are needed; the kind bits are
 * compared only once the word's sequence number matches, so 0 there is as distinct as any other.
 */
export const Kind = {
  iteration: 0,
  barrier: 1,
  shutdown: 2,
  allocation: 3,
  arrayCreation: 4,
  darcCreation: 5,
  teamCreation: 6,
  conversion: 7,
  reduction: 8,
  allReduce: 9,
  broadcast: 10,
  allGather: 11,
  gather: 12,
  exclusiveScan: 13,
  inclusiveScan: 14,
  teamDrop: 15,
} as const;

export type KindValue = (typeof Kind)[keyof typeof Kind];

/** Not a kind: a mismatch found for a number so old that its kind is no longer kept (channel.ts). */
export const UNKNOWN_KIND = 255;

const NAMES: Record<number, string> = {
  [UNKNOWN_KIND]: 'a collective (one of more than 256 calls ago)',
  0: 'a named collective (a distributed iterator consumer, print(), collectiveWriteLocalData())',
  1: 'barrier()',
  2: 'shutdown()',
  3: 'memory region allocation',
  4: 'array creation',
  5: 'Darc creation',
  6: 'team creation',
  7: 'conversion',
  8: 'array reduction',
  9: 'allReduce()',
  10: 'broadcast()',
  11: 'allGather()',
  12: 'gather()',
  13: 'exclusiveScan()',
  14: 'inclusiveScan()',
  15: 'team.drop()',
};

/** A readable name for a kind ("barrier()", "array creation"). */
export function kindName(kind: number): string {
  return NAMES[kind] ?? `collective kind ${kind}`;
}
