/**
 * Darc: a distributed Arc. One instance of a value per team PE (each PE passes its own to the
 * collective `create`), alive on every PE until no PE holds a handle. In an AM it arrives as
 * the receiving PE's own handle on the receiving PE's instance. `value` gives this PE's
 * instance with no locking; use LocalRwDarc or GlobalRwDarc when PEs' AMs mutate it.
 */
import type { HandleOrigin, RefState } from '../memregion/internal.js';
import type { Team, World } from '../team/index.js';
import { createDarc, DarcBase, registerDarcCodec, registerDarcKind, type DarcKind } from './common.js';
import type { GlobalRwDarc } from './global-rw.js';
import type { LocalRwDarc } from './local-rw.js';
import { WeakDarc } from './weak.js';

export class Darc<T> extends DarcBase<T> {
  protected readonly kind: DarcKind = 'darc';

  /** @internal Use `Darc.create`. */
  constructor(state: RefState, origin: HandleOrigin) {
    super(state, origin);
  }

  /** Collective over the team (or world): every member passes its own instance. */
  static create<T>(team: World | Team, value: T): Promise<Darc<T>> {
    return createDarc(team, value, 'darc', (st) => new Darc<T>(st, 'new'));
  }

  /** This PE's instance. Throws USE_AFTER_RELEASE once the handle is released. */
  get value(): T {
    return this.data.value;
  }

  /** Another handle to the same Darc; drop it separately. */
  clone(): Darc<T> {
    return new Darc<T>(this.refState, 'new');
  }

  /**
   * A weak reference: it does not keep the Darc alive; `upgrade()` gives a handle back while the
   * Darc lives anywhere, `undefined` once it is gone everywhere.
   *
   * @example
   * ```ts
   * const weak = darc.downgrade();
   * const strong = await weak.upgrade();   // Darc | undefined
   * ```
   */
  downgrade(): WeakDarc<T> {
    return new WeakDarc<T>(this.refState, (st) => new Darc<T>(st, 'new'));
  }

  /** Collective: becomes a LocalRwDarc once every PE holds only this handle. */
  intoLocalRw(): Promise<LocalRwDarc<T>> {
    return this.into<LocalRwDarc<T>>('localrw');
  }

  /** Collective: becomes a GlobalRwDarc once every PE holds only this handle. */
  intoGlobalRw(): Promise<GlobalRwDarc<T>> {
    return this.into<GlobalRwDarc<T>>('globalrw');
  }
}

registerDarcKind('darc', (st, origin) => new Darc(st, origin));
registerDarcCodec('darc', Darc);
