/**
 * Team: an ordered subset of the world's PEs. The world team holds every PE; PE numbers given
 * to a team's methods are team-relative, and `pes` maps them to world ids. Sub-teams are made
 * collectively from an arch (see create.ts) and nest to any depth; each has its own barrier,
 * collective channel (coll/channel.ts) and count of AMs launched through it (for its waitAll).
 */
import {
  checkAm,
  Counter,
  kTeamLaunch,
  newAmHandle,
  newLocalAmHandle,
  newMultiAmHandle,
  PairCounter,
  type AmArgs,
  type AmDef,
  type AmHandle,
  type AmTeam,
  type HandleCounter,
  type LocalAmHandle,
  type MultiAmHandle,
  type TeamLaunchOps,
} from '../am/index.js';
import { checkConstruct, checkTeamPe, config, ErrorCode, hash53, kConstruct, kTeamInternals, LamellarError, nextTurn, timedWait, unlessScriptFails } from '../core/index.js';
import { registerRefCodec, type WireReceived } from '../serde/index.js';
import type { LamellarArch } from './arch.js';
import type { Channel, SignalCall } from './coll/channel.js';
import { Kind } from './coll/kinds.js';
import { captureSite, type Site } from './coll/site.js';
import { State } from './coll/status.js';
import type { Waiting } from './coll/watch.js';
import { createSubteam } from './create.js';
import type { WorldRuntime } from './runtime.js';
import * as tc from './team-collectives.js';
import type { IdentityOp, Reduced, Reducible, ReduceOp } from './team-collectives.js';

/** What WAIT_ALL_IN_AM calls the world's waitAll(), whichever handle it was called through. */
const WORLD_WAIT_ALL = 'waitAll() of the world team (world.waitAll(), ctx.world.waitAll(), or ctx.team.waitAll() where ctx.team is the world)';

const DONE = Promise.resolve();
/** What a member's drop is doing while it waits for its work on the team (deadlock reports). */
const DROP_WAIT = 'team.drop() (waiting for the work this PE launched through the team)';

/**
 * The user's call site of a team collective: everything up to the public method `above` is
 * skipped and only the next two frames are kept (a World method that delegates, then the
 * user's), which costs about a quarter of a full capture (coll/site.ts).
 */
const userSite = (above: (...args: never[]) => unknown): Site => captureSite(above, 2);

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
  /**
   * The team's sequenced collective path (coll/channel.ts); undefined on a PE that is not a
   * member, or after the team was dropped.
   */
  readonly channel: Channel | undefined;
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
  /** Throws USE_AFTER_RELEASE (or WORLD_SHUT_DOWN) if the team can no longer be used here. */
  checkLive(what: string): void;
  /**
   * Launches a runtime AM of an object made on this team that outlives it (an array's ops, on
   * team PE `pe`): through the team, so its waitAll() counts it, and once the team is dropped,
   * through the world, whose id every PE still knows (the members forgot the team's).
   */
  launchOwned<A, R>(pe: number, am: AmDef<A, R>, args: A): AmHandle<R>;
}

/** Makes a Team (initWorld, team creation); Team's constructor is private. */
export let newTeam: (rt: WorldRuntime, id: number, pes: readonly number[], channel: Channel | undefined, path: string, block?: number) => Team;

/**
 * An ordered subset of the world's PEs (Lamellar's LamellarTeam). PE numbers given to a team's
 * methods are team-relative; `pes` maps them to world ids. The world team holds every PE; sub-teams
 * are made collectively from an arch and nest to any depth. A team launches AMs on its members, has
 * its own barrier, waitAll and collectives, and is what regions, Darcs and arrays are created on.
 * `createTeamFromArch` gives every PE of the parent a handle; `isMember` says whether this PE is in
 * the team. In an AM's arguments a Team arrives as the receiver's own Team (members only).
 * @example
 * ```ts
 * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
 * const evens = await world.createTeamFromArch(new StridedArch(0, 2, Math.ceil(world.numPes / 2)));
 * if (evens.isMember) {
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
  readonly #path: string;
  #channel: Channel | undefined;
  /** This PE's block of the team's barrier memory (members of sub-teams; freed by drop()). */
  readonly #block: number;
  #dropped = false;
  /** AMs launched through this team from this PE (sub-teams only; the world counts everything). */
  readonly #launched: Counter | undefined;
  /** Throws PE_OUT_OF_RANGE unless its argument is a team PE, saying what team PEs are. */
  readonly #checkPe: (pe: number) => number;
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
    channel: Channel | undefined,
    path: string,
    block = 0,
  ) {
    checkConstruct(token, 'Team', 'world.team, createTeamFromArch() or createSubteamFromArch()');
    this.#rt = rt;
    const channelOf = (): Channel | undefined => this.#channel;
    this[kTeamInternals] = {
      runtime: rt,
      id,
      fingerprint: hash53(pes.join(',')),
      get channel() {
        return channelOf();
      },
      track: (p) => this.#track(p),
      checkLive: (what) => this.#live(what),
      launchOwned: <A, R>(pe: number, am: AmDef<A, R>, args: A): AmHandle<R> =>
        this.#dropped ? rt.world[kTeamLaunch].pe(this.worldPe(pe), am, args) : this[kTeamLaunch].pe(pe, am, args),
    };
    this.#id = id;
    this.#pes = Object.freeze([...pes]);
    this.#myPe = pes.indexOf(rt.lamella.myPe);
    this.#channel = channel;
    this.#path = path;
    this.#block = block;
    this.#launched = id === 0 ? undefined : new Counter();
    const engine = rt.engine;
    const label = id === 0 ? 'execAmPe' : `team ${id} execAmPe`;
    const checkPe = (pe: number, method?: string): number => checkTeamPe(pe, this.#pes, id === 0, this.#myPe >= 0, 'PE', method);
    this.#checkPe = checkPe;
    this[kTeamLaunch] = {
      check: (am) => void checkAm(am),
      checkPe,
      pe: <A, R>(pe: number, am: AmDef<A, R>, args: unknown, group?: HandleCounter, method?: string, keep?: ReadonlySet<object>): AmHandle<R> => {
        this.#liveForLaunch(label);
        checkPe(pe, method);
        const def = checkAm(am);
        const h = newAmHandle<R>(def.name, pe, this.#counting(group));
        engine.launchPe(id, this.#pes[pe]!, def, args, h as AmHandle<unknown>, keep);
        return h;
      },
      all: <A, R>(am: AmDef<A, R>, args: unknown, group?: HandleCounter, keep?: ReadonlySet<object>): MultiAmHandle<R> => {
        this.#liveForLaunch('execAmAll');
        const def = checkAm(am);
        const h = newMultiAmHandle<R>(def.name, this.#pes.length, this.#counting(group));
        engine.launchAll(id, this.#pes, def, args, h as MultiAmHandle<unknown>, keep);
        return h;
      },
      local: <A, R>(am: AmDef<A, R>, args: unknown, group?: HandleCounter): LocalAmHandle<R> => {
        this.#liveForLaunch('execAmLocal');
        const def = checkAm(am);
        const h = newLocalAmHandle<R>(def.name, this.#counting(group));
        engine.launchLocal(this, def, args, h as LocalAmHandle<unknown>);
        return h;
      },
      reportUnobserved: (group) => engine.reportUnobservedIn(group),
    };
  }

  static {
    newTeam = (rt, id, pes, channel, path, block) => new Team(kConstruct, rt, id, pes, channel, path, block);
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
      both = new PairCounter(mine, group);
      this.#withGroup.set(group, both);
    }
    return both;
  }

  /**
   * This PE's id within the team (0 .. numPes-1); -1 on a PE that is not a member (see `isMember`).
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
   * Whether this PE belongs to the team. A non-member's handle (what `createTeamFromArch`
   * gives the parent's other PEs) can launch AMs on the team and `waitAll()` for them, but
   * takes part in none of its collectives.
   * @example
   * const evens = await world.createTeamFromArch(new StridedArch(0, 2, Math.ceil(world.numPes / 2)));
   * if (evens.isMember) await evens.barrier();
   */
  get isMember(): boolean {
    return this.#myPe >= 0;
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
   * console.log(odds.pes); // [1, 3, ...]
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
    this.#checkPe(teamPe);
    return this.#pes[teamPe]!;
  }

  /**
   * The team id of world PE `worldPe`, or undefined if it is not a member; throws PE_OUT_OF_RANGE
   * if the world has no such PE.
   * @example
   * ```ts
   * const me = world.team.teamPe(world.myPe);
   * ```
   */
  teamPe(worldPe: number): number | undefined {
    const i = this.#pes.indexOf(worldPe);
    if (i >= 0) return i;
    checkTeamPe(worldPe, this.#rt.world.pes, true, true, 'world PE', 'teamPe');
    return undefined;
  }

  /**
   * Runs `am(args)` on team PE `pe`; the handle resolves to its result. Inside the AM, `ctx.team`
   * is this team. A non-member's handle may launch too.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const t = world.team;
   * const r: string = await t.execAmPe(t.numPes - 1, Hello, { from: world.myPe });
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
   * Collective over the team: resolves once every member has called it, and the memory-region,
   * UnsafeArray and AtomicArray puts each member started before its call have landed (as
   * `shmem_barrier_all`; a lock array's put may wait for a guard held across the barrier). Matched: a member that
   * meets another collective here (a shutdown, a creation) fails the job with COLLECTIVE_MISMATCH.
   * On a non-member's handle it does nothing and resolves at once, as Lamellar's barrier does on
   * a PE outside the team (its examples call it on every PE).
   * @example
   * await team.barrier();
   */
  barrier(): Promise<void> {
    // Not async: when every member arrives together the barrier completes synchronously, and
    // the caller's await is then the only promise hop.
    let p: Promise<void> | undefined;
    try {
      if (this.#channel === undefined && !this.#dropped) {
        this.#rt.checkOpen('barrier()');
        return DONE;
      }
      const ch = this.#ch('barrier()');
      // Puts this PE started and that are still in flight land before it arrives (put-fence.ts);
      // its turn among the collectives is taken now, at the call.
      const fence = this.#rt.puts.fence();
      if (fence === undefined) p = timedWait('barrier', () => ch.signal(Kind.barrier));
      else {
        const turn = ch.reserveSignal(Kind.barrier);
        p = timedWait('barrier', () => fence.then(turn.run));
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return p ?? DONE;
  }

  /** The channel for a collective, or a coded error: shut down, dropped, or not a member. */
  #ch(what: string): Channel {
    this.#rt.checkOpen(what);
    if (this.#dropped || this.#channel === undefined) {
      if (this.#dropped) throw new LamellarError(ErrorCode.USE_AFTER_RELEASE, `${what} on a team after team.drop()`, { details: { teamId: this.#id } });
      throw new LamellarError(
        ErrorCode.TEAM_MISMATCH,
        `${what}: world PE ${this.#rt.lamella.myPe} is not a member of ${this.#rt.teamName(this.#id)}; collectives are for members only (check team.isMember)`,
        { details: { teamId: this.#id, pe: this.#rt.lamella.myPe } },
      );
    }
    return this.#channel;
  }

  /** Throws USE_AFTER_RELEASE after drop(); used by the launches. */
  #live(what: string): void {
    this.#rt.checkOpen(what);
    if (this.#dropped) throw new LamellarError(ErrorCode.USE_AFTER_RELEASE, `${what} on a team after team.drop()`, { details: { teamId: this.#id } });
  }

  /**
   * #live for a launch, which an AM running here may still make through the team (its
   * `ctx.team` is this handle) after this PE's drop() until the drop's collective part has
   * passed: the team is alive until then, and a member's drop waits for the AMs it launched, so
   * an AM that PE sent here, and what it launches and awaits, finish first (as in Lamellar, where
   * the AM holds the team). The program's own launches after drop() stay refused.
   */
  #liveForLaunch(what: string): void {
    if (this.#dropped && this.isMember && this.#rt.engine.inAm()) {
      this.#rt.checkOpen(what);
      if (this.#channel !== undefined) return;
      // An AM that reached this member from outside the members' launches (a non-member's, or
      // one that received the team in its arguments): nothing told the drop it was running.
      throw new LamellarError(
        ErrorCode.USE_AFTER_RELEASE,
        `${what} through ctx.team: the members dropped ${this.#rt.teamName(this.#id)} (team.drop()) while this AM was running; work that reaches a team from a non-member, or through a team sent in an AM's arguments, must finish before its members drop it`,
        { details: { teamId: this.#id } },
      );
    }
    this.#live(what);
  }

  /**
   * On the world team: resolves once everything this PE launched, and every AM running on it, has
   * finished. On a sub-team: once every AM launched through this team from this PE (directly, by
   * its groups, or by AMs here using `ctx.team`) has finished. Not a collective: add `barrier()` to
   * wait for everyone. When it resolves, each AM it waited for that failed and whose handle was never
   * awaited is reported as a `LAMELLAR_W_UNOBSERVED_AM_ERROR` warning, once. Inside an AM it rejects
   * with `LAMELLAR_ERR_WAIT_ALL_IN_AM`, on any team: await the AM's own handles, or a `TaskGroup`'s
   * `waitAll()`.
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
    this.#live('waitAll()');
    // A sub-team's count holds the AMs this PE launched through it, which can be this AM (launched
    // here) or one on another PE waiting in its own waitAll() for this one (each PE launching to
    // its neighbour): a wait for itself either way, which hung. Refused as the world's is.
    if (this.#launched !== undefined) {
      this.#rt.engine.checkNotInAm(
        `waitAll() of ${this.#rt.teamName(this.#id)}, a sub-team,`,
        'it waits for every AM launched through that team from this PE, which can be this AM or one on another PE that waits in turn for this one, so it may never resolve',
      );
    }
    return this.#waitLaunched('waitAll()');
  }

  /** waitAll() past its checks: also what a member's drop waits for, the team handle dropped. */
  async #waitLaunched(what: string): Promise<void> {
    const rt = this.#rt;
    // Inside an AM the world's waitAll would wait for that AM too: refuse at once.
    // Named by what a port writes: Rust's `lamellar::team.wait_all()` in an AM is ctx.team's.
    if (this.#launched === undefined) rt.engine.checkNotInAm(WORLD_WAIT_ALL);
    const busy = (): boolean => (this.#launched === undefined ? rt.engine.outstanding > 0 : this.#launched.value > 0);
    if (!busy()) {
      if (this.#launched === undefined) await rt.engine.waitAll();
      else rt.engine.reportUnobservedIn(this.#launched);
      // Ops that completed at their call may have continuations queued a few microtasks deep
      // (see the loop below): they run in this turn, and may start more work.
      await nextTurn(undefined);
      if (!busy()) return;
    }
    // Diagnosed like a collective: after LAMELLAR_DEADLOCK_TIMEOUT it reports what the other
    // PEs (where these AMs run) are doing.
    const others = rt.world.pes.filter((pe) => pe !== rt.lamella.myPe);
    const launched = this.#launched;
    const name = rt.teamName(this.#id);
    const w: Waiting = {
      // Reported only after a whole timeout in which none of its work finished (see Watch).
      what: `${what} on ${name} (none of the work it waits for finished in the last ${config().deadlockTimeoutSecs} s)`,
      state: State.inWaitAll, team: this.#id, seq: 0, kind: 0,
      site: captureSite(), missing: () => others, members: others, start: 0, nextAt: 0, reports: 0,
      progress: () => (launched === undefined ? rt.engine.completed : launched.completed),
    };
    rt.watch.begin(w);
    try {
      for (;;) {
        if (launched === undefined) await rt.engine.waitAll();
        else await launched.idle();
        // The count reaches 0 as the last replies are handled, a microtask or two before the
        // promises the caller holds settle (an op's promise is derived from its batch's): a
        // `.then` on one of them would run after waitAll() returned. One turn lets every such
        // continuation run; any work they started is waited for too.
        await nextTurn(undefined);
        if (!busy()) break;
      }
    } finally {
      rt.watch.end(w);
    }
    // A sub-team's waitAll reports the failures of the AMs it waited for, as the world's does for
    // every AM (the world's engine.waitAll() has reported them already).
    if (this.#launched !== undefined) rt.engine.reportUnobservedIn(this.#launched);
  }

  /**
   * Collective over this team: makes a sub-team of the PEs `arch` selects (team-relative
   * numbers). Resolves to the new Team on every member of this team: a full handle on the PEs
   * in the sub-team, and on the others a handle that can launch AMs on it (`isMember` false).
   * Every member must create sub-teams in the same order with the same arch; if not, every
   * member rejects with TEAM_MISMATCH. An arch that does not fit the parent or contradicts
   * itself still takes part in the parent's exchange, so that no member waits for it: the PEs
   * that passed it reject with PE_OUT_OF_RANGE or INVALID_ARGUMENT, the others with
   * TEAM_MISMATCH naming them, and the parent stays usable.
   * @example
   * const pair = await team.createSubteamFromArch(new BlockedArch(0, 2));
   * if (pair.isMember) await pair.barrier();
   */
  createSubteamFromArch(arch: LamellarArch): Promise<Team> {
    let ch: Channel;
    try {
      ch = this.#ch('createSubteamFromArch()');
    } catch (err) {
      return Promise.reject(err);
    }
    const rt = this.#rt;
    const parent = { rt, id: this.#id, pes: this.#pes, channel: ch, path: this.#path, nextCreation: () => this.#creations++ };
    return createSubteam(parent, arch, (id, pes, channel, path, block) => newTeam(rt, id, pes, channel, path, block));
  }

  /**
   * Collective: combines every member's `value` with `op` (`'sum' 'prod' 'min' 'max' 'and' 'or'
   * 'xor'` or a name given to `registerReduction`), in team PE order, and gives every member the
   * result. Typed arrays are combined element by element (all members pass the same type and
   * length) and wrap to their element type.
   * @example
   * const total = await world.allReduce(a.numElemsLocal, 'sum');
   * const maxima = await team.allReduce(new Float64Array([1.5, world.myPe]), 'max');
   */
  allReduce<T extends Reducible>(value: T, op: ReduceOp): Promise<Reduced<T>> {
    return this.#run('allReduce()', (ch) => tc.allReduce(ch, value, op, userSite(Team.prototype.allReduce))) as Promise<Reduced<T>>;
  }

  /**
   * Collective: every member gets team PE `rootPe`'s `value` (any value the codec carries; the
   * others' `value` is ignored and may be undefined). Every member, the root too, gets a decoded
   * copy, typed as an AM's result: a `Buffer` arrives as a `Uint8Array`.
   * @example
   * const cfg = await team.broadcast(team.myPe === 0 ? { seed: 42 } : undefined, 0);
   */
  broadcast<T>(value: T, rootPe: number): Promise<WireReceived<T>> {
    return this.#run('broadcast()', (ch) => tc.broadcast(ch, value as WireReceived<T>, rootPe, userSite(Team.prototype.broadcast)));
  }

  /**
   * Collective: every member gets every member's `value` (decoded copies), in team PE order.
   * @example
   * const names: string[] = await world.allGather(`pe${world.myPe}`);
   */
  allGather<T>(value: T): Promise<WireReceived<T>[]> {
    return this.#run('allGather()', (ch) => tc.allGather(ch, value as WireReceived<T>, userSite(Team.prototype.allGather)));
  }

  /**
   * Collective: team PE `rootPe` gets every member's `value` (decoded copies) in team PE order;
   * the others get undefined.
   * @example
   * const parts = await world.gather(world.myPe * 10, 0); // an array on PE 0, undefined elsewhere
   */
  gather<T>(value: T, rootPe: number): Promise<WireReceived<T>[] | undefined> {
    return this.#run('gather()', (ch) => tc.gather(ch, value as WireReceived<T>, rootPe, userSite(Team.prototype.gather)));
  }

  /**
   * Collective prefix reduction: team PE i gets the members 0..i-1 combined with `op`. Team PE
   * 0 gets the op's identity (0 for sum, 1 for prod, all bits set for and, 0 for or/xor), or
   * undefined for min, max and registered reductions.
   * @example
   * const offset = await world.exclusiveScan(a.numElemsLocal, 'sum'); // where my items start
   */
  exclusiveScan<T extends Reducible>(value: T, op: IdentityOp): Promise<Reduced<T>>;
  exclusiveScan<T extends Reducible>(value: T, op: ReduceOp): Promise<Reduced<T> | undefined>;
  exclusiveScan(value: Reducible, op: ReduceOp): Promise<Reducible | undefined> {
    return this.#run('exclusiveScan()', (ch) => tc.scan(ch, value, op, false, userSite(Team.prototype.exclusiveScan)));
  }

  /**
   * Collective prefix reduction: team PE i gets the members 0..i combined with `op`.
   * @example
   * const upTo = await world.inclusiveScan(a.numElemsLocal, 'sum');
   */
  inclusiveScan<T extends Reducible>(value: T, op: ReduceOp): Promise<Reduced<T>> {
    return this.#run('inclusiveScan()', (ch) => tc.scan(ch, value, op, true, userSite(Team.prototype.inclusiveScan))) as Promise<Reduced<T>>;
  }

  #run<R>(what: string, f: (ch: Channel) => Promise<R>): Promise<R> {
    try {
      const ch = this.#ch(what);
      return timedWait('collective', () => f(ch))!;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Collective over the members: waits for the work this PE launched through the team (as its
   * waitAll), then frees the team's resources on every member (its barrier memory, its id).
   * Afterwards every use of this handle throws USE_AFTER_RELEASE. On a non-member handle it
   * marks the handle released and forgets the team once the AMs launched through the handle
   * have settled. The world team cannot be dropped.
   * @example
   * const pair = await world.createTeamFromArch(new BlockedArch(0, 2));
   * if (pair.isMember) await pair.drop();
   */
  async drop(): Promise<void> {
    const ch = this.#release('team.drop()');
    if (ch !== undefined) await this.#finishDrop(ch, undefined);
    else this.#forget();
  }

  /**
   * A non-member's drop: this PE forgets the team once the AMs it launched through it have
   * settled (an AM one of them returns runs back here on the team). Every parent PE registers
   * every new team, and a non-member's entry stayed for the life of the world: 2.2 KB a team, in
   * a loop that creates and drops teams.
   */
  #forget(): void {
    const rt = this.#rt;
    const forget = (): void => {
      if (rt.teams.get(this.#id) === this) rt.teams.delete(this.#id);
    };
    if (this.#launched === undefined || this.#launched.value === 0) forget();
    else void this.#launched.idle().then(forget);
  }

  /** The local part of a drop: checks, marks the handle released, returns the channel to close. */
  #release(what: string): Channel | undefined {
    if (this.#id === 0) throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'the world team cannot be dropped; use world.shutdown()');
    this.#live(what);
    this.#dropped = true;
    return this.#channel;
  }

  /**
   * The collective part of a drop: takes the drop's number on the team's channel (now, in call
   * order with the PE's other collectives: a shutdown called next must come after it), waits for
   * the work this PE launched through the team, as Lamellar's team drop does (an AM sent just
   * before the drop arrived after its target had dropped the team, and was refused), meets the
   * members, makes sure no member has work left on the team (#quiet), then frees the barrier
   * memory and the id.
   */
  async #finishDrop(ch: Channel, call: SignalCall | undefined): Promise<void> {
    // The quiet rounds' exchanges are named as the drop is, at the drop's own line.
    const named: SignalCall = call ?? { label: 'team.drop()', site: captureSite() };
    const drop = ch.reserveSignal(Kind.teamDrop, named);
    let before: number;
    try {
      await this.#waitLaunched(DROP_WAIT);
    } finally {
      // Read at once: a launch after the wait is counted here and waited for in the first round.
      before = this.#launched!.completed + this.#launched!.value;
      await drop.run();
    }
    await this.#quiet(ch, before, named);
    await ch.idle();
    ch.close();
    this.#channel = undefined;
    const rt = this.#rt;
    rt.channels.delete(this.#id);
    if (rt.teams.get(this.#id) === this) rt.teams.delete(this.#id);
    rt.noteTeamDropped(this.#id);
    if (this.#block > 0) rt.lamella.free(this.#block);
  }

  /**
   * The AMs ever launched through this team from this PE (a member's: it has #launched), once
   * none of them is running: read in the same step as that check, so a launch cannot fall between
   * a wait and the count (counted, but never waited for).
   */
  async #settledCount(): Promise<number> {
    const launched = this.#launched!;
    while (launched.value > 0) await this.#waitLaunched(DROP_WAIT);
    return launched.completed;
  }

  /**
   * After the drop's meeting, rounds of waiting for this PE's work on the team and exchanging
   * each member's count of AMs ever launched through it, until the total stops moving; only then
   * may a member free the team. The meeting alone is not enough: an AM that a member sent before
   * its drop may run on another member after that one's own wait, and launch through `ctx.team`
   * (fire and forget) to a third member that has passed the meeting and freed the team, which
   * refused it (tcp, a large AM: 2 runs in 5). Why equal totals are enough is the world
   * shutdown's argument (World#quiet), with each member's count before the meeting as the first
   * round: an AM still running after two equal totals was launched before its launcher's last
   * wait, which waited for it. Every member sees the same totals, so all stop at the same round;
   * with no such late work that is the first. Work that reaches the team from outside its members'
   * launches (a non-member's, or a Team handle in another AM's arguments) is not counted: the
   * program must have finished it before the drop (docs/teams.md).
   */
  async #quiet(ch: Channel, before: number, call: SignalCall): Promise<void> {
    const opts = { site: call.site };
    // Compared across the members, so one description for every drop: a member's `drop()` and
    // another's end of an `await using` scope (labelled apart for reports) are the same drop,
    // and comparing their labels failed the job with COLLECTIVE_MISMATCH.
    const desc = 'team.drop()';
    const first = (await ch.exchange(Kind.teamDrop, desc, [before, await this.#settledCount()], opts)) as [number, number][];
    let last = 0;
    let now = 0;
    for (const [b, n] of first) {
      last += b;
      now += n;
    }
    while (now !== last) {
      last = now;
      now = 0;
      for (const n of (await ch.exchange(Kind.teamDrop, desc, await this.#settledCount(), opts)) as number[]) now += n;
    }
  }

  /**
   * Drops the team at the end of an `await using` scope, on every member; a handle that was
   * dropped already is left alone. As with the world's disposal, the scope may be unwinding an
   * exception, which must never wait for a collective (the other members may be waiting
   * elsewhere, and would pair their next team collective with this drop and report a mismatch
   * instead of the exception). So the handle is released at once, the scope's end waits only
   * for the work this PE launched through the team (as `drop()` does first), and the drop's
   * collective part starts one turn of the event loop later, only if the script has not failed
   * by then. The world's shutdown waits for it.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * {
   *   await using pair = await world.createTeamFromArch(new BlockedArch(0, 2));
   *   if (pair.isMember) void pair.execAmPe(0, Hello, { from: world.myPe });
   * } // the AM has run; the team is released here; its collective drop follows on every PE
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    if (this.#dropped) return Promise.resolve();
    // The world's shutdown has ended every team (`await world.shutdown()` inside the scope).
    if (this.#rt.closed) {
      this.#dropped = true;
      return Promise.resolve();
    }
    let ch: Channel | undefined;
    try {
      ch = this.#release('team disposal');
    } catch (err) {
      return Promise.reject(err);
    }
    if (ch === undefined) {
      this.#forget();
      return this.#launchedSettled();
    }
    // The site is the scope's end, taken now while it is on the stack.
    const call: SignalCall = { label: 'team.drop() (end of an `await using` scope)', site: captureSite() };
    this.#rt.addDisposal(this.#disposeLater(ch, call));
    return this.#launchedSettled();
  }

  /**
   * What the end of an `await using` scope waits for: the work this PE launched through the team,
   * as `drop()` does first (a newcomer's AMs, fired in the scope, still ran after it), and as an
   * array handle's scope waits for its consumers. A local wait, not a collective: it needs no
   * other PE to reach anything (a LAMELLAR_DEADLOCK_TIMEOUT report names it if it never ends).
   */
  #launchedSettled(): Promise<void> {
    const launched = this.#launched;
    if (launched === undefined || launched.value === 0) return DONE;
    return this.#waitLaunched('the end of an `await using` scope of a team (waiting for the work this PE launched through the team)');
  }

  async #disposeLater(ch: Channel, call: SignalCall): Promise<void> {
    // If the script failed, this PE is ending with its error, which the launcher reports.
    await unlessScriptFails();
    try {
      await this.#finishDrop(ch, call);
    } catch (err) {
      // Nobody awaits a disposal: a drop that fails (the members paired it with other calls)
      // ends the PE, as a failed `await using` scope would have.
      setImmediate(() => {
        throw err;
      });
    }
  }

  /**
   * Prints the team's layout: its id, size and which world PE each team PE is.
   * @example
   * team.printArch(); // team 3: 2 PEs; team PE -> world PE: 0->1 1->3
   */
  printArch(): void {
    const map = this.#pes.map((w, i) => `${i}->${w}`).join(' ');
    const me = this.isMember ? `this PE is team PE ${this.#myPe}` : 'this PE is not a member';
    console.log(`${this.#id === 0 ? 'world team' : `team ${this.#id}`}: ${this.#pes.length} PE(s); team PE -> world PE: ${map} (${me})`);
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
    // A dropped team is refused at the launch, like a dropped region or Darc, not by the target.
    t.checkLive('sending a Team in an AM');
    w.u32(t.id);
    w.f64(t.fingerprint);
  },
  decode(r, ctx) {
    const rt = ctx as WorldRuntime;
    const id = r.u32();
    const fingerprint = r.f64();
    const team = rt.teamById(id);
    if (team === undefined || !team.isMember || team[kTeamInternals].fingerprint !== fingerprint) {
      throw new LamellarError(
        ErrorCode.TEAM_MISMATCH,
        `a Team (team id ${id}) arrived on PE ${rt.lamella.myPe}, which is not a member of that team; send a Team only to its members`,
        { details: { teamId: id, pe: rt.lamella.myPe } },
      );
    }
    return team;
  },
});
