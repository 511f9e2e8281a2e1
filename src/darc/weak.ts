/**
 * WeakDarc: a reference to a Darc that does not keep it alive (Lamellar's `Darc::downgrade`).
 * `upgrade()` gives a new Darc handle on this PE's instance while the Darc lives anywhere, and
 * `undefined` once it is gone everywhere (every PE released every handle and the runtime freed
 * it), or once it was converted into another kind.
 *
 * Why `upgrade()` is async: taking a handle on a PE that holds none races with the distributed
 * free. When every PE has released, the coordinator asks each PE whether it stayed idle; a PE
 * that answered yes waits for the verdict before it may hand out a new handle, so an upgrade in
 * that short window waits (one round trip) and then resolves to `undefined` (freed) or a Darc.
 * At every other moment it resolves at once.
 */
import type { RefState } from '../memregion/internal.js';
import type { Darc } from './darc.js';

/**
 * A weak reference to a Darc (see the module notes).
 *
 * @example
 * ```ts
 * const weak: WeakDarc<Stats> = stats.downgrade();
 * const again = await weak.upgrade();
 * ```
 */
export class WeakDarc<T> {
  readonly #state: RefState;
  readonly #epoch: number;
  readonly #make: (st: RefState) => Darc<T>;

  /** @internal Use `darc.downgrade()`. */
  constructor(state: RefState, make: (st: RefState) => Darc<T>) {
    this.#state = state;
    this.#epoch = state.conversions;
    this.#make = make;
  }

  /**
   * True once the Darc is known to be gone (freed everywhere, or converted).
   *
   * @example
   * ```ts
   * if (!weak.isGone) await weak.upgrade();
   * ```
   */
  get isGone(): boolean {
    return this.#state.freed || this.#state.conversions !== this.#epoch;
  }

  /**
   * A new Darc handle on this PE's instance (drop it like any other), or `undefined` once the
   * Darc is gone everywhere.
   *
   * @example
   * ```ts
   * const weak = darc.downgrade();
   * await darc.drop();
   * const again = await weak.upgrade();   // a Darc while another PE still holds one
   * if (again !== undefined) { use(again.value); await again.drop(); }
   * ```
   */
  async upgrade(): Promise<Darc<T> | undefined> {
    const st = this.#state;
    for (;;) {
      if (this.isGone) return undefined;
      if (st.verdict !== undefined) {
        await st.verdict.promise;
        continue;
      }
      if (st.conversion !== undefined) {
        // This PE is converting the Darc: whether it is still a Darc afterwards is decided then.
        await st.conversion.promise.catch(() => undefined);
        continue;
      }
      return this.#make(st);
    }
  }
}
