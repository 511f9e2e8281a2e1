/**
 * The sub-team creation protocol, collective over the parent team. Every parent member runs:
 *
 * 1. Resolve the arch to parent PEs and world ids, checked against the parent. Take the
 *    parent's next creation number, even when the arch is invalid, and two sequence numbers on
 *    the parent's channel (an exchange and a barrier), at the call, so concurrent creations
 *    (Promise.all) keep their order on every PE.
 * 2. Members allocate the team's barrier memory. The exchange carries from every parent PE: a
 *    hash of (parent id, creation number, member world ids), or INVALID from a PE whose arch did
 *    not resolve; its block address (0 from non-members, -1 from a member that could not
 *    allocate); and which of four candidate team ids are free on it. The candidates are hashes
 *    of the new team's path (the parent's path plus the creation number), the same on every PE,
 *    so no id has to be negotiated: the first candidate free on every parent PE is the id.
 *    A PE with a bad arch still joins, so that every parent PE receives the same vector and
 *    rejects at the same step: the PEs with a bad arch with their own reason, the others with
 *    TEAM_MISMATCH naming them; likewise if hashes differ, or OUT_OF_MEMORY if a member could
 *    not allocate. No PE goes on to wait for a collective the others skip.
 * 3. Every parent PE registers the team under that id (members with a channel over the blocks,
 *    the others with a handle that can launch AMs on it), then all pass the parent barrier: when
 *    any PE returns, every PE resolves the id for `ctx.team` and for returned AMs.
 */
import { config, ErrorCode, hash53, LamellarError, timedWait } from '../core/index.js';
import { archName, resolveArch, type LamellarArch } from './arch.js';
import { DisseminationBarrier } from './barrier.js';
import { Channel } from './coll/channel.js';
import { Kind } from './coll/kinds.js';
import { captureSite } from './coll/site.js';
import type { WorldRuntime } from './runtime.js';
import type { Team } from './team.js';

/** What creation needs from the parent team. */
export interface ParentTeam {
  readonly rt: WorldRuntime;
  readonly id: number;
  /** World ids of the parent's members, in parent order. */
  readonly pes: readonly number[];
  readonly channel: Channel;
  /** The parent's path: "w" for the world, then "/creation" per level. */
  readonly path: string;
  /** Numbers this PE's creations on the parent: 0, 1, 2, ... (the same on every member). */
  nextCreation(): number;
}

export type MakeTeam = (id: number, pes: readonly number[], channel: Channel | undefined, path: string, block: number) => Team;

/** "team of world PEs [1, 3]" (shortened for large teams), for messages. */
export function describeTeam(pes: readonly number[]): string {
  const shown = pes.length <= 16 ? pes.join(', ') : `${pes.slice(0, 16).join(', ')}, ... (${pes.length} PEs)`;
  return `team of world PEs [${shown}]`;
}

/**
 * What a PE whose arch did not resolve contributes instead of a hash (hash53 is never negative).
 */
const INVALID = -1;

const CANDIDATES = 4;

/** The k-th candidate id of the team at `path`: a 32-bit hash, never 0 (the world's id). */
function candidateId(path: string, k: number): number {
  return (hash53(`${path}#${k}`) % 0xffffffff) + 1;
}

interface Part {
  h: number;
  a: number;
  f: number;
}

export async function createSubteam(parent: ParentTeam, arch: LamellarArch, make: MakeTeam): Promise<Team> {
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
  // One call site for both reservations, as a region's or an array's creation takes (one capture
  // costs 20-40 µs in a running job).
  const site = captureSite();
  const ex = parent.channel.reserve<Part>(Kind.teamCreation, 'team creation', site);
  const done = parent.channel.reserveSignal(Kind.teamCreation, undefined, site);
  const lamella = rt.lamella;
  const pes = parentIdx?.map((p) => parentPes[p]!) ?? [];
  const path = `${parent.path}/${seq}`;
  const hash = parentIdx === undefined ? INVALID : hash53(`${parent.id}/${seq}/${pes.join(',')}`);
  const me = pes.indexOf(lamella.myPe);
  let block = 0;
  let failure: unknown;
  if (me >= 0) {
    try {
      block = lamella.alloc(DisseminationBarrier.bytes(pes.length));
    } catch (err) {
      block = -1;
      failure = err;
    }
  }
  let free = 0;
  for (let k = 0; k < CANDIDATES; k++) if (!rt.teams.has(candidateId(path, k))) free |= 1 << k;

  let parts: Part[];
  try {
    parts = (await timedWait('collective', () => ex.run({ h: hash, a: block, f: free }))) as Part[];
  } catch (err) {
    done.run().catch(() => undefined);
    if (block > 0) lamella.free(block);
    throw err;
  }
  let outcome: Error | number;
  try {
    outcome = judge(parent, arch, seq, pes, hash, parts, parentIdx, invalid, failure);
  } catch (err) {
    outcome = err as Error;
  }
  let team: Team | undefined;
  if (typeof outcome === 'number') {
    const id = outcome;
    const channel = me >= 0 ? new Channel(rt, id, pes, parentIdx!.map((p) => parts[p]!.a), config().collectiveSites) : undefined;
    team = make(id, pes, channel, path, me >= 0 ? block : 0);
    rt.teams.set(id, team);
    if (channel !== undefined) rt.addChannel(channel);
  }
  // Registered before this barrier on every parent PE: see step 3.
  await timedWait('collective', () => done.run());
  if (team === undefined) {
    if (block > 0) lamella.free(block);
    throw outcome;
  }
  return team;
}

/** The agreed team id, or throws the error every parent PE reaches alike. */
function judge(
  parent: ParentTeam, arch: LamellarArch, seq: number, pes: number[], hash: number, parts: Part[],
  parentIdx: number[] | undefined, invalid: unknown, failure: unknown,
): number {
  const { rt, pes: parentPes } = parent;
  const lamella = rt.lamella;
  if (parentIdx === undefined) throw invalid;
  const where = parent.id === 0 ? 'the world' : describeTeam(parentPes);
  const invalidPes = parentPes.filter((_, i) => parts[i]!.h === INVALID);
  if (invalidPes.length > 0) {
    throw new LamellarError(
      ErrorCode.TEAM_MISMATCH,
      `team creation on ${where} failed: world PE(s) [${invalidPes.join(', ')}] passed an invalid arch (their own error says why), ` +
        `while this PE (world PE ${lamella.myPe}) asked for a ${describeTeam(pes)} (${archName(arch)}) as creation #${seq + 1} on that parent. ` +
        'Every PE of the parent team rejects this creation; the parent stays usable.',
      { details: { parentTeamId: parent.id, creation: seq, members: pes, invalidArchPes: invalidPes, causedBy: invalidPes[0] } },
    );
  }
  const disagree = parentPes.filter((_, i) => parts[i]!.h !== hash);
  if (disagree.length > 0) {
    throw new LamellarError(
      ErrorCode.TEAM_MISMATCH,
      `team creation mismatch on ${where}: this PE (world PE ${lamella.myPe}) asked for a ${describeTeam(pes)} ` +
        `(${archName(arch)}) as creation #${seq + 1} on that parent, but world PE(s) [${disagree.join(', ')}] asked for a different team ` +
        'or are at a different creation. Create teams in the same order and with the same arch on every PE of the parent team.',
      { details: { parentTeamId: parent.id, creation: seq, members: pes, disagreeingPes: disagree } },
    );
  }
  // A member that could not allocate sends -1, so every parent PE fails here together.
  const short = parentIdx.filter((p) => parts[p]!.a < 0).map((p) => parentPes[p]!);
  if (short.length > 0) {
    if (failure !== undefined) throw failure;
    throw new LamellarError(ErrorCode.OUT_OF_MEMORY, `creating a ${describeTeam(pes)}: world PE(s) [${short.join(', ')}] could not allocate the team's barrier memory`, {
      details: { pes: short },
    });
  }
  let common = 0xff;
  for (const p of parts) common &= p.f;
  for (let k = 0; k < CANDIDATES; k++) if ((common & (1 << k)) !== 0) return candidateId(`${parent.path}/${seq}`, k);
  throw new LamellarError(ErrorCode.INTERNAL, `creating a ${describeTeam(pes)}: no free team id among ${CANDIDATES} candidates (hash collisions)`);
}
