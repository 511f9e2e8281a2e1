/**
 * The sub-team creation protocol, collective over the parent team. Every parent member runs:
 *
 * 1. Resolve the arch to parent PEs and world ids, checked against the parent. Take the
 *    parent's next creation number, even when the arch is invalid.
 * 2. Parent allgather #1: a hash of (parent id, creation number, member world ids), or INVALID
 *    from a PE whose arch did not resolve. A PE with a bad arch must still join this exchange:
 *    had it thrown alone, the others would wait in the allgather for it forever. Every parent
 *    member receives the same vector, so all reject at the same step: the PEs with a bad arch
 *    with their own reason, the others with TEAM_MISMATCH naming them; likewise, if any two
 *    hashes differ, every member throws TEAM_MISMATCH. No PE goes on to wait for a collective
 *    the others skip, and the creation numbers stay in step for the next creation.
 * 3. Members allocate the team's block of heap (SubteamCollectives.bytes). Parent allgather #2:
 *    the block addresses (0 from non-members, -1 from a member that could not allocate, which
 *    fails every PE together). Non-members return undefined here; members build the team's
 *    barrier and allgather over those blocks.
 * 4. Team id, over the new team's own allgather: each member proposes an id it has never
 *    proposed, the largest proposal wins, and each member registers the team under it unless it
 *    already has a team with that id (possible only when this PE creates teams on two parents
 *    at once). A second allgather of those outcomes decides: all registered, done; otherwise
 *    everyone unregisters and tries again with higher proposals. Registration precedes that
 *    allgather's barrier, so when any member returns, every member resolves the id for `ctx.team`.
 */
import { ErrorCode, hash53, LamellarError } from '../core/index.js';
import { archName, resolveArch, type LamellarArch } from './arch.js';
import { SubteamCollectives } from './collectives.js';
import type { WorldRuntime } from './runtime.js';
import type { Team } from './team.js';

/** What creation needs from the parent team. */
export interface ParentTeam {
  readonly rt: WorldRuntime;
  readonly id: number;
  /** World ids of the parent's members, in parent order. */
  readonly pes: readonly number[];
  allgather(value: number): Promise<number[]>;
  /** Numbers this PE's creations on the parent: 0, 1, 2, ... (the same on every member). */
  nextCreation(): number;
}

export type MakeTeam = (id: number, pes: readonly number[], sync: SubteamCollectives) => Team;

/** "team of world PEs [1, 3]" (shortened for large teams), for messages. */
export function describeTeam(pes: readonly number[]): string {
  const shown = pes.length <= 16 ? pes.join(', ') : `${pes.slice(0, 16).join(', ')}, ... (${pes.length} PEs)`;
  return `team of world PEs [${shown}]`;
}

/**
 * What a PE whose arch did not resolve contributes instead of a hash (hash53 is never negative).
 */
const INVALID = -1;

export async function createSubteam(parent: ParentTeam, arch: LamellarArch, make: MakeTeam): Promise<Team | undefined> {
  const { rt, pes: parentPes } = parent;
  let parentIdx: number[] | undefined;
  let invalid: unknown;
  try {
    parentIdx = resolveArch(arch, parentPes.length);
  } catch (err) {
    // A custom arch's own methods may throw anything; the caller still gets a coded error.
    invalid = err instanceof LamellarError
      ? err
      : new LamellarError(ErrorCode.INVALID_ARGUMENT, `the team arch threw while being resolved: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const seq = parent.nextCreation();
  const lamella = rt.lamella;
  const pes = parentIdx?.map((p) => parentPes[p]!) ?? [];
  const hash = parentIdx === undefined ? INVALID : hash53(`${parent.id}/${seq}/${pes.join(',')}`);

  const hashes = await parent.allgather(hash);
  if (parentIdx === undefined) throw invalid;
  const where = parent.id === 0 ? 'the world' : describeTeam(parentPes);
  const invalidPes = parentPes.filter((_, i) => hashes[i] === INVALID);
  if (invalidPes.length > 0) {
    throw new LamellarError(
      ErrorCode.TEAM_MISMATCH,
      `team creation on ${where} failed: world PE(s) [${invalidPes.join(', ')}] passed an invalid arch (their own error says why), ` +
        `while this PE (world PE ${lamella.myPe}) asked for a ${describeTeam(pes)} (${archName(arch)}) as creation #${seq + 1} on that parent. ` +
        'Every PE of the parent team rejects this creation; the parent stays usable.',
      { details: { parentTeamId: parent.id, creation: seq, members: pes, invalidArchPes: invalidPes } },
    );
  }
  const disagree = parentPes.filter((_, i) => hashes[i] !== hash);
  if (disagree.length > 0) {
    throw new LamellarError(
      ErrorCode.TEAM_MISMATCH,
      `team creation mismatch on ${where}: this PE (world PE ${lamella.myPe}) asked for a ${describeTeam(pes)} ` +
        `(${archName(arch)}) as creation #${seq + 1} on that parent, but world PE(s) [${disagree.join(', ')}] asked for a different team ` +
        'or are at a different creation. Create teams in the same order and with the same arch on every PE of the parent team.',
      { details: { parentTeamId: parent.id, creation: seq, members: pes, disagreeingPes: disagree } },
    );
  }
  const me = pes.indexOf(lamella.myPe);

  let block = 0;
  let failure: unknown;
  if (me >= 0) {
    try {
      block = lamella.alloc(SubteamCollectives.bytes(pes.length));
    } catch (err) {
      block = -1;
      failure = err;
    }
  }
  const addrs = await parent.allgather(block);
  // A member that could not allocate sends -1, so every parent member fails here together.
  const short = parentIdx.filter((p) => addrs[p]! < 0).map((p) => parentPes[p]!);
  if (short.length > 0) {
    if (block > 0) lamella.free(block);
    if (failure !== undefined) throw failure;
    throw new LamellarError(ErrorCode.OUT_OF_MEMORY, `creating a ${describeTeam(pes)}: world PE(s) [${short.join(', ')}] could not allocate the team's barrier memory`, {
      details: { pes: short },
    });
  }
  if (me < 0) return undefined;
  const sync = new SubteamCollectives(lamella, pes, parentIdx.map((p) => addrs[p]!), me, describeTeam(pes));
  for (;;) {
    const proposals = await sync.allgather(rt.proposeTeamId());
    const id = Math.max(...proposals);
    const team = make(id, pes, sync);
    const claimed = rt.claimTeamId(id, team);
    const outcomes = await sync.allgather(claimed ? 1 : 0);
    if (outcomes.every((x) => x === 1)) return team;
    if (claimed) rt.teams.delete(id);
  }
}
