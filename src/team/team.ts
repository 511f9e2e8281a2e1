/**
 * Team: an ordered subset of the world's PEs. The world team holds every PE; PE numbers given
 * to a team's methods are team-relative, and `pes` maps them to world ids. Sub-teams are made
 * collectively from an arch (see create.ts) and nest to any depth; each has its own barrier,
 * allgather and count of AMs launched through it (for its waitAll).
 */
import {
  checkAm,
  Counter,
  kTeamLaunch,
  newAmHandle,
  newLocalAmHandle,
  newMultiAmHandle,
  type AmHandle,
  type LocalAmHandle,
  type MultiAmHandle,
  type AmArgs,
  type AmDef,
  type AmTeam,
  type HandleCounter,
  type TeamLaunchOps,
} from '../am/index.js';
import { addWait, checkConstruct, checkPe, ErrorCode, hash53, kConstruct, kTeamInternals, LamellarError, statsTiming } from '../core/index.js';
import { registerRefCodec } from '../serde/index.js';
import type { LamellarArch } from './arch.js';
import type { DisseminationBarrier } from './barrier.js';
import { createSubteam } from './create.js';
import type { WorldRuntime } from './runtime.js';

const DONE = Promise.resolve();

/** `allgather`, timed as a collective wait when stats are on (world.stats()). */
function timedGather(allgather: (value: number) => Promise<number[]>): (value: number) => Promise<number[]> {
  return (value) => {
    if (!statsTiming()) return allgather(value);
    const t0 = performance.now();
    return allgather(value).then((all) => {
      addWait('collective', t0);
      return all;
    });
  };
}

// A Team travels in AM arguments and results as a reference (the codec at the end of this file).
/** Teams travel in AMs as references (see Team). */
declare module '../serde/wire.js' {
  interface WireHandles {
    /** A Team: it arrives as the receiver's own Team for that team (members only). */
    team: Team;
  }
}

// Inside an AM, `ctx.team` and `ctx.world` are this PE's own Team objects: declared here, where
// Team lives, so the am folder needs no import of this one (see am/context.ts).
/** `ctx.team` and `ctx.world` are full Teams. */
declare module '../am/context.js' {
  interface AmContextTeams {
    /**
     * The team the AM was launched on.
     * @example
     * ```ts
     * const Size = defineAm('doc/team-size', (ctx) => ctx.team.numPes);
     * ```
     */
    readonly team: Team;
    /**
     * The world team.
     * @example
     * ```ts
     * const Size = defineAm('doc/world-size', (ctx) => ctx.world.numPes);
     * ```
     */
    readonly world: Team;
  }
}

/** Internal access for the layers above (memregion, darc, array); not part of the public API. */
export { kTeamInternals };

export interface TeamInternals {
  readonly runtime: WorldRuntime;
  /** Team id, the same on every member; 0 is the world. */
  readonly id: number;
  /** Collective over the members: each contributes a number and gets all, in team PE order. */
  allgather(value: number): Promise<number[]>;
  /**
   * A 53-bit hash of the member list. Team ids agree among members but are not unique across
   * the world, so a PE that receives an id checks this too before taking it for its own team.
   */
  readonly fingerprint: number;
}

/** Makes a Team (initWorld, sub-team creation); Team's constructor is private. */
export let newTeam: (rt: WorldRuntime, id: number, pes: readonly number[], barrier: DisseminationBarrier, allgather: (value: number) => Promise<number[]>) => Team;

/**
 * An ordered subset of the world's PEs (Lamellar's LamellarTeam). PE numbers given to a team's
 * methods are team-relative; `pes` maps them to world ids. The world team holds every PE; sub-teams
 * are made collectively from an arch and nest to any depth. A team launches AMs on its members,
 * has its own barrier and waitAll, and is what regions, Darcs and arrays are created on. In an AM's
 * arguments it arrives as the receiver's own Team (members only).
 * @example
 * ```ts
 * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
 * const evens = await world.createTeamFromArch(new StridedArch(0, 2, Math.ceil(world.numPes / 2)));
 * if (evens !== undefined) {
 *   const replies = await evens.execAmAll(Hello, { from: world.myPe });
 *   await evens.barrier();
 * }
 * ```
 */
export class Team implements AmTeam {
  readonly #rt: WorldRuntime;
  readonly #id: number;
  readonly #pes: readonly number[];
  readonly #myPe: number;
  readonly #barrier: DisseminationBarrier;
  /** AMs launched through this team from this PE (sub-teams only; the world counts everything). */
  readonly #launched: Counter | undefined;
  /** Per task group, a counter that counts in both the group and this team. */
  readonly #withGroup = new WeakMap<HandleCounter, HandleCounter>();
  #creations = 0;
  /** @internal */
  readonly [kTeamLaunch]: TeamLaunchOps;
  /** @internal */
  readonly [kTeamInternals]: TeamInternals;

  private constructor(
    token: symbol,
    rt: WorldRuntime,
    id: number,
    pes: readonly number[],
    barrier: DisseminationBarrier,
    allgather: (value: number) => Promise<number[]>,
  ) {
    checkConstruct(token, 'Team', 'world.team, createTeamFromArch() or createSubteamFromArch()');
    this.#rt = rt;
    this[kTeamInternals] = { runtime: rt, id, allgather: timedGather(allgather), fingerprint: hash53(pes.join(',')) };
    this.#id = id;
    this.#pes = Object.freeze([...pes]);
    this.#myPe = pes.indexOf(rt.lamella.myPe);
    this.#barrier = barrier;
    this.#launched = id === 0 ? undefined : new Counter();
    const engine = rt.engine;
    const label = id === 0 ? 'execAmPe' : `team ${id} execAmPe`;
    this[kTeamLaunch] = {
      check: (am) => void checkAm(am),
      pe: <A, R>(pe: number, am: AmDef<A, R>, args: unknown, group?: HandleCounter): AmHandle<R> => {
        rt.checkOpen(label);
        checkPe(pe, this.#pes.length);
        const def = checkAm(am);
        const h = newAmHandle<R>(def.name, pe, this.#counting(group));
        engine.launchPe(id, this.#pes[pe]!, def, args, h as AmHandle<unknown>);
        return h;
      },
      all: <A, R>(am: AmDef<A, R>, args: unknown, group?: HandleCounter): MultiAmHandle<R> => {
        rt.checkOpen('execAmAll');
        const def = checkAm(am);
        const h = newMultiAmHandle<R>(def.name, this.#pes.length, this.#counting(group));
        engine.launchAll(id, this.#pes, def, args, h as MultiAmHandle<unknown>);
        return h;
      },
      local: <A, R>(am: AmDef<A, R>, args: unknown, group?: HandleCounter): LocalAmHandle<R> => {
        rt.checkOpen('execAmLocal');
        const def = checkAm(am);
        const h = newLocalAmHandle<R>(def.name, this.#counting(group));
        engine.launchLocal(this, def, args, h as LocalAmHandle<unknown>);
        return h;
      },
    };
  }

  static {
    newTeam = (rt, id, pes, barrier, allgather) => new Team(kConstruct, rt, id, pes, barrier, allgather);
  }

  /** The counter a launch through this team reports to: the team's, the group's, or both. */
  #counting(group: HandleCounter | undefined): HandleCounter | undefined {
    const mine = this.#launched;
    if (mine === undefined || group === undefined) return mine ?? group;
    let both = this.#withGroup.get(group);
    if (both === undefined) {
      both = {
        add: () => {
          mine.add();
          group.add();
        },
        done: () => {
          mine.done();
          group.done();
        },
      };
      this.#withGroup.set(group, both);
    }
    return both;
  }

  /**
   * This PE's id within the team (0 .. numPes-1).
   * @example
   * ```ts
   * const t = world.team;
   * console.log(t.myPe === world.myPe); // true on the world team
   * ```
   */
  get myPe(): number {
    return this.#myPe;
  }

  /**
   * The number of members.
   * @example
   * ```ts
   * const n = world.team.numPes;
   * ```
   */
  get numPes(): number {
    return this.#pes.length;
  }

  /**
   * The world ids of the members, in team order.
   * @example
   * ```ts
   * const odds = await world.createTeamFromArch(new StridedArch(1, 2, Math.floor(world.numPes / 2)));
   * console.log(odds?.pes); // [1, 3, ...] on members
   * ```
   */
  get pes(): readonly number[] {
    return this.#pes;
  }

  /**
   * The world id of team PE `teamPe`; throws PE_OUT_OF_RANGE if there is no such member.
   * @example
   * ```ts
   * const w0 = world.team.worldPe(0); // 0
   * ```
   */
  worldPe(teamPe: number): number {
    checkPe(teamPe, this.#pes.length, 'team PE');
    return this.#pes[teamPe]!;
  }

  /**
   * The team id of world PE `worldPe`, or undefined if it is not a member.
   * @example
   * ```ts
   * const me = world.team.teamPe(world.myPe);
   * ```
   */
  teamPe(worldPe: number): number | undefined {
    const i = this.#pes.indexOf(worldPe);
    return i < 0 ? undefined : i;
  }

  /**
   * Runs `am(args)` on team PE `pe`; the handle resolves to its result. Inside the AM, `ctx.team`
   * is this team.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const t = world.team;
   * const r: string = await t.execAmPe(t.numPes - 1, Hello, { from: t.myPe });
   * ```
   */
  execAmPe<A, R>(pe: number, am: AmDef<A, R>, ...args: AmArgs<A>): AmHandle<R>;
  execAmPe(pe: number, am: AmDef<unknown, unknown>, args?: unknown): AmHandle<unknown> {
    return this[kTeamLaunch].pe(pe, am, args);
  }

  /**
   * Runs `am(args)` on every member (this PE too, if a member); results in team PE order.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const all: string[] = await world.team.execAmAll(Hello, { from: world.myPe });
   * ```
   */
  execAmAll<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): MultiAmHandle<R>;
  execAmAll(am: AmDef<unknown, unknown>, args?: unknown): MultiAmHandle<unknown> {
    return this[kTeamLaunch].all(am, args);
  }

  /**
   * Runs `am(args)` on this PE without serializing `args`; `ctx.team` is this team.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const r = await world.team.execAmLocal(Hello, { from: world.myPe });
   * ```
   */
  execAmLocal<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): LocalAmHandle<R>;
  execAmLocal(am: AmDef<unknown, unknown>, args?: unknown): LocalAmHandle<unknown> {
    return this[kTeamLaunch].local(am, args);
  }

  /**
   * Collective over the team: resolves once every member has called it.
   * @example
   * ```ts
   * await world.team.barrier();
   * ```
   */
  barrier(): Promise<void> {
    // Not async: when every member arrives together the barrier completes synchronously, and
    // the caller's await is then the only promise hop.
    try {
      this.#rt.checkOpen('barrier()');
    } catch (err) {
      return Promise.reject(err);
    }
    if (!statsTiming()) return this.#barrier.wait() ?? DONE;
    const t0 = performance.now();
    const waiting = this.#barrier.wait();
    if (waiting === undefined) {
      addWait('barrier', t0);
      return DONE;
    }
    return waiting.then(() => addWait('barrier', t0));
  }

  /**
   * On the world team: resolves once everything this PE launched, and every AM running on it, has
   * finished. On a sub-team: once every AM launched through this team from this PE (directly, by
   * its groups, or by AMs here using `ctx.team`) has finished. Not a collective: add `barrier()` to
   * wait for everyone.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const t = world.team;
   * void t.execAmAll(Hello, { from: world.myPe });
   * await t.waitAll();
   * await t.barrier();
   * ```
   */
  async waitAll(): Promise<void> {
    this.#rt.checkOpen('waitAll()');
    if (this.#launched === undefined) await this.#rt.engine.waitAll();
    else await this.#launched.idle();
  }

  /**
   * Collective over this team: makes a sub-team of the PEs `arch` selects (team-relative numbers).
   * Resolves to the new Team on its members and to undefined on the other members of this team.
   * Every member must create sub-teams in the same order with the same arch, or every member
   * rejects
   * with TEAM_MISMATCH; an arch that does not fit rejects (PE_OUT_OF_RANGE or INVALID_ARGUMENT) on
   * the PEs that passed it and TEAM_MISMATCH on the others, and this team stays usable.
   * @example
   * ```ts
   * const firstTwo = await world.team.createSubteamFromArch(new BlockedArch(0, Math.min(2, world.numPes)));
   * if (firstTwo !== undefined) await firstTwo.barrier();
   * ```
   */
  async createSubteamFromArch(arch: LamellarArch): Promise<Team | undefined> {
    const rt = this.#rt;
    rt.checkOpen('createSubteamFromArch()');
    const parent = {
      rt,
      id: this.#id,
      pes: this.#pes,
      allgather: this[kTeamInternals].allgather,
      nextCreation: () => this.#creations++,
    };
    return createSubteam(parent, arch, (id, pes, sync) => newTeam(rt, id, pes, sync.barrier, (v) => sync.allgather(v)));
  }
}

/**
 * A Team inside AM arguments or results travels as its id and the hash of its member list, and
 * arrives as the receiver's own Team object for that team (so `===` holds with the receiver's
 * handle, as for `ctx.team`). Ids agree among a team's members but a non-member may use the same
 * id for another team of its own; the member-list hash tells them apart. A PE that is not a
 * member has no such Team: decoding fails there with TEAM_MISMATCH, which the sender sees as the
 * AM's error.
 */
registerRefCodec<Team>({
  name: 'lamellar.Team',
  ctor: Team,
  encode(w, team) {
    const t = team[kTeamInternals];
    w.u32(t.id);
    w.f64(t.fingerprint);
  },
  decode(r, ctx) {
    const rt = ctx as WorldRuntime;
    const id = r.u32();
    const fingerprint = r.f64();
    const team = rt.teamById(id);
    if (team === undefined || team[kTeamInternals].fingerprint !== fingerprint) {
      throw new LamellarError(
        ErrorCode.TEAM_MISMATCH,
        `a Team (team id ${id}) arrived on PE ${rt.lamella.myPe}, which is not a member of that team; send a Team only to its members`,
        { details: { teamId: id, pe: rt.lamella.myPe } },
      );
    }
    return team;
  },
});
