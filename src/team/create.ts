/**
 * The sub-team creation protocol, collective over the parent team. Every parent member runs:
 *
 * 1. Resolve the arch to parent PEs and world ids, checked against the parent (throws at the
 *    call, before anything is sent). Take the parent's next creation number.
 * 2. Parent allgather #1: a hash of (parent id, creation number, member world ids). Every parent
 *    member receives the same vector, so if any two differ, every one of them throws
 *    TEAM_MISMATCH at the same step: no PE goes on to wait for a collective the others skip.
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
import { ErrorCode, LamellarError } from '../core/index.js';
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
 * cyrb53: a 53-bit string hash, so it travels exactly through an allgather of numbers. Two
 * different creations collide with probability about 2^-53.
 */
function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export async function createSubteam(parent: ParentTeam, arch: LamellarArch, make: MakeTeam): Promise<Team | undefined> {
  const { rt, pes: parentPes } = parent;
  const parentIdx = resolveArch(arch, parentPes.length);
  const pes = parentIdx.map((p) => parentPes[p]!);
  const lamella = rt.lamella;
  const me = pes.indexOf(lamella.myPe);
  const seq = parent.nextCreation();
  const hash = hash53(`${parent.id}/${seq}/${pes.join(',')}`);

  const hashes = await parent.allgather(hash);
  const disagree = parentPes.filter((_, i) => hashes[i] !== hash);
  if (disagree.length > 0) {
    const where = parent.id === 0 ? 'the world' : describeTeam(parentPes);
    throw new LamellarError(
      ErrorCode.TEAM_MISMATCH,
      `team creation mismatch on ${where}: this PE (world PE ${lamella.myPe}) asked for a ${describeTeam(pes)} ` +
        `(${archName(arch)}) as creation #${seq + 1} on that parent, but world PE(s) [${disagree.join(', ')}] asked for a different team ` +
        'or are at a different creation. Create teams in the same order and with the same arch on every PE of the parent team.',
      { details: { parentTeamId: parent.id, creation: seq, members: pes, disagreeingPes: disagree } },
    );
  }

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
