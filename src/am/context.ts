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

/** The launch surface shared by World, Team and TaskGroup. PE numbers are team-relative. */
export interface AmLauncher {
  execAmPe<A, R>(pe: number, am: AmDef<A, R>, ...args: AmArgs<A>): AmHandle<R>;
  execAmAll<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): MultiAmHandle<R>;
  execAmLocal<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): LocalAmHandle<R>;
  waitAll(): Promise<void>;
}

export interface AmTeam extends AmLauncher {
  /** This PE's team-relative id. */
  readonly myPe: number;
  readonly numPes: number;
  /** World PE ids of the members, in team order. */
  readonly pes: readonly number[];
  worldPe(teamPe: number): number;
  teamPe(worldPe: number): number | undefined;
  barrier(): Promise<void>;
}

/**
 * Filled in by the team layer (`declare module` in src/team/team.ts) with the types of
 * `ctx.team` and `ctx.world`. Until then, and for code that sees only this folder, both are
 * `AmTeam`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a declaration-merging target, empty on purpose
export interface AmContextTeams {}

type ContextTeam<K extends 'team' | 'world'> = AmContextTeams extends { readonly [P in K]: infer T } ? T : AmTeam;

export interface AmContext {
  /** The world id of the PE running this AM. */
  readonly currentPe: number;
  /** The number of PEs in the world. */
  readonly numPes: number;
  /** The world id of the PE that launched this AM. */
  readonly srcPe: number;
  /** The world team. */
  readonly world: ContextTeam<'world'>;
  /** The team the AM was launched on, as this PE's own Team object; launch nested AMs through it. */
  readonly team: ContextTeam<'team'>;
}
