/**
 * Collective creation of an object with a distributed lifetime (shared regions, Darcs, arrays):
 * every team PE calls it in the same order. One exchange on the team's channel agrees on the
 * object's id (the coordinator's, team PE 0), carries each PE's contribution (a region's block
 * address), and checks that every PE made the same call; a barrier whose sequence number is
 * taken at the same time ends the creation (`ready`).
 */
import { ErrorCode, LamellarError, timedWait } from '../core/index.js';
import { captureSite, kTeamInternals, type Team, type WorldRuntime } from '../team/index.js';
import { registryOf, RefState, type RefHooks } from './refstate.js';

export interface CollectiveStart {
  rt: WorldRuntime;
  /** Every member's `contribution`, in team order. */
  contributions: number[];
  /** Builds this PE's state once the caller has its resources; `data` goes into `state.data`. */
  makeState(label: string, hooks: RefHooks, data: unknown): RefState;
  /**
   * Collective: resolves once every member has made its state. Until then another member that
   * is already done could send a handle here that this PE could not resolve yet.
   */
  ready(): Promise<void>;
}

/**
 * Agrees on an id for a new collective object of `team`. `desc` names the call and its
 * arguments (e.g. "allocSharedMemRegion('f64', 1024)"); PEs that disagree all throw
 * COLLECTIVE_MISMATCH. `kind` is the collective's kind on the team's channel, and
 * `contribution` this PE's number for the others (a block address), or a promise of it: the
 * call's place in the team's order is taken at once all the same.
 */
export async function startCollective(team: Team, kind: number, desc: string, contribution: number | Promise<number> = 0, invalid?: LamellarError): Promise<CollectiveStart> {
  const internals = team[kTeamInternals];
  const rt = internals.runtime;
  internals.checkLive(desc);
  const ch = internals.channel;
  if (ch === undefined) {
    throw new LamellarError(
      ErrorCode.TEAM_MISMATCH,
      `${desc}: world PE ${rt.lamella.myPe} is not a member of ${rt.teamName(internals.id)}; only its members create objects on it (check team.isMember)`,
      { details: { desc, teamId: internals.id } },
    );
  }
  const reg = registryOf(rt);
  // Taken before any await so a one-sided allocation meanwhile cannot get the same id, and the
  // two sequence numbers so that concurrent creations keep their order on every PE.
  const mine = reg.nextId++;
  // One call site for both (a capture costs 20-40 us in a running job): the same user line made them.
  const site = captureSite();
  const ex = ch.reserve<[number, number]>(kind, desc, site, invalid !== undefined);
  const done = ch.reserveSignal(kind, undefined, site);
  let all: [number, number][];
  try {
    let c: number;
    try {
      c = typeof contribution === 'number' ? contribution : await contribution;
    } catch (err) {
      // The call's place is taken: it still takes its turn, as a refusal, so no member waits.
      const refusal = err instanceof LamellarError ? err : new LamellarError(ErrorCode.INVALID_ARGUMENT, String(err), { cause: err });
      await ex.run([mine, -1], { invalid: refusal }).catch(() => undefined);
      throw err;
    }
    all = (await timedWait('collective', () => ex.run([mine, c], invalid === undefined ? undefined : { invalid }))) as [number, number][];
  } catch (err) {
    // Every member rejects alike here (mismatched descriptions), so all skip the barrier alike;
    // running it keeps the team's later signal collectives from waiting behind it.
    void done.run().catch(() => undefined);
    throw err;
  }
  const id = all[0]![0];
  const coord = team.pes[0]!;
  return {
    rt,
    contributions: all.map((x) => x[1]),
    makeState(label, hooks, data) {
      const st = new RefState(rt, reg, coord, id, team.pes, false, label, hooks);
      st.data = data;
      reg.states.set(st.key, st);
      return st;
    },
    ready: () => timedWait('collective', () => done.run()),
  };
}

/**
 * A creation this PE refuses for its own bad input (`err`): it still takes its turn in the
 * team's creation, as a refusal, so every member rejects the same call with `err`'s code and
 * the team stays usable. Throwing alone would leave the others waiting in the creation and the
 * team's collectives out of step (the next one stops the job with COLLECTIVE_MISMATCH).
 * A bad team argument cannot be refused this way: that PE does not know which team to tell.
 */
export async function refuseCollective(team: Team, kind: number, desc: string, err: LamellarError): Promise<never> {
  await startCollective(team, kind, desc, 0, err);
  throw err;
}
