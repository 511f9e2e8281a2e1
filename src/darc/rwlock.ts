/**
 * An async reader-writer lock and the guards it hands out. Readers share, writers are
 * exclusive, and waiters are served in arrival order, a run of readers at a time: a waiting
 * writer holds back readers that come after it, so neither side starves.
 */
import { checkConstruct, completed, completedVoid, ErrorCode, kConstruct, LamellarError } from '../core/index.js';
import { siteText, type Site } from '../team/index.js';

interface Waiter {
  write: boolean;
  grant: () => void;
  /** Who asked, for reports (the GlobalRwDarc host passes the requesting PE). */
  who: number;
}

/** What a lock-wait report adds when guards' lines are not recorded. */
export const GUARD_SITES_HINT = '; LAMELLAR_GUARD_SITES=1 records where guards are taken';

/** The line of the first guard in `sites` and how many there are, for "taken at …" in reports. */
export function firstSite(sites: ReadonlySet<Site> | undefined): { at: string; n: number } | undefined {
  if (sites === undefined || sites.size === 0) return undefined;
  return { at: siteText(sites.values().next().value), n: sites.size };
}

/** A diagnosed wait that lasts while the queue is non-empty (see WorldRuntime.watchLock). */
export interface LockWait {
  restart(): void;
  end(): void;
}

/** Begins a LockWait; `describe` says what is stuck when a report is made. */
export type WatchLock = (describe: () => string) => LockWait;

export class RwLock {
  #readers = 0;
  #writer = false;
  /**
   * Waiters from `#head` on. Array.shift() moved every waiter behind the head, so 20,000 queued
   * write()s spent 64% of their time in it; the head index and an occasional compaction make a
   * hand-off constant time.
   */
  #queue: (Waiter | undefined)[] = [];
  #head = 0;
  readonly #watch: WatchLock | undefined;
  #wait: LockWait | undefined;
  /**
   * Where each guard out was taken, when the owner records it (LocalRwDarc under
   * LAMELLAR_GUARD_SITES=1): the owner adds a site once granted and deletes it at release.
   */
  readonly sites: Set<Site> | undefined;
  /** Reports say how to have the sites recorded (a LocalRwDarc without them). */
  readonly #hint: boolean;

  /**
   * With `watch`, a queue that makes no progress is a diagnosed wait: a guard kept while the same
   * PE asks for the lock again (write() then read()) waits forever, and said nothing. `sites`:
   * 'record' keeps `sites`, 'hint' has reports say how to.
   */
  constructor(watch?: WatchLock, sites?: 'record' | 'hint') {
    this.#watch = watch;
    this.sites = sites === 'record' ? new Set() : undefined;
    this.#hint = sites === 'hint';
  }

  get readers(): number {
    return this.#readers;
  }

  get writer(): boolean {
    return this.#writer;
  }

  /** True when nobody holds or waits for the lock. */
  get idle(): boolean {
    return this.#readers === 0 && !this.#writer && this.#waiting === 0;
  }

  get #waiting(): number {
    return this.#queue.length - this.#head;
  }

  /** `who` is only reported (the requesting PE on a GlobalRwDarc's host). */
  read(who = -1): Promise<void> {
    return this.#take(false) ? completedVoid() : this.#queued(false, who);
  }

  write(who = -1): Promise<void> {
    return this.#take(true) ? completedVoid() : this.#queued(true, who);
  }

  /**
   * Takes the lock (exclusive with `write`, else shared) and resolves with `make()`, called as it
   * is granted: one promise and one microtask for the caller, where `write().then(make)` took two
   * of each (a LocalRwDarc guard in every AM of a burst).
   */
  acquire<G>(write: boolean, make: () => G): Promise<G> {
    if (this.#take(write)) return completed(make());
    // Not through #queued: the wait's report finds the caller's line within a few frames of here.
    this.#watchQueue();
    return new Promise((resolve) => this.#queue.push({ write, grant: () => resolve(make()), who: -1 }));
  }

  /** Takes the lock now if nobody holds it against `write` or waits for it. */
  #take(write: boolean): boolean {
    if (this.#writer || this.#waiting !== 0 || (write && this.#readers !== 0)) return false;
    if (write) this.#writer = true;
    else this.#readers++;
    return true;
  }

  #queued(write: boolean, who: number): Promise<void> {
    this.#watchQueue();
    return new Promise((grant) => this.#queue.push({ write, grant, who }));
  }

  /** A first waiter begins a diagnosed wait (the request about to be queued). */
  #watchQueue(): void {
    if (this.#waiting === 0 && this.#watch !== undefined) this.#wait = this.#watch(this.#describe);
  }

  /**
   * "write() asked by PE 1, queued behind a write guard not yet released (3 requests queued)";
   * with sites recorded, "… behind a write guard taken at file:///app.ts:9:21 and not yet released …".
   */
  readonly #describe = (): string => {
    const head = this.#queue[this.#head];
    const asked = head === undefined ? 'a request' : `${head.write ? 'write' : 'read'}()${head.who < 0 ? '' : ` asked by PE ${head.who}`}`;
    const held = this.#writer ? 'a write guard' : `${this.#readers} read guard${this.#readers === 1 ? '' : 's'}`;
    const f = firstSite(this.sites);
    const where = f === undefined ? '' : f.n === 1 ? ` taken at ${f.at} and` : ` (the first taken at ${f.at})`;
    const n = this.#waiting;
    const hint = this.#hint ? GUARD_SITES_HINT : '';
    return `${asked}, queued behind ${held}${where} not yet released (${n} request${n === 1 ? '' : 's'} queued${hint})`;
  };

  releaseRead(): void {
    if (--this.#readers === 0) this.#next();
  }

  releaseWrite(): void {
    this.#writer = false;
    this.#next();
  }

  // Hand-off happens here, synchronously: the lock is marked taken before the waiter's promise
  // resolves, so a newcomer arriving in between cannot slip past the queue. A grant may release
  // at once, inside this call (a guard for an AM that has already ended): that release's own
  // hand-off waits for this one to finish its pass and then runs as another pass. Run inside the
  // loop, it reset the queue under it and the loop read an empty slot (a TypeError that left the
  // Darc pinned for ever).
  #next(): void {
    if (this.#handing) {
      this.#again = true;
      return;
    }
    this.#handing = true;
    try {
      do {
        this.#again = false;
        this.#pass();
      } while (this.#again);
    } finally {
      this.#handing = false;
    }
  }

  #handing = false;
  #again = false;

  #pass(): void {
    const q = this.#queue;
    const before = this.#head;
    while (this.#head < q.length && !this.#writer) {
      const w = q[this.#head]!;
      if (w.write) {
        if (this.#readers > 0) break;
        q[this.#head++] = undefined;
        this.#writer = true;
        w.grant();
        break;
      }
      q[this.#head++] = undefined;
      this.#readers++;
      w.grant();
    }
    if (this.#head === before) return;
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
      this.#wait?.end();
      this.#wait = undefined;
      return;
    }
    // Drop the granted slots once they are most of the array (amortised constant time).
    if (this.#head >= 1024 && this.#head * 2 >= q.length) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
    this.#wait?.restart();
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
