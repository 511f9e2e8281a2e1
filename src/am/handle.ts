/**
 * Handles for launched AMs. They are `PromiseLike` and the work starts at the call, not at the
 * first `await`. The promise itself is made lazily, only when someone calls `then`: a program
 * that launches a million fire-and-forget AMs and relies on `waitAll()` pays for a million small
 * objects, not a million promises.
 */

import { deferred, kGroup, kMultiPart, kObserved, kSettle } from '../core/index.js';
import { releaseRefsIn } from '../serde/index.js';
import type { Slab } from './slab.js';

export { kGroup, kObserved, kSettle };

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;
const noop = (): void => {};

/**
 * A group counter a handle also reports to (TaskGroup); the engine decrements it. Internal to
 * groups: 'lamellar' does not export it (it shows in the declarations of AmHandle only).
 * @example
 * ```ts
 * const c = { add() {}, done() {} }; // its shape
 * ```
 */
export interface HandleCounter {
  /**
   * Counts one more launch.
   * @example
   * ```ts
   * let n = 0;
   * const c = { add: () => void n++, done: () => void n-- };
   * c.add();
   * ```
   */
  add(): void;
  /**
   * Counts one launch finished.
   * @example
   * ```ts
   * let n = 1;
   * const c = { add: () => void n++, done: () => void n-- };
   * c.done();
   * ```
   */
  done(): void;
}

interface Capability<R> {
  promise: Promise<R>;
  resolve: (v: R) => void;
  reject: (e: unknown) => void;
}

/** Ties an `execAmPe` handle to the engine's slab slot that will hold its outcome. */
export let bindSlab: (h: AmHandle<unknown>, slab: Slab, slot: number) => void;

/**
 * The outcomes of many handles, gathered into one promise (AmGroup.exec). A promise per handle
 * (Promise.allSettled makes three, with their closures) kept every entry of a large group alive
 * in the old generation until the last reply; most of a 200,000-entry group's time went to the
 * GC. A gathered handle writes its outcome here instead.
 */
export class Gather {
  readonly values: unknown[];
  /** The first failed entry in insertion order (its error rejects the promise), or -1. */
  #first = -1;
  #firstError: unknown;
  #left: number;
  readonly #done = deferred<unknown[]>();
  /** Resolves to every value in order, or rejects with the first failure in order, once all settled. */
  readonly promise = this.#done.promise;

  constructor(n: number) {
    this.values = new Array<unknown>(n);
    this.#left = n;
    if (n === 0) this.#done.resolve(this.values);
  }

  /** Entry `i` settled. */
  done(i: number, ok: boolean, value: unknown): void {
    if (ok) this.values[i] = value;
    else if (this.#first < 0 || i < this.#first) {
      this.#first = i;
      this.#firstError = value;
    }
    if (--this.#left !== 0) return;
    if (this.#first < 0) this.#done.resolve(this.values);
    else {
      // The successful entries' values reach nobody: the handles in them are released.
      for (const v of this.values) releaseRefsIn(v);
      this.#done.reject(this.#firstError);
    }
  }
}

/** Makes `h`'s outcome entry `i` of `g` (observing it); any other thenable goes through `then`. */
export let gatherInto: (h: PromiseLike<unknown>, g: Gather, i: number) => void;

/**
 * The base of the AM handles: `PromiseLike`, started at the call. The promise is made only when
 * someone calls `then` (or `catch`/`finally`), so fire-and-forget launches that rely on `waitAll()`
 * cost no promise each.
 * @example
 * ```ts
 * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
 * const h = world.execAmPe(0, Hello, { from: 1 });
 * h.then((s) => console.log(s));
 * ```
 */
abstract class LazyHandle<R> implements PromiseLike<R> {
  // Few fields: one handle exists per launched AM, so its size is paid millions of times.
  #state = PENDING;
  #value: unknown;
  /** Made when someone asks for the outcome: a promise, or the Gather that takes it (#slot: entry). */
  #cap: Capability<R> | Gather | undefined;
  /**
   * An `execAmPe` handle's outcome waits in its engine's slab (slab.ts) until someone asks for
   * it: the engine holds the slab, not the handle, so a dropped handle is garbage at once.
   */
  #slab: Slab | undefined;
  /** The slot in #slab; once gathered, the entry in the Gather. */
  #slot = 0;
  /** @internal The task group this handle counts against, if any. */
  readonly [kGroup]: HandleCounter | undefined;

  /** @internal */
  protected constructor(group: HandleCounter | undefined) {
    this[kGroup] = group;
  }

  static {
    bindSlab = (h, slab, slot) => {
      const l = h as LazyHandle<unknown>;
      l.#slab = slab;
      l.#slot = slot;
    };
    gatherInto = (h, g, i) => {
      if (!(h instanceof LazyHandle) || h.#cap !== undefined) {
        h.then(
          (v) => g.done(i, true, v),
          (e: unknown) => g.done(i, false, e),
        );
        return;
      }
      h.#claim();
      if (h.#state !== PENDING) {
        h.#cap = g;
        g.done(i, h.#state === FULFILLED, h.#value);
        return;
      }
      h.#cap = g;
      h.#slot = i;
    };
  }

  /** Takes the outcome from the slab (settling now if the reply is in), or waits there for it. */
  #claim(): void {
    const slab = this.#slab;
    if (slab !== undefined) {
      this.#slab = undefined;
      slab.claim(this.#slot, this);
    }
  }

  #get(): Promise<R> {
    const cap = this.#cap;
    if (cap instanceof Gather) {
      // A gathered handle is never given out; should one be awaited anyway, it still answers.
      if (this.#state === PENDING) {
        const settled: Promise<void> = cap.promise.then(noop, noop);
        return settled.then(() => this.#get());
      }
      return this.#state === FULFILLED ? Promise.resolve(this.#value as R) : Promise.reject(this.#value);
    }
    if (cap !== undefined) return cap.promise;
    // Settles this handle now if the reply is in, or makes it the slot's waiter; the
    // capability below is made in the same call, before any reply can arrive.
    this.#claim();
    if (this.#state !== PENDING) {
      const done: Capability<R> = { promise: this.#state === FULFILLED ? Promise.resolve(this.#value as R) : Promise.reject(this.#value), resolve: noop, reject: noop };
      this.#cap = done;
      return done.promise;
    }
    let resolve!: (v: R) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#cap = { promise, resolve, reject };
    return promise;
  }

  /**
   * Called by `await`: the AM's result, or its error (a RemoteAmError for an AM that threw).
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const s: string = await world.execAmPe(0, Hello, { from: 1 });
   * ```
   */
  then<T1 = R, T2 = never>(
    onfulfilled?: ((value: R) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    return this.#get().then(onfulfilled, onrejected);
  }

  /**
   * Handles the AM's error, as `Promise.prototype.catch`.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const s = await world.execAmPe(0, Hello, { from: 1 }).catch(() => 'failed');
   * ```
   */
  catch<T = never>(onrejected?: ((reason: unknown) => T | PromiseLike<T>) | null): Promise<R | T> {
    return this.#get().catch(onrejected);
  }

  /**
   * Runs `onfinally` once the AM has settled, as `Promise.prototype.finally`.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * await world.execAmPe(0, Hello, { from: 1 }).finally(() => console.log('settled'));
   * ```
   */
  finally(onfinally?: (() => void) | null): Promise<R> {
    return this.#get().finally(onfinally);
  }

  /**
   * The handle's class name, for `String(handle)` and inspection.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * console.log(Object.prototype.toString.call(world.execAmPe(0, Hello, { from: 1 }))); // [object AmHandle]
   * ```
   */
  get [Symbol.toStringTag](): string {
    return this.constructor.name;
  }

  /** @internal */
  get [kObserved](): boolean {
    return this.#cap !== undefined;
  }

  /** @internal */
  [kSettle](ok: boolean, value: unknown): void {
    if (this.#state !== PENDING) return;
    this.#state = ok ? FULFILLED : REJECTED;
    this.#value = value;
    const cap = this.#cap;
    if (cap instanceof Gather) cap.done(this.#slot, ok, value);
    else if (cap !== undefined) {
      if (ok) cap.resolve(value as R);
      else cap.reject(value);
    }
  }
}

// Handles are made by launches only: their constructors are private, and these factories
// (assigned in the classes' static blocks) are the package's way in.
/** Makes the handle of an `execAmPe`. */
export let newAmHandle: <R>(amName: string, pe: number, group: HandleCounter | undefined) => AmHandle<R>;
/** Makes the handle of an `execAmLocal`. */
export let newLocalAmHandle: <R>(amName: string, group: HandleCounter | undefined) => LocalAmHandle<R>;
/** Makes the handle of an `execAmAll`. */
export let newMultiAmHandle: <R>(amName: string, numPes: number, group: HandleCounter | undefined) => MultiAmHandle<R>;

/**
 * The handle of `execAmPe`: resolves to the AM's result (its error rejects it). The AM starts at
 * the call.
 * @example
 * ```ts
 * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
 * const h: AmHandle<string> = world.execAmPe(0, Hello, { from: world.myPe });
 * console.log(h.amName, h.pe, await h);
 * ```
 */
export class AmHandle<R> extends LazyHandle<R> {
  private constructor(
    /**
     * The AM's name.
     * @example
     * ```ts
     * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
     * console.log(world.execAmPe(0, Hello, { from: 1 }).amName); // doc/hello
     * ```
     */
    readonly amName: string,
    /**
     * The target PE, team-relative, as given at launch.
     * @example
     * ```ts
     * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
     * console.log(world.execAmPe(0, Hello, { from: 1 }).pe); // 0
     * ```
     */
    readonly pe: number,
    group: HandleCounter | undefined,
  ) {
    super(group);
  }

  static {
    newAmHandle = (amName, pe, group) => new AmHandle(amName, pe, group);
  }
}

/**
 * The handle of `execAmLocal`: the AM runs on this PE without serialization; resolves to its
 * result.
 * @example
 * ```ts
 * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
 * const h: LocalAmHandle<string> = world.execAmLocal(Hello, { from: world.myPe });
 * console.log(await h);
 * ```
 */
export class LocalAmHandle<R> extends LazyHandle<R> {
  private constructor(
    /**
     * The AM's name.
     * @example
     * ```ts
     * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
     * console.log(world.execAmLocal(Hello, { from: 1 }).amName); // doc/hello
     * ```
     */
    readonly amName: string,
    group: HandleCounter | undefined,
  ) {
    super(group);
  }

  static {
    newLocalAmHandle = (amName, group) => new LocalAmHandle(amName, group);
  }
}

/**
 * The handle of `execAmAll`: resolves to every member's result, in team PE order, once all have
 * finished; if any failed, rejects with the first error.
 * @example
 * ```ts
 * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
 * const h: MultiAmHandle<string> = world.execAmAll(Hello, { from: world.myPe });
 * const replies: string[] = await h;
 * ```
 */
export class MultiAmHandle<R> extends LazyHandle<R[]> {
  readonly #results: R[];
  #left: number;
  #error: unknown;
  #failed = false;

  private constructor(
    /**
     * The AM's name.
     * @example
     * ```ts
     * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
     * console.log(world.execAmAll(Hello, { from: 1 }).amName); // doc/hello
     * ```
     */
    readonly amName: string,
    numPes: number,
    group: HandleCounter | undefined,
  ) {
    super(group);
    this.#results = new Array<R>(numPes);
    this.#left = numPes;
  }

  static {
    newMultiAmHandle = (amName, numPes, group) => new MultiAmHandle(amName, numPes, group);
  }

  /** @internal One member's part has settled. */
  [kMultiPart](index: number, ok: boolean, value: unknown): void {
    if (ok) this.#results[index] = value as R;
    else if (!this.#failed) {
      // A flag, not `#error === undefined`: an AM may throw undefined, and that part failed too.
      this.#failed = true;
      this.#error = value;
    }
    if (--this.#left === 0) {
      if (!this.#failed) this[kSettle](true, this.#results);
      else {
        // The other members' results reach nobody: the handles in them are released.
        for (const r of this.#results) releaseRefsIn(r);
        this[kSettle](false, this.#error);
      }
    }
  }
}

/** Pending-table entry for one member of an `execAmAll`. */
export class MultiPart {
  constructor(readonly multi: MultiAmHandle<unknown>, readonly index: number) {}
  get amName(): string {
    return this.multi.amName;
  }
  get [kGroup](): HandleCounter | undefined {
    return this.multi[kGroup];
  }
  [kSettle](ok: boolean, value: unknown): void {
    this.multi[kMultiPart](this.index, ok, value);
  }
}
