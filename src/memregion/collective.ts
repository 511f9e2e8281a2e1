/**
 * Collective creation of an object with a distributed lifetime (shared regions, Darcs): every
 * team PE calls it in the same order. One allgather agrees on the object's id (the coordinator's,
 * team PE 0) and checks that every PE made the same call, before anything is allocated.
 */
import { ErrorCode, fnv1a32, LamellarError } from '../core/index.js';
import { kTeamInternals, type Team, type WorldRuntime } from '../team/index.js';
import { registryOf, RefState, type RefHooks } from './refstate.js';

/** 20 bits of a call's description, so mismatched collectives can be told apart. */
function fingerprint(desc: string): number {
  return fnv1a32(desc) & 0xfffff;
}

const ID_SPAN = 2 ** 32;

export interface CollectiveStart {
  rt: WorldRuntime;
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
 * COLLECTIVE_MISMATCH.
 */
export async function startCollective(team: Team, desc: string): Promise<CollectiveStart> {
  const internals = team[kTeamInternals];
  const rt = internals.runtime;
  rt.checkOpen(desc);
  const reg = registryOf(rt);
  // Taken before the await so a one-sided allocation meanwhile cannot get the same id.
  const mine = reg.nextId++;
  const fp = fingerprint(desc);
  const all = await internals.allgather(fp * ID_SPAN + mine);
  const fps = all.map((v) => Math.floor(v / ID_SPAN));
  if (fps.some((f) => f !== fp)) {
    const odd = fps.map((f, pe) => (f === fp ? -1 : pe)).filter((pe) => pe >= 0);
    throw new LamellarError(
      ErrorCode.COLLECTIVE_MISMATCH,
      `mismatched collective call: this PE (team PE ${team.myPe}) called ${desc}, but team PE(s) ${odd.join(', ')} made a different call or passed different arguments; every team PE must make the same collective calls in the same order`,
      { details: { desc, pes: odd } },
    );
  }
  const id = all[0]! % ID_SPAN;
  const coord = team.pes[0]!;
  return {
    rt,
    makeState(label, hooks, data) {
      const st = new RefState(rt, reg, coord, id, team.pes, false, label, hooks);
      st.data = data;
      reg.states.set(st.key, st);
      return st;
    },
    ready: () => team.barrier(),
  };
}
