/**
 * The ElemRef of bool and i128/u128 arrays, whose elements are not one typed-array element
 * each: reads go through the type's reader (a boolean, or a bigint from two words) and writes
 * store 0/1 or two words. A subclass, so that the ElemRef of the ten region types keeps its
 * plain `v[i]` load and store with no branch for these types.
 */
import { writeWide, type ArrayElemType, type ArrayValue } from '../elem.js';
import { checkValue } from '../types.js';
import { closed, ElemRef, type RefSession } from './items.js';

/** @internal Made by mutable iterators of bool, i128 and u128 arrays (typed as ElemRef). */
export class ValueElemRef<T extends ArrayElemType = ArrayElemType> extends ElemRef<T> {
  readonly #s: RefSession<T>;
  readonly #i: number;

  /** @internal */
  constructor(s: RefSession<T>, i: number) {
    super(s, i);
    this.#s = s;
    this.#i = i;
  }

  override load(): ArrayValue<T> {
    const s = this.#s;
    if (!s.open) throw closed(s.label);
    return s.read!(s.v as never, this.#i) as ArrayValue<T>;
  }

  override store(value: ArrayValue<T>): void {
    const s = this.#s;
    if (!s.open) throw closed(s.label);
    const x = checkValue(s.type, value, s.what);
    // bool is checked into 0/1, which its u8 storage takes as is.
    if (s.wide) writeWide(s.v as BigUint64Array, this.#i, x as bigint);
    else (s.v as Uint8Array)[this.#i] = x as number;
  }
}
