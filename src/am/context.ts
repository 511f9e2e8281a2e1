/**
 * What an AM sees while it runs (`ctx`), and the team surface it may launch through. The team
 * module implements `AmTeam`; defining it here keeps the dependency direction (team → am).
 *
 * `ctx.team` and `ctx.world` are the team layer's full `Team` (createSubteamFromArch, memory
 * regions, Darcs): team.ts adds `team` and `world` to `AmContextTeams` by declaration merging,
 * so this folder never imports the team folder, not even its types.
 */
import type { AmArgs, AmDef } from './define.js';
import type { AmHandle, LocalAmHandle, MultiAmHandle } from './handle.js';

/**
 * The launch surface World, Team and TaskGroup share. PE numbers are team-relative.
 * @example
 * ```ts
 * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
 * const launchers: AmLauncher[] = [world, world.team, new TaskGroup(world)];
 * for (const l of launchers) await l.execAmPe(0, Hello, { from: world.myPe });
 * ```
 */
export interface AmLauncher {
  /**
   * Runs `am(args)` on team PE `pe`; the handle resolves to its result. Arguments are serialized at
   * the call (a bad one throws there).
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const l: AmLauncher = world;
   * const reply: string = await l.execAmPe(0, Hello, { from: world.myPe });
   * ```
   */
  execAmPe<A, R>(pe: number, am: AmDef<A, R>, ...args: AmArgs<A>): AmHandle<R>;
  /**
   * Runs `am(args)` on every team PE (arguments encoded once); the handle resolves to the results
   * in team PE order.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const l: AmLauncher = world;
   * const replies: string[] = await l.execAmAll(Hello, { from: world.myPe });
   * ```
   */
  execAmAll<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): MultiAmHandle<R>;
  /**
   * Runs `am(args)` on this PE without serializing `args` (the AM gets the very objects).
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const l: AmLauncher = world;
   * const mine = await l.execAmLocal(Hello, { from: world.myPe });
   * ```
   */
  execAmLocal<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): LocalAmHandle<R>;
  /**
   * Resolves once everything launched through this launcher from this PE has finished.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const l: AmLauncher = world;
   * for (let pe = 0; pe < world.numPes; pe++) void l.execAmPe(pe, Hello, { from: world.myPe });
   * await l.waitAll();
   * ```
   */
  waitAll(): Promise<void>;
}

/**
 * What the AM layer knows of a team: its members and PE numbering, its barrier, and the launches.
 * `Team` implements it; inside an AM, `ctx.team` and `ctx.world` are full Teams.
 * @example
 * ```ts
 * const t: AmTeam = world.team;
 * console.log(`team PE ${t.myPe} of ${t.numPes}; world PEs ${t.pes.join(', ')}`);
 * ```
 */
export interface AmTeam extends AmLauncher {
  /**
   * This PE's team-relative id (0 .. numPes-1).
   * @example
   * ```ts
   * const t: AmTeam = world.team;
   * const me = t.myPe;
   * ```
   */
  readonly myPe: number;
  /**
   * The number of PEs in the team.
   * @example
   * ```ts
   * const t: AmTeam = world.team;
   * const n = t.numPes;
   * ```
   */
  readonly numPes: number;
  /**
   * The world ids of the members, in team order.
   * @example
   * ```ts
   * const t: AmTeam = world.team;
   * const worldIds = t.pes;
   * ```
   */
  readonly pes: readonly number[];
  /**
   * The world id of team PE `teamPe`; throws PE_OUT_OF_RANGE if there is no such team PE.
   * @example
   * ```ts
   * const t: AmTeam = world.team;
   * const w = t.worldPe(0);
   * ```
   */
  worldPe(teamPe: number): number;
  /**
   * The team id of world PE `worldPe`, or undefined if it is not a member.
   * @example
   * ```ts
   * const t: AmTeam = world.team;
   * const mine = t.teamPe(world.myPe);
   * ```
   */
  teamPe(worldPe: number): number | undefined;
  /**
   * Collective over the team: resolves once every member has called it.
   * @example
   * ```ts
   * const t: AmTeam = world.team;
   * await t.barrier();
   * ```
   */
  barrier(): Promise<void>;
}

/**
 * Filled in by the team layer (`declare module` in src/team/team.ts) with the types of
 * `ctx.team` and `ctx.world`: the full Team. Until then, and for code that sees only this
 * folder, both are `AmTeam`. Never used directly.
 * @example
 * ```ts
 * const Where = defineAm('doc/where', (ctx) => ctx.team.pes.length);
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a declaration-merging target, empty on purpose
export interface AmContextTeams {}

/**
 * The type of `ctx.team` / `ctx.world`: the team layer's Team (see AmContextTeams), or AmTeam where
 * the team layer is not loaded.
 * @example
 * ```ts
 * const Sub = defineAm('doc/sub', (ctx) => ctx.team.pes.length);
 * ```
 */
type ContextTeam<K extends 'team' | 'world'> = AmContextTeams extends { readonly [P in K]: infer T } ? T : AmTeam;

/**
 * What an AM sees while it runs, as its first argument: where it runs, who launched it, and the
 * world and launching team (this PE's own Team objects) to launch further AMs, barrier, or make
 * regions and Darcs on.
 * @example
 * ```ts
 * const Echo = defineAm('doc/echo', async (ctx: AmContext, a: { n: number }) => {
 *   if (a.n > 0) await ctx.team.execAmPe((ctx.team.myPe + 1) % ctx.team.numPes, Echo, { n: a.n - 1 });
 *   return `${ctx.srcPe} -> ${ctx.currentPe}`;
 * });
 * ```
 */
export interface AmContext {
  /**
   * The world id of the PE running this AM.
   * @example
   * ```ts
   * const Where = defineAm('doc/current', (ctx) => ctx.currentPe);
   * ```
   */
  readonly currentPe: number;
  /**
   * The number of PEs in the world.
   * @example
   * ```ts
   * const Size = defineAm('doc/size', (ctx) => ctx.numPes);
   * ```
   */
  readonly numPes: number;
  /**
   * The world id of the PE that launched this AM.
   * @example
   * ```ts
   * const From = defineAm('doc/from', (ctx) => `launched by PE ${ctx.srcPe}`);
   * ```
   */
  readonly srcPe: number;
  /**
   * The world team (every PE), as this PE's own Team.
   * @example
   * ```ts
   * const Bcast = defineAm('doc/bcast', async (ctx) => ctx.world.execAmAll(defineAm('doc/noop', () => 0)));
   * ```
   */
  readonly world: ContextTeam<'world'>;
  /**
   * The team the AM was launched on, as this PE's own Team: launch nested AMs through it (PE
   * numbers are team-relative).
   * @example
   * ```ts
   * const Next = defineAm('doc/next', (ctx) => (ctx.team.myPe + 1) % ctx.team.numPes);
   * ```
   */
  readonly team: ContextTeam<'team'>;
}
