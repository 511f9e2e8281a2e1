/**
 * An async reader-writer lock and the guards it hands out. Readers share, writers are
 * exclusive, and waiters are served in arrival order, a run of readers at a time: a waiting
 * writer holds back readers that come after it, so neither side starves.
 */
import { checkConstruct, ErrorCode, kConstruct, LamellarError } from '../core/index.js';

interface Waiter {
  write: boolean;
  grant: () => void;
}

const GRANTED: Promise<void> = Promise.resolve();

export class RwLock {
  #readers = 0;
  #writer = false;
  readonly #queue: Waiter[] = [];

  get readers(): number {
    return this.#readers;
  }

  get writer(): boolean {
    return this.#writer;
  }

  /** True when nobody holds or waits for the lock. */
  get idle(): boolean {
    return this.#readers === 0 && !this.#writer && this.#queue.length === 0;
  }

  read(): Promise<void> {
    if (!this.#writer && this.#queue.length === 0) {
      this.#readers++;
      return GRANTED;
    }
    return new Promise((grant) => this.#queue.push({ write: false, grant }));
  }

  write(): Promise<void> {
    if (!this.#writer && this.#readers === 0 && this.#queue.length === 0) {
      this.#writer = true;
      return GRANTED;
    }
    return new Promise((grant) => this.#queue.push({ write: true, grant }));
  }

  releaseRead(): void {
    if (--this.#readers === 0) this.#next();
  }

  releaseWrite(): void {
    this.#writer = false;
    this.#next();
  }

  // Hand-off happens here, synchronously: the lock is marked taken before the waiter's promise
  // resolves, so a newcomer arriving in between cannot slip past the queue.
  #next(): void {
    const q = this.#queue;
    while (q.length > 0 && !this.#writer) {
      const w = q[0]!;
      if (w.write) {
        if (this.#readers > 0) return;
        q.shift();
        this.#writer = true;
        w.grant();
        return;
      }
      q.shift();
      this.#readers++;
      w.grant();
    }
  }
}

function releasedGuard(): LamellarError {
  return new LamellarError(ErrorCode.USE_AFTER_RELEASE, 'this lock guard was released: take a new one with read() or write()');
}

// Guards are made by read()/write() only: their constructors are private; these factories,
// assigned in the classes' static blocks, are the package's way in.
/** Makes a read guard over `get`, released by `release`. */
export let newDarcReadGuard: <T>(get: () => T, release: () => void) => DarcReadGuard<T>;
/** Makes a write guard over `get`/`set`, released by `release`. */
export let newDarcWriteGuard: <T>(get: () => T, set: (v: T) => void, release: () => void) => DarcWriteGuard<T>;

/**
 * Shared access to a Darc's value on this PE, from `read()`; release it with `using` or
 * `[Symbol.dispose]()`. Throws USE_AFTER_RELEASE after release.
 * @example
 * ```ts
 * const d = await LocalRwDarc.create(world, 'hello');
 * using r = await d.read();
 * console.log(r.value.length);
 * ```
 */
export class DarcReadGuard<T> implements Disposable {
  #get: (() => T) | undefined;
  #release: (() => void) | undefined;

  private constructor(token: symbol, get: () => T, release: () => void) {
    checkConstruct(token, 'DarcReadGuard', 'read() of a LocalRwDarc or GlobalRwDarc');
    this.#get = get;
    this.#release = release;
  }

  static {
    newDarcReadGuard = (get, release) => new DarcReadGuard(kConstruct, get, release);
  }

  /**
   * The protected value (this PE's instance). Throws USE_AFTER_RELEASE once the guard is released.
   * @example
   * ```ts
   * const d = await LocalRwDarc.create(world, 41);
   * using r = await d.read();
   * const v: number = r.value;
   * ```
   */
  get value(): T {
    if (this.#get === undefined) throw releasedGuard();
    return this.#get();
  }

  /**
   * Releases the lock (at the end of a `using` block); later calls do nothing.
   * @example
   * ```ts
   * const d = await LocalRwDarc.create(world, 0);
   * const r = await d.read();
   * r[Symbol.dispose]();
   * ```
   */
  [Symbol.dispose](): void {
    const r = this.#release;
    this.#get = this.#release = undefined;
    r?.();
  }
}

/**
 * Exclusive access to a Darc's value on this PE, from `write()` or `collectiveWrite()`; the value
 * may be replaced. Release it with `using` or `[Symbol.dispose]()`.
 * @example
 * ```ts
 * const d = await LocalRwDarc.create(world, 0);
 * using w = await d.write();
 * w.value += 1;
 * ```
 */
export class DarcWriteGuard<T> implements Disposable {
  #get: (() => T) | undefined;
  #set: ((v: T) => void) | undefined;
  #release: (() => void) | undefined;

  private constructor(token: symbol, get: () => T, set: (v: T) => void, release: () => void) {
    checkConstruct(token, 'DarcWriteGuard', 'write() of a LocalRwDarc or GlobalRwDarc');
    this.#get = get;
    this.#set = set;
    this.#release = release;
  }

  static {
    newDarcWriteGuard = (get, set, release) => new DarcWriteGuard(kConstruct, get, set, release);
  }

  /**
   * The protected value (this PE's instance); assigning replaces it (e.g. `w.value += 1` on a
   * number). Throws USE_AFTER_RELEASE once released.
   * @example
   * ```ts
   * const d = await LocalRwDarc.create(world, 1);
   * using w = await d.write();
   * w.value *= 2;
   * ```
   */
  get value(): T {
    if (this.#get === undefined) throw releasedGuard();
    return this.#get();
  }

  /** Replaces this PE's instance (e.g. `w.value += 1` on a number). */
  set value(v: T) {
    if (this.#set === undefined) throw releasedGuard();
    this.#set(v);
  }

  /**
   * Releases the lock (at the end of a `using` block); later calls do nothing.
   * @example
   * ```ts
   * const d = await LocalRwDarc.create(world, 0);
   * const w = await d.write();
   * w[Symbol.dispose]();
   * ```
   */
  [Symbol.dispose](): void {
    const r = this.#release;
    this.#get = this.#set = this.#release = undefined;
    r?.();
  }
}
