/**
 * Compile-only type tests for closure AMs: the result is inferred from the function, `env` is
 * checked against the function's second parameter, returned closures unwrap, and every launch
 * surface accepts a closure. Never executed.
 */
import { AmGroup, closure, Darc, defineAm, returnAm, TaskGroup, type AmContext, type AmHandle, type ClosureAm, type MultiAmHandle, type Team, type World } from 'lamellar';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T>(_v: T): void => {};
const assertEqual = <A, B>(_eq: Equal<A, B>): void => {};

export async function closureTypeTests(world: World, team: Team, darc: Darc<{ n: number }>): Promise<void> {
  const rss = world.execAmAll(closure(() => process.memoryUsage().rss));
  assertEqual<typeof rss, MultiAmHandle<number>>(true);

  const c = closure((ctx, env) => env.x * ctx.currentPe, { x: 3 });
  assertEqual<typeof c, ClosureAm<number>>(true);
  const h = world.execAmPe(1, c);
  assertEqual<typeof h, AmHandle<number>>(true);

  // Async functions unwrap; a returned closure (or returnAm of one) gives its own result.
  const s = await world.execAmPe(1, closure(async (_ctx, env: { name: string }) => `hi ${env.name}`, { name: 'x' }));
  assertEqual<typeof s, string>(true);
  const back = await world.execAmPe(1, closure(async (ctx) => {
    const { closure: inner } = await import('lamellar');
    return inner((ctx2, env) => [env.from, ctx2.currentPe] as const, { from: ctx.currentPe });
  }));
  // Typed as it arrives: the readonly tuple is the receiver's own, mutable copy.
  assertEqual<typeof back, [number, number]>(true);
  // A Buffer result arrives as a Uint8Array, as an AM's does.
  const bytes = await world.execAmPe(1, closure(() => Buffer.from('z')));
  assertEqual<typeof bytes, Uint8Array>(true);
  const Pong = defineAm('types/closure-pong', (_ctx, a: { v: bigint }) => a.v);
  const viaReturnAm = await world.execAmPe(0, closure(() => returnAm(Pong, { v: 1n })));
  assertEqual<typeof viaReturnAm, bigint>(true);
  const fromRegistered = defineAm('types/returns-closure', (ctx) => closure((_c, env) => env.on + 0.5, { on: ctx.currentPe }));
  expectType<number>(await world.execAmPe(0, fromRegistered));

  // Handles in env keep their types inside the function.
  const d = await world.execAmPe(0, closure((_ctx, env) => env.darc.value.n, { darc }));
  assertEqual<typeof d, number>(true);
  const none = await world.execAmPe(0, closure((_ctx: AmContext) => {}));
  assertEqual<typeof none, void>(true);

  // Every launch surface takes a closure.
  expectType<number[]>(await team.execAmAll(closure((ctx) => ctx.currentPe)));
  expectType<string>(await world.execAmLocal(closure((_ctx, env) => env.s, { s: 'local' })));
  const group = new AmGroup<number>(world);
  group.addAmPe(0, closure(() => 1)).addAmAll(closure((ctx) => ctx.currentPe));
  expectType<(number | number[])[]>(await group.exec());
  expectType<number>(await new TaskGroup(team).execAmPe(0, closure((_ctx, env) => env.k, { k: 2 })));

  // @ts-expect-error: env does not match the function's parameter
  closure((_ctx, env: { x: number }) => env.x, { x: 'three' });
  // @ts-expect-error: a function that needs env must be given one
  closure((_ctx, env: { x: number }) => env.x);
  // @ts-expect-error: misspelled env field
  closure((_ctx, env: { x: number }) => env.x, { y: 1 });
  // @ts-expect-error: the result is a number, not a string
  const wrong: string = await world.execAmPe(0, c);
  void wrong;
  // @ts-expect-error: a closure takes no launch arguments; its values are in env
  world.execAmPe(0, c, { x: 1 });
  // @ts-expect-error: a closure of another result type in a typed group
  group.addAmPe(0, closure(() => 'text'));
}

// execAmLocal copies nothing: a closure's function result, or a class instance's methods, stay
// callable (as they compiled before closure results were typed as received).
class Pt {
  constructor(readonly x: number) {}
  norm(): number {
    return Math.abs(this.x);
  }
}
export async function localClosureResults(world: World): Promise<number> {
  const f = await world.execAmLocal(closure(() => () => 42));
  const p = await world.execAmLocal(closure(() => new Pt(-2)));
  return f() + p.norm();
}
