/**
 * A shuffled team (Lamellar's examples/team_examples/random_team.rs): a custom arch that puts
 * the parent's PEs in a pseudo-random order, a sub-team of it, and recursive AMs that walk a
 * team in team order and return the path of world PEs they visited.
 *
 * The shuffle is seeded, so every PE computes the same arch. With an unseeded shuffle
 * (Math.random) each PE would ask for a different team, and creation would fail on every PE
 * with LAMELLAR_ERR_TEAM_MISMATCH.
 *
 *   npx lamellar run -N 4 examples/teams/random_team.ts
 */
import { defineAm, initWorld, type LamellarArch } from 'lamellar';

/** mulberry32: a small seeded PRNG, the same sequence on every PE. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `numPes` of the parent PEs minPe..maxPe-1, in a shuffled order. */
class RandomArch implements LamellarArch {
  readonly #pes: number[];

  constructor(minPe: number, maxPe: number, numPes: number) {
    const rand = prng(minPe + maxPe + numPes);
    const pes = Array.from({ length: maxPe - minPe }, (_, i) => minPe + i);
    for (let i = pes.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [pes[i], pes[j]] = [pes[j]!, pes[i]!];
    }
    this.#pes = pes.slice(0, numPes);
  }

  get numPes(): number {
    return this.#pes.length;
  }
  get startPe(): number {
    return Math.min(...this.#pes);
  }
  get endPe(): number {
    return Math.max(...this.#pes);
  }
  parentPe(teamPe: number): number {
    const pe = this.#pes[teamPe];
    if (pe === undefined) throw new RangeError(`team PE ${teamPe} is not in this ${this.numPes}-PE arch`);
    return pe;
  }
  teamPe(parentPe: number): number | undefined {
    const i = this.#pes.indexOf(parentPe);
    return i < 0 ? undefined : i;
  }
  toString(): string {
    return `RandomArch[${this.#pes.join(', ')}]`;
  }
}

/** Hops to the next team PE until it is back where it started; returns the world PEs visited. */
const RecursiveAm = defineAm('random-team-example/recursive', async (ctx, a: { orig: number }): Promise<string[]> => {
  const here = `[PE ${ctx.currentPe} = team PE ${ctx.team.myPe}]`;
  console.log(`\tin RecursiveAm on PE ${ctx.currentPe} (team PE ${ctx.team.myPe} of ${ctx.team.numPes}), started at team PE ${a.orig}`);
  const next = (ctx.team.myPe + 1) % ctx.team.numPes;
  if (next === a.orig) return [here];
  return [here, ...(await ctx.team.execAmPe(next, RecursiveAm, a))];
});

const DataAm = defineAm('random-team-example/data', (ctx, a: { worldPe: number; parentPe: number; teamPe: number }) => {
  console.log(`Hello on PE ${ctx.currentPe} from ${JSON.stringify(a)}`);
});

/** This PE's paths, fetched by PE 0 at the end so the output comes in PE order. */
const paths: string[] = [];
const GetPaths = defineAm('random-team-example/get-paths', () => paths);

await using world = await initWorld();
const n = world.numPes;
if (n < 2) {
  console.log('the random team example is meant for 2 PEs or more');
} else {
  const randArch = new RandomArch(0, n, n);
  const random = await world.createTeamFromArch(randArch);
  if (world.myPe === 0) console.log(`random team: ${randArch}, so its world PEs in team order are [${random.pes.join(', ')}]`);

  const subArch = new RandomArch(0, n, 2);
  const sub = await random.createSubteamFromArch(subArch);
  if (sub.myPe === 0) console.log(`sub team: ${subArch} of the random team, so world PEs [${sub.pes.join(', ')}]`);
  await world.barrier();

  if (sub.isMember) {
    for (let i = 0; i < sub.numPes; i++) {
      await sub.execAmPe(i, DataAm, { worldPe: world.myPe, parentPe: random.myPe, teamPe: sub.myPe });
    }
  }
  await world.barrier();

  const path = await random.execAmPe(random.myPe, RecursiveAm, { orig: random.myPe });
  paths.push(`[${world.myPe}] random team path: ${path.join(' -> ')}`);
  if (sub.isMember) {
    const subPath = await sub.execAmPe(sub.myPe, RecursiveAm, { orig: sub.myPe });
    paths.push(`[${world.myPe}] sub team path:    ${subPath.join(' -> ')}`);
  }
  await world.barrier();
  if (world.myPe === 0) for (const lines of await world.execAmAll(GetPaths)) for (const line of lines) console.log(line);
  await world.barrier();
}
