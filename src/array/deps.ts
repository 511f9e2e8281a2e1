/** Types the array classes share in their signatures (one import line per file). */
export type { ElemType, ElemValue, ReadonlyTypedArrayOf, TypedArrayOf } from '../memregion/internal.js';
export type { World } from '../team/index.js';
