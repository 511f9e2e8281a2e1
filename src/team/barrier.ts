/**
 * Dissemination barrier over memory signals (Hensgen, Finkel and Manber; Lamellar's barrier.rs
 * with factor 1). In round r, team PE k signals PE (k + 2^r) mod P and waits for the signal from
 * PE (k - 2^r) mod P; after ceil(log2 P) rounds every PE has heard, directly or not, from all.
 *
 * Each member has one i32 slot per round in its heap. Barrier ids only grow, and a waiter waits
 * for "slot >= id", so one slot per round suffices: a fast PE that already signals the next
 * barrier's id only makes the condition true earlier.
 *
 * On shmem a signal is an Atomics.store plus notify into the partner's heap, and the wait spins
 * briefly before sleeping in Atomics.waitAsync, so PEs that arrive together pass in well under a
 * microsecond per round and an idle PE costs no CPU.
 */
import { warn, WarningCode } from '../core/index.js';
import type { Lamella } from '../lamellae/types.js';

export const barrierRounds = (numPes: number): number => (numPes <= 1 ? 0 : Math.ceil(Math.log2(numPes)));

export class DisseminationBarrier {
  readonly #lamella: Lamella;
  /** World ids of the members, in team order. */
  readonly #pes: readonly number[];
  /** Each member's slot array address, in team order. */
  readonly #addrs: readonly number[];
  readonly #me: number;
  readonly #label: string;
  #id = 0;
  #busy: Promise<void> | undefined;

  constructor(lamella: Lamella, pes: readonly number[], addrs: readonly number[], me: number, label: string) {
    this.#lamella = lamella;
    this.#pes = pes;
    this.#addrs = addrs;
    this.#me = me;
    this.#label = label;
  }

  /** Bytes of heap each member needs for its slots. */
  static bytes(numPes: number): number {
    return Math.max(4, barrierRounds(numPes) * 4);
  }

  wait(): Promise<void> {
    // Barriers of one team are serialized on each PE: a second call waits for the first.
    const run = this.#busy === undefined ? this.#run() : this.#busy.then(() => this.#run());
    const tracked = run.finally(() => {
      if (this.#busy === tracked) this.#busy = undefined;
    });
    this.#busy = tracked;
    return tracked;
  }

  async #run(): Promise<void> {
    const p = this.#pes.length;
    const id = (this.#id = (this.#id + 1) | 0);
    const mine = this.#addrs[this.#me]!;
    for (let r = 0, d = 1; d < p; r++, d <<= 1) {
      const to = (this.#me + d) % p;
      this.#lamella.signal(this.#pes[to]!, this.#addrs[to]! + 4 * r, id);
      const w = this.#lamella.waitSignal(mine + 4 * r, id, () => {
        const from = (this.#me - d + p) % p;
        warn(
          WarningCode.DEADLOCK,
          `${this.#label}: PE ${this.#pes[this.#me]} is still waiting in barrier #${id} (round ${r}) for PE ${this.#pes[from]} ` +
            `after LAMELLAR_DEADLOCK_TIMEOUT; PEs may be calling collectives in different orders`,
        );
      });
      if (w !== undefined) await w;
    }
  }
}
