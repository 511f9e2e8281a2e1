/**
 * Compile-only type tests for teams and team collectives: reductions keep numbers, bigints and
 * typed-array types (not literal types), gathers carry the value type, scans with an identity op
 * give a value, and bad values or ops are refused by the compiler. Never executed.
 */
import { BlockedArch, registerReduction, type Team, type World } from 'lamellar';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertEqual = <A, B>(_eq: Equal<A, B>): void => {};

export async function teamTypeTests(world: World, team: Team): Promise<void> {
  const n = await world.allReduce(3, 'sum');
  assertEqual<typeof n, number>(true);
  const b = await team.allReduce(3n, 'max');
  assertEqual<typeof b, bigint>(true);
  const fIn = new Float64Array(2);
  const f = await world.allReduce(fIn, 'min');
  assertEqual<typeof f, typeof fIn>(true);
  const uIn = new BigUint64Array(2);
  const u = await team.allReduce(uIn, 'xor');
  assertEqual<typeof u, typeof uIn>(true);
  registerReduction<number>('types/absmax', (x, y) => Math.max(Math.abs(x), Math.abs(y)));
  const r = await world.allReduce(1.5, 'types/absmax');
  assertEqual<typeof r, number>(true);

  const cfg = await team.broadcast({ seed: 1, name: 'x' }, 0);
  assertEqual<typeof cfg, { seed: number; name: string }>(true);
  const all = await world.allGather('pe');
  assertEqual<typeof all, string[]>(true);
  const parts = await world.gather([1, 2], 0);
  assertEqual<typeof parts, number[][] | undefined>(true);
  // Values arrive decoded, as an AM's result: a Buffer as a Uint8Array, readonly arrays mutable.
  const bytes = await world.broadcast(Buffer.from('hi'), 0);
  assertEqual<typeof bytes, Uint8Array>(true);
  const lists = await team.allGather([1, 2] as readonly number[]);
  assertEqual<typeof lists, number[][]>(true);
  const maybe = await world.broadcast(world.myPe === 0 ? { seed: 42 } : undefined, 0);
  assertEqual<typeof maybe, { seed: number } | undefined>(true);
  // A literal is widened (the root's value comes back); a declared union is kept.
  const five = await world.broadcast(5, 0);
  assertEqual<typeof five, number>(true);
  type Mode = 'fast' | 'slow';
  const mode = 'fast' as Mode;
  const modes: Mode[] = await world.allGather(mode);
  const one: Mode = await team.broadcast(mode, 0);
  void [modes, one];
  // Generic code can pass its values on.
  const relay = <U>(u: U): Promise<unknown> => world.broadcast(u, 0);
  void relay;

  const before = await world.exclusiveScan(5, 'sum');
  assertEqual<typeof before, number>(true);
  const lowest = await world.exclusiveScan(5, 'min');
  assertEqual<typeof lowest, number | undefined>(true);
  const upTo = await team.inclusiveScan(5n, 'prod');
  assertEqual<typeof upTo, bigint>(true);

  const sub = await world.createTeamFromArch(new BlockedArch(0, 1));
  assertEqual<typeof sub, Team>(true);
  const member: boolean = sub.isMember;
  void member;
  const dropped: Promise<void> = sub.drop();
  void dropped;
  sub.printArch();

  // @ts-expect-error allReduce takes numbers, bigints and typed arrays only
  await world.allReduce('3', 'sum');
  // @ts-expect-error a plain array is not reducible (use a typed array)
  await world.allReduce([1, 2], 'sum');
  // @ts-expect-error the root is a number
  await world.broadcast(1, '0');
}
