/**
 * A custom team layout (Lamellar's examples/team_examples/custom_team_arch.rs): any object that
 * implements `LamellarArch` can describe a team. This one is block-strided: blocks of
 * `blockSize` consecutive parent PEs, taking every `stride`-th block.
 *
 *   npx lamellar run -N 4 examples/teams/custom_team_arch.ts
 */
import { defineAm, initWorld, type LamellarArch, type Team, type World } from 'lamellar';

/** Team PE t is parent PE startPe + floor(t / blockSize) * stride * blockSize + t % blockSize. */
class BlockStridedArch implements LamellarArch {
  constructor(
    readonly startPe: number,
    readonly stride: number,
    readonly blockSize: number,
    readonly numPes: number,
  ) {}

  get endPe(): number {
    return this.parentPe(this.numPes - 1);
  }

  parentPe(teamPe: number): number {
    const block = Math.floor(teamPe / this.blockSize);
    return this.startPe + block * this.stride * this.blockSize + (teamPe % this.blockSize);
  }

  teamPe(parentPe: number): number | undefined {
    const offset = parentPe - this.startPe;
    const span = this.stride * this.blockSize;
    if (offset < 0 || offset % span >= this.blockSize) return undefined;
    const teamPe = Math.floor(offset / span) * this.blockSize + (offset % span);
    return teamPe < this.numPes ? teamPe : undefined;
  }

  toString(): string {
    return `BlockStridedArch(${this.startPe}, ${this.stride}, ${this.blockSize}, ${this.numPes})`;
  }
}

const TeamAm = defineAm('custom-arch-example/team-am', async (ctx, a: { ms: number }) => {
  await new Promise((resolve) => setTimeout(resolve, a.ms));
  return ctx.currentPe;
});

async function testTeam(world: World, arch: BlockStridedArch): Promise<void> {
  // Collective over the world: every PE passes the same arch.
  const team: Team = await world.createTeamFromArch(arch);
  if (world.myPe === 0) console.log(`------------------- ${arch} -------------------`);
  await world.barrier();
  if (team.isMember) {
    const t0 = performance.now();
    const ranOn = await team.execAmAll(TeamAm, { ms: 100 });
    await team.waitAll();
    await team.barrier();
    const secs = ((performance.now() - t0) / 1000).toFixed(2);
    console.log(`[${world.myPe}] team PE ${team.myPe} of world PEs [${team.pes.join(', ')}]: AMs ran on [${ranOn.join(', ')}] in ${secs} s`);
  }
  await world.barrier();
}

await using world = await initWorld();
const n = world.numPes;

// The odd PEs: blocks of one, every second block, starting at PE 1.
if (n > 1) await testTeam(world, new BlockStridedArch(1, 2, 1, Math.floor(n / 2)));
// The first half: one block of ceil(n / 2).
await testTeam(world, new BlockStridedArch(0, 1, Math.ceil(n / 2), Math.ceil(n / 2)));
// Pairs, every other pair: 0, 1, 4, 5, 8, 9, ...
const pairs = Array.from({ length: n }, (_, pe) => pe).filter((pe) => pe % 4 < 2).length;
await testTeam(world, new BlockStridedArch(0, 2, 2, pairs));
