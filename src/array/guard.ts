/**
 * Guards for the local data of lock arrays: hold one to read or write this PE's part, release
 * it (`using`, `release()`) to let others in. `guard.value` is that part, as on Darc guards. A
 * released guard throws USE_AFTER_RELEASE on use. A guard also pins the array, so a conversion
 * waits until every guard is released. The view itself cannot be revoked: keep it only as long
 * as the guard.
 */
import { checkConstruct, ErrorCode, kConstruct, LamellarError } from '../core/index.js';

/** Makes a guard over `data`, released by `release` (its constructor is private). */
export let newLocalDataGuard: <A>(data: A, release: () => void, label: string) => LocalDataGuard<A>;

export class LocalDataGuard<A> implements Disposable {
  #data: A | undefined;
  #release: (() => void) | undefined;
  readonly #label: string;

  private constructor(token: symbol, data: A, release: () => void, label: string) {
    checkConstruct(token, 'LocalDataGuard', 'readLocalData() or writeLocalData() of a lock array');
    this.#data = data;
    this.#release = release;
    this.#label = label;
  }

  static {
    newLocalDataGuard = (data, release, label) => new LocalDataGuard(kConstruct, data, release, label);
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
    r();
  }

  [Symbol.dispose](): void {
    this.release();
  }
}
