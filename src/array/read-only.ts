/**
 * ReadOnlyArray: nobody writes, so every read is safe without locks. Its type has no mutators
 * at all: only loads, gets, reductions, local data as a read-only view, and conversions.
 */
import type { Team } from '../team/index.js';
import { ArrayBase, createArray, registerArrayKind } from './base.js';
import type { ElemType, TypedArrayOf, World } from './deps.js';
import { noMutIter } from './iter/index.js';
import { kArray } from './meta.js';
import type { ArrayKind, ArrayOptions } from './types.js';

export class ReadOnlyArray<T extends ElemType = ElemType> extends ArrayBase<T> {
  protected readonly kind: ArrayKind = 'ReadOnlyArray';

  /** Collective over the team (or world): a zeroed array (fill it as another type, then convert). */
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

  /** Refused like `distIterMut()`. */
  localIterMut(this: never): never {
    return noMutIter('localIterMut');
  }

  /** This PE's part, as a read-only view (no copy). */
  localData(): Readonly<TypedArrayOf<T>> {
    const ai = this[kArray];
    const [s, e] = this.localRange();
    return (ai.meta.views[ai.meta.team.myPe]! as unknown as TypedArrayOf<T>).subarray(s, e) as TypedArrayOf<T>;
  }
}

registerArrayKind('ReadOnlyArray', ReadOnlyArray, (st, origin, meta, off, len) => new ReadOnlyArray(st, origin, meta, off, len));
