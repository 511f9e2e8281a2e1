/**
 * AM groups and task groups, built on the same engine.
 *
 * `AmGroup`: collect many AMs (for one PE or for all PEs), launch them together so they travel
 * in the same aggregated frames, and get the results back in insertion order. `exec()` needs no
 * packing of its own: it launches every entry in one synchronous loop, so the engine's
 * per-destination buffer packs the entries for one PE into one frame per threshold's worth of
 * bytes (tests/fixtures/am.ts counts them).
 * `TaskGroup`: launches like its team, but keeps its own count, so its `waitAll()` waits only
 * for AMs launched through it.
 */
import { checkPe, ErrorCode, LamellarError } from '../core/index.js';
import type { AmLauncher, AmTeam } from './context.js';
import { Counter } from './counter.js';
import type { AmArgs, AmDef } from './define.js';
import type { AmHandle, LocalAmHandle, MultiAmHandle } from './handle.js';
import { kTeamLaunch, type TeamLaunch } from './launch.js';

/** Accepts a Team, or anything that has one (a World). */
export function launchTarget(team: AmTeam | { team: AmTeam }): AmTeam & TeamLaunch {
  const t = (kTeamLaunch in team ? team : (team as { team: AmTeam }).team) as AmTeam & Partial<TeamLaunch>;
  if (t === undefined || t[kTeamLaunch] === undefined) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'groups are created on a World or a Team');
  }
  return t as AmTeam & TeamLaunch;
}

/**
 * Awaits every handle together (each one observed); resolves to the values in order, or rejects
 * with the first failure in order once all have settled.
 */
export async function settleAll(handles: readonly PromiseLike<unknown>[]): Promise<unknown[]> {
  const got = await Promise.allSettled(handles);
  const out = new Array<unknown>(got.length);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    if (g.status === 'rejected') throw g.reason;
    out[i] = g.value;
  }
  return out;
}

type Entry = { pe: number; am: AmDef<unknown, unknown>; args: unknown } | { pe: -1; am: AmDef<unknown, unknown>; args: unknown };

/** Results of an AmGroup: per entry, the AM's result (addAmPe) or every member's results (addAmAll). */
export type AmGroupResults<R> = (R | R[])[];

export class AmGroup<R = unknown> {
  readonly #team: AmTeam & TeamLaunch;
  readonly #entries: Entry[] = [];

  constructor(team: AmTeam | { team: AmTeam }) {
    this.#team = launchTarget(team);
  }

  get length(): number {
    return this.#entries.length;
  }

  /** Adds `am(args)` for team PE `pe`. Checked now, launched by `exec()`. */
  addAmPe<A>(pe: number, am: AmDef<A, R>, ...[args]: AmArgs<A>): this {
    checkPe(pe, this.#team.numPes);
    this.#team[kTeamLaunch].check(am);
    this.#entries.push({ pe, am: am as AmDef<unknown, unknown>, args });
    return this;
  }

  /** Adds `am(args)` for every team PE; its result is an array in team PE order. */
  addAmAll<A>(am: AmDef<A, R>, ...[args]: AmArgs<A>): this {
    this.#team[kTeamLaunch].check(am);
    this.#entries.push({ pe: -1, am: am as AmDef<unknown, unknown>, args });
    return this;
  }

  /**
   * Launches every entry at once and waits for all of them together. Resolves to the results in
   * insertion order; if any entry failed, rejects (once every entry has settled) with the first
   * failure in insertion order. Every entry's outcome is observed, so the other failures never
   * surface as unhandled rejections.
   *
   * @example
   * ```ts
   * const results = await new AmGroup(world).addAmPe(1, Hello, { from: 0 }).addAmAll(Hello, { from: 0 }).exec();
   * ```
   */
  async exec(): Promise<AmGroupResults<R>> {
    const entries = this.#entries.splice(0);
    const t = this.#team;
    const handles: PromiseLike<unknown>[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      handles[i] = e.pe === -1 ? t.execAmAll(e.am, e.args) : t.execAmPe(e.pe, e.am, e.args);
    }
    return settleAll(handles) as Promise<AmGroupResults<R>>;
  }
}

export class TaskGroup implements AmLauncher {
  readonly #team: AmTeam & TeamLaunch;
  readonly #counter = new Counter();

  constructor(team: AmTeam | { team: AmTeam }) {
    this.#team = launchTarget(team);
  }

  get team(): AmTeam {
    return this.#team;
  }

  execAmPe<A, Res>(pe: number, am: AmDef<A, Res>, ...[args]: AmArgs<A>): AmHandle<Res> {
    return this.#team[kTeamLaunch].pe(pe, am, args, this.#counter);
  }

  execAmAll<A, Res>(am: AmDef<A, Res>, ...[args]: AmArgs<A>): MultiAmHandle<Res> {
    return this.#team[kTeamLaunch].all(am, args, this.#counter);
  }

  execAmLocal<A, Res>(am: AmDef<A, Res>, ...[args]: AmArgs<A>): LocalAmHandle<Res> {
    return this.#team[kTeamLaunch].local(am, args, this.#counter);
  }

  /** Resolves once every AM launched through this group has finished. */
  waitAll(): Promise<void> {
    return this.#counter.idle();
  }
}
