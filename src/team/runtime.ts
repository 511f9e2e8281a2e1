/**
 * The per-PE runtime behind a World: the lamella, the AM engine, the teams this PE knows, and
 * the state every public object checks before it acts.
 */
import { ErrorCode, LamellarError, type Backend } from '../core/index.js';
import type { AmTeam, Engine, EngineHost } from '../am/index.js';
import type { Lamella } from '../lamellae/types.js';

export class WorldRuntime implements EngineHost {
  readonly lamella: Lamella;
  readonly engine: Engine;
  readonly backend: Backend;
  readonly teams = new Map<number, AmTeam>();
  world!: AmTeam;
  #closed = false;

  constructor(lamella: Lamella, engine: Engine, backend: Backend) {
    this.lamella = lamella;
    this.engine = engine;
    this.backend = backend;
  }

  get decodeContext(): unknown {
    return this;
  }

  teamById(id: number): AmTeam | undefined {
    return this.teams.get(id);
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
