/**
 * ReadOnlyArray: nobody writes, so every read is safe without locks. Its type has no mutators
 * at all: only loads, gets, one-sided reductions, local data as a read-only view (whole or in
 * chunks), and conversions.
 */
import type { Team } from '../team/index.js';
import { createArray, registerArrayKind, ArrayBase } from './base.js';
import { LocalChunks } from './chunks.js';
import type { World } from './deps.js';
import type { ArrayElemType, ArrayValue, LocalView } from './elem.js';
import { noMutIter } from './iter/index.js';
import { kArray } from './meta.js';
import type { ArrayKind, ArrayOptions } from './types.js';

export class ReadOnlyArray<T extends ArrayElemType = ArrayElemType> extends ArrayBase<T> {
  protected readonly kind: ArrayKind = 'ReadOnlyArray';

  /** Collective over the team (or world): a zeroed array (fill it as another type, then convert). */
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

  /** Refused like `distIterMut()`. */
  localIterMut(this: never): never {
    return noMutIter('localIterMut');
  }

  /** This PE's part, as a read-only view (no copy). */
  localData(): Readonly<LocalView<T>> {
    return this.localView() as unknown as LocalView<T>;
  }

  /**
   * This PE's part in chunks of `n` elements (the last may be shorter), each a read-only view.
   *
   * @example
   * ```ts
   * let max = -Infinity;
   * for (const chunk of ro.localChunks(512)) for (const x of chunk) max = Math.max(max, x);
   * ```
   */
  localChunks(n: number): LocalChunks<Readonly<LocalView<T>>> {
    return new LocalChunks<Readonly<LocalView<T>>>(this.localView(), n, this[kArray].meta.words, 'ReadOnlyArray.localChunks');
  }

  /**
   * One-sided: the sum of the elements, to the calling PE only (undefined for an empty array).
   * Any PE may call it alone; each owner's part is folded where it lives.
   *
   * @example
   * ```ts
   * if (world.myPe === 0) console.log(await ro.sum());
   * ```
   */
  sum(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('sum');
  }

  /**
   * One-sided: the product of the elements, to the calling PE only.
   *
   * @example
   * ```ts
   * const p = await ro.prod();
   * ```
   */
  prod(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('prod');
  }

  /**
   * One-sided: the largest element, to the calling PE only.
   *
   * @example
   * ```ts
   * const hi = await ro.max();
   * ```
   */
  max(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('max');
  }

  /**
   * One-sided: the smallest element, to the calling PE only.
   *
   * @example
   * ```ts
   * const lo = await ro.min();
   * ```
   */
  min(): Promise<ArrayValue<T> | undefined> {
    return this.reduceWith('min');
  }

  /**
   * One-sided: reduces with a reduction registered by `registerReduction(name, fn)` (at module
   * level); INVALID_ARGUMENT for an unknown name.
   *
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

registerArrayKind('ReadOnlyArray', ReadOnlyArray, (st, origin, meta, off, len) => new ReadOnlyArray(st, origin, meta, off, len));
