/**
 * Compile-only type tests for the Wire bound: an AM's arguments and result must be values the
 * codec carries, so a function, a class instance, a symbol or a promise is a compile error (the
 * codec would refuse it at run time); what arrives is typed as it arrives (a Buffer as a
 * Uint8Array). Never executed.
 */
import {
  AtomicArray,
  Darc,
  defineAm,
  type OneSidedMemoryRegion,
  type SharedMemoryRegion,
  type Team,
  type Wire,
  type WireCheck,
  type WireReceived,
  type World,
} from 'lamellar';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertEqual = <A, B>(_eq: Equal<A, B>): void => {};

class Point {
  constructor(readonly x: number) {}
  norm(): number {
    return Math.abs(this.x);
  }
}
interface Args {
  from: number;
  tags: string[];
  opt?: bigint;
}

// Accepted: interfaces, tuples, optional fields, Map/Set/Date/typed arrays/bigint, and handles.
const Interface = defineAm('wire-types/interface', (_ctx, a: Args) => a.tags.length);
const Tuple = defineAm('wire-types/tuple', (_ctx, a: [number, string]) => ({ n: a[0], s: a[1] }));
const Rich = defineAm('wire-types/rich', async (_ctx, a: { m: Map<string, Set<bigint>>; d: Date; f: Float64Array; b: ArrayBuffer; v: DataView }) => [a.m, a.d, a.f]);
const Handles = defineAm(
  'wire-types/handles',
  (_ctx, a: { team: Team; darc: Darc<number>; region: SharedMemoryRegion<'f64'>; mine: OneSidedMemoryRegion<'u8'>; arr: AtomicArray<'u32'> }) => a.darc,
);
const Anything = defineAm('wire-types/unknown', (_ctx, a: unknown) => a);
const Nothing = defineAm('wire-types/nothing', async () => {});
const Bytes = defineAm('wire-types/bytes', () => ({ raw: Buffer.from('x'), list: [Buffer.alloc(2)] as readonly Buffer[] }));

// @ts-expect-error a function argument
defineAm('wire-types/bad-fn', (_ctx, a: { cb: () => void }) => a);
// @ts-expect-error a class instance (it has a method) as an argument
defineAm('wire-types/bad-class', (_ctx, a: Point) => a.x);
// @ts-expect-error a symbol inside the arguments
defineAm('wire-types/bad-symbol', (_ctx, a: { s: symbol }) => 1);
// @ts-expect-error a promise inside the arguments
defineAm('wire-types/bad-promise', (_ctx, a: { later: Promise<number> }) => 1);
// @ts-expect-error a function result
defineAm('wire-types/bad-fn-result', () => () => 1);
// @ts-expect-error a class instance result
defineAm('wire-types/bad-class-result', async () => new Point(1));
// @ts-expect-error a symbol result
defineAm('wire-types/bad-symbol-result', () => ({ s: Symbol('x') }));
// @ts-expect-error a promise nested in the result
defineAm('wire-types/bad-promise-result', async () => ({ p: Promise.resolve(1) }));
// @ts-expect-error a Map with function values
defineAm('wire-types/bad-map', (_ctx, a: Map<string, () => void>) => a.size);

export async function wireTypeTests(world: World): Promise<void> {
  assertEqual<Awaited<ReturnType<typeof world.execAmPe<Args, number>>>, number>(true);
  const n = await world.execAmPe(0, Interface, { from: 1, tags: ['a'] });
  assertEqual<typeof n, number>(true);
  const t = await world.execAmPe(0, Tuple, [1, 'x']);
  assertEqual<typeof t, { n: number; s: string }>(true);
  const rich = await world.execAmPe(0, Rich, { m: new Map(), d: new Date(), f: new Float64Array(1), b: new ArrayBuffer(1), v: new DataView(new ArrayBuffer(1)) });
  assertEqual<typeof rich, (Map<string, Set<bigint>> | Date | Float64Array)[]>(true);
  const d = await world.execAmPe(0, Handles, {
    team: world.team,
    darc: await Darc.create(world, 1),
    region: await world.allocSharedMemRegion('f64', 1),
    mine: world.allocOneSidedMemRegion('u8', 1),
    arr: await AtomicArray.create(world, { type: 'u32', length: 1, distribution: 'block' }),
  });
  assertEqual<typeof d, Darc<number>>(true);
  const any = await world.execAmPe(0, Anything, { whatever: 1 });
  assertEqual<typeof any, unknown>(true);
  const none = await world.execAmPe(0, Nothing);
  assertEqual<typeof none, void>(true);

  // A Buffer arrives as a Uint8Array, and a readonly array as the receiver's own array.
  const bytes = await world.execAmPe(0, Bytes);
  assertEqual<typeof bytes, { raw: Uint8Array; list: Uint8Array[] }>(true);
  // @ts-expect-error the result holds a Uint8Array, not a Buffer
  const asBuffer: Buffer = bytes.raw;
  void asBuffer;

  // @ts-expect-error the arguments are checked at the launch too
  world.execAmPe(0, Interface, { from: 1, tags: [() => 'x'] });

  // The Wire type itself, and its helpers.
  const w: Wire = { ids: [1, 2], at: new Date(), seen: new Set(['a']), data: new Float64Array(2), big: 1n, none: null };
  void w;
  // @ts-expect-error a function is not a Wire value
  const fn: Wire = () => 1;
  void fn;
  // @ts-expect-error a symbol is not a Wire value
  const sym: Wire = Symbol('s');
  void sym;
  assertEqual<Args extends WireCheck<Args> ? true : false, true>(true);
  assertEqual<Point extends WireCheck<Point> ? true : false, false>(true);
  assertEqual<WireReceived<{ b: Buffer; r: readonly number[] }>, { b: Uint8Array; r: number[] }>(true);
  // An Error arrives as one, with its own data fields typed.
  const errWire: Wire = { e: new TypeError('x') };
  void errWire;
  const got = {} as WireReceived<{ e: TypeError & { code: string; retry(): void } }>;
  const msg: string = got.e.message;
  const code: string | undefined = got.e.code;
  void [msg, code];
  // @ts-expect-error a method of the sender's class does not travel
  got.e.retry();
}

// The exported Wire type itself is a valid argument, result and collective value (it made
// WireCheck recurse without end: TS2589).
const WireArg = defineAm('types/wire-arg', (_c, a: Wire) => (typeof a === 'number' ? 1 : 0));
const WireResult = defineAm('types/wire-result', (_c, a: number): Wire => a);
const WireInside = defineAm('types/wire-inside', (_c, a: { v: Wire; list: readonly Wire[] }) => a.v);
export async function wireItselfTests(world: World): Promise<void> {
  await world.execAmPe(0, WireArg, { any: [1, 'x'] });
  const r = await world.execAmPe(0, WireResult, 1);
  assertEqual<typeof r, WireReceived<Wire>>(true);
  await world.execAmPe(0, WireInside, { v: new Map([[1, 'a']]), list: [] });
  await world.broadcast(1 as Wire, 0);
}

// An argument annotated Buffer would be a Uint8Array in the AM's body (what arrives): refused,
// with a message that says so. A Buffer may still be sent where a Uint8Array is declared.
// @ts-expect-error Buffer arrives as a Uint8Array
defineAm('types/buffer-arg', (_c, a: { b: Buffer }) => a.b.toString('utf8'));
const BytesArg = defineAm('types/bytes-arg', (_c, a: { b: Uint8Array }) => a.b.length);
export async function bufferArgTests(world: World): Promise<void> {
  await world.execAmPe(0, BytesArg, { b: Buffer.from('hello') });
}

// An Error subclass with methods arrives as a built-in Error without them: refused as an
// argument, as a class with methods is.
class RetryErr extends Error {
  retry(): number {
    return 1;
  }
}
// @ts-expect-error RetryErr's retry() does not travel
defineAm('types/retry-err-arg', (_c, a: { e: RetryErr }) => a.e.retry());
