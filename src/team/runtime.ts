/**
 * The per-PE runtime behind a World: the lamella, the AM engine, the teams this PE knows, and
 * the state every public object checks before it acts.
 */
import { ErrorCode, LamellarError, type Backend } from '../core/index.js';
import type { Engine, EngineHost } from '../am/index.js';
import type { Lamella } from '../lamellae/types.js';
import type { Team } from './team.js';

export class WorldRuntime implements EngineHost {
  readonly lamella: Lamella;
  readonly engine: Engine;
  readonly backend: Backend;
  readonly teams = new Map<number, Team>();
  world!: Team;
  /** When this PE's world was up (world.stats().elapsedMs); set at the end of initWorld. */
  startedAt = 0;
  #closed = false;
  /** Every team id below this one is, or may soon be, in use on this PE. */
  #nextTeamId = 1;

  constructor(lamella: Lamella, engine: Engine, backend: Backend) {
    this.lamella = lamella;
    this.engine = engine;
    this.backend = backend;
  }

  get decodeContext(): unknown {
    return this;
  }

  teamById(id: number): Team | undefined {
    return this.teams.get(id);
  }

  /** A team id this PE proposes for a team being created; never proposed here again. */
  proposeTeamId(): number {
    return this.#nextTeamId++;
  }

  /**
   * Registers `team` under the agreed `id` unless this PE already has a team with that id (a
   * concurrent creation on another parent took it first). Ids only grow on each PE.
   */
  claimTeamId(id: number, team: Team): boolean {
    this.#nextTeamId = Math.max(this.#nextTeamId, id + 1);
    if (this.teams.has(id)) return false;
    this.teams.set(id, team);
    return true;
  }

  get closed(): boolean {
    return this.#closed;
  }

  markClosed(): void {
    this.#closed = true;
  }

  checkOpen(what: string): void {
    if (this.#closed) {
      throw new LamellarError(ErrorCode.WORLD_SHUT_DOWN, `${what} after world.shutdown(): the world is no longer usable`);
    }
  }
}
