/**
 * Meetings that are steps of a named collective call (`UnsafeArray.print()`,
 * `GlobalLockArray.collectiveWriteLocalData()`), as distinct from `barrier()` and from each other.
 */
import { Kind } from './coll/kinds.js';
import type { Site } from './coll/site.js';
import { kTeamInternals, type Team } from './team.js';

/**
 * The opening and closing meetings of every member of `team` that mismatch and deadlock reports
 * name `label`, at the program's call `site`, each taking its collective number now, in order;
 * each function runs its meeting once, when called. Taken at the call: a later meeting that took
 * its number after an earlier one ended (print()'s closing meeting, after team PE 0's reads) got
 * a number that depended on timing, and a collective the program called meanwhile took it on
 * some PEs only.
 *
 * Each is an exchange of no value whose description is `label`, not a barrier: a barrier pairs
 * with any other PE's barrier of its kind (print() with barrier() let one PE past a meeting the
 * other never called; given the kind of a consumer's opening barrier, print() paired with
 * `distIter().count()`), where an exchange's description is compared, so another PE's barrier,
 * consumer or other named call at that number is a mismatch at once. Through team.barrier() where
 * the team has no channel here, for its coded errors.
 */
export function reserveNamedBarriers(team: Team, label: string, site: Site): [open: () => Promise<void>, close: () => Promise<void>] {
  const ch = team[kTeamInternals].channel;
  if (ch === undefined) return [() => team.barrier(), () => team.barrier()];
  const meeting = (): (() => Promise<void>) => {
    const r = ch.reserve<number>(Kind.iteration, label, site);
    return async () => {
      await r.run(0, { site, token: true });
    };
  };
  const open = meeting();
  return [open, meeting()];
}
