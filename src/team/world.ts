/**
 * World: all PEs of a job, and the entry point of the runtime. `initWorld()` is collective;
 * `shutdown()` (or `await using`) ends it collectively.
 */
import { writeSync } from 'node:fs';
import { Engine, kTeamLaunch, type AmArgs, type AmDef, type AmHandle, type LocalAmHandle, type MultiAmHandle } from '../am/index.js';
import {
  activeResources,
  addExitHook,
  checkConstruct,
  config,
  resetWaits,
  setStatsTiming,
  kConstruct,
  debug,
  ErrorCode,
  LamellarError,
  markWorldShutDown,
  noteWorldStarting,
  setWorldAbort,
  noteWorldStart,
  worldShutDown,
  launchBackend,
  parseBackend,
  processEnv,
  reportMalloc,
  unlessScriptFails,
  tuneGc,
  unknownEnvNames,
  warn,
  WarningCode,
  type Backend,
} from '../core/index.js';
import { createLamella } from '../lamellae/index.js';
import { noteUnsendable, type WireReceived } from '../serde/index.js';
import type { LamellarArch } from './arch.js';
import { DisseminationBarrier } from './barrier.js';
import { Channel, collectiveWork, setChannelHost } from './coll/channel.js';
import { Kind } from './coll/kinds.js';
import { captureSite, NOT_RECORDED, sitePath, siteText, type Site } from './coll/site.js';
import { State, STATUS_BYTES, StatusBoard } from './coll/status.js';
import { IdleWatch } from './idle.js';
import { WorldRuntime } from './runtime.js';
import { reportStats, StatsAm, statsOf, type PeStats } from './stats.js';
import { newTeam, type Team } from './team.js';
import type { IdentityOp, Reduced, Reducible, ReduceOp } from './team-collectives.js';

/**
 * Options of initWorld; explicit options win over `LAMELLAR_*` variables.
 * @example
 * ```ts
 * const world2 = await initWorld({ backend: 'local' });
 * ```
 */
export interface WorldOptions {
  /**
   * The lamella to run on; overrides `LAMELLAR_BACKEND` in a job of one PE or without a
   * launcher. Defaults to `local` (one PE, no launcher). A PE that a launcher started as one of
   * N > 1 PEs runs on the backend it was launched for: another one is refused with
   * `LAMELLAR_ERR_CONFIG`, and `local` with `LAMELLAR_ERR_INVALID_NUM_PES`.
   * @example
   * ```ts
   * const w = await initWorld({ backend: 'shmem' }); // under lamellar run -N 4
   * ```
   */
  backend?: Backend | undefined;
  /**
   * Measure time waiting in barriers and collectives and the JS heap's peak too, for
   * `world.stats()`; overrides LAMELLAR_STATS (which `lamellar run --stats` sets). The other
   * counters are always kept.
   * @example
   * ```ts
   * const w = await initWorld({ stats: true });
   * await w.barrier();
   * console.log(w.stats().barrierWaitMs);
   * ```
   */
  stats?: boolean | undefined;
}

let worldExists = false;

/** Makes the World (initWorld); World's constructor is private. */
let newWorld: (rt: WorldRuntime, team: Team) => World;

/**
 * All PEs of a job, and the entry point of the runtime (Lamellar's LamellarWorld): made once per
 * PE by the collective `initWorld()`, ended by the collective `shutdown()` (or `await using`). It
 * launches AMs on the world team, meets at barriers, allocates memory regions, and is what Darcs,
 * arrays and sub-teams are created on.
 * @example
 * ```ts
 * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
 * await using w = await initWorld();
 * const next = (w.myPe + 1) % w.numPes;
 * console.log(await w.execAmPe(next, Hello, { from: w.myPe }));
 * await w.barrier();
 * ```
 */
export class World {
  readonly #rt: WorldRuntime;
  readonly #team: Team;
  #shutdown: Promise<void> | undefined;
  readonly #removeExitHook: () => void;

  private constructor(token: symbol, rt: WorldRuntime, team: Team) {
    checkConstruct(token, 'World', 'initWorld()');
    this.#rt = rt;
    this.#team = team;
    this.#removeExitHook = addExitHook(() => this.shutdown());
  }

  /**
   * This PE's id in the world, 0 .. numPes-1.
   * @example
   * ```ts
   * if (world.myPe === 0) console.log('I am PE 0');
   * ```
   */
  get myPe(): number {
    return this.#rt.lamella.myPe;
  }

  /**
   * The number of PEs in the job.
   * @example
   * ```ts
   * const last = world.numPes - 1;
   * ```
   */
  get numPes(): number {
    return this.#rt.lamella.numPes;
  }

  /**
   * The lamella this world runs on (`local`, `shmem`, `tcp`...).
   * @example
   * ```ts
   * console.log(`running on ${world.backend}`);
   * ```
   */
  get backend(): Backend {
    return this.#rt.backend;
  }

  /**
   * The world team: every PE, in world order. Pass it where a Team is needed
   * (`Darc.create(world.team, ...)` works with `world` too).
   * @example
   * ```ts
   * const t: Team = world.team;
   * console.log(t.pes); // [0, 1, ..., numPes-1]
   * ```
   */
  get team(): Team {
    return this.#team;
  }

  static {
    newWorld = (rt, team) => new World(kConstruct, rt, team);
  }

  /**
   * This PE's activity since `initWorld()`: AMs sent and run, frames and bytes sent by the
   * lamella, put/get bytes, peak memory-region heap, and, when stats are on, time waiting in
   * barriers and collectives and the peak JS heap. One-sided and synchronous (this PE's numbers;
   * `lamellar run --stats` prints every PE's at the end). Replaces Lamellar's `MB_sent()`.
   * @example
   * ```ts
   * const s = world.stats();
   * console.log(`PE ${s.pe}: ${s.amsSent} AMs, ${((s.bytesSent[s.backend] ?? 0) / 1e6).toFixed(1)} MB sent`);
   * ```
   */
  stats(): PeStats {
    return statsOf(this.#rt);
  }

  /**
   * Collective over the world: makes a team of the PEs `arch` selects. Resolves to the Team on
   * every PE: a member's handle, or on the other PEs a handle that can launch AMs on the team
   * (`team.isMember` tells which). See Team.createSubteamFromArch.
   * @example
   * ```ts
   * const evens = await world.createTeamFromArch(new StridedArch(0, 2, Math.ceil(world.numPes / 2)));
   * if (evens.isMember) console.log(`team PE ${evens.myPe} of ${evens.numPes}`);
   * ```
   */
  createTeamFromArch(arch: LamellarArch): Promise<Team> {
    return this.#team.createSubteamFromArch(arch);
  }

  /**
   * Collective over the world: see Team.allReduce. @example const n = await world.allReduce(1,
   * 'sum'); // numPes
   */
  allReduce<T extends Reducible>(value: T, op: ReduceOp): Promise<Reduced<T>> {
    return this.#team.allReduce(value, op);
  }

  /** Collective over the world: see Team.broadcast. @example const seed = await world.broadcast(Date.now(), 0); */
  broadcast<T>(value: T, rootPe: number): Promise<WireReceived<T>> {
    return this.#team.broadcast(value, rootPe);
  }

  /** Collective over the world: see Team.allGather. @example const all = await world.allGather(world.myPe); */
  allGather<T>(value: T): Promise<WireReceived<T>[]> {
    return this.#team.allGather(value);
  }

  /**
   * Collective over the world: see Team.gather. @example const parts = await
   * world.gather(world.myPe, 0);
   */
  gather<T>(value: T, rootPe: number): Promise<WireReceived<T>[] | undefined> {
    return this.#team.gather(value, rootPe);
  }

  /**
   * Collective over the world: see Team.exclusiveScan. @example const offset = await
   * world.exclusiveScan(a.numElemsLocal, 'sum');
   */
  exclusiveScan<T extends Reducible>(value: T, op: IdentityOp): Promise<Reduced<T>>;
  exclusiveScan<T extends Reducible>(value: T, op: ReduceOp): Promise<Reduced<T> | undefined>;
  exclusiveScan(value: Reducible, op: ReduceOp): Promise<Reducible | undefined> {
    return this.#team.exclusiveScan(value, op);
  }

  /**
   * Collective over the world: see Team.inclusiveScan. @example const upTo = await
   * world.inclusiveScan(a.numElemsLocal, 'sum');
   */
  inclusiveScan<T extends Reducible>(value: T, op: ReduceOp): Promise<Reduced<T>> {
    return this.#team.inclusiveScan(value, op);
  }

  /** Prints the world's layout. @example world.printArch(); */
  printArch(): void {
    this.#team.printArch();
  }

  /**
   * Runs `am(args)` on PE `pe`; the handle resolves to its result (typed from the AM). Arguments
   * are checked and serialized at the call; a bad PE throws PE_OUT_OF_RANGE there.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const reply: string = await world.execAmPe(0, Hello, { from: world.myPe });
   * ```
   */
  execAmPe<A, R>(pe: number, am: AmDef<A, R>, ...args: AmArgs<A>): AmHandle<R>;
  execAmPe(pe: number, am: AmDef<unknown, unknown>, args?: unknown): AmHandle<unknown> {
    // Implementation signatures avoid rest arrays: this is the per-AM hot path.
    return this.#team[kTeamLaunch].pe(pe, am, args);
  }

  /**
   * Runs `am(args)` on every PE (arguments encoded once); the handle resolves to the results in PE
   * order.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const replies: string[] = await world.execAmAll(Hello, { from: world.myPe });
   * ```
   */
  execAmAll<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): MultiAmHandle<R>;
  execAmAll(am: AmDef<unknown, unknown>, args?: unknown): MultiAmHandle<unknown> {
    return this.#team[kTeamLaunch].all(am, args);
  }

  /**
   * Runs `am(args)` on this PE without serializing `args` (the AM gets the very objects).
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const mine = await world.execAmLocal(Hello, { from: world.myPe });
   * ```
   */
  execAmLocal<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): LocalAmHandle<R>;
  execAmLocal(am: AmDef<unknown, unknown>, args?: unknown): LocalAmHandle<unknown> {
    return this.#team[kTeamLaunch].local(am, args);
  }

  /**
   * Collective: resolves once every PE has called it. Memory writes made before it are visible to
   * every PE after it, puts to other PEs' regions, UnsafeArrays and AtomicArrays included, awaited
   * or not: a PE arrives once the puts it started before the call have landed.
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('u32', 1);
   * r.unsafeLocalData()[0] = world.myPe;
   * await world.barrier();
   * const fromNext = await r.get((world.myPe + 1) % world.numPes, 0, 1);
   * ```
   */
  barrier(): Promise<void> {
    return this.#team.barrier();
  }

  /**
   * Resolves once everything this PE launched (and everything running on it) has finished. An
   * AM's handle settles when its function has finished, so this covers the nested AMs each AM
   * waited for. Not a collective: `await world.waitAll(); await world.barrier();` waits for
   * everyone.
   * Never call it inside an AM: it would wait for that AM too.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * for (let pe = 0; pe < world.numPes; pe++) void world.execAmPe(pe, Hello, { from: world.myPe });
   * await world.waitAll();
   * ```
   */
  waitAll(): Promise<void> {
    return this.#team.waitAll();
  }

  /**
   * Collective: waits until no PE has work left (an AM that reaches this PE during its shutdown,
   * and what it launches, run to their end), meets every PE, and stops the lamella. Later calls return
   * the same promise. A collective called after it (a barrier, a creation) throws WORLD_SHUT_DOWN
   * at once; AM launches work until it has finished (AMs other PEs send meanwhile may launch
   * more), and every use after that throws WORLD_SHUT_DOWN. `await using` calls it for you, and
   * so does the launcher when a script returns without it.
   * @example
   * ```ts
   * const w = await initWorld();
   * // ... the program ...
   * await w.shutdown();
   * ```
   */
  shutdown(): Promise<void> {
    // The caller's line, for a mismatch or deadlock report naming this shutdown (once per PE).
    if (this.#shutdown === undefined) {
      const site = captureSite(this.shutdown);
      this.#rt.shutdownSite ??= site;
      this.#shutdown = this.#doShutdown(site);
    }
    return this.#shutdown;
  }

  async #doShutdown(site: Site): Promise<void> {
    const rt = this.#rt;
    rt.checkOpen('shutdown()');
    await this.#team.waitAll();
    await rt.disposalsDone();
    // The world's first meeting is a signal, as a barrier is: a PE in a barrier() meanwhile is a
    // mismatch at once, and a lamella stopped by abort() refuses it here (an exchange's messages
    // would be dropped quietly, and the shutdown would wait for ever). Started on the world
    // first, so that while it waits this PE's status board shows the world's shutdown; then the
    // last collective of every team (runtime.endTeams), before the world's rounds below: a member
    // waiting in a collective of a team meets it there at once (a mismatch), where it would never
    // join the world's rounds. AMs still run on the teams.
    const call = { label: 'shutdown()', site };
    const first = rt.channels.get(0)!.signal(Kind.shutdown, call);
    rt.endTeams(call);
    await first;
    await this.#quiet(site);
    // `lamellar run --stats`: PE 0 gathers every PE's numbers while all still serve AMs.
    const report = config().stats;
    if (report !== false && this.myPe === 0) reportStats(await this.#team.execAmAll(StatsAm), report);
    const onWorld = rt.channels.get(0)!.signal(Kind.shutdown, call);
    await Promise.all([onWorld, rt.teamsEnded()]);
    // A team registered meanwhile (a creation in flight) registered before its parent's creation
    // ended, so before the world's shutdown could pass.
    await rt.teamsEnded();
    rt.engine.close();
    rt.markClosed();
    rt.watch.finish(State.shutDown);
    setChannelHost(undefined);
    this.#removeExitHook();
    setWorldAbort(undefined);
    await rt.lamella.shutdown();
    markWorldShutDown();
    debug('PE %d shut down', this.myPe);
  }

  /**
   * Waits until no PE has work left: its own waitAll() is not enough, since an AM that reaches
   * this PE after it (sent by a PE still in its waitAll) may launch more here, which the shutdown
   * would then cut off (Lamellar's world drop: barrier, wait_all, barrier). Rounds of waitAll and
   * an exchange of each PE's count of work ever started, until the total stops moving. Why that
   * is enough: a PE's count moves with every launch; an AM still running after two equal totals
   * was sent by a PE whose waitAll of the last round would have waited for it, so it finished
   * before that PE gave its count, and anything it launched was counted. Rounds go on while work
   * does: every PE sees the same totals, so all stop at the same round.
   */
  async #quiet(site: Site): Promise<void> {
    const rt = this.#rt;
    const ch = rt.channels.get(0)!;
    let last = -1;
    for (;;) {
      await this.#team.waitAll();
      await rt.disposalsDone();
      const started = rt.engine.completed + rt.engine.outstanding - collectiveWork();
      const all = (await ch.exchange(Kind.shutdown, 'shutdown()', started, { site })) as number[];
      let total = 0;
      for (const n of all) total += n;
      if (total === last) return;
      last = total;
    }
  }

  /**
   * `await using` disposal. It cannot see whether its scope is ending normally or unwinding an
   * exception, and an exception must never wait for a collective: the other PEs may be waiting
   * elsewhere (in a barrier this PE never reached), or they would pair their next collective with
   * this shutdown. So disposal starts the shutdown and returns at once. The shutdown begins its
   * collective part a turn of the event loop later, and only if the script has not failed by then
   * (an exception reaches the PE's bootstrap within that turn); the PE's end waits for it (the
   * exit hook), so a normal scope exit still shuts down collectively. Call `await
   * world.shutdown()` to wait for it at a point of your choosing.
   * @example
   * ```ts
   * {
   *   await using w = await initWorld();
   *   await w.barrier();
   * } // the shutdown starts here; the PE's end waits for it
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    if (this.#shutdown === undefined) {
      // The end of the user's `await using` scope is on the stack now, not later.
      const site = captureSite(this[Symbol.asyncDispose]);
      this.#rt.shutdownSite ??= site;
      this.#shutdown = this.#disposeShutdown(site);
      // Awaited by the exit hook or by shutdown(); never an unhandled rejection here.
      this.#shutdown.catch(() => {});
    }
    return Promise.resolve();
  }

  async #disposeShutdown(site: Site): Promise<void> {
    // If the script failed, its PE is ending with that error, which the launcher reports. Pairing
    // this shutdown with the other PEs' collectives would let them run on past a barrier this
    // PE never reached, or report a follow-on error first.
    await unlessScriptFails();
    return this.#doShutdown(site);
  }
}

noteUnsendable(World, "send world.team instead (it arrives as the receiver's world team), or use ctx.world inside the AM");

/**
 * Starts the runtime on this PE and returns its World. Collective: every PE of the job calls it
 * once (a second call throws ALREADY_INITIALIZED). The backend comes from `options.backend`, else
 * `LAMELLAR_BACKEND` (which `lamellar run` sets), else `local`; in a job of N > 1 PEs it must be
 * the one the PE was launched for (INVALID_NUM_PES for `local`, CONFIG for another).
 * @example
 * ```ts
 * await using w = await initWorld();
 * console.log(`PE ${w.myPe} of ${w.numPes} on ${w.backend}`);
 * ```
 */
export function initWorld(options: WorldOptions = {}): Promise<World> {
  let rt: WorldRuntime | undefined;
  const start = startWorld(options, (r) => (rt = r));
  const world = new WorldPromise<World>((resolve, reject) => start.then(resolve, reject));
  const seen: Observation = { observed: false };
  observations.set(world, seen);
  noteWorldStart(start, () => (rt === undefined ? Promise.resolve(false) : unobservedFor(seen, rt, config().deadlockTimeoutSecs)));
  return world;
}

/** Whether a script asked for initWorld()'s World: shared by the promise and every promise derived from it. */
interface Observation {
  observed: boolean;
}
const observations = new WeakMap<Promise<unknown>, Observation>();

/**
 * initWorld's promise: a Promise that notes whether the script asked for the World, that is
 * called `then` with a fulfilment handler (`await` does, as do `.then(f)` and `Promise.all`) on it
 * or on a promise derived from it (`initWorld().catch(log).then(...)`). `.catch(log)` alone asks
 * for no World. A script that never asked can never hold its World, so nothing in it will shut
 * that world down. Left unobserved, a failed start is still an unhandled rejection that fails
 * the PE.
 */
class WorldPromise<T = World> extends Promise<T> {
  static override get [Symbol.species](): PromiseConstructor {
    return WorldPromise as unknown as PromiseConstructor;
  }

  override then<T1 = T, T2 = never>(
    onfulfilled?: ((value: T) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    const seen = observations.get(this);
    if (seen !== undefined && typeof onfulfilled === 'function') seen.observed = true;
    const derived = super.then(onfulfilled, onrejected);
    if (seen !== undefined) observations.set(derived, seen);
    return derived;
  }
}

/**
 * For a world that came up after the script's top-level code had finished: resolves false as
 * soon as the script has asked for its promise's outcome (`initWorld().then(...)`, or
 * `main()` not awaited, whose `await initWorld()` goes on with the world however long it takes),
 * or true, with a warning, once nobody has for the deadlock timeout (`void initWorld()`, a
 * forgotten `await`): nothing would ever shut that world down, and the other PEs would wait
 * for this one for ever.
 */
function unobservedFor(seen: Observation, rt: WorldRuntime, secs: number): Promise<boolean> {
  if (seen.observed) return Promise.resolve(false);
  const started = performance.now();
  const every = Math.min(1000, Math.max(10, (secs * 1000) / 10));
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (seen.observed || worldShutDown()) {
        clearInterval(timer);
        resolve(false);
      } else if (performance.now() - started >= secs * 1000) {
        clearInterval(timer);
        warn(
          WarningCode.WORLD_NOT_AWAITED,
          `PE ${rt.lamella.myPe}: the script's top-level code finished while initWorld() was still running, and nothing asked for its result in the ${secs} s since the world came up (was initWorld() awaited?); shutting it down, as at the end of any script`,
        );
        resolve(true);
      }
    }, every);
  });
}

/** initWorld's work; `up` gets the runtime as the world is handed out. */
async function startWorld(options: WorldOptions, up: (rt: WorldRuntime) => void): Promise<World> {
  if (options === null || typeof options !== 'object') {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'initWorld(options) takes an options object');
  }
  const cfg = config();
  const asked = options.backend !== undefined ? parseBackend(options.backend, 'initWorld options') : undefined;
  if (options.stats !== undefined && typeof options.stats !== 'boolean') {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `initWorld options: stats must be true or false, got ${typeof options.stats === 'string' ? `'${options.stats}'` : typeof options.stats}`, {
      details: { option: 'stats' },
    });
  }
  if (worldExists) {
    throw new LamellarError(ErrorCode.ALREADY_INITIALIZED, 'initWorld() was already called on this PE; there is one world per PE (pass the World around instead)');
  }
  // A PE a launcher started as one of N joins those N: refused here, before anything starts.
  const backend = launchBackend(cfg, asked);
  worldExists = true;
  try {
    noteWorldStarting();
    // What keeps this thread's event loop alive before the runtime adds its own (idle.ts).
    const before = activeResources();
    const lamella = createLamella(backend);
    const engine = new Engine(lamella, cfg.amSizeThreshold);
    const rt = new WorldRuntime(lamella, engine, backend);
    engine.setHost(rt);
    setStatsTiming(options.stats ?? cfg.stats !== false);
    await lamella.init();
    // A bootstrap that ends this process with the script's error tells the other PEs through it
    // (the process exits before fatal()'s deferred throw could run).
    setWorldAbort((reason) => {
      if (!rt.closed) rt.fatal(reason);
    });
    tuneGc(lamella.myPe, lamella.numPes);
    reportMalloc(lamella.myPe);
    // Every PE sees the same environment: one warning for the job, not one per PE.
    const unknown = lamella.myPe === 0 ? unknownEnvNames(processEnv()) : [];
    if (unknown.length > 0) warn(WarningCode.UNKNOWN_ENV, `environment variables ignored: ${unknown.join(', ')}; docs/env.md lists every variable`);
    const pes = Array.from({ length: lamella.numPes }, (_, i) => i);
    // One block per PE: its status board, then the world barrier's slots.
    const addr = lamella.alloc(STATUS_BYTES + DisseminationBarrier.bytes(pes.length));
    const addrs = await lamella.allgather(addr);
    rt.board = new StatusBoard(lamella, addrs);
    engine.setBusyWords(...rt.board.busyWords());
    rt.board.startBeat();
    rt.watch.board = rt.board;
    rt.watch.probeAms(
      () => engine.oldestPending(),
      () => engine.completed,
    );
    const channel = new Channel(rt, 0, pes, addrs.map((a) => a + STATUS_BYTES), cfg.collectiveSites);
    setChannelHost(rt);
    const team = newTeam(rt, 0, pes, channel, 'w');
    rt.world = team;
    rt.teams.set(0, team);
    rt.addChannel(channel);
    hookExit();
    // A PE whose script ends (or dies) without shutting down shows as "exited" to the others.
    process.once('exit', (code) => {
      rt.watch.finish(State.exited);
      if (worldShutDown()) return;
      // process.exit() before the world shut down: the PE names the AM it was called in, or the
      // line (synchronously: nothing asynchronous runs once 'exit' is emitted).
      const busy = rt.board?.ownBusy() ?? '';
      const at = exitSite === undefined ? NOT_RECORDED : siteText(exitSite);
      if (busy !== '') writeSync(2, `lamellar: PE ${lamella.myPe}: process.exit(${code}) was called inside ${busy}, before its world shut down\n`);
      // Alone, a PE that exits early stops nobody (`main().then(() => process.exit(0))` is fine).
      else if (at !== NOT_RECORDED && lamella.numPes > 1) writeSync(2, `lamellar: PE ${lamella.myPe}: process.exit(${code}) was called at ${sitePath(at)}, before its world shut down\n`);
    });
    const world = newWorld(rt, team);
    await team.barrier();
    rt.startedAt = performance.now();
    // A job whose PEs all wait for something that can never happen is reported (idle.ts). Alone,
    // a PE is ended by Node itself when its event loop runs empty.
    if (lamella.numPes > 1) new IdleWatch(rt, before).start();
    resetWaits();
    debug('world up: PE %d of %d on %s', lamella.myPe, lamella.numPes, backend);
    up(rt);
    return world;
  } catch (err) {
    worldExists = false;
    throw err;
  }
}

/** Where the script last called process.exit() in this thread (hookExit). */
let exitSite: Site | undefined;
let exitHooked = false;

/**
 * Records the call site of each process.exit() (once per thread, at its first world): the
 * launcher can say only that the PE ended with a code. A call from the runtime's own code (a
 * stop) holds no frame of the script's, and siteText finds none.
 */
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  const exit = process.exit;
  process.exit = function recordedExit(this: NodeJS.Process, code?: number | string | null) {
    exitSite = captureSite(recordedExit);
    return exit.call(this, code);
  } as typeof process.exit;
}
