/**
 * ReadOnlyArray: nobody writes, so every read is safe without locks. Its type has no mutators
 * at all: only loads, gets, one-sided reductions, local data as a read-only view (whole or in
 * chunks), and conversions.
 */
import { kConstruct } from '../core/index.js';
import type { HandleOrigin, RefState } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { ArrayBase } from './base.js';
import { createArray, registerArrayKind } from './create.js';
import { newLocalChunks, type LocalChunks } from './chunks.js';
import type { World } from './deps.js';
import type { ArrayElemType, ArrayValue, ReadonlyLocalView } from './elem.js';
import { kArray, type ArrayMeta } from './meta.js';
import { noMutIter } from './iter/index.js';
import type { ArrayKind, ArrayOptions } from './types.js';

/**
 * A distributed array nobody writes, so every read is safe without locks: only loads, gets,
 * one-sided reductions, read-only local data (whole or in chunks) and conversions (its type has no
 * mutators). Make one by converting a filled array (`intoReadOnly()`), or create it zeroed.
 * @example
 * ```ts
 * const u = await UnsafeArray.create(world, { type: 'u32', length: 100, distribution: 'block' });
 * u.unsafeLocalData().fill(1);
 * const ro = await u.intoReadOnly();
 * const xs = await ro.batchLoad([0, 50, 99]);
 * ```
 */
export class ReadOnlyArray<T extends ArrayElemType = ArrayElemType> extends ArrayBase<T> {
  /** @internal */
  // A getter, not a field: a handle is made per AM that carries one, and this is one store less.
  protected get kind(): ArrayKind {
    return 'ReadOnlyArray';
  }

  private constructor(token: symbol, state: RefState, origin: HandleOrigin, meta: ArrayMeta<T>, offset: number, length: number) {
    super(token, state, origin, meta, offset, length);
  }

  static {
    registerArrayKind('ReadOnlyArray', ReadOnlyArray, (st, origin, meta, off, len) => new ReadOnlyArray(kConstruct, st, origin, meta, off, len));
  }

  /**
   * Collective over the team (or world): a zeroed ReadOnlyArray (usually you convert a filled array
   * instead).
   * @example
   * ```ts
   * const ro = await ReadOnlyArray.create(world, { type: 'f32', length: 10, distribution: 'block' });
   * ```
   */
  static create<T extends ArrayElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<ReadOnlyArray<T>> {
    return createArray('ReadOnlyArray', team, opts) as Promise<ReadOnlyArray<T>>;
  }

  /**
   * A ReadOnlyArray has no mutable iterators: TypeScript refuses the call (`this: never`), and
   * JavaScript callers get UNSUPPORTED_OP.
   *
   * @example
   * ```ts
   * const u = await ro.intoUnsafe();   // convert to write
   * ```
   */
  distIterMut(this: never): never {
    return noMutIter('distIterMut');
  }

  /**
   * Refused like `distIterMut()`: a ReadOnlyArray has no mutable iterators (a compile error, and
   * INVALID_ARGUMENT from JavaScript).
   * @example
   * ```ts
   * const u = await ro.intoUnsafe(); // convert to write
   * await u.localIterMut().forEach((x) => { x.value = 0; });
   * ```
   */
  localIterMut(this: never): never {
    return noMutIter('localIterMut');
  }

  /**
   * This PE's part as a read-only view on the array's memory (no copy): a typed array of the
   * element type (0/1 bytes for bool, two u64 words per element for i128/u128). Read-only by type
   * only (see ReadonlyTypedArray).
   * @example
   * ```ts
   * const ro = await ReadOnlyArray.create(world, { type: 'f64', length: 10, distribution: 'block' });
   * const localSum = ro.localData().reduce((s, x) => s + x, 0);
   * ```
   */
  localData(): ReadonlyLocalView<T> {
    return this.lentView() as unknown as ReadonlyLocalView<T>;
  }

  /**
   * This PE's part in chunks of `n` elements (the last may be shorter), each a read-only view (no
   * copy). INVALID_ARGUMENT unless `n` is a positive integer.
   * @example
   * ```ts
   * let max = 0;
   * for (const chunk of ro.localChunks(512)) for (const x of chunk) max = Math.max(max, x);
   * ```
   */
  localChunks(n: number): LocalChunks<ReadonlyLocalView<T>> {
    return newLocalChunks<ReadonlyLocalView<T>>(this.lentView(), n, this[kArray].meta.words, 'ReadOnlyArray.localChunks');
  }

  /**
   * One-sided: the sum of the elements (wrapping as the element type does), to the calling PE only
   * (undefined for an empty array). Any PE may call it alone; each owner's part is folded where it
   * lives.
   * @example
   * ```ts
   * if (world.myPe === 0) console.log(await ro.sum());
   * ```
   */
  sum(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('sum');
  }

  /**
   * One-sided: the product of the elements, to the calling PE only (undefined for an empty array).
   * @example
   * ```ts
   * const p = await ro.prod();
   * ```
   */
  prod(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('prod');
  }

  /**
   * One-sided: the largest element, to the calling PE only (undefined for an empty array).
   * @example
   * ```ts
   * const hi = await ro.max();
   * ```
   */
  max(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('max');
  }

  /**
   * One-sided: the smallest element, to the calling PE only (undefined for an empty array).
   * @example
   * ```ts
   * const lo = await ro.min();
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
   * registerReduction<number>('minAbs', (acc, x) => (Math.abs(x) < Math.abs(acc) ? x : acc));
   * const m = await ro.reduce('minAbs');
   * ```
   */
  reduce(name: string): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith(name);
  }
}

