/**
 * Per-PE facts about one array, shared by all its handles on this PE: the layout, the cached
 * element views of every PE's part (where mapped), and the lock words. The array's memory is
 * one symmetric region holding `capacity` elements, then (8-byte aligned) a small lock area:
 *   [ element 0 .. capacity-1 | pad to 8 | i32 local lock | i32 global lock | i32 count | i32 ]
 * Its lifetime is the region's RefState (Darc semantics), which every array handle shares.
 */
import type { ElemType, RefState, RegionInternals, TypedArrayOf } from '../memregion/internal.js';
import { ELEM_CTORS } from '../memregion/internal.js';
import type { Team } from '../team/index.js';
import { Layout } from './layout.js';
import type { View } from './ops/kernels.js';
import type { ArrayKind, Distribution } from './types.js';

export const LOCK_WORDS = 4;

export interface ArrayMeta<T extends ElemType = ElemType> {
  readonly type: T;
  readonly team: Team;
  readonly layout: Layout;
  readonly region: RegionInternals<T>;
  /** Element views (capacity elements) per team PE; null where not mapped (tcp). */
  readonly views: (View | null)[];
  /** Bit-pattern views per team PE for float atomics; null for integer types. */
  readonly bits: (View | null)[] | null;
  /** Lock words per team PE; null where not mapped. */
  readonly locks: (Int32Array | null)[];
  /** Every PE's part is mapped here: ops need no message. */
  readonly allMapped: boolean;
}

/** Byte size of the element part, rounded up so the lock area is 8-byte aligned. */
export const dataBytes = (type: ElemType, capacity: number): number => Math.ceil((capacity * ELEM_CTORS[type].BYTES_PER_ELEMENT) / 8) * 8;

/** Elements to allocate for `capacity` elements plus the lock area. */
export const allocElems = (type: ElemType, capacity: number): number =>
  Math.ceil((dataBytes(type, capacity) + LOCK_WORDS * 4) / ELEM_CTORS[type].BYTES_PER_ELEMENT);

const metas = new WeakMap<RefState, ArrayMeta>();

/** This PE's meta for the array on `st`, built on first use (by create, or by a decoded handle). */
export function metaFor<T extends ElemType>(st: RefState, region: RegionInternals<T>, dist: Distribution, total: number): ArrayMeta<T> {
  const have = metas.get(st);
  if (have !== undefined) return have as unknown as ArrayMeta<T>;
  const P = region.team.numPes;
  const layout = new Layout(dist, P, total);
  const cap = layout.capacity;
  const db = dataBytes(region.type, cap);
  const views: (View | null)[] = [];
  const bits: (View | null)[] | null = region.type === 'f32' || region.type === 'f64' ? [] : null;
  const locks: (Int32Array | null)[] = [];
  for (let pe = 0; pe < P; pe++) {
    const v = region.view(pe) as TypedArrayOf<ElemType> | null;
    if (v === null) {
      views.push(null);
      bits?.push(null);
      locks.push(null);
      continue;
    }
    views.push(v.subarray(0, cap) as unknown as View);
    if (bits !== null) {
      const buf = v.buffer as SharedArrayBuffer;
      bits.push((region.type === 'f32' ? new Int32Array(buf, v.byteOffset, cap) : new BigInt64Array(buf, v.byteOffset, cap)) as unknown as View);
    }
    locks.push(new Int32Array(v.buffer as SharedArrayBuffer, v.byteOffset + db, LOCK_WORDS));
  }
  const meta: ArrayMeta<T> = { type: region.type, team: region.team, layout, region, views, bits, locks, allMapped: views.every((v) => v !== null) };
  metas.set(st, meta as unknown as ArrayMeta);
  return meta;
}

/** What every array handle exposes to the op engine, the AMs and the codec. */
export { kArray } from '../core/index.js';

export interface ArrayInternals<T extends ElemType = ElemType> {
  readonly kind: ArrayKind;
  readonly meta: ArrayMeta<T>;
  readonly state: RefState;
  /** First element of this handle's window, in the allocation's global indices. */
  readonly offset: number;
  /** Elements in this handle's window. */
  readonly length: number;
}
