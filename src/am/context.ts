/**
 * What an AM sees while it runs (`ctx`), and the team surface it may launch through. The team
 * module implements `AmTeam`; defining it here keeps the dependency direction (team → am).
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

export interface AmContext {
  /** The world id of the PE running this AM. */
  readonly currentPe: number;
  /** The number of PEs in the world. */
  readonly numPes: number;
  /** The world id of the PE that launched this AM. */
  readonly srcPe: number;
  /** The world team. */
  readonly world: AmTeam;
  /** The team the AM was launched on; launch nested AMs through it. */
  readonly team: AmTeam;
}
