/**
 * Defining active messages. `defineAm(name, exec)` runs at module level, so under SPMD every PE
 * builds the same registry. The wire carries a 32-bit id hashed from the name, so PEs need not
 * agree on definition order; two names that hash alike fail at definition, like duplicates.
 *
 * The definition object carries its argument and result types (a phantom `$types`), so
 * `execAmPe(pe, Hello, args)` checks `args` and infers the result with no casts.
 */
import { ErrorCode, fnv1a32, kAmDef, kReturnedAm, kRuntimeAm, LamellarError } from '../core/index.js';
import type { WireCheck, WireError, WireReceived } from '../serde/index.js';
import type { AmContext } from './context.js';

/** Brands a ReturnedAm; closures carry it too (closure.ts). Not exported from the package. */
export { kReturnedAm };
/** Marks definitions made by this module and by `closure` (a forged object lacks it). */
export { kAmDef };

/**
 * An AM to run back on the PE that launched the current one (Lamellar's `return_am`), made by
 * returnAm; the launcher's handle resolves to that AM's result `R`.
 * @example
 * ```ts
 * const Pong = defineAm('doc/pong', (ctx) => `pong from ${ctx.srcPe}`);
 * const Ping = defineAm('doc/ping', (ctx): ReturnedAm<string> => returnAm(Pong));
 * const pong: string = await world.execAmPe(0, Ping);
 * ```
 */
export interface ReturnedAm<R> {
  /**
   * Marks values made by returnAm (a plain object with `am` and `args` is not one).
   * @example
   * ```ts
   * const r = returnAm(defineAm('doc/brand', () => 1));
   * ```
   */
  readonly [kReturnedAm]: true;
  /**
   * The AM to run on the origin.
   * @example
   * ```ts
   * const Back = defineAm('doc/back', () => 1);
   * console.log(returnAm(Back).am.name); // doc/back
   * ```
   */
  readonly am: AmDef<any, R>;
  /**
   * Its arguments (serialized with the reply).
   * @example
   * ```ts
   * const Back = defineAm('doc/back2', (_ctx, n: number) => n);
   * console.log(returnAm(Back, 5).args); // 5
   * ```
   */
  readonly args: unknown;
}

/**
 * What a launch resolves to for an exec returning `R`: the awaited value, or the result of a
 * returned AM.
 * @example
 * ```ts
 * type R1 = AmResultOf<Promise<number>>; // number
 * type R2 = AmResultOf<ReturnedAm<string>>; // string
 * ```
 */
export type AmResultOf<R> = Awaited<R> extends infer V ? (V extends ReturnedAm<infer U> ? U : V) : never;

/**
 * The brand on the definition of an AM whose function may return an AM (`returnAm`, or a
 * closure): a TypedAmGroup, whose entries send back values only, refuses it at compile time (its
 * constructor's `am` needs this property absent), and an AmGroup or `execAmPe` runs it. The
 * property's type is the message a type error shows. Phantom: never set at run time.
 * @example
 * ```ts
 * const Pong = defineAm('doc/returns-pong', () => 'pong');
 * const Ping = defineAm('doc/returns-ping', () => returnAm(Pong));
 * const branded: AmDef<undefined, string> & ReturnsAm = Ping;
 * ```
 */
export interface ReturnsAm {
  /**
   * Phantom brand; its type says what to use instead of a TypedAmGroup.
   * @example
   * ```ts
   * type Why = NonNullable<ReturnsAm['$returnsAm']>;
   * ```
   */
  readonly $returnsAm?: 'this AM returns an AM: run it in an AmGroup (or with execAmPe), not in a TypedAmGroup';
}

/**
 * What defineAm returns for a function returning `R`: the AmDef of its arguments and received
 * result, branded ReturnsAm when the function may return an AM.
 * @example
 * ```ts
 * type Plain = DefinedAm<{ n: number }, number>; // AmDef<{ n: number }, number>
 * type Branded = DefinedAm<undefined, ReturnedAm<string>>; // AmDef<undefined, string> & ReturnsAm
 * ```
 */
export type DefinedAm<A, R> = [Extract<Awaited<R>, ReturnedAm<unknown>>] extends [never]
  ? AmDef<A, WireReceived<AmResultOf<R>>>
  : AmDef<A, WireReceived<AmResultOf<R>>> & ReturnsAm;

/**
 * `unknown` when an AM's arguments `A` and result (from an exec returning `R`) are Wire values,
 * else a WireError no function matches, so `defineAm` fails to compile and says why.
 * @example
 * ```ts
 * type Ok = AmWireGuard<{ n: number }, string>; // unknown
 * ```
 */
export type AmWireGuard<A, R> = [A] extends [WireCheck<A>]
  ? [A] extends [WireCheck<A, true>]
    ? [AmResultOf<R>] extends [WireCheck<AmResultOf<R>>]
      ? unknown
      : WireError<'the result of an AM must be a Wire value: no functions, symbols, promises or class instances (see the Wire type)'>
    : WireError<'a Buffer in the arguments arrives in the AM as a Uint8Array: type that part Uint8Array (a Buffer can still be sent there)'>
  : WireError<'the arguments of an AM must be a Wire value: no functions, symbols, promises or class instances (see the Wire type)'>;

/**
 * An AM's function: runs on the target PE with the AM context and the (decoded) arguments, and
 * returns its result (or a promise of it, or a returned AM).
 * @example
 * ```ts
 * const exec: AmExec<{ n: number }, number> = (ctx, a) => a.n * ctx.currentPe;
 * const Times = defineAm('doc/times', exec);
 * ```
 */
export type AmExec<A, R> = (ctx: AmContext, args: A) => R;

/**
 * An active message: what defineAm returns and every launch takes. It carries its argument type `A`
 * and result type `R`, so launches are checked and results inferred.
 * @example
 * ```ts
 * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
 * const h: AmDef<{ from: number }, string> = Hello;
 * console.log(h.name, h.id);
 * ```
 */
export interface AmDef<A, R> {
  /**
   * The name given to defineAm (unique per program).
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * console.log(Hello.name); // doc/hello
   * ```
   */
  readonly name: string;
  /**
   * The compact id the wire carries: a 32-bit hash of the name, the same on every PE.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * console.log(Hello.id.toString(16));
   * ```
   */
  readonly id: number;
  /** @internal */
  readonly exec: AmExec<A, unknown>;
  /** @internal How encode errors name this AM's arguments (built once, not per launch). */
  readonly argLabel?: string;
  /**
   * Phantom, never set at run time: lets TypeScript read the argument and result types.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * type Args = NonNullable<typeof Hello.$types>['args']; // { from: number }
   * ```
   */
  readonly $types?: { readonly args: A; readonly result: R };
}

/**
 * The argument list of a launch of an AM taking `A`: `args` may be omitted when the AM takes none.
 * @example
 * ```ts
 * type None = AmArgs<undefined>; // [args?: undefined]
 * type Some = AmArgs<{ n: number }>; // [args: { n: number }]
 * ```
 */
export type AmArgs<A> = undefined extends A ? [args?: NoInfer<A>] : [args: NoInfer<A>];

const byId = new Map<number, AmDef<unknown, unknown>>();
const byName = new Map<string, AmDef<unknown, unknown>>();

/** The wire id of an AM name: stable across PEs and runs. */
export function amIdOf(name: string): number {
  return fnv1a32(name);
}

let runtimeNamesSealed = false;

/**
 * Called once the package's main module has loaded, and with it every runtime AM (each is defined
 * at module level): from then on a 'lamellar/' name is a program's, refused.
 */
export function sealRuntimeAmNames(): void {
  runtimeNamesSealed = true;
}

/**
 * Defines an active message: a named async function that runs on a target PE, given its
 * context and arguments, and returns a value. Call it at module level, so that under SPMD every PE
 * defines the same AMs; names must be unique (DUPLICATE_AM otherwise). The arguments `A` and the
 * awaited result must be Wire values (a function, symbol, promise or class instance does not
 * compile); the result type is what arrives (a Buffer as a Uint8Array).
 * @example
 * ```ts
 * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
 * const reply: string = await world.execAmPe((world.myPe + 1) % world.numPes, Hello, { from: world.myPe });
 * ```
 */
export function defineAm<A = undefined, R = void>(name: string, exec: AmExec<A, R> & NoInfer<AmWireGuard<A, R>>): DefinedAm<A, R> {
  if (typeof name !== 'string' || name.length === 0) {
    const got = typeof name === 'string' ? 'an empty string' : name === null ? 'null' : typeof name === 'object' ? 'an object' : `a ${typeof name}`;
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `defineAm(name, exec) takes the AM's name first, a non-empty string (e.g. defineAm('app/work', (ctx, args) => ...)); got ${got}`, {
      details: { argument: 'name' },
    });
  }
  if (typeof exec !== 'function') {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `defineAm('${name}') needs an exec function`);
  }
  if (byName.has(name)) {
    const first = definedAt.get(name);
    throw new LamellarError(ErrorCode.DUPLICATE_AM, `an active message named '${name}' is already defined${first === undefined ? '' : ` (first at ${first})`}`, {
      details: { name, ...(first === undefined ? {} : { firstDefinedAt: first }) },
    });
  }
  const id = amIdOf(name);
  const clash = byId.get(id);
  if (clash !== undefined) {
    throw new LamellarError(
      ErrorCode.DUPLICATE_AM,
      `active message names '${name}' and '${clash.name}' hash to the same wire id ${id}; rename one`,
      { details: { name, other: clash.name, id } },
    );
  }
  // The runtime's own messages (collectives, array ops, locks) are traffic, not the program's
  // AMs: world.stats() counts only the program's (frames and bytes count everything).
  const runtime = name.startsWith('lamellar/');
  if (runtime && runtimeNamesSealed) {
    // The program's AM would be taken for the runtime's: left out of stats, and a clone in its
    // arguments would not move into it.
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `defineAm('${name}'): names starting with 'lamellar/' are the runtime's own; pick another prefix (e.g. 'app/')`, {
      details: { argument: 'name' },
    });
  }
  tagAmFrames(exec, name);
  const def: AmDef<A, WireReceived<AmResultOf<R>>> = Object.freeze({ name, id, exec, argLabel: `argument of AM '${name}'`, [kAmDef]: true, [kRuntimeAm]: runtime });
  byId.set(id, def as AmDef<unknown, unknown>);
  byName.set(name, def as AmDef<unknown, unknown>);
  if (!runtime) noteDefinition(name);
  const waiting = definitionWaiters.get(id);
  if (waiting !== undefined) {
    definitionWaiters.delete(id);
    for (const wake of waiting) wake();
  }
  return def as DefinedAm<A, R>;
}

/**
 * How long an AM that arrives before this PE has defined it waits for the definition before it
 * is refused with UNKNOWN_AM (the engine for requests, a TypedAmGroup for its entries): every PE
 * defines the same AMs, but `await initWorld(); const Hi = defineAm(...)` on the target may run
 * after another PE, past the same line, has sent it Hi.
 */
export const UNDEFINED_AM_WAIT_MS = 1000;

/** Wakers of awaitDefinition, by wire id; defineAm runs them. */
const definitionWaiters = new Map<number, (() => void)[]>();
/**
 * Ids a wait ran out for (the engine's for a request, or awaitDefinition's): later waits for them
 * end at once, so an AM defined on some PEs only (under an `if`) costs one wait, not one per use.
 */
const neverDefined = new Set<number>();

/** Whether a wait for AM id `id`'s definition has run out on this PE before. */
export function isNeverDefined(id: number): boolean {
  return neverDefined.has(id);
}

/** A wait for AM id `id`'s definition ran out. */
export function noteNeverDefined(id: number): void {
  neverDefined.add(id);
}

/** How many AM ids something waits here to be defined (awaitDefinition); for tests. */
export function definitionsAwaited(): number {
  return definitionWaiters.size;
}

/**
 * The AM with wire id `id` once this PE defines it, or undefined after `ms` (at once for an id
 * an earlier wait ran out for).
 */
export function awaitDefinition(id: number, ms: number): Promise<AmDef<unknown, unknown> | undefined> {
  const now = byId.get(id);
  if (now !== undefined || neverDefined.has(id) || ms <= 0) return Promise.resolve(now);
  return new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      resolve(byId.get(id));
    };
    const timer = setTimeout(() => {
      const list = definitionWaiters.get(id);
      const at = list?.indexOf(wake) ?? -1;
      if (at >= 0) list!.splice(at, 1);
      if (list?.length === 0) definitionWaiters.delete(id);
      neverDefined.add(id);
      resolve(undefined);
    }, ms);
    const list = definitionWaiters.get(id);
    if (list === undefined) definitionWaiters.set(id, [wake]);
    else list.push(wake);
  });
}

/** Where each of the program's AMs was defined ("file:///app/am.ts:12:20"), for DUPLICATE_AM. */
const definedAt = new Map<string, string>();

/**
 * Records the line that called defineAm. Once per AM definition, at module load: a stack capture
 * (a few microseconds) is nothing there, and a second definition of the name can say where the
 * first one is (two modules, or one module loaded twice by two URLs).
 */
function noteDefinition(name: string): void {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, defineAm);
  const frame = holder.stack?.split('\n')[1]?.trim();
  if (frame === undefined) return;
  // "at fn (file:///app/am.ts:12:20)" or "at file:///app/am.ts:12:20": the location.
  const m = /\(([^()]*)\)$/.exec(frame);
  definedAt.set(name, m !== null ? m[1]! : frame.replace(/^at /, ''));
}

/** The runtime's own AMs whose arguments are the program's values (a TypedAmGroup's entries). */
const carriesProgramArgs = new WeakSet<object>();

/**
 * Marks runtime AM `def` as carrying the program's arguments: a `clone()` in them moves into the
 * AM when it is sent, as it does in the program's own AMs (the runtime's other AMs carry the
 * caller's handles, which may be clones, and must not use them up).
 */
export function movesProgramArgs(def: AmDef<unknown, unknown>): void {
  carriesProgramArgs.add(def);
}

/** Whether a clone sent in `def`'s arguments moves into it. */
export function movesClones(def: AmDef<unknown, unknown>): boolean {
  return !isRuntimeAm(def) || carriesProgramArgs.has(def);
}

/** The runtime AM whose arguments carry many program AMs' arguments (a TypedAmGroup's message). */
let entriesAm: AmDef<unknown, unknown> | undefined;

/**
 * Marks one of the runtime's own AMs as carrying the arguments of many program AMs that run
 * concurrently: each gets its own handles, as AMs of one frame do (serde/memo.ts).
 */
export function markEntriesAm<A, R>(def: AmDef<A, R>): void {
  entriesAm = def as unknown as AmDef<unknown, unknown>;
}

/** Whether `def` carries the arguments of many program AMs (markEntriesAm). */
export function carriesEntries(def: AmDef<unknown, unknown>): boolean {
  return def === entriesAm;
}

/** Wire ids of the urgent AMs: one or two, so a scan of a frame compares each request's id with a loop, not a hash. */
const urgentIds: number[] = [];

/**
 * Marks one of the runtime's own AMs as taken out of turn when it waits behind other
 * AMs (engine.ts): a short message that no program AM depends on the order of, such as a
 * collective's. Its body must not run program code.
 */
export function markUrgentAm<A, R>(def: AmDef<A, R>): void {
  if (!isRuntimeAm(def as unknown as AmDef<unknown, unknown>)) throw new Error(`only the runtime's own AMs can be urgent, not '${def.name}'`);
  if (!urgentIds.includes(def.id)) urgentIds.push(def.id);
}

/** Whether the AM with wire id `id` is taken out of turn (markUrgentAm). */
export function isUrgentAm(id: number): boolean {
  for (let i = 0; i < urgentIds.length; i++) if (urgentIds[i] === id) return true;
  return false;
}

/** Whether `def` is one of the runtime's own messages, which stats do not count as AMs. */
export function isRuntimeAm(def: AmDef<unknown, unknown>): boolean {
  return (def as AmDef<unknown, unknown> & { [kRuntimeAm]?: boolean })[kRuntimeAm] === true;
}

/**
 * The last definition found, by id: a frame is mostly one AM repeated, and the Map lookup it
 * skips is not free (wire ids are 32-bit hashes, so half of them are heap numbers as keys).
 * Definitions are never removed, so the entry cannot go stale.
 */
let lastId = -1;
let lastDef: AmDef<unknown, unknown> | undefined;

export function lookupAm(id: number): AmDef<unknown, unknown> | undefined {
  if (id === lastId) return lastDef;
  const def = byId.get(id);
  if (def !== undefined) {
    lastId = id;
    lastDef = def;
  }
  return def;
}

/** Checks that `am` came from `defineAm` in this realm. */
export function checkAm(am: unknown): AmDef<unknown, unknown> {
  const def = am as (AmDef<unknown, unknown> & { [kAmDef]?: true }) | undefined;
  if (def === undefined || def === null || def[kAmDef] !== true) {
    throw new LamellarError(ErrorCode.UNKNOWN_AM, 'not an active message: pass the object returned by defineAm', {
      details: { value: typeof am },
    });
  }
  return def;
}

/**
 * Returned from an AM's function: runs `am(args)` back on the PE that launched the current AM
 * (checked like a launch); the launcher's handle resolves to its result.
 * @example
 * ```ts
 * const Pong = defineAm('doc/pong2', (ctx, a: { by: number }) => `pong from ${a.by} on ${ctx.currentPe}`);
 * const Ping = defineAm('doc/ping2', (ctx) => returnAm(Pong, { by: ctx.currentPe }));
 * const answer: string = await world.execAmPe(0, Ping);
 * ```
 */
export function returnAm<A, R>(am: AmDef<A, R>, ...[args]: AmArgs<A>): ReturnedAm<R> {
  checkAm(am);
  return { [kReturnedAm]: true, am, args };
}

export function isReturnedAm(value: unknown): value is ReturnedAm<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kReturnedAm] === true;
}

/** Functions tagged so far: their own name, and the AMs they run for. */
const tagged = new WeakMap<object, { own: string; ams: string[] }>();

/**
 * Stack traces show a function's name for its frames (sync and async); the AM's name is added to
 * it (`explodeOnTarget [lamellar:am:boom]`), so a frame says which AM it belongs to and
 * Engine.checkNotInAm can find a waitAll() called from inside an AM (sites.ts, amOnStack). One
 * function defined as several AMs names them all (`shared [lamellar:am:alpha, beta]`): its frames
 * cannot tell which one runs, and a tag added per definition would pile up and name only the first.
 */
export function tagAmFrames(fn: (...args: never[]) => unknown, name: string): void {
  try {
    let t = tagged.get(fn);
    if (t === undefined) {
      t = { own: typeof fn.name === 'string' ? fn.name : '', ams: [] };
      tagged.set(fn, t);
    }
    if (!t.ams.includes(name)) t.ams.push(name);
    Object.defineProperty(fn, 'name', { value: `${t.own === '' ? '' : `${t.own} `}[lamellar:am:${t.ams.join(', ')}]`, configurable: true });
  } catch {
    // A non-configurable name (a frozen function), or one whose getter throws (a Proxy): its
    // frames keep their own name.
  }
}
