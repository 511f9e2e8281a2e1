/**
 * Team: an ordered subset of the world's PEs. The world team holds every PE; PE numbers given
 * to a team's methods are team-relative, and `pes` maps them to world ids. Sub-teams are made
 * collectively from an arch (see create.ts) and nest to any depth; each has its own barrier,
 * allgather and count of AMs launched through it (for its waitAll).
 */
import {
  AmHandle,
  checkAm,
  Counter,
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
import { checkPe, ErrorCode, LamellarError } from '../core/index.js';
import { registerRefCodec } from '../serde/index.js';
import type { LamellarArch } from './arch.js';
import type { DisseminationBarrier } from './barrier.js';
import { createSubteam, hash53 } from './create.js';
import type { WorldRuntime } from './runtime.js';

const DONE = Promise.resolve();

// Inside an AM, `ctx.team` and `ctx.world` are this PE's own Team objects: declared here, where
// Team lives, so the am folder needs no import of this one (see am/context.ts).
declare module '../am/context.js' {
  interface AmContextTeams {
    readonly team: Team;
    readonly world: Team;
  }
}

/** Internal access for the layers above (memregion, darc, array); not part of the public API. */
export const kTeamInternals = Symbol('lamellar.teamInternals');

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
  /**
   * Counts a runtime operation launched through this team (an array op queued behind a lock)
   * until it settles, so this team's waitAll(), the world's, and shutdown wait for it.
   */
  track(p: PromiseLike<unknown>): void;
}

export class Team implements AmTeam, TeamLaunch {
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
  readonly [kTeamLaunch]: TeamLaunchOps;
  readonly [kTeamInternals]: TeamInternals;

  /** @internal Teams are made by initWorld, createTeamFromArch and createSubteamFromArch. */
  constructor(
    rt: WorldRuntime,
    id: number,
    pes: readonly number[],
    barrier: DisseminationBarrier,
    allgather: (value: number) => Promise<number[]>,
  ) {
    this.#rt = rt;
    this[kTeamInternals] = { runtime: rt, id, allgather, fingerprint: hash53(pes.join(',')), track: (p) => this.#track(p) };
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
        const h = new AmHandle<R>(def.name, pe);
        h.group = this.#counting(group);
        engine.launchPe(id, this.#pes[pe]!, def, args, h as AmHandle<unknown>);
        return h;
      },
      all: <A, R>(am: AmDef<A, R>, args: unknown, group?: HandleCounter): MultiAmHandle<R> => {
        rt.checkOpen('execAmAll');
        const def = checkAm(am);
        const h = new MultiAmHandle<R>(def.name, this.#pes.length);
        h.group = this.#counting(group);
        engine.launchAll(id, this.#pes, def, args, h as MultiAmHandle<unknown>);
        return h;
      },
      local: <A, R>(am: AmDef<A, R>, args: unknown, group?: HandleCounter): LocalAmHandle<R> => {
        rt.checkOpen('execAmLocal');
        const def = checkAm(am);
        const h = new LocalAmHandle<R>(def.name);
        h.group = this.#counting(group);
        engine.launchLocal(this, def, args, h as LocalAmHandle<unknown>);
        return h;
      },
    };
  }

  #track(p: PromiseLike<unknown>): void {
    this.#rt.engine.trackWork(p);
    const mine = this.#launched;
    if (mine !== undefined) {
      mine.add();
      const done = (): void => mine.done();
      p.then(done, done);
    }
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
  execAmPe<A, R>(pe: number, am: AmDef<A, R>, ...args: AmArgs<A>): AmHandle<R>;
  execAmPe(pe: number, am: AmDef<unknown, unknown>, args?: unknown): AmHandle<unknown> {
    return this[kTeamLaunch].pe(pe, am, args);
  }

  /** Runs `am(args)` on every member (this PE too, if a member); results in team PE order. */
  execAmAll<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): MultiAmHandle<R>;
  execAmAll(am: AmDef<unknown, unknown>, args?: unknown): MultiAmHandle<unknown> {
    return this[kTeamLaunch].all(am, args);
  }

  /** Runs `am(args)` on this PE without serializing `args`. */
  execAmLocal<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): LocalAmHandle<R>;
  execAmLocal(am: AmDef<unknown, unknown>, args?: unknown): LocalAmHandle<unknown> {
    return this[kTeamLaunch].local(am, args);
  }

  /** Collective over the team: resolves once every member has called it. */
  barrier(): Promise<void> {
    // Not async: when every member arrives together the barrier completes synchronously, and
    // the caller's await is then the only promise hop.
    try {
      this.#rt.checkOpen('barrier()');
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#barrier.wait() ?? DONE;
  }

  /**
   * On the world team: resolves once everything this PE launched, and every AM running on this
   * PE, has finished. On a sub-team: once every AM launched through this team from this PE
   * (directly, by its groups, or by AMs here using `ctx.team`) has finished.
   * Not a collective: combine with `barrier()` to wait for everyone (`waitAll(); barrier()`).
   */
  async waitAll(): Promise<void> {
    this.#rt.checkOpen('waitAll()');
    if (this.#launched === undefined) {
      this.#rt.engine.checkNotInAm('world.waitAll()');
      await this.#rt.engine.waitAll();
    }
    else await this.#launched.idle();
  }

  /**
   * Collective over this team: makes a sub-team of the PEs `arch` selects (team-relative
   * numbers). Resolves to the new Team on its members and to undefined on the other members of
   * this team. Every member must create sub-teams in the same order with the same arch; if not,
   * every member rejects with TEAM_MISMATCH. An arch that does not fit the parent or contradicts
   * itself still takes part in the parent's exchange, so that no member waits for it: the PEs
   * that passed it reject with PE_OUT_OF_RANGE or INVALID_ARGUMENT, the others with
   * TEAM_MISMATCH naming them, and the parent stays usable.
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
    return createSubteam(parent, arch, (id, pes, sync) => new Team(rt, id, pes, sync.barrier, (v) => sync.allgather(v)));
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
