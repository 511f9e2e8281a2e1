/** Types the array classes share in their signatures (one import line per file). */
export type { World } from '../team/index.js';
