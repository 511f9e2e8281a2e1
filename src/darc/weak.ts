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
import { checkConstruct, kConstruct } from '../core/index.js';
import type { RefState } from '../memregion/internal.js';
import type { Darc } from './darc.js';

/** Makes a WeakDarc (its constructor is private): `make` gives a new strong handle. */
export let newWeakDarc: <T>(state: RefState, make: (st: RefState) => Darc<T>) => WeakDarc<T>;

/**
 * A weak reference to a Darc (Lamellar's WeakDarc), from `darc.downgrade()`: it does not keep the
 * Darc alive. `upgrade()` gives a new handle on this PE's instance while the Darc lives on any
 * PE, and `undefined` once it is gone everywhere (or was converted into another kind). Upgrading
 * is async: in the short window while the runtime may be freeing the Darc everywhere, it waits for
 * the verdict (one round trip).
 * @example
 * ```ts
 * const stats = await Darc.create(world, { hits: 0 });
 * const weak: WeakDarc<{ hits: number }> = stats.downgrade();
 * const again = await weak.upgrade();
 * ```
 */
export class WeakDarc<T> {
  readonly #state: RefState;
  readonly #epoch: number;
  readonly #make: (st: RefState) => Darc<T>;

  private constructor(token: symbol, state: RefState, make: (st: RefState) => Darc<T>) {
    checkConstruct(token, 'WeakDarc', 'darc.downgrade()');
    this.#state = state;
    this.#epoch = state.conversions;
    this.#make = make;
  }

  static {
    newWeakDarc = (state, make) => new WeakDarc(kConstruct, state, make);
  }

  /**
   * True once the Darc is known to be gone (freed everywhere, or converted).
   * @example
   * ```ts
   * const d = await Darc.create(world, 0);
   * const weak = d.downgrade();
   * await d.drop();
   * console.log(weak.isGone); // true once every PE dropped its handles and the Darc was freed
   * ```
   */
  get isGone(): boolean {
    return this.#state.freed || this.#state.conversions !== this.#epoch;
  }

  /**
   * A new Darc handle on this PE's instance (drop it like any other), or `undefined` once the
   * Darc is gone everywhere.
   * @example
   * ```ts
   * const darc = await Darc.create(world, { hits: 0 });
   * const weak = darc.downgrade();
   * await darc.drop();
   * const again = await weak.upgrade(); // a Darc while another PE still holds one
   * if (again !== undefined) {
   *   console.log(again.value.hits);
   *   await again.drop();
   * }
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
