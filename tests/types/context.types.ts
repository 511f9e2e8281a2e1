/**
 * Compile-only type tests for what an AM sees: `ctx.team` and `ctx.world` are the full `Team`,
 * so an AM can make Darcs, memory regions and sub-teams on them, and launch nested AMs with
 * inferred results. Never executed (the collectives below would need every member to call them).
 */
import {
  BlockedArch,
  Darc,
  defineAm,
  LocalRwDarc,
  TaskGroup,
  type AmContext,
  type AmHandle,
  type OneSidedMemoryRegion,
  type SharedMemoryRegion,
  type Team,
} from 'lamellar';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T>(_v: T): void => {};
const assertEqual = <A, B>(_eq: Equal<A, B>): void => {};

assertEqual<AmContext['team'], Team>(true);
assertEqual<AmContext['world'], Team>(true);

const Leaf = defineAm('types/ctx-leaf', (_ctx, a: { x: number }) => a.x + 1);

export const UsesTeams = defineAm('types/ctx-teams', async (ctx, a: { n: number }) => {
  assertEqual<typeof ctx.team, Team>(true);
  assertEqual<typeof ctx.world, Team>(true);

  const d = await Darc.create(ctx.team, { n: a.n });
  assertEqual<typeof d, Darc<{ n: number }>>(true);
  const rw = await LocalRwDarc.create(ctx.world, [a.n]);
  assertEqual<typeof rw, LocalRwDarc<number[]>>(true);

  const sub = await ctx.team.createSubteamFromArch(new BlockedArch(0, 1));
  assertEqual<typeof sub, Team>(true);

  const region = await ctx.team.allocSharedMemRegion('f64', 4);
  assertEqual<typeof region, SharedMemoryRegion<'f64'>>(true);
  const mine = ctx.world.allocOneSidedMemRegion('u8', 8);
  assertEqual<typeof mine, OneSidedMemoryRegion<'u8'>>(true);

  const h = ctx.team.execAmPe(0, Leaf, { x: 1 });
  assertEqual<typeof h, AmHandle<number>>(true);
  expectType<number[]>(await ctx.world.execAmAll(Leaf, { x: 2 }));
  const tg = new TaskGroup(ctx.team);
  expectType<number>(await tg.execAmPe(0, Leaf, { x: 3 }));

  // @ts-expect-error: nested launches check their arguments too
  ctx.team.execAmPe(0, Leaf, { x: 'one' });
  // @ts-expect-error: Team has no shutdown; only the World does
  await ctx.world.shutdown();
  return sub?.numPes ?? 0;
});
