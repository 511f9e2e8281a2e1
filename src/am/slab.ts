/**
 * Outcomes of `execAmPe` launches, kept per block of consecutive request ids instead of per
 * handle.
 *
 * Why: the engine must find a launch's handle when its reply comes back, so a table that holds
 * every pending handle keeps every handle alive until then. A synchronous loop of a million
 * fire-and-forget launches (a BFS level, an all-to-all exchange) then keeps a million handles
 * alive through several young-generation collections: each is copied, promoted, and later
 * marked, and that garbage collection took a third of each PE's time (measured: all-to-all AMs
 * on 2 shmem PEs, 30-36% of the profile in the collector). The handles the program itself drops
 * are garbage at once if nothing else holds them.
 *
 * So the engine holds a `Slab` per 4,096 request ids, and each handle holds its slab and index.
 * A reply writes the outcome into the slab: a state byte, and the value or error only when there
 * is one (an AM that returns nothing leaves no object behind). A handle that is awaited before
 * its reply registers itself as the slot's waiter and is settled directly; one awaited after it
 * takes its outcome from the slot. A slab is garbage once every id in it has settled and no
 * handle still refers to it.
 *
 * What the engine needs per launch for its reports (the AM's name, target PE, task group, launch
 * site) is kept in typed arrays or arrays of shared objects, not in per-launch objects.
 */
import { kSettle } from '../core/index.js';
import type { HandleCounter } from './handle.js';
import type { Site } from './sites.js';

/** Request ids per slab. */
export const SLAB_SIZE = 4096;

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;
/** Set (with the state) once the slot's handle asked for its result. */
const OBSERVED = 4;

/** What a slab needs from a handle that waits for its slot: the handle's settle method. */
export interface SlotWaiter {
  [kSettle](ok: boolean, value: unknown): void;
}

export class Slab {
  /** The full request id of slot 0. */
  readonly first: number;
  readonly #state = new Uint8Array(SLAB_SIZE);
  /** The AM's name per slot (not its definition: a closure AM's definition holds its env). */
  readonly names: (string | undefined)[] = new Array<string | undefined>(SLAB_SIZE);
  readonly pes: Int32Array = new Int32Array(SLAB_SIZE);
  #values: unknown[] | undefined;
  #waiters: (SlotWaiter | undefined)[] | undefined;
  #groups: (HandleCounter | undefined)[] | undefined;
  #sites: (Site | undefined)[] | undefined;

  constructor(first: number) {
    this.first = first;
  }

  /** Records a launch into slot `i`. */
  open(i: number, name: string, pe: number, group: HandleCounter | undefined, site: Site | undefined): void {
    this.names[i] = name;
    this.pes[i] = pe;
    if (group !== undefined) (this.#groups ??= new Array<HandleCounter | undefined>(SLAB_SIZE))[i] = group;
    if (site !== undefined) (this.#sites ??= new Array<Site | undefined>(SLAB_SIZE))[i] = site;
  }

  group(i: number): HandleCounter | undefined {
    return this.#groups?.[i];
  }

  site(i: number): Site | undefined {
    return this.#sites?.[i];
  }

  observed(i: number): boolean {
    return (this.#state[i]! & OBSERVED) !== 0;
  }

  /** The reply for slot `i`: settles its waiter, or keeps the outcome for a later `claim`. */
  settle(i: number, ok: boolean, value: unknown): void {
    const w = this.#waiters?.[i];
    if (w !== undefined) {
      this.#waiters![i] = undefined;
      this.#state[i] = OBSERVED | (ok ? FULFILLED : REJECTED);
      w[kSettle](ok, value);
      return;
    }
    this.#state[i] = (this.#state[i]! & OBSERVED) | (ok ? FULFILLED : REJECTED);
    if (value !== undefined) (this.#values ??= new Array<unknown>(SLAB_SIZE))[i] = value;
  }

  /**
   * Slot `i`'s handle asks for its result: if the reply is in, hands it the outcome (and lets the
   * slab forget the value); otherwise the handle waits for `settle`.
   */
  claim(i: number, h: SlotWaiter): void {
    const s = this.#state[i]!;
    this.#state[i] = s | OBSERVED;
    const outcome = s & 3;
    if (outcome === PENDING) {
      (this.#waiters ??= new Array<SlotWaiter | undefined>(SLAB_SIZE))[i] = h;
      return;
    }
    const values = this.#values;
    const value = values?.[i];
    if (values !== undefined) values[i] = undefined;
    h[kSettle](outcome === FULFILLED, value);
  }
}
