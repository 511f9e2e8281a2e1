/**
 * Team: an ordered subset of the world's PEs. The world team holds every PE; PE numbers given
 * to a team's methods are team-relative, and `pes` maps them to world ids.
 */
import {
  AmHandle,
  checkAm,
  kTeamLaunch,
  LocalAmHandle,
  MultiAmHandle,
  type AmArgs,
  type AmDef,
  type AmTeam,
  type HandleCounter,
  type TeamLaunch,
  type TeamLaunchOps,
} from '../am/index.js';
import { checkPe } from '../core/index.js';
import type { DisseminationBarrier } from './barrier.js';
import type { WorldRuntime } from './runtime.js';

/** Internal access for the layers above (memregion, darc, array); not part of the public API. */
export const kTeamInternals = Symbol('lamellar.teamInternals');

export interface TeamInternals {
  readonly runtime: WorldRuntime;
  /** Team id, the same on every member; 0 is the world. */
  readonly id: number;
  /** Collective over the members: each contributes a number and gets all, in team PE order. */
  allgather(value: number): Promise<number[]>;
}

export class Team implements AmTeam, TeamLaunch {
  readonly #rt: WorldRuntime;
  readonly #id: number;
  readonly #pes: readonly number[];
  readonly #myPe: number;
  readonly #barrier: DisseminationBarrier;
  readonly [kTeamLaunch]: TeamLaunchOps;
  readonly [kTeamInternals]: TeamInternals;

  /** @internal Teams are made by initWorld and createTeamFromArch. */
  constructor(
    rt: WorldRuntime,
    id: number,
    pes: readonly number[],
    barrier: DisseminationBarrier,
    allgather: (value: number) => Promise<number[]>,
  ) {
    this.#rt = rt;
    this[kTeamInternals] = { runtime: rt, id, allgather };
    this.#id = id;
    this.#pes = Object.freeze([...pes]);
    this.#myPe = pes.indexOf(rt.lamella.myPe);
    this.#barrier = barrier;
    const engine = rt.engine;
    const label = id === 0 ? 'execAmPe' : `team ${id} execAmPe`;
    this[kTeamLaunch] = {
      check: (am) => void checkAm(am),
      pe: <A, R>(pe: number, am: AmDef<A, R>, args: unknown, group?: HandleCounter): AmHandle<R> => {
        rt.checkOpen(label);
        checkPe(pe, this.#pes.length);
        const def = checkAm(am);
        const h = new AmHandle<R>(def.name, pe);
        h.group = group;
        engine.launchPe(id, this.#pes[pe]!, def, args, h as AmHandle<unknown>);
        return h;
      },
      all: <A, R>(am: AmDef<A, R>, args: unknown, group?: HandleCounter): MultiAmHandle<R> => {
        rt.checkOpen('execAmAll');
        const def = checkAm(am);
        const h = new MultiAmHandle<R>(def.name, this.#pes.length);
        h.group = group;
        engine.launchAll(id, this.#pes, def, args, h as MultiAmHandle<unknown>);
        return h;
      },
      local: <A, R>(am: AmDef<A, R>, args: unknown, group?: HandleCounter): LocalAmHandle<R> => {
        rt.checkOpen('execAmLocal');
        const def = checkAm(am);
        const h = new LocalAmHandle<R>(def.name);
        h.group = group;
        engine.launchLocal(this, def, args, h as LocalAmHandle<unknown>);
        return h;
      },
    };
  }

  /** This PE's id within the team. */
  get myPe(): number {
    return this.#myPe;
  }

  get numPes(): number {
    return this.#pes.length;
  }

  /** World ids of the members, in team order. */
  get pes(): readonly number[] {
    return this.#pes;
  }

  /** @internal */
  get id(): number {
    return this.#id;
  }

  worldPe(teamPe: number): number {
    checkPe(teamPe, this.#pes.length, 'team PE');
    return this.#pes[teamPe]!;
  }

  teamPe(worldPe: number): number | undefined {
    const i = this.#pes.indexOf(worldPe);
    return i < 0 ? undefined : i;
  }

  /** Runs `am(args)` on team PE `pe`. */
  execAmPe<A, R>(pe: number, am: AmDef<A, R>, ...[args]: AmArgs<A>): AmHandle<R> {
    return this[kTeamLaunch].pe(pe, am, args);
  }

  /** Runs `am(args)` on every member (this PE too, if a member); results in team PE order. */
  execAmAll<A, R>(am: AmDef<A, R>, ...[args]: AmArgs<A>): MultiAmHandle<R> {
    return this[kTeamLaunch].all(am, args);
  }

  /** Runs `am(args)` on this PE without serializing `args`. */
  execAmLocal<A, R>(am: AmDef<A, R>, ...[args]: AmArgs<A>): LocalAmHandle<R> {
    return this[kTeamLaunch].local(am, args);
  }

  /** Collective over the team: resolves once every member has called it. */
  async barrier(): Promise<void> {
    this.#rt.checkOpen('barrier()');
    await this.#barrier.wait();
  }

  /**
   * Resolves once everything this PE launched, and every AM running on this PE, has finished.
   * Not a collective: combine with `barrier()` to wait for everyone (`waitAll(); barrier()`).
   */
  async waitAll(): Promise<void> {
    this.#rt.checkOpen('waitAll()');
    await this.#rt.engine.waitAll();
  }
}
