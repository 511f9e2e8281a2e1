/**
 * team: the World (every PE) and Teams (ordered subsets), with barriers and waitAll.
 * A *collective* must be called by every member in the same order; team PE numbers are
 * team-relative, world PE numbers are global.
 */
export { World, initWorld, type WorldOptions } from './world.js';
export type { PeStats } from './stats.js';
export { Team, kTeamInternals, type TeamInternals } from './team.js';
export { WorldRuntime } from './runtime.js';
export { BlockedArch, StridedArch, resolveArch, type LamellarArch } from './arch.js';
