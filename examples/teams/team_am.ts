/**
 * Teams and active messages (Lamellar's examples/team_examples/team_am.rs): make a team of the
 * first half of the PEs and one of the even PEs, run AMs and barriers on each, then a sub-team
 * of the first-half team. PEs outside a team get a non-member handle from the (collective)
 * creation (`team.isMember` is false): it could launch AMs on the team, but takes part in none
 * of its barriers or other collectives.
 *
 *   npx lamellar run -N 4 examples/teams/team_am.ts
 */
import { BlockedArch, defineAm, initWorld, StridedArch, type Team, type World } from 'lamellar';

const TeamAm = defineAm('team-example/team-am', async (ctx, a: { ms: number }) => {
  await new Promise((resolve) => setTimeout(resolve, a.ms));
  return `PE ${ctx.currentPe} is team PE ${ctx.team.myPe} of [${ctx.team.pes.join(', ')}]`;
});

/** Prints one line per PE, in PE order. */
async function inOrder(world: World, line: string): Promise<void> {
  for (let pe = 0; pe < world.numPes; pe++) {
    if (pe === world.myPe) console.log(line);
    await world.barrier();
  }
}

/** Members run a 200 ms AM on every member, wait for it, and meet; everyone reports. */
async function testTeam(world: World, team: Team | undefined, label: string): Promise<void> {
  if (world.myPe === 0) console.log(`------------------- testing ${label} -------------------`);
  await world.barrier();
  let line = `[${world.myPe}] not a member of the ${label}`;
  if (team?.isMember === true) {
    if (team.myPe === 0) console.log(`${label}: world PEs [${team.pes.join(', ')}] in team order`);
    const t0 = performance.now();
    const results = await team.execAmAll(TeamAm, { ms: 200 });
    await team.waitAll();
    await team.barrier(); // members only: the others are already waiting in the world barrier below
    line = `[${world.myPe}] team PE ${team.myPe}: ${results.length} AMs in ${((performance.now() - t0) / 1000).toFixed(2)} s; last: ${results.at(-1)}`;
  }
  await world.barrier();
  await inOrder(world, line);
}

await using world = await initWorld();
const n = world.numPes;

if (world.myPe === 0) console.log('------------------- testing world -------------------');
const t0 = performance.now();
await world.execAmAll(TeamAm, { ms: 100 });
await world.waitAll();
await world.barrier();
await inOrder(world, `[${world.myPe}] world: elapsed ${((performance.now() - t0) / 1000).toFixed(2)} s`);

const firstHalf = await world.createTeamFromArch(new BlockedArch(0, Math.ceil(n / 2)));
await testTeam(world, firstHalf, 'first half team');

const evens = await world.createTeamFromArch(new StridedArch(0, 2, Math.ceil(n / 2)));
await testTeam(world, evens, 'even team');

// A sub-team is collective over its parent only: the first-half members create it.
if (n > 3) {
  const secondHalfOfFirst =
    !firstHalf.isMember
      ? undefined
      : await firstHalf.createSubteamFromArch(new BlockedArch(Math.ceil(firstHalf.numPes / 2), Math.floor(firstHalf.numPes / 2)));
  await testTeam(world, secondHalfOfFirst, 'second half sub team');
}
