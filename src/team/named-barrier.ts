/**
 * Barriers that are steps of a named collective call (`UnsafeArray.print()`,
 * `GlobalLockArray.collectiveWriteLocalData()`), as distinct from `barrier()`.
 */
import { Kind } from './coll/kinds.js';
import type { Site } from './coll/site.js';
import { kTeamInternals, type Team } from './team.js';

/**
 * A barrier of `team` that mismatch and deadlock reports name `label`, at the program's call
 * `site`. It is of the named kind (Kind.iteration, as a consumer's opening barrier), not of
 * barrier()'s: a PE whose program called barrier() at that number meets a mismatch at once,
 * where a second barrier() would have paired with it and let one PE past a meeting the other
 * never called. Through team.barrier() where the team has no channel here, for its coded errors.
 */
export function namedBarrier(team: Team, label: string, site: Site): Promise<void> | undefined {
  const ch = team[kTeamInternals].channel;
  return ch === undefined ? team.barrier() : ch.signal(Kind.iteration, { label, site });
}
