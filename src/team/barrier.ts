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

  /**
   * Runs one barrier. Rounds whose partner signal is already there (or arrives within the spin
   * window) complete synchronously, so PEs arriving together pay no promise hops; only a round
   * that must sleep continues asynchronously. Returns undefined when the barrier completed
   * synchronously. Calls on one PE are serialized: a call made while one is in flight starts
   * after it.
   */
  wait(): Promise<void> | undefined {
    if (this.#busy !== undefined) return this.#track(this.#busy.then(() => this.#start()));
    const p = this.#start();
    return p === undefined ? undefined : this.#track(p);
  }

  #start(): Promise<void> | undefined {
    const id = (this.#id = (this.#id + 1) | 0);
    return this.#rounds(id, 0);
  }

  #track(p: Promise<void>): Promise<void> {
    this.#busy = p;
    const clear = (): void => {
      if (this.#busy === p) this.#busy = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  /** Runs rounds `from`.. of barrier `id`: signal the partner, then wait for ours. */
  #rounds(id: number, from: number): Promise<void> | undefined {
    const p = this.#pes.length;
    const mine = this.#addrs[this.#me]!;
    for (let r = from, d = 1 << from; d < p; r++, d <<= 1) {
      const to = (this.#me + d) % p;
      this.#lamella.signal(this.#pes[to]!, this.#addrs[to]! + 4 * r, id);
      const w = this.#lamella.waitSignal(mine + 4 * r, id, () => this.#slow(id, r, d));
      if (w !== undefined) return w.then(() => this.#rounds(id, r + 1));
    }
    return undefined;
  }

  #slow(id: number, r: number, d: number): void {
    const p = this.#pes.length;
    const from = (this.#me - d + p) % p;
    warn(
      WarningCode.DEADLOCK,
      `${this.#label}: PE ${this.#pes[this.#me]} is still waiting in barrier #${id} (round ${r}) for PE ${this.#pes[from]} ` +
        `after LAMELLAR_DEADLOCK_TIMEOUT; PEs may be calling collectives in different orders`,
    );
  }
}
