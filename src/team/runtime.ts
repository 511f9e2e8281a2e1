/**
 * The per-PE runtime behind a World: the lamella, the AM engine, the teams this PE knows (with
 * their collective channels), the status board and the deadlock watch, and the state every
 * public object checks before it acts.
 */
import { ErrorCode, LamellarError, type Backend } from '../core/index.js';
import type { Engine, EngineHost } from '../am/index.js';
import type { Lamella } from '../lamellae/types.js';
import type { Channel, ChannelHost, CollMsg, SignalCall } from './coll/channel.js';
import { Kind } from './coll/kinds.js';
import type { StatusBoard } from './coll/status.js';
import { captureSite, type Site } from './coll/site.js';
import { State } from './coll/status.js';
import { Watch, type Waiting } from './coll/watch.js';
import type { Team } from './team.js';
import { PutFence } from './put-fence.js';

/** How many dropped team ids a PE remembers, to tell an AM sent to one that it was dropped. */
const DROPPED_KEPT = 1024;

export class WorldRuntime implements EngineHost, ChannelHost {
  readonly lamella: Lamella;
  readonly engine: Engine;
  readonly backend: Backend;
  readonly teams = new Map<number, Team>();
  readonly channels = new Map<number, Channel>();
  readonly watch: Watch;
  /** Remote puts in flight, which a barrier waits for (put-fence.ts). */
  readonly puts = new PutFence();
  board: StatusBoard | undefined;
  world!: Team;
  /** When this PE's world was up (world.stats().elapsedMs); set at the end of initWorld. */
  startedAt = 0;
  #closed = false;
  /** The error this PE failed the job with (fatal), once it has. */
  #failure: Error | undefined;
  readonly #early = new Map<number, [number, CollMsg][]>();
  /** Team drops that `await using` disposal started (Team[Symbol.asyncDispose]); they never reject. */
  readonly #disposals = new Set<Promise<void>>();
  /** ChannelHost: where the world's shutdown was called, once it has been (World sets it). */
  shutdownSite: Site | undefined;
  /** The world's shutdown call, once it has begun its collective part (see endTeams). */
  #ending: SignalCall | undefined;
  /** Its runs on the teams of which this PE is a member, until each has passed. */
  readonly #teamEnds = new Set<Promise<void>>();

  constructor(lamella: Lamella, engine: Engine, backend: Backend) {
    this.lamella = lamella;
    this.engine = engine;
    this.backend = backend;
    this.watch = new Watch(lamella.myPe, (err) => this.fatal(err), (id) => this.teamName(id));
  }

  addDisposal(p: Promise<void>): void {
    this.#disposals.add(p);
    void p.then(() => this.#disposals.delete(p));
  }

  /** Waits for the team drops that disposal started, including any started meanwhile. */
  async disposalsDone(): Promise<void> {
    while (this.#disposals.size > 0) await Promise.all([...this.#disposals]);
  }

  get decodeContext(): unknown {
    return this;
  }

  /** Ids of the teams this PE dropped as a member, the latest DROPPED_KEPT of them. */
  readonly #dropped = new Set<number>();

  /** Team `id`, of which this PE was a member, has been dropped here. */
  noteTeamDropped(id: number): void {
    this.#dropped.add(id);
    if (this.#dropped.size > DROPPED_KEPT) this.#dropped.delete(this.#dropped.values().next().value!);
  }

  teamDropped(id: number): boolean {
    return this.#dropped.has(id) && !this.teams.has(id);
  }

  teamById(id: number, launched = false): Team | undefined {
    const t = this.teams.get(id);
    return t !== undefined && (launched || t.isMember) ? t : undefined;
  }

  /** "the world", "team 17 (world PEs [1, 3])". */
  teamName(id: number): string {
    if (id === 0) return 'the world';
    const t = this.teams.get(id);
    if (t === undefined) return `team ${id}`;
    const pes = t.pes;
    const shown = pes.length <= 16 ? pes.join(', ') : `${pes.slice(0, 16).join(', ')}, ...`;
    return `team ${id} (world PEs [${shown}])`;
  }

  channel(id: number): Channel | undefined {
    return this.channels.get(id);
  }

  /** Registers a member's channel and hands it the messages that came before it. */
  addChannel(ch: Channel): void {
    this.channels.set(ch.teamId, ch);
    ch.drainEarly();
    // A creation that was still in flight when the world's shutdown began.
    if (this.#ending !== undefined) this.#endTeam(ch, this.#ending);
  }

  /**
   * The world's shutdown is the last collective of every team, since the world holds every
   * member of every team: a PE in it can never join another collective on any of them. So it is
   * also run, as a shutdown, on each team of which this PE is a member and that it has not
   * dropped (nor is dropping), alongside the world's: on every member, it takes the team's next
   * number, and matching does the rest, as on the world. A member waiting on that team in another
   * collective (an allReduce, a barrier, a creation, ...) meets it there and the job fails with
   * COLLECTIVE_MISMATCH naming both calls (a barrier by the signal word's kind; an exchange by its
   * message, which arrives for a number this PE ran as a signal collective), instead of waiting
   * forever. Call once, when the world's shutdown begins; `teamsEnded` waits for these runs.
   */
  endTeams(call: SignalCall): void {
    this.#ending = call;
    for (const ch of this.channels.values()) this.#endTeam(ch, call);
  }

  #endTeam(ch: Channel, call: SignalCall): void {
    if (ch.teamId === 0 || ch.closed || ch.ended) return;
    // The world's shutdown wait already reports a member that does not arrive (all are in the world).
    const p = ch.signal(Kind.shutdown, { ...call, unwatched: true });
    if (p === undefined) return;
    this.#teamEnds.add(p);
    // A mismatch has failed the job already (fatal); settled runs leave the set.
    p.then(
      () => this.#teamEnds.delete(p),
      () => undefined,
    );
  }

  /** Waits for the world's shutdown on every team (endTeams); rejects with a mismatch found there. */
  async teamsEnded(): Promise<void> {
    while (this.#teamEnds.size > 0) await Promise.all([...this.#teamEnds]);
  }

  keepEarly(id: number, src: number, m: CollMsg): void {
    let list = this.#early.get(id);
    if (list === undefined) this.#early.set(id, (list = []));
    list.push([src, m]);
  }

  takeEarly(id: number): [number, CollMsg][] | undefined {
    const list = this.#early.get(id);
    this.#early.delete(id);
    return list;
  }

  /**
   * Registers a wait that is not one of a team's collectives (a conversion): it is published on
   * this PE's status board and reported after LAMELLAR_DEADLOCK_TIMEOUT like a collective, judging
   * from the boards of `members` which of them have not arrived, and saying what this PE itself
   * still holds up when `here` tells (Waiting.here). Returns the function that ends it.
   */
  watchWait(what: string, state: number, members: readonly number[], here?: () => string | undefined, missing: () => number[] | undefined = () => undefined): () => void {
    const w: Waiting = {
      what, state, team: -1, seq: 0, kind: 0, site: captureSite(), missing, members, start: 0, nextAt: 0, reports: 0, here,
    };
    this.watch.begin(w);
    return () => this.watch.end(w);
  }

  /**
   * Registers a wait that lasts while a lock's queue is non-empty (a Darc's lock, a lock array's
   * word). One registration per such episode, not one per queued request (a stack capture and a
   * timer each made a contended write() 3x slower): `restart` at every grant, so only a queue that
   * made no progress for LAMELLAR_DEADLOCK_TIMEOUT is reported. `what` is read when a report is
   * made; `site` is the call that began the episode, shown until the first grant. The board shows
   * "waiting for a lock (`label`)", unless `label` is undefined: a lock this PE serves for others
   * (a GlobalRwDarc's, kept here) is reported but is not what this PE is doing; `keeps` names
   * such a lock, and its report says a request waits there rather than that this PE waits.
   */
  watchLock(what: () => string, site: Site | undefined, label: string | undefined, keeps?: string): { restart(): void; end(): void; site(s: Site): void } {
    const watch = this.watch;
    const w: Waiting = {
      get what() {
        return what();
      },
      state: State.inLock, team: -1, seq: 0, kind: 0, label, site, missing: () => undefined, members: [], start: 0, nextAt: 0, reports: 0,
      shown: label !== undefined,
      holds: false,
      ...(keeps === undefined ? {} : { keeps }),
    };
    watch.begin(w);
    return {
      restart: () => {
        w.site = undefined;
        watch.restart(w);
      },
      end: () => watch.end(w),
      site: (s) => {
        if (w.site !== undefined) return;
        w.site = s;
        watch.update(w);
      },
    };
  }

  /**
   * A failure that breaks the job (a collective mismatch, a deadlock with the abort action):
   * stop this PE's lamella, which on tcp tells the peers, fail the exchanges still waiting here,
   * and throw from the event loop so the launcher sees this PE fail, prints the error, and stops
   * every other PE. Returns the error the job failed with: `err`, or an earlier failure's (two
   * checks of this PE can find the same mismatch at once, and only the first is the job's).
   */
  fatal(err: Error): Error {
    if (this.#failure !== undefined) return this.#failure;
    this.#failure = err;
    this.watch.freeze();
    try {
      this.lamella.abort(err);
    } finally {
      for (const ch of this.channels.values()) ch.failPending(err);
      setImmediate(() => {
        throw err;
      });
    }
    return err;
  }

  get closed(): boolean {
    return this.#closed;
  }

  markClosed(): void {
    this.#closed = true;
  }

  checkOpen(what: string): void {
    if (this.#closed) {
      // The script may never have called shutdown(): the end of an `await using world` scope did.
      throw new LamellarError(
        ErrorCode.WORLD_SHUT_DOWN,
        `${what} after world.shutdown(): the world is no longer usable (the end of the \`await using\` scope that holds it shuts it down too)`,
      );
    }
  }
}
