/**
 * ReadOnlyArray: nobody writes, so every read is safe without locks. Its type has no mutators
 * at all: only loads, gets, reductions, local data as a read-only view, and conversions.
 */
import { kConstruct } from '../core/index.js';
import type { HandleOrigin, RefState } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { ArrayBase, createArray, registerArrayKind } from './base.js';
import type { ElemType, ReadonlyTypedArrayOf, TypedArrayOf, World } from './deps.js';
import { kArray, type ArrayMeta } from './meta.js';
import { noMutIter } from './iter/index.js';
import type { ArrayKind, ArrayOptions } from './types.js';

/**
 * A distributed array nobody writes, so every read is safe without locks: only loads, gets,
 * reductions, read-only local data and conversions (its type has no mutators). Make one by
 * converting a filled array (`intoReadOnly()`), or create it zeroed.
 * @example
 * ```ts
 * const u = await UnsafeArray.create(world, { type: 'u32', length: 100, distribution: 'block' });
 * u.unsafeLocalData().fill(1);
 * const ro = await u.intoReadOnly();
 * const xs = await ro.batchLoad([0, 50, 99]);
 * ```
 */
export class ReadOnlyArray<T extends ElemType = ElemType> extends ArrayBase<T> {
  /** @internal */
  protected readonly kind: ArrayKind = 'ReadOnlyArray';

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
  static create<T extends ElemType>(team: World | Team, opts: ArrayOptions<T>): Promise<ReadOnlyArray<T>> {
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
   * This PE's part as a read-only typed-array view (no copy). Read-only by type only (see
   * ReadonlyTypedArray).
   * @example
   * ```ts
   * const ro = await ReadOnlyArray.create(world, { type: 'f64', length: 10, distribution: 'block' });
   * const localSum = ro.localData().reduce((s, x) => s + x, 0);
   * ```
   */
  localData(): ReadonlyTypedArrayOf<T> {
    const ai = this[kArray];
    const [s, e] = this.localRange();
    return (ai.meta.views[ai.meta.team.myPe]! as unknown as TypedArrayOf<T>).subarray(s, e) as unknown as ReadonlyTypedArrayOf<T>;
  }
}

