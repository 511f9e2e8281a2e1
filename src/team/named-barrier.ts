/**
 * Meetings that are steps of a named collective call (`UnsafeArray.print()`,
 * `GlobalLockArray.collectiveWriteLocalData()`), as distinct from `barrier()` and from each other.
 */
import { Kind } from './coll/kinds.js';
import type { Site } from './coll/site.js';
import { kTeamInternals, type Team } from './team.js';

/**
 * A meeting of every member of `team` that mismatch and deadlock reports name `label`, at the
 * program's call `site`. An exchange of no value whose description is `label`, not a barrier: a
 * barrier pairs with any other PE's barrier of its kind (print() with barrier() let one PE past a
 * meeting the other never called; given the kind of a consumer's opening barrier, print() paired
 * with `distIter().count()`), where an exchange's description is compared, so another PE's
 * barrier, consumer or other named call at that number is a mismatch at once. Through
 * team.barrier() where the team has no channel here, for its coded errors.
 */
export async function namedBarrier(team: Team, label: string, site: Site): Promise<void> {
  const ch = team[kTeamInternals].channel;
  if (ch === undefined) return team.barrier();
  await ch.exchange(Kind.iteration, label, 0, { site, token: true });
}
