/**
 * Guards for the local data of lock arrays: hold one to read or write this PE's part, release
 * it (`using`, `release()`) to let others in. `guard.value` is that part, as on Darc guards. A
 * released guard throws USE_AFTER_RELEASE on use. A guard also pins the array, so a conversion
 * waits until every guard is released. The view itself cannot be revoked: keep it only as long
 * as the guard.
 */
import { checkConstruct, ErrorCode, kConstruct, kGuardSite, kOpInput, LamellarError, trackPending } from '../core/index.js';

/**
 * Access to this PE's part of a lock array, held under a lock until released (`using`,
 * `release()` or `[Symbol.dispose]()`). `value` is the data (read-only for read guards). A guard
 * also pins the array, so a conversion waits until every guard is released. The view itself cannot
 * be revoked: do not keep it past the guard. A guard can stand as a batch op's indices or values
 * (`b.batchAdd(0, g)`). The whole-array guards ArrayReadGuard and ArrayWriteGuard are guards too.
 * @example
 * ```ts
 * const ll = await LocalLockArray.create(world, { type: 'u8', length: 8, distribution: 'block' });
 * using w = await ll.writeLocalData();
 * w.value.fill(255);
 * ```
 */
export abstract class LocalDataGuard<A> implements Disposable {
  #data: A | undefined;
  #release: (() => void) | undefined;
  readonly #label: string;
  /** Listed (with where it was taken) if the event loop runs empty while the guard is held. */
  readonly #untrack: () => void;
  /** Where the guard was taken: named by lock-wait reports while it is held. */
  readonly #site: { stack?: string } = {};

  /** @internal The guards' constructors are private: lock arrays make guards. */
  protected constructor(token: symbol, data: A, release: () => void, label: string) {
    checkConstruct(token, 'LocalDataGuard', 'readLocalData() or writeLocalData() of a lock array');
    this.#data = data;
    this.#release = release;
    this.#label = label;
    this.#untrack = trackPending(`a ${label} guard, taken and not released`, this.#site);
  }

  /** @internal The stack captured where this guard was taken. */
  get [kGuardSite](): { stack?: string } {
    return this.#site;
  }

  /**
   * The protected data: this PE's part of the array (or sub-array). Throws USE_AFTER_RELEASE once
   * the guard is released.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u8', length: 8, distribution: 'block' });
   * using r = await ll.readLocalData();
   * const bytes = r.value.length;
   * ```
   */
  get value(): A {
    if (this.#release === undefined) {
      throw new LamellarError(ErrorCode.USE_AFTER_RELEASE, `this ${this.#label} guard was released; take a new one to access the data`);
    }
    return this.#data!;
  }

  /**
   * True once the guard has been released.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u8', length: 8, distribution: 'block' });
   * const g = await ll.readLocalData();
   * g.release();
   * console.log(g.isReleased); // true
   * ```
   */
  get isReleased(): boolean {
    return this.#release === undefined;
  }

  /**
   * Releases the lock (and the pin on the array); a second release does nothing.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u8', length: 8, distribution: 'block' });
   * const g = await ll.writeLocalData();
   * try {
   *   g.value[0] = 1;
   * } finally {
   *   g.release();
   * }
   * ```
   */
  release(): void {
    const r = this.#release;
    if (r === undefined) return;
    this.#release = undefined;
    this.#data = undefined;
    this.#untrack();
    r();
  }

  /**
   * Releases the guard at the end of a `using` block (the same as `release()`).
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u8', length: 8, distribution: 'block' });
   * {
   *   using g = await ll.readLocalData();
   * } // released here
   * ```
   */
  [Symbol.dispose](): void {
    this.release();
  }

  /** @internal As a batch input: the guarded data (throws USE_AFTER_RELEASE once released). */
  [kOpInput](): A {
    return this.value;
  }
}

/** The guard of readLocalData(), writeLocalData() and their chunked forms. */
class PartGuard<A> extends LocalDataGuard<A> {
  constructor(data: A, release: () => void, label: string) {
    super(kConstruct, data, release, label);
  }
}

/** Makes a guard over `data`, released by `release` (the guard classes' constructors are not public). */
export const newLocalDataGuard = <A>(data: A, release: () => void, label: string): LocalDataGuard<A> => new PartGuard(data, release, label);
