/**
 * Guards for the local data of lock arrays: hold one to read or write this PE's part, release
 * it (`using`, `release()`) to let others in. `guard.value` is that part, as on Darc guards. A
 * released guard throws USE_AFTER_RELEASE on use. A guard also pins the array, so a conversion
 * waits until every guard is released. The view itself cannot be revoked: keep it only as long
 * as the guard.
 */
import { ErrorCode, LamellarError, trackPending } from '../core/index.js';
import { kOpInput } from './types.js';

/**
 * A lock guard on this PE's part of a lock array; `value` is that part.
 *
 * @example
 * ```ts
 * {
 *   using g = await array.writeLocalData();
 *   g.value.fill(0);
 * } // released here
 * ```
 */
export class LocalDataGuard<A> implements Disposable {
  #data: A | undefined;
  #release: (() => void) | undefined;
  readonly #label: string;
  /** Listed (with where it was taken) if the event loop runs empty while the guard is held. */
  readonly #untrack: () => void;

  /** @internal */
  constructor(data: A, release: () => void, label: string) {
    this.#data = data;
    this.#release = release;
    this.#label = label;
    this.#untrack = trackPending(`a ${label} guard, taken and not released`);
  }

  /** The protected value: this PE's part of the array (or sub-array). */
  get value(): A {
    if (this.#release === undefined) {
      throw new LamellarError(ErrorCode.USE_AFTER_RELEASE, `this ${this.#label} guard was released; take a new one to access the data`);
    }
    return this.#data!;
  }

  get isReleased(): boolean {
    return this.#release === undefined;
  }

  /** Releases the lock; a second release is a no-op. */
  release(): void {
    const r = this.#release;
    if (r === undefined) return;
    this.#release = undefined;
    this.#data = undefined;
    this.#untrack();
    r();
  }

  [Symbol.dispose](): void {
    this.release();
  }

  /** @internal As a batch input: the guarded data (throws USE_AFTER_RELEASE once released). */
  [kOpInput](): A {
    return this.value;
  }
}
