/**
 * Per-PE facts about one array, shared by all its handles on this PE: the layout, the cached
 * storage views of every PE's part (where mapped), and the lock words. The array's memory is
 * one symmetric region (of the element type's storage type, see elem.ts) holding `capacity`
 * elements, then (8-byte aligned) a small lock area:
 *   [ element 0 .. capacity-1 | pad to 8 | i32 local lock | i32 global lock | i32 count | i32 |
 *     128-bit types only: one i32 lock word per element ]
 * The per-element lock words make a 128-bit AtomicArray a "generic" atomic array, as Lamellar's
 * are: there is no native 128-bit atomic, so each element op holds its element's lock. They
 * exist for every kind of 128-bit array, since a conversion keeps the region.
 * Its lifetime is the region's RefState (Darc semantics), which every array handle shares.
 */
import { Counter } from '../am/index.js';
import type { ElemType, RefState, RegionInternals, TypedArrayOf } from '../memregion/internal.js';
import { ELEM_CTORS } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { elemClass, readElem, storageOf, type ArrayElemType } from './elem.js';
import { Layout } from './layout.js';
import { GLOBAL_LOCK, watchLockArea } from './lock.js';
import type { View } from './ops/kernels.js';
import type { ArrayKind, Distribution } from './types.js';

export const LOCK_WORDS = 4;

export interface ArrayMeta<T extends ArrayElemType = ArrayElemType> {
  readonly type: T;
  /** Storage words per element: 2 for i128/u128, else 1. */
  readonly words: 1 | 2;
  /** The typed array of the storage (Uint8Array for bool, BigUint64Array for 128-bit). */
  readonly ctor: (typeof ELEM_CTORS)[ElemType];
  readonly team: Team;
  readonly layout: Layout;
  readonly region: RegionInternals<ElemType>;
  /** Storage views (capacity × words) per team PE; null where not mapped (tcp). */
  readonly views: (View | null)[];
  /** Bit-pattern views per team PE for float atomics; null for other types. */
  readonly bits: (View | null)[] | null;
  /** Lock words per team PE; null where not mapped. */
  readonly locks: (Int32Array | null)[];
  /** 128-bit types: one lock word per element, per team PE (null where not mapped); else null. */
  readonly elemLocks: (Int32Array | null)[] | null;
  /** Every PE's part is mapped here: ops need no message. */
  readonly allMapped: boolean;
  /** Operations launched through any handle of this array on this PE (its waitAll). */
  readonly ops: Counter;
  /** Element `k` of team PE `pe`'s part as an API value (for folds and prints; mapped PEs only). */
  reader(pe: number): (k: number) => unknown;
}

/** Byte size of the element part, rounded up so the lock area is 8-byte aligned. */
export const dataBytes = (type: ArrayElemType, capacity: number): number => {
  const { region, words } = storageOf(type);
  return Math.ceil((capacity * words * ELEM_CTORS[region].BYTES_PER_ELEMENT) / 8) * 8;
};

/** Bytes of the lock area after the elements. */
const lockBytes = (type: ArrayElemType, capacity: number): number => LOCK_WORDS * 4 + (elemClass(type) === 'wide' ? capacity * 4 : 0);

/** Storage elements (of the region type) to allocate for `capacity` elements plus the lock area. */
export const allocElems = (type: ArrayElemType, capacity: number): number =>
  Math.ceil((dataBytes(type, capacity) + lockBytes(type, capacity)) / ELEM_CTORS[storageOf(type).region].BYTES_PER_ELEMENT);

const metas = new WeakMap<RefState, ArrayMeta>();

/** This PE's meta for the array on `st`, built on first use (by create, or by a decoded handle). */
export function metaFor<T extends ArrayElemType>(st: RefState, region: RegionInternals<ElemType>, type: T, dist: Distribution, total: number): ArrayMeta<T> {
  const have = metas.get(st);
  if (have !== undefined) return have as unknown as ArrayMeta<T>;
  const P = region.team.numPes;
  const layout = new Layout(dist, P, total);
  const cap = layout.capacity;
  const { words } = storageOf(type);
  const db = dataBytes(type, cap);
  const wide = elemClass(type) === 'wide';
  const views: (View | null)[] = [];
  const bits: (View | null)[] | null = type === 'f32' || type === 'f64' ? [] : null;
  const locks: (Int32Array | null)[] = [];
  const elemLocks: (Int32Array | null)[] | null = wide ? [] : null;
  for (let pe = 0; pe < P; pe++) {
    const v = region.view(pe) as TypedArrayOf<ElemType> | null;
    if (v === null) {
      views.push(null);
      bits?.push(null);
      locks.push(null);
      elemLocks?.push(null);
      continue;
    }
    views.push(v.subarray(0, cap * words) as unknown as View);
    const buf = v.buffer as SharedArrayBuffer;
    if (bits !== null) bits.push((type === 'f32' ? new Int32Array(buf, v.byteOffset, cap) : new BigInt64Array(buf, v.byteOffset, cap)) as unknown as View);
    const area = new Int32Array(buf, v.byteOffset + db, LOCK_WORDS);
    locks.push(area);
    const part = pe;
    watchLockArea(area, (i, describe) =>
      st.rt.watchLock(
        () => `a queue for ${i === GLOBAL_LOCK ? 'the GlobalLockArray lock (kept on team PE 0)' : `the LocalLockArray lock of team PE ${part}'s part`} (${describe()})`,
        undefined,
        i === GLOBAL_LOCK ? 'GlobalLockArray' : 'LocalLockArray',
      ),
    );
    elemLocks?.push(new Int32Array(buf, v.byteOffset + db + LOCK_WORDS * 4, cap));
  }
  const meta: ArrayMeta<T> = {
    type,
    words,
    ctor: ELEM_CTORS[storageOf(type).region],
    team: region.team,
    layout,
    region,
    views,
    bits,
    locks,
    elemLocks,
    allMapped: views.every((v) => v !== null),
    ops: new Counter(),
    reader(pe) {
      const v = views[pe]! as unknown as ArrayLike<unknown>;
      return (k) => readElem(type, v, k);
    },
  };
  metas.set(st, meta as unknown as ArrayMeta);
  return meta;
}

/** What every array handle exposes to the op engine, the AMs and the codec. */
export { kArray } from '../core/index.js';

export interface ArrayInternals<T extends ArrayElemType = ArrayElemType> {
  readonly kind: ArrayKind;
  readonly meta: ArrayMeta<T>;
  readonly state: RefState;
  /** First element of this handle's window, in the allocation's global indices. */
  readonly offset: number;
  /** Elements in this handle's window. */
  readonly length: number;
}

/**
 * An array handle's copy for another AM of the same incoming frame (the codec's `copy`, used by
 * serde's decode memo): a new handle on the same window, sharing the first one's caches.
 */
export const kDecodedCopy: unique symbol = Symbol('lamellar.array.decodedCopy');
