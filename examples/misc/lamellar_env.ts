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
const env = (what: string, team: Team): void => {
  lines.push(`environment from ${what}: my_pe ${team.myPe}, num_pes ${team.numPes}, world PEs [${team.pes.join(', ')}]`);
};

const darc = await Darc.create(world, 0);
const lrw = await LocalRwDarc.create(world, 0);
const grw = await GlobalRwDarc.create(world, 0);
const team = await world.createTeamFromArch(new StridedArch(0, 2, Math.ceil(world.numPes / 2)));
env('world', world.team);
env('Darc', darc.team);
env('LocalRwDarc', lrw.team);
env('GlobalRwDarc', grw.team);
const unsafe = await UnsafeArray.create(world, { type: 'u8', length: 10, distribution: 'block' });
env('UnsafeArray', unsafe.team);
const atomic = await unsafe.intoAtomic();
env('AtomicArray', atomic.team);
const localLock = await atomic.intoLocalLock();
env('LocalLockArray', localLock.team);
const globalLock = await localLock.intoGlobalLock();
env('GlobalLockArray', globalLock.team);
if (team.isMember) env('team', team);
console.log(lines.map((l) => `[${me}] ${l}`).join('\n'));
await world.barrier();
await Promise.all([darc.drop(), lrw.drop(), grw.drop(), globalLock.drop()]);
