/**
 * The collectives of a sub-team, over memory only its members own: a dissemination barrier and
 * an allgather. The world uses the lamella's own barrier slots and allgather; a sub-team cannot,
 * because those involve every PE.
 *
 * Each member allocates one block in its heap at team creation (addresses are exchanged through
 * the parent), laid out as
 *
 *   [ 2 x numPes f64 gather slots | barrier slots (one i32 per round) ]
 *
 * allgather(v): member k puts v into slot k of every member's current slot set, enters the
 * team barrier, then reads its own set. The two sets alternate by call parity (as the shmem
 * lamella's board does): a member writes set s again only in call k+2, which it starts after
 * leaving call k+1's barrier, which every member enters only after reading set s in call k.
 * That argument needs a member's calls to run one after another, so they are chained here.
 *
 * Everything goes through lamella.put/get/signal, so it works on every lamella; on shmem a put
 * is a copy into the target's mapped heap and the barrier's Atomics.store publishes it.
 */
import type { Lamella } from '../lamellae/types.js';
import { DisseminationBarrier } from './barrier.js';

export class SubteamCollectives {
  readonly barrier: DisseminationBarrier;
  readonly #lamella: Lamella;
  /** World ids of the members, in team order. */
  readonly #pes: readonly number[];
  /** Each member's block address, in team order. */
  readonly #addrs: readonly number[];
  readonly #me: number;
  #calls = 0;
  #tail: Promise<unknown> = Promise.resolve();

  /** Bytes of heap each member allocates for a team of `numPes`. */
  static bytes(numPes: number): number {
    return 16 * numPes + DisseminationBarrier.bytes(numPes);
  }

  constructor(lamella: Lamella, pes: readonly number[], addrs: readonly number[], me: number, label: string) {
    this.#lamella = lamella;
    this.#pes = pes;
    this.#addrs = addrs;
    this.#me = me;
    const slots = addrs.map((a) => a + 16 * pes.length);
    this.barrier = new DisseminationBarrier(lamella, pes, slots, me, label);
  }

  /** Collective over the members: each contributes a number and gets all, in team order. */
  allgather(value: number): Promise<number[]> {
    const run = this.#tail.then(() => this.#gather(value));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #gather(value: number): Promise<number[]> {
    const n = this.#pes.length;
    const base = (this.#calls++ & 1) * n;
    const mine = new Uint8Array(new Float64Array([value]).buffer);
    const puts: Promise<void>[] = [];
    for (let j = 0; j < n; j++) puts.push(this.#lamella.put(this.#pes[j]!, this.#addrs[j]! + 8 * (base + this.#me), mine));
    await Promise.all(puts);
    await this.barrier.wait();
    const out = new Float64Array(n);
    await this.#lamella.get(this.#pes[this.#me]!, this.#addrs[this.#me]! + 8 * base, new Uint8Array(out.buffer));
    return Array.from(out);
  }
}
