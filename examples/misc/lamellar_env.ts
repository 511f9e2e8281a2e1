/**
 * What each runtime object says about where it runs, after Lamellar's lamellar_env example: the
 * world, Darcs of the three kinds, an array through its conversions, and a strided team of the
 * even PEs (only its members print it).
 *
 *   npx lamellar run -N 4 examples/misc/lamellar_env.ts
 */
import { Darc, GlobalRwDarc, initWorld, LocalRwDarc, StridedArch, UnsafeArray, type Team } from 'lamellar';

await using world = await initWorld();
const me = world.myPe;
const lines: string[] = [];
// Lamellar's LamellarEnv: my_pe and num_pes on every object, relative to its team.
const env = (what: string, o: { myPe: number; numPes: number; team: Team }): void => {
  lines.push(`environment from ${what}: my_pe ${o.myPe}, num_pes ${o.numPes}, world PEs [${o.team.pes.join(', ')}]`);
};

const darc = await Darc.create(world, 0);
const lrw = await LocalRwDarc.create(world, 0);
const grw = await GlobalRwDarc.create(world, 0);
const team = await world.createTeamFromArch(new StridedArch(0, 2, Math.ceil(world.numPes / 2)));
env('world', world);
env('Darc', darc);
env('LocalRwDarc', lrw);
env('GlobalRwDarc', grw);
const unsafe = await UnsafeArray.create(world, { type: 'u8', length: 10, distribution: 'block' });
env('UnsafeArray', unsafe);
const atomic = await unsafe.intoAtomic();
env('AtomicArray', atomic);
const localLock = await atomic.intoLocalLock();
env('LocalLockArray', localLock);
const globalLock = await localLock.intoGlobalLock();
env('GlobalLockArray', globalLock);
if (team.isMember) env('team', { myPe: team.myPe, numPes: team.numPes, team });
console.log(lines.map((l) => `[${me}] ${l}`).join('\n'));
await world.barrier();
await Promise.all([darc.drop(), lrw.drop(), grw.drop(), globalLock.drop()]);
