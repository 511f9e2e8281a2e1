/**
 * Whole-array guards of the lock arrays (Lamellar's read_lock / write_lock):
 * - LocalLockArray: the guard holds this PE's lock (read or write). A read guard's reductions
 *   fold every PE's part, each under its owner's read lock while it is folded (this PE's is held
 *   already), so they are atomic per PE part, not across PEs (as in Lamellar).
 * - GlobalLockArray: the guard holds the one global lock, so a read guard's reductions see a
 *   consistent array: no PE writes while it is held.
 * `value` (and `localData()`) is this PE's part, as on the local-data guards. A guard pins the
 * array (conversions wait for it) and throws USE_AFTER_RELEASE once released.
 *
 * Iterators on guards (Lamellar's iterators on a read guard): a read guard has `distIter` and
 * `localIter`, a write guard `localIter` and `localIterMut`. Their consumers use the guard's lock
 * instead of taking one, and share it: the lock is released once the guard is released *and*
 * every consumer running on it has ended (as Lamellar's iterators keep a clone of the guard). A
 * consumer started after the guard's release throws USE_AFTER_RELEASE. There is no one-sided
 * iterator on a guard: it would read through `get`, which takes the lock again, and a lock is
 * not re-entrant (a writer queued on this PE in between would wait for the guard, and the
 * guard's own read behind that writer).
 */
import { checkConstruct, ErrorCode, kConstruct, LamellarError } from '../core/index.js';
import type { ArrayBase } from './base.js';
import { LocalDataGuard } from './guard.js';
import type { ArrayElemType, ArrayValue, LocalView, ReadonlyLocalView } from './elem.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type ElemRef, type Lease } from './iter/index.js';
import type { ArrayRef } from './ops/remote.js';
import { kArray } from './meta.js';
import { reduceArray, type ReduceLocks } from './reduce.js';

/** The array and lock a guard holds (for its iterators and reductions). */
export interface GuardHold {
  readonly array: ArrayRef;
  /** 'local': this PE's lock of a LocalLockArray; 'global': a GlobalLockArray's one lock. */
  readonly scope: 'local' | 'global';
  readonly write: boolean;
}

/**
 * A guard's lock, shared with the iterator consumers running on it: unlocked when the guard is
 * released and the last of them has ended.
 */
class SharedLock implements Lease {
  #holders = 1;
  #guardHeld = true;
  readonly #unlock: () => void;
  readonly #label: string;

  constructor(unlock: () => void, label: string) {
    this.#unlock = unlock;
    this.#label = label;
  }

  /** The guard's release. */
  close(): void {
    if (!this.#guardHeld) return;
    this.#guardHeld = false;
    this.#drop();
  }

  retain(): () => void {
    if (!this.#guardHeld) {
      throw new LamellarError(ErrorCode.USE_AFTER_RELEASE, `this ${this.#label} guard was released before the iteration started; take a new one`);
    }
    this.#holders++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#drop();
    };
  }

  #drop(): void {
    if (--this.#holders === 0) this.#unlock();
  }
}

/** The array a guard iterates (throws USE_AFTER_RELEASE once the guard is released). */
const arrayOf = <T extends ArrayElemType>(g: LocalDataGuard<unknown>, h: GuardHold): ArrayBase<T> => {
  void g.value;
  return h.array as unknown as ArrayBase<T>;
};

/** Makes a read guard (its constructor is private): LocalLockArray and GlobalLockArray `readLock()`. */
export let newArrayReadGuard: <T extends ArrayElemType>(hold: GuardHold, data: ReadonlyLocalView<T>, release: () => void, label: string) => ArrayReadGuard<T>;
/** Makes a write guard (its constructor is private): LocalLockArray and GlobalLockArray `writeLock()`. */
export let newArrayWriteGuard: <T extends ArrayElemType>(hold: GuardHold, data: LocalView<T>, release: () => void, label: string) => ArrayWriteGuard<T>;

/**
 * A read lock over a whole lock array (Lamellar's read_lock), from `readLock()`: this PE's lock of
 * a LocalLockArray, or the one lock of a GlobalLockArray. It has one-sided reductions over the
 * whole array and iterators that run under its lock; `value` and `localData()` are this PE's
 * part, read-only. Release it (`using`, `release()`) to let writers in.
 * @example
 * ```ts
 * const gl = await GlobalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
 * using g = await gl.readLock();
 * const total = await g.sum();
 * const first = g.localData()[0]; // this PE's part, read-only
 * ```
 */
export class ArrayReadGuard<T extends ArrayElemType = ArrayElemType> extends LocalDataGuard<ReadonlyLocalView<T>> {
  readonly #hold: GuardHold;
  readonly #lock: SharedLock;

  private constructor(token: symbol, hold: GuardHold, data: ReadonlyLocalView<T>, release: () => void, label: string) {
    checkConstruct(token, 'ArrayReadGuard', 'readLock() of a lock array');
    const lock = new SharedLock(release, label);
    super(token, data, () => lock.close(), label);
    this.#hold = hold;
    this.#lock = lock;
  }

  static {
    newArrayReadGuard = <T extends ArrayElemType>(hold: GuardHold, data: ReadonlyLocalView<T>, release: () => void, label: string) => new ArrayReadGuard<T>(kConstruct, hold, data, release, label);
  }

  /**
   * Collective over the array's team, each PE on its own read guard: a distributed iterator (as
   * `array.distIter()`) whose consumers run under the guards' locks instead of taking them.
   * USE_AFTER_RELEASE once the guard is released.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * using g = await ll.readLock();
   * await g.distIter().enumerate().forEach(([i, x]) => console.log(`${i}: ${x}`));
   * ```
   */
  distIter(): IndexedDistIter<ArrayValue<T>, T> {
    return new IndexedDistIter(iterChain(arrayOf(this, this.#hold), false, this.#lock));
  }

  /**
   * This PE's part (as `array.localIter()`), under the guard's lock. USE_AFTER_RELEASE once the
   * guard is released.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * using g = await ll.readLock();
   * const mine = await g.localIter().sum();
   * ```
   */
  localIter(): IndexedLocalIter<ArrayValue<T>, T> {
    return new IndexedLocalIter(iterChain(arrayOf(this, this.#hold), false, this.#lock));
  }

  /**
   * This PE's part of the array, read-only (the same as `value`).
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * using g = await ll.readLock();
   * const first = g.localData()[0];
   * ```
   */
  localData(): ReadonlyLocalView<T> {
    return this.value;
  }

  #reduce(name: string): Promise<ArrayValue<T> | undefined> {
    void this.value;
    const h = this.#hold.array;
    const locks: ReduceLocks = this.#hold.scope === 'local' ? { local: true, held: h[kArray].meta.team.myPe } : { local: false, held: -1 };
    return reduceArray(h, h[kArray], name, locks) as Promise<ArrayValue<T> | undefined>;
  }

  /**
   * One-sided: the sum of the whole array, to this PE only (undefined when empty).
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * using g = await gl.readLock();
   * const s = await g.sum();
   * ```
   */
  sum(): Promise<ArrayValue<T> | undefined> {
    return this.#reduce('sum');
  }

  /**
   * One-sided: the product of the whole array, to this PE only (undefined when empty).
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'f64', length: 8, distribution: 'block' });
   * using g = await gl.readLock();
   * const p = await g.prod();
   * ```
   */
  prod(): Promise<ArrayValue<T> | undefined> {
    return this.#reduce('prod');
  }

  /**
   * One-sided: the largest element of the whole array, to this PE only (undefined when empty).
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'i64', length: 8, distribution: 'block' });
   * using g = await gl.readLock();
   * const hi: bigint | undefined = await g.max();
   * ```
   */
  max(): Promise<ArrayValue<T> | undefined> {
    return this.#reduce('max');
  }

  /**
   * One-sided: the smallest element of the whole array, to this PE only (undefined when empty).
   * @example
   * ```ts
   * const gl = await GlobalLockArray.create(world, { type: 'f32', length: 8, distribution: 'block' });
   * using g = await gl.readLock();
   * const lo = await g.min();
   * ```
   */
  min(): Promise<ArrayValue<T> | undefined> {
    return this.#reduce('min');
  }

  /**
   * One-sided: folds the whole array with the built-in reduction `name` (`'sum' 'prod' 'max'
   * 'min'`; `'and' 'or' 'xor'` on integers and bool, UNSUPPORTED_OP on floats) or the one registered under it by
   * `registerReduction`, to this PE only; INVALID_ARGUMENT for an unknown name.
   * @example
   * ```ts
   * registerReduction<number>('orAll', (x, y) => x | y);
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * using g = await ll.readLock();
   * const bits = await g.reduce('orAll');
   * ```
   */
  reduce(name: string): Promise<ArrayValue<T> | undefined> {
    return this.#reduce(name);
  }
}

/**
 * A write lock over a whole lock array (Lamellar's write_lock), from `writeLock()`: this PE's lock
 * of a LocalLockArray, or the one lock of a GlobalLockArray. `value` and `localData()` are this
 * PE's part, writable; its local iterators run under its lock. Release it (`using`, `release()`)
 * to let others in.
 * @example
 * ```ts
 * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
 * using g = await ll.writeLock();
 * g.localData().fill(7);
 * ```
 */
export class ArrayWriteGuard<T extends ArrayElemType = ArrayElemType> extends LocalDataGuard<LocalView<T>> {
  readonly #hold: GuardHold;
  readonly #lock: SharedLock;

  private constructor(token: symbol, hold: GuardHold, data: LocalView<T>, release: () => void, label: string) {
    checkConstruct(token, 'ArrayWriteGuard', 'writeLock() of a lock array');
    const lock = new SharedLock(release, label);
    super(token, data, () => lock.close(), label);
    this.#hold = hold;
    this.#lock = lock;
  }

  static {
    newArrayWriteGuard = <T extends ArrayElemType>(hold: GuardHold, data: LocalView<T>, release: () => void, label: string) => new ArrayWriteGuard<T>(kConstruct, hold, data, release, label);
  }

  /**
   * This PE's part (as `array.localIter()`), under the guard's write lock. USE_AFTER_RELEASE once
   * the guard is released.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * using g = await ll.writeLock();
   * const n = await g.localIter().filter((x) => x > 3).count();
   * ```
   */
  localIter(): IndexedLocalIter<ArrayValue<T>, T> {
    return new IndexedLocalIter(iterChain(arrayOf(this, this.#hold), false, this.#lock));
  }

  /**
   * This PE's part, mutable (as `array.localIterMut()`): ElemRef items that write through under
   * the guard's write lock. USE_AFTER_RELEASE once the guard is released.
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * using g = await ll.writeLock();
   * await g.localIterMut().enumerate().forEach(([i, x]) => x.store(i));
   * ```
   */
  localIterMut(): IndexedLocalIter<ElemRef<T>, T> {
    return new IndexedLocalIter(iterChain(arrayOf(this, this.#hold), true, this.#lock));
  }

  /**
   * This PE's part of the array, writable (the same as `value`).
   * @example
   * ```ts
   * const ll = await LocalLockArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * using g = await ll.writeLock();
   * g.localData()[0] = 42;
   * ```
   */
  localData(): LocalView<T> {
    return this.value;
  }
}
