/**
 * World: all PEs of a job, and the entry point of the runtime. `initWorld()` is collective;
 * `shutdown()` (or `await using`) ends it collectively.
 */
import { Engine, kTeamLaunch, type AmArgs, type AmDef, type AmHandle, type LocalAmHandle, type MultiAmHandle } from '../am/index.js';
import {
  addExitHook,
  config,
  debug,
  ErrorCode,
  LamellarError,
  markWorldShutDown,
  noteWorldStarting,
  parseBackend,
  scriptFailed,
  type Backend,
} from '../core/index.js';
import { createLamella } from '../lamellae/index.js';
import type { LamellarArch } from './arch.js';
import { DisseminationBarrier } from './barrier.js';
import { Channel, setChannelHost } from './coll/channel.js';
import { Kind } from './coll/kinds.js';
import { State, STATUS_BYTES, StatusBoard } from './coll/status.js';
import { WorldRuntime } from './runtime.js';
import { Team } from './team.js';
import type { IdentityOp, Reduced, Reducible, ReduceOp } from './team-collectives.js';

export interface WorldOptions {
  /** The lamella; overrides LAMELLAR_BACKEND. Defaults to `local`. */
  backend?: Backend;
}

let worldExists = false;

export class World {
  readonly #rt: WorldRuntime;
  readonly #team: Team;
  #shutdown: Promise<void> | undefined;
  readonly #removeExitHook: () => void;

  /** @internal Use `initWorld()`. */
  constructor(rt: WorldRuntime, team: Team) {
    this.#rt = rt;
    this.#team = team;
    this.#removeExitHook = addExitHook(() => this.shutdown());
  }

  /** This PE's id, 0..numPes-1. */
  get myPe(): number {
    return this.#rt.lamella.myPe;
  }

  get numPes(): number {
    return this.#rt.lamella.numPes;
  }

  /** The lamella this world runs on. */
  get backend(): Backend {
    return this.#rt.backend;
  }

  /** The world team (every PE). */
  get team(): Team {
    return this.#team;
  }

  /** @internal */
  get runtime(): WorldRuntime {
    return this.#rt;
  }

  /**
   * Collective over the world: makes a team of the PEs `arch` selects. Resolves to the Team on
   * every PE: a member's handle, or on the other PEs a handle that can launch AMs on the team
   * (`team.isMember` tells which). See Team.createSubteamFromArch.
   * @example
   * const firstTwo = await world.createTeamFromArch(new BlockedArch(0, 2));
   */
  createTeamFromArch(arch: LamellarArch): Promise<Team> {
    return this.#team.createSubteamFromArch(arch);
  }

  /** Collective over the world: see Team.allReduce. @example const n = await world.allReduce(count, 'sum'); */
  allReduce<T extends Reducible>(value: T, op: ReduceOp): Promise<Reduced<T>> {
    return this.#team.allReduce(value, op);
  }

  /** Collective over the world: see Team.broadcast. @example const seed = await world.broadcast(Date.now(), 0); */
  broadcast<T>(value: T, rootPe: number): Promise<T> {
    return this.#team.broadcast(value, rootPe);
  }

  /** Collective over the world: see Team.allGather. @example const all = await world.allGather(world.myPe); */
  allGather<T>(value: T): Promise<T[]> {
    return this.#team.allGather(value);
  }

  /** Collective over the world: see Team.gather. @example const parts = await world.gather(part, 0); */
  gather<T>(value: T, rootPe: number): Promise<T[] | undefined> {
    return this.#team.gather(value, rootPe);
  }

  /** Collective over the world: see Team.exclusiveScan. @example const offset = await world.exclusiveScan(n, 'sum'); */
  exclusiveScan<T extends Reducible>(value: T, op: IdentityOp): Promise<Reduced<T>>;
  exclusiveScan<T extends Reducible>(value: T, op: ReduceOp): Promise<Reduced<T> | undefined>;
  exclusiveScan(value: Reducible, op: ReduceOp): Promise<Reducible | undefined> {
    return this.#team.exclusiveScan(value, op);
  }

  /** Collective over the world: see Team.inclusiveScan. @example const upTo = await world.inclusiveScan(n, 'sum'); */
  inclusiveScan<T extends Reducible>(value: T, op: ReduceOp): Promise<Reduced<T>> {
    return this.#team.inclusiveScan(value, op);
  }

  /** Prints the world's layout. @example world.printArch(); */
  printArch(): void {
    this.#team.printArch();
  }

  /** Runs `am(args)` on PE `pe`; the handle resolves to its result. */
  execAmPe<A, R>(pe: number, am: AmDef<A, R>, ...args: AmArgs<A>): AmHandle<R>;
  execAmPe(pe: number, am: AmDef<unknown, unknown>, args?: unknown): AmHandle<unknown> {
    // Implementation signatures avoid rest arrays: this is the per-AM hot path.
    return this.#team[kTeamLaunch].pe(pe, am, args);
  }

  /** Runs `am(args)` on every PE; the handle resolves to the results in PE order. */
  execAmAll<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): MultiAmHandle<R>;
  execAmAll(am: AmDef<unknown, unknown>, args?: unknown): MultiAmHandle<unknown> {
    return this.#team[kTeamLaunch].all(am, args);
  }

  /** Runs `am(args)` on this PE without serializing `args`. */
  execAmLocal<A, R>(am: AmDef<A, R>, ...args: AmArgs<A>): LocalAmHandle<R>;
  execAmLocal(am: AmDef<unknown, unknown>, args?: unknown): LocalAmHandle<unknown> {
    return this.#team[kTeamLaunch].local(am, args);
  }

  /** Collective: resolves once every PE has called it. */
  barrier(): Promise<void> {
    return this.#team.barrier();
  }

  /**
   * Resolves once everything this PE launched (and everything running on it) has finished. An
   * AM's handle settles when its function has finished, so this covers the nested AMs each AM
   * waited for; a nested AM launched and not waited for is the work of the PE that launched it.
   * Never call it inside an AM: it would wait for that AM too.
   */
  waitAll(): Promise<void> {
    return this.#team.waitAll();
  }

  /**
   * Collective: waits for this PE's work, meets every PE, and stops the lamella. Later calls
   * return the same promise; any other use of the world afterwards throws WORLD_SHUT_DOWN.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#doShutdown();
    return this.#shutdown;
  }

  async #doShutdown(): Promise<void> {
    const rt = this.#rt;
    rt.checkOpen('shutdown()');
    await this.#team.waitAll();
    await rt.channels.get(0)!.signal(Kind.shutdown);
    rt.engine.close();
    rt.markClosed();
    rt.watch.finish(State.shutDown);
    setChannelHost(undefined);
    this.#removeExitHook();
    await rt.lamella.shutdown();
    markWorldShutDown();
    debug('PE %d shut down', this.myPe);
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
   */
  [Symbol.asyncDispose](): Promise<void> {
    if (this.#shutdown === undefined) {
      this.#shutdown = this.#disposeShutdown();
      // Awaited by the exit hook or by shutdown(); never an unhandled rejection here.
      this.#shutdown.catch(() => {});
    }
    return Promise.resolve();
  }

  async #disposeShutdown(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    // The script failed: its PE is ending with that error, which the launcher reports. Pairing
    // this shutdown with the other PEs' collectives would let them run on past a barrier this
    // PE never reached, or report a follow-on error first.
    if (scriptFailed()) return new Promise<void>(() => {});
    return this.#doShutdown();
  }
}

/**
 * Starts the runtime on this PE (collective: every PE of the job calls it once). The backend
 * comes from `options.backend`, else LAMELLAR_BACKEND, else `local`.
 */
export async function initWorld(options: WorldOptions = {}): Promise<World> {
  if (options === null || typeof options !== 'object') {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'initWorld(options) takes an options object');
  }
  const cfg = config();
  const backend = options.backend !== undefined ? parseBackend(options.backend, 'initWorld options') : cfg.backend;
  if (worldExists) {
    throw new LamellarError(ErrorCode.ALREADY_INITIALIZED, 'initWorld() was already called on this PE; there is one world per PE (pass the World around instead)');
  }
  worldExists = true;
  try {
    noteWorldStarting();
    const lamella = createLamella(backend);
    const engine = new Engine(lamella, cfg.amSizeThreshold);
    const rt = new WorldRuntime(lamella, engine, backend);
    engine.setHost(rt);
    await lamella.init();
    const pes = Array.from({ length: lamella.numPes }, (_, i) => i);
    // One block per PE: its status board, then the world barrier's slots.
    const addr = lamella.alloc(STATUS_BYTES + DisseminationBarrier.bytes(pes.length));
    const addrs = await lamella.allgather(addr);
    rt.board = new StatusBoard(lamella, addrs);
    rt.watch.board = rt.board;
    const channel = new Channel(rt, 0, pes, addrs.map((a) => a + STATUS_BYTES), cfg.collectiveSites);
    setChannelHost(rt);
    const team = new Team(rt, 0, pes, channel, 'w');
    rt.world = team;
    rt.teams.set(0, team);
    rt.addChannel(channel);
    // A PE whose script ends (or dies) without shutting down shows as "exited" to the others.
    process.once('exit', () => rt.watch.finish(State.exited));
    const world = new World(rt, team);
    await team.barrier();
    debug('world up: PE %d of %d on %s', lamella.myPe, lamella.numPes, backend);
    return world;
  } catch (err) {
    worldExists = false;
    throw err;
  }
}
