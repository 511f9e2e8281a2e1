/**
 * Whole-array guards of the lock arrays (Lamellar's read_lock / write_lock):
 * - LocalLockArray: the guard holds this PE's lock (read or write). A read guard's reductions
 *   fold every PE's part, each under its owner's read lock while it is folded (this PE's is held
 *   already), so they are atomic per PE part, not across PEs (as in Lamellar).
 * - GlobalLockArray: the guard holds the one global lock, so a read guard's reductions see a
 *   consistent array: no PE writes while it is held.
 * `value` (and `localData()`) is this PE's part, as on the local-data guards. A guard pins the
 * array (conversions wait for it) and throws USE_AFTER_RELEASE once released.
 */
import { LocalDataGuard } from './guard.js';
import type { ArrayElemType, ArrayValue, LocalView } from './elem.js';
import type { ArrayRef } from './ops/remote.js';
import { kArray } from './meta.js';
import { reduceArray, type ReduceLocks } from './reduce.js';

/** @internal The array and lock a guard holds (for iterators on guards). */
export const kGuardArray = Symbol('lamellar.guardArray');

export interface GuardHold {
  readonly array: ArrayRef;
  /** 'local': this PE's lock of a LocalLockArray; 'global': a GlobalLockArray's one lock. */
  readonly scope: 'local' | 'global';
  readonly write: boolean;
}

/**
 * A read lock over a whole lock array, with one-sided reductions.
 *
 * @example
 * ```ts
 * using g = await array.readLock();
 * const total = await g.sum();
 * g.localData()[0];          // this PE's part, read-only
 * ```
 */
export class ArrayReadGuard<T extends ArrayElemType = ArrayElemType> extends LocalDataGuard<Readonly<LocalView<T>>> {
  readonly #hold: GuardHold;

  /** @internal */
  constructor(hold: GuardHold, data: Readonly<LocalView<T>>, release: () => void, label: string) {
    super(data, release, label);
    this.#hold = hold;
  }

  /**
   * This PE's part of the array, read-only (the same as `value`).
   *
   * @example
   * ```ts
   * using g = await array.readLock();
   * const first = g.localData()[0];
   * ```
   */
  localData(): Readonly<LocalView<T>> {
    return this.value;
  }

  /** @internal */
  get [kGuardArray](): GuardHold {
    void this.value;
    return this.#hold;
  }

  #reduce(name: string): Promise<ArrayValue<T> | undefined> {
    void this.value;
    const h = this.#hold.array;
    const locks: ReduceLocks = this.#hold.scope === 'local' ? { local: true, held: h[kArray].meta.team.myPe } : { local: false, held: -1 };
    return reduceArray(h, h[kArray], name, locks) as Promise<ArrayValue<T> | undefined>;
  }

  /**
   * One-sided: the sum of the whole array, to this PE only (undefined when empty).
   *
   * @example
   * ```ts
   * const s = await (await array.readLock()).sum();
   * ```
   */
  sum(): Promise<ArrayValue<T> | undefined> {
    return this.#reduce('sum');
  }

  /**
   * One-sided: the product of the whole array, to this PE only.
   *
   * @example
   * ```ts
   * const r = await guard.prod();
   * ```
   */
  prod(): Promise<ArrayValue<T> | undefined> {
    return this.#reduce('prod');
  }

  /**
   * One-sided: the largest element, to this PE only.
   *
   * @example
   * ```ts
   * const r = await guard.max();
   * ```
   */
  max(): Promise<ArrayValue<T> | undefined> {
    return this.#reduce('max');
  }

  /**
   * One-sided: the smallest element, to this PE only.
   *
   * @example
   * ```ts
   * const r = await guard.min();
   * ```
   */
  min(): Promise<ArrayValue<T> | undefined> {
    return this.#reduce('min');
  }

  /**
   * One-sided: reduces the whole array with a reduction registered by `registerReduction`.
   *
   * @example
   * ```ts
   * const m = await guard.reduce('minAbs');
   * ```
   */
  reduce(name: string): Promise<ArrayValue<T> | undefined> {
    return this.#reduce(name);
  }
}

/**
 * A write lock over a whole lock array: this PE's lock (LocalLockArray) or the global one
 * (GlobalLockArray). `value`/`localData()` is this PE's part, writable.
 *
 * @example
 * ```ts
 * using g = await array.writeLock();
 * g.localData().fill(7);
 * ```
 */
export class ArrayWriteGuard<T extends ArrayElemType = ArrayElemType> extends LocalDataGuard<LocalView<T>> {
  readonly #hold: GuardHold;

  /** @internal */
  constructor(hold: GuardHold, data: LocalView<T>, release: () => void, label: string) {
    super(data, release, label);
    this.#hold = hold;
  }

  /**
   * This PE's part of the array (the same as `value`).
   *
   * @example
   * ```ts
   * using g = await array.writeLock();
   * g.localData()[0] = 42;
   * ```
   */
  localData(): LocalView<T> {
    return this.value;
  }

  /** @internal */
  get [kGuardArray](): GuardHold {
    void this.value;
    return this.#hold;
  }
}
