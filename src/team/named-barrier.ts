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

/**
 * `count` meetings of one named call, each taking its number now, in order (`namedBarrier` takes
 * its number when it is called). A call whose later meeting was taken after an earlier one ended
 * (print()'s closing meeting, after its opening one and team PE 0's reads) got a number that
 * depended on timing: a collective the program called meanwhile took it on some PEs only, and
 * the job failed with a mismatch. Each function runs its meeting once, when called.
 */
export function reserveNamedBarriers(team: Team, label: string, site: Site, count: number): (() => Promise<void>)[] {
  const ch = team[kTeamInternals].channel;
  if (ch === undefined) return Array.from({ length: count }, () => () => team.barrier());
  return Array.from({ length: count }, () => {
    const r = ch.reserve<number>(Kind.iteration, label, site);
    return async () => {
      await r.run(0, { site, token: true });
    };
  });
}
