/**
 * Compile-only type tests: `npm run typecheck` fails if inference regresses or if a line marked
 * @ts-expect-error starts to compile. Never executed.
 */
import { AmGroup, closure, defineAm, returnAm, TaskGroup, type AmContext, type AmHandle, type MultiAmHandle, type World } from 'lamellar';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T>(_v: T): void => {};
const assertEqual = <A, B>(_eq: Equal<A, B>): void => {};

const Hello = defineAm('types/hello', async (ctx, args: { from: number }) => `pe ${ctx.currentPe} from ${args.from}`);
const Sync = defineAm('types/sync', (_ctx, args: { x: number }) => args.x * 2);
const NoArgs = defineAm('types/no-args', async () => 42n);
const Nothing = defineAm('types/nothing', async (_ctx, _args: { n: number }) => {});
const Pong = defineAm('types/pong', async (_ctx, a: { from: number }) => ({ pong: a.from }));
const Ping = defineAm('types/ping', async (ctx) => returnAm(Pong, { from: ctx.currentPe }));

// Local AMs with live arguments, as docs/guide.md shows them (Lamellar's #[local_am]).
interface Work { queue: number[]; report: (x: number) => void }
const DrainAm = defineAm('types/drain', async (_ctx, a: unknown) => {
  const w = a as Work;
  for (let x = w.queue.pop(); x !== undefined; x = w.queue.pop()) w.report(x);
});
const drainFn = async (_ctx: AmContext, w: Work): Promise<number> => w.queue.length;

// A recursive AM with its return type written, as docs/guide.md says it must be (TS7022 otherwise).
const Rec = defineAm('types/rec', async (ctx, a: { left: number }): Promise<number[]> => {
  if (a.left === 0) return [ctx.currentPe];
  const rest = await ctx.team.execAmPe((ctx.team.myPe + 1) % ctx.team.numPes, Rec, { left: a.left - 1 });
  return [ctx.currentPe, ...rest];
});

export async function typeTests(world: World): Promise<void> {
  const h = world.execAmPe(1, Hello, { from: 0 });
  assertEqual<typeof h, AmHandle<string>>(true);
  const s = await h;
  assertEqual<typeof s, string>(true);

  assertEqual<Awaited<ReturnType<typeof world.execAmPe<{ x: number }, number>>>, number>(true);
  const n = await world.execAmPe(0, Sync, { x: 1 });
  assertEqual<typeof n, number>(true);

  const big = await world.execAmPe(0, NoArgs);
  assertEqual<typeof big, bigint>(true);

  const none = await world.execAmPe(0, Nothing, { n: 1 });
  assertEqual<typeof none, void>(true);
  assertEqual<Awaited<ReturnType<typeof world.execAmAll<{ n: number }, void>>>, void[]>(true);
  // @ts-expect-error: an AM that returns nothing is typed void, which is not assignable to undefined
  const asUndefined: undefined = none;
  void asUndefined;

  assertEqual<Awaited<ReturnType<typeof world.execAmPe<{ left: number }, number[]>>>, number[]>(true);
  expectType<number[]>(await world.execAmPe(0, Rec, { left: 2 }));

  // A returned AM: the handle resolves to the returned AM's result.
  const pong = await world.execAmPe(0, Ping);
  assertEqual<typeof pong, { pong: number }>(true);

  const all = world.execAmAll(Hello, { from: 0 });
  assertEqual<typeof all, MultiAmHandle<string>>(true);
  expectType<string[]>(await all);

  const local = await world.execAmLocal(Sync, { x: 2 });
  assertEqual<typeof local, number>(true);

  const team = world.team;
  expectType<string>(await team.execAmPe(0, Hello, { from: 1 }));

  const tg = new TaskGroup(world);
  expectType<number>(await tg.execAmPe(0, Sync, { x: 3 }));

  const group = new AmGroup<string>(world);
  group.addAmPe(0, Hello, { from: 1 }).addAmAll(Hello, { from: 2 });
  expectType<(string | string[])[]>(await group.exec());

  // @ts-expect-error: wrong argument type
  world.execAmPe(1, Hello, { from: 'zero' });
  // @ts-expect-error: missing argument
  world.execAmPe(1, Hello);
  // @ts-expect-error: misspelled field
  world.execAmPe(1, Hello, { form: 0 });
  // @ts-expect-error: the result is a string, not a number
  const wrong: number = await world.execAmPe(1, Hello, { from: 0 });
  void wrong;
  // @ts-expect-error: an AM of another result type in a typed group
  group.addAmPe(0, Sync, { x: 1 });
  // @ts-expect-error: returnAm checks the returned AM's arguments too
  returnAm(Pong, { from: 'x' });

  // Live (non-Wire) arguments: refused in a typed AM, accepted through `unknown` or a closure's env.
  // @ts-expect-error: the arguments of an AM must be Wire values, even for execAmLocal
  defineAm('types/live-args', async (_ctx, _a: Work) => 1);
  const drain = (w: Work) => world.execAmLocal(DrainAm, w);
  const work: Work = { queue: [1, 2], report: () => {} };
  expectType<void>(await drain(work));
  const counted = await world.execAmLocal(closure(drainFn, work));
  assertEqual<typeof counted, number>(true);
  // @ts-expect-error: the closure's env is checked against its function's parameter
  world.execAmLocal(closure(drainFn, { queue: [1] }));
}
