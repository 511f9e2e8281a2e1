/**
 * UnsafeArray: no protection at all. Element ops are plain loads and stores on the owner's
 * memory: concurrent ops on one element from several PEs may lose updates (by design, as in
 * Lamellar, where they are `unsafe`). Local access is named for what it is. Reductions are
 * one-sided and, like everything here, see whatever the memory holds while they run.
 */
import { kConstruct } from '../core/index.js';
import type { HandleOrigin, RefState } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind } from './create.js';
import { newLocalChunks, type LocalChunks } from './chunks.js';
import type { World } from './deps.js';
import type { ArrayElemType, ArrayValue, LocalView } from './elem.js';
import { kArray, type ArrayMeta } from './meta.js';
import { IndexedDistIter, IndexedLocalIter, iterChain, type ElemRef } from './iter/index.js';
import { MutableArray } from './mutable.js';
import type { ArrayKind, ArrayOptions } from './types.js';

/**
 * A distributed array with no protection at all: element ops are plain loads and stores on the
 * owner's memory, so concurrent ops on one element from several PEs may lose updates (by design,
 * as Lamellar's UnsafeArray). The fastest array when the program itself guarantees that no two PEs
 * write one element at once; local access is named for what it is, and reductions are one-sided and
 * see whatever the memory holds while they run.
 * @example
 * ```ts
 * const u = await UnsafeArray.create(world, { type: 'f64', length: 1000, distribution: 'block' });
 * u.unsafeLocalData().fill(world.myPe);
 * await world.barrier();
 * const x = await u.load(999);
 * ```
 */
export class UnsafeArray<T extends ArrayElemType = ArrayElemType> extends MutableArray<T> {
  /** @internal */
  // A getter, not a field: a handle is made per AM that carries one, and this is one store less.
  protected get kind(): ArrayKind {
    return 'UnsafeArray';
  }

  private constructor(token: symbol, state: RefState, origin: HandleOrigin, meta: ArrayMeta<T>, offset: number, length: number) {
    super(token, state, origin, meta, offset, length);
  }

  static {
    registerArrayKind('UnsafeArray', UnsafeArray, (st, origin, meta, off, len) => new UnsafeArray(kConstruct, st, origin, meta, off, len));
  }

  /**
   * Collective over the team (or world): a zeroed UnsafeArray; every member calls it with the same
   * options.
   * @example
   * ```ts
   * const u = await UnsafeArray.create(world, { type: 'u8', length: 64, distribution: 'cyclic' });
   * ```
   */
  static create<T extends ArrayElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<UnsafeArray<T>> {
    return createArray('UnsafeArray', team, opts) as Promise<UnsafeArray<T>>;
  }

  /**
   * Collective, mutable: every PE walks its own part with global indices; items are ElemRef
   * handles that write through.
   *
   * @example
   * ```ts
   * await a.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
   * ```
   */
  distIterMut(): IndexedDistIter<ElemRef<T>, T> {
    return new IndexedDistIter(iterChain(this, true));
  }

  /**
   * Mutable, this PE's part only (local indices, no barrier); items are ElemRef handles.
   *
   * @example
   * ```ts
   * await a.localIterMut().forEach((x) => x.value += 1);
   * ```
   */
  localIterMut(): IndexedLocalIter<ElemRef<T>, T> {
    return new IndexedLocalIter(iterChain(this, true));
  }

  /**
   * This PE's part as a view on the array's memory: no copy, no locking, no protection from other
   * PEs' ops. A typed array of the element type (0/1 bytes for bool, two u64 words per element,
   * low word first, for i128/u128). The view keeps this handle reachable, so the garbage
   * collector does not free the array under it; `drop()` does.
   * @example
   * ```ts
   * const u = await UnsafeArray.create(world, { type: 'i32', length: 64, distribution: 'block' });
   * const mine: Int32Array = u.unsafeLocalData();
   * mine.fill(-1);
   * ```
   */
  unsafeLocalData(): LocalView<T> {
    return this.lentView() as unknown as LocalView<T>;
  }

  /**
   * This PE's part in chunks of `n` elements (the last may be shorter), each a view on the array's
   * memory: no copy, no locking. INVALID_ARGUMENT unless `n` is a positive integer.
   * @example
   * ```ts
   * const u = await UnsafeArray.create(world, { type: 'u8', length: 4096, distribution: 'block' });
   * for (const chunk of u.localChunks(1024)) chunk.fill(1);
   * ```
   */
  localChunks(n: number): LocalChunks<LocalView<T>> {
    return newLocalChunks<LocalView<T>>(this.lentView(), n, this[kArray].meta.words, 'UnsafeArray.localChunks');
  }

  /**
   * One-sided: the sum of the elements (wrapping as the element type does), to the calling PE only
   * (undefined for an empty array). Any PE may call it alone. Not atomic: concurrent writes race
   * with it.
   * @example
   * ```ts
   * const u = await UnsafeArray.create(world, { type: 'u32', length: 64, distribution: 'block' });
   * if (world.myPe === 0) console.log(await u.sum());
   * ```
   */
  sum(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('sum');
  }

  /**
   * One-sided: the product of the elements, to the calling PE only (undefined for an empty array).
   * @example
   * ```ts
   * const u = await UnsafeArray.create(world, { type: 'f64', length: 8, distribution: 'block' });
   * const p = await u.prod();
   * ```
   */
  prod(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('prod');
  }

  /**
   * One-sided: the largest element, to the calling PE only (undefined for an empty array).
   * @example
   * ```ts
   * const u = await UnsafeArray.create(world, { type: 'i64', length: 8, distribution: 'cyclic' });
   * const hi: bigint | undefined = await u.max();
   * ```
   */
  max(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('max');
  }

  /**
   * One-sided: the smallest element, to the calling PE only (undefined for an empty array).
   * @example
   * ```ts
   * const u = await UnsafeArray.create(world, { type: 'f32', length: 8, distribution: 'block' });
   * const lo = await u.min();
   * ```
   */
  min(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('min');
  }

  /**
   * One-sided: folds the elements with the built-in reduction `name` (`'sum' 'prod' 'max' 'min'`,
   * as Lamellar's `reduce("sum")`; `'and' 'or' 'xor'` on integers and bool, UNSUPPORTED_OP on floats) or the one registered under it
   * by `registerReduction(name, fn)` (at module level), to the calling PE only; INVALID_ARGUMENT
   * for an unknown name.
   * @example
   * ```ts
   * registerReduction<number>('maxAbs', (acc, x) => (Math.abs(x) > Math.abs(acc) ? x : acc));
   * const u = await UnsafeArray.create(world, { type: 'f64', length: 8, distribution: 'block' });
   * const m = await u.reduce('maxAbs');
   * ```
   */
  reduce(name: string): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith(name);
  }
}

