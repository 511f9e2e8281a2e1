/**
 * The package's internal entry point, for its own tests and tools: the runtime behind a World,
 * the team internals, the config and the reference registry. Not part of the API: the package's
 * `exports` do not include it, and it changes whenever the internals do. Import it by path
 * (`../../dist/internal.js`), never from 'lamellar'.
 */
import { kTeamInternals } from './core/index.js';
import type { Team, TeamInternals, World, WorldRuntime } from './team/index.js';

export { config, kClosure } from './core/index.js';
export { definitionsAwaited, newAmHandle } from './am/index.js';
export { registryOf } from './memregion/internal.js';
export type { TeamInternals, WorldRuntime } from './team/index.js';

/** The per-PE runtime (lamella, AM engine, teams) behind a World or Team. */
export function runtimeOf(worldOrTeam: World | Team): WorldRuntime {
  const team = 'team' in worldOrTeam ? worldOrTeam.team : worldOrTeam;
  return team[kTeamInternals].runtime;
}

/** A team's id, allgather and member-list fingerprint, as the runtime keeps them. */
export function teamInternals(team: Team): TeamInternals {
  return team[kTeamInternals];
}
