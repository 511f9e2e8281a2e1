/**
 * team: the World (every PE) and Teams (ordered subsets), with barriers, waitAll and team
 * collectives. A *collective* must be called by every member in the same order; each runs on
 * its team's sequenced, matched channel (coll/channel.ts). Team PE numbers are team-relative,
 * world PE numbers are global.
 */
export { World, initWorld, type WorldOptions } from './world.js';
export type { PeStats } from './stats.js';
export { Team, kTeamInternals, type TeamInternals } from './team.js';
export { WorldRuntime } from './runtime.js';
export { BlockedArch, StridedArch, resolveArch, type LamellarArch } from './arch.js';
export { Kind } from './coll/kinds.js';
export { State } from './coll/status.js';
export { captureSite, NOT_RECORDED, siteText, type Site } from './coll/site.js';
export type { Channel, Reserved, ExchangeOptions } from './coll/channel.js';
export { followOnCollective } from './coll/channel.js';
export { reserveNamedBarriers } from './named-barrier.js';
export { registerReduction, lookupReduction, type ReductionFn } from './reductions.js';
export type { Reducible, Reduced, ReduceOp, IdentityOp, NumericArray } from './team-collectives.js';
