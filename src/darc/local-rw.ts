/**
 * LocalRwDarc: a Darc whose instance on each PE sits behind its own async reader-writer lock.
 * Locking is one-sided: it orders the AMs and tasks of one PE on that PE's instance and never
 * sends a message. `using w = await d.write(); w.value ...` releases at scope end.
 */
import { config, kConstruct } from '../core/index.js';
import { pin, unpin, type HandleOrigin, type RefState } from '../memregion/internal.js';
import { captureSite, type Team, type World } from '../team/index.js';
import { createDarc, DarcBase, registerDarcCodec, registerDarcKind, type DarcData, type DarcKind } from './common.js';
import type { Darc } from './darc.js';
import type { GlobalRwDarc } from './global-rw.js';
import { newDarcReadGuard, newDarcWriteGuard, RwLock, type DarcReadGuard, type DarcWriteGuard } from './rwlock.js';

/**
 * A Darc whose instance on each PE sits behind its own async reader-writer lock (Lamellar's
 * LocalRwDarc). Locking is one-sided: it orders the AMs and tasks of one PE on that PE's instance
 * and never sends a message. Guards release at the end of a `using` block.
 * @example
 * ```ts
 * const map = await LocalRwDarc.create(world, new Map<string, number>());
 * {
 *   using w = await map.write();
 *   w.value.set(`pe${world.myPe}`, 1);
 * }
 * {
 *   using r = await map.read();
 *   console.log(r.value.size);
 * }
 * ```
 */
export class LocalRwDarc<T> extends DarcBase<T> {
  /** @internal */
  // A getter, not a field: a handle is made per AM that carries one, and this is one store less.
  protected get kind(): DarcKind {
    return 'localrw';
  }

  private constructor(token: symbol, state: RefState, origin: HandleOrigin) {
    super(token, state, origin);
    this.noteLabel(this.refLabel);
    const rt = state.rt;
    // Without recorded sites a report says how to get them: a leaked guard's line is the fix.
    (state.data as DarcData<T>).local ??= new RwLock(
      (describe) => rt.watchLock(() => `LocalRwDarc.${describe()}`, captureSite(undefined, 8), 'LocalRwDarc'),
      config().guardSites ? 'record' : 'hint',
    );
  }

  static {
    registerDarcKind('localrw', (st, origin) => new LocalRwDarc(kConstruct, st, origin));
  }

  /**
   * Collective over the team (or world): every member passes its own instance.
   * @example
   * ```ts
   * const d = await LocalRwDarc.create(world, { total: 0 });
   * ```
   */
  static create<T>(team: World | Team, value: T): Promise<LocalRwDarc<T>> {
    return createDarc(team, value, 'localrw', (st) => new LocalRwDarc<T>(kConstruct, st, 'new'));
  }

  /**
   * Shared access to this PE's instance, once no writer holds the lock or waits before this call.
   * @example
   * ```ts
   * const d = await LocalRwDarc.create(world, [0]);
   * using r = await d.read();
   * const first = r.value[0];
   * ```
   */
  read(): Promise<DarcReadGuard<T>> {
    const st = this.refState;
    const d = this.data;
    const lock = d.local!;
    // Captured now, while the caller's frame is on the stack (a few µs: only when asked for).
    const site = lock.sites === undefined ? undefined : captureSite(LocalRwDarc.prototype.read, 6);
    const guard = this.guardMaker();
    // The guard pins the Darc: it cannot be freed or converted while a guard is out.
    pin(st);
    return lock.acquire(false, () => {
      if (site !== undefined) lock.sites!.add(site);
      const release = (): void => {
        if (site !== undefined) lock.sites!.delete(site);
        try {
          lock.releaseRead();
        } finally {
          unpin(st);
        }
      };
      return guard(release, (r) => newDarcReadGuard(() => d.value, r));
    });
  }

  /**
   * Exclusive access to this PE's instance; the value may also be replaced through the guard.
   * @example
   * ```ts
   * const d = await LocalRwDarc.create(world, 0);
   * using w = await d.write();
   * w.value += 1;
   * ```
   */
  write(): Promise<DarcWriteGuard<T>> {
    const st = this.refState;
    const d = this.data;
    const lock = d.local!;
    const site = lock.sites === undefined ? undefined : captureSite(LocalRwDarc.prototype.write, 6);
    const guard = this.guardMaker();
    pin(st);
    return lock.acquire(true, () => {
      if (site !== undefined) lock.sites!.add(site);
      const release = (): void => {
        if (site !== undefined) lock.sites!.delete(site);
        try {
          lock.releaseWrite();
        } finally {
          unpin(st);
        }
      };
      return guard(release, (r) => newDarcWriteGuard(() => d.value, (v) => (d.value = v), r));
    });
  }

  /**
   * Another handle to the same Darc, dropped separately.
   * Sent in an AM's arguments or result, a clone moves into that AM, as in Lamellar: it is
   * released once the AM is sent (`{ d: d.clone() }` leaves nothing behind).
   * @example
   * ```ts
   * const d = await LocalRwDarc.create(world, 0);
   * const kept = d.clone();
   * await kept.drop();
   * ```
   */
  clone(): LocalRwDarc<T> {
    return new LocalRwDarc<T>(kConstruct, this.refState, 'cloned');
  }

  /**
   * Collective: becomes a Darc once every PE holds only this handle and no guard (this handle is
   * released).
   * @example
   * ```ts
   * const d = await LocalRwDarc.create(world, 0);
   * const plain = await d.intoDarc();
   * ```
   */
  intoDarc(): Promise<Darc<T>> {
    return this.into<Darc<T>>('darc');
  }

  /**
   * Collective: becomes a GlobalRwDarc once every PE holds only this handle and no guard (this
   * handle is released).
   * @example
   * ```ts
   * const d = await LocalRwDarc.create(world, 0);
   * const g = await d.intoGlobalRw();
   * ```
   */
  intoGlobalRw(): Promise<GlobalRwDarc<T>> {
    return this.into<GlobalRwDarc<T>>('globalrw');
  }
}

registerDarcCodec('localrw', LocalRwDarc);
