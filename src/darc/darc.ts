/**
 * Darc: a distributed Arc. One instance of a value per team PE (each PE passes its own to the
 * collective `create`), alive on every PE until no PE holds a handle. In an AM it arrives as
 * the receiving PE's own handle on the receiving PE's instance. `value` gives this PE's
 * instance with no locking; use LocalRwDarc or GlobalRwDarc when PEs' AMs mutate it.
 */
import { kConstruct } from '../core/index.js';
import type { HandleOrigin, RefState } from '../memregion/internal.js';
import type { Team, World } from '../team/index.js';
import { createDarc, DarcBase, registerDarcCodec, registerDarcKind, type DarcKind } from './common.js';
import type { GlobalRwDarc } from './global-rw.js';
import type { LocalRwDarc } from './local-rw.js';
import { newWeakDarc, type WeakDarc } from './weak.js';

/**
 * A distributed Arc (Lamellar's Darc): one instance of a value per team PE, each PE passing its own
 * to the collective `create`, alive on every PE until no PE holds a handle. In an AM it arrives as
 * the receiving PE's own handle on the receiving PE's instance, so AMs can update "the counter on
 * this PE". `value` gives this PE's instance with no locking: use LocalRwDarc or GlobalRwDarc when
 * several AMs at once may change it.
 * @example
 * ```ts
 * const counter = await Darc.create(world, { hits: 0 });
 * const Hit = defineAm('doc/hit', (_ctx, a: { c: Darc<{ hits: number }> }) => void a.c.value.hits++);
 * await world.execAmAll(Hit, { c: counter });
 * await world.barrier();
 * console.log(counter.value.hits); // numPes
 * ```
 */
export class Darc<T> extends DarcBase<T> {
  /** @internal */
  // A getter, not a field: a handle is made per AM that carries one, and this is one store less.
  protected get kind(): DarcKind {
    return 'darc';
  }

  private constructor(token: symbol, state: RefState, origin: HandleOrigin) {
    super(token, state, origin);
    this.noteLabel(this.refLabel);
  }

  static {
    registerDarcKind('darc', (st, origin) => new Darc(kConstruct, st, origin));
  }

  /**
   * Collective over the team (or world): every member passes its own instance, and gets its handle.
   * @example
   * ```ts
   * const d = await Darc.create(world, new Map<string, number>());
   * ```
   */
  static create<T>(team: World | Team, value: T): Promise<Darc<T>> {
    return createDarc(team, value, 'darc', (st) => new Darc<T>(kConstruct, st, 'new'));
  }

  /**
   * This PE's instance (no locking). Throws USE_AFTER_RELEASE once the handle is released.
   * @example
   * ```ts
   * const d = await Darc.create(world, [1, 2, 3]);
   * d.value.push(world.myPe);
   * ```
   */
  get value(): T {
    return this.data.value;
  }

  /**
   * Another handle to the same Darc, dropped separately.
   * Sent in an AM's arguments or result, a clone moves into that AM, as in Lamellar: it is
   * released once the AM is sent (`{ d: d.clone() }` leaves nothing behind).
   * @example
   * ```ts
   * const d = await Darc.create(world, 0);
   * const kept = d.clone();
   * await kept.drop();
   * ```
   */
  clone(): Darc<T> {
    return new Darc<T>(kConstruct, this.refState, 'cloned');
  }

  /**
   * A weak reference: it does not keep the Darc alive; `upgrade()` gives a handle back while the
   * Darc lives anywhere, `undefined` once it is gone everywhere.
   * @example
   * ```ts
   * const d = await Darc.create(world, { hits: 0 });
   * const weak = d.downgrade();
   * const strong = await weak.upgrade(); // Darc | undefined
   * ```
   */
  downgrade(): WeakDarc<T> {
    return newWeakDarc<T>(this.refState, (st) => new Darc<T>(kConstruct, st, 'new'));
  }

  /**
   * Collective: becomes a LocalRwDarc once every PE holds only this handle (this handle is
   * released).
   * @example
   * ```ts
   * const d = await Darc.create(world, 0);
   * const rw = await d.intoLocalRw();
   * ```
   */
  intoLocalRw(): Promise<LocalRwDarc<T>> {
    return this.into<LocalRwDarc<T>>('localrw');
  }

  /**
   * Collective: becomes a GlobalRwDarc once every PE holds only this handle (this handle is
   * released).
   * @example
   * ```ts
   * const d = await Darc.create(world, 0);
   * const g = await d.intoGlobalRw();
   * ```
   */
  intoGlobalRw(): Promise<GlobalRwDarc<T>> {
    return this.into<GlobalRwDarc<T>>('globalrw');
  }
}

registerDarcCodec('darc', Darc);
