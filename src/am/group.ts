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
import { ErrorCode, LamellarError, nextTurn } from '../core/index.js';
import { checkValue } from '../serde/index.js';
import { closureEnv, closureSourceOf } from './closure-table.js';
import type { AmLauncher, AmTeam } from './context.js';
import { Counter } from './counter.js';
import type { AmArgs, AmDef } from './define.js';
import { Gather, gatherInto, type AmHandle, type LocalAmHandle, type MultiAmHandle } from './handle.js';
import { kTeamLaunch, type TeamLaunch } from './launch.js';

/** Accepts a Team, or anything that has one (a World). */
export function launchTarget(team: AmTeam | { team: AmTeam }): AmTeam & TeamLaunch {
  if (typeof team !== 'object' || team === null) throw notATeam(team);
  // A TaskGroup has a team too, but a group made on it launched on that team uncounted by it.
  if (team instanceof TaskGroup) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, "groups are created on a World or a Team, got a TaskGroup: make the group on the TaskGroup's team, or add its AMs to the TaskGroup itself");
  }
  const t = (kTeamLaunch in team ? team : (team as { team: AmTeam }).team) as (AmTeam & Partial<TeamLaunch>) | undefined;
  if (typeof t !== 'object' || t === null || t[kTeamLaunch] === undefined) throw notATeam(team);
  return t as AmTeam & TeamLaunch;
}

function notATeam(v: unknown): LamellarError {
  const got = v === null ? 'null' : typeof v === 'object' ? 'another object' : typeof v;
  return new LamellarError(ErrorCode.INVALID_ARGUMENT, `groups are created on a World or a Team, got ${got}`);
}

/**
 * Refuses now arguments of `am` that could not be sent when the group goes out, with the
 * SERIALIZE error a launch would give: a group keeps its entries, and one found bad at `exec()`
 * would come after others were sent.
 */
export function checkArgs(am: AmDef<unknown, unknown>, args: unknown): void {
  if (closureSourceOf(am) === undefined) checkValue(args, am.argLabel);
  else checkValue(closureEnv(am, args), am.argLabel, 'env');
}

type Entry = { pe: number; am: AmDef<unknown, unknown>; args: unknown } | { pe: -1; am: AmDef<unknown, unknown>; args: unknown };

/**
 * What `AmGroup.exec()` resolves to: per entry, in insertion order, the AM's result (addAmPe) or
 * every member's results in team PE order (addAmAll).
 * @example
 * ```ts
 * const Square = defineAm('doc/square', (_ctx, x: number) => x * x);
 * const r: AmGroupResults<number> = await new AmGroup<number>(world).addAmPe(0, Square, 3).addAmAll(Square, 2).exec();
 * // [9, [4, 4, ...]]
 * ```
 */
export type AmGroupResults<R> = (R | R[])[];

/**
 * A batch of AMs launched together (Lamellar's AmGroup): add entries for one PE or for every PE,
 * then `exec()` launches them all at once, so those for one PE travel in the same aggregated
 * frames, and resolves to their results in insertion order. `new AmGroup<R>(world or team)`;
 * every entry's AM must return `R`. For many launches of one AM, TypedAmGroup (Lamellar's
 * typed_am_group) packs them into fewer messages.
 * @example
 * ```ts
 * const Square = defineAm('doc/square', (_ctx, x: number) => x * x);
 * const group = new AmGroup<number>(world);
 * for (let pe = 0; pe < world.numPes; pe++) group.addAmPe(pe, Square, pe);
 * const squares = (await group.exec()) as number[];
 * ```
 */
export class AmGroup<R = unknown> {
  readonly #team: AmTeam & TeamLaunch;
  readonly #entries: Entry[] = [];

  constructor(team: AmTeam | { team: AmTeam }) {
    this.#team = launchTarget(team);
  }

  /**
   * The number of entries added and not yet launched.
   * @example
   * ```ts
   * const Square = defineAm('doc/square', (_ctx, x: number) => x * x);
   * const g = new AmGroup<number>(world).addAmPe(0, Square, 2);
   * console.log(g.length); // 1
   * ```
   */
  get length(): number {
    return this.#entries.length;
  }

  /**
   * Adds `am(args)` for team PE `pe`, checked now (PE, AM, and that `args` can be sent:
   * SERIALIZE otherwise) and launched by `exec()`. Returns the group, for chaining.
   * @example
   * ```ts
   * const Square = defineAm('doc/square', (_ctx, x: number) => x * x);
   * const g = new AmGroup<number>(world).addAmPe(0, Square, 2).addAmPe(0, Square, 3);
   * ```
   */
  addAmPe<A>(pe: number, am: AmDef<A, R>, ...[args]: AmArgs<A>): this {
    this.#team[kTeamLaunch].checkPe(pe, 'AmGroup.addAmPe');
    this.#team[kTeamLaunch].check(am);
    checkArgs(am as AmDef<unknown, unknown>, args);
    this.#entries.push({ pe, am: am as AmDef<unknown, unknown>, args });
    return this;
  }

  /**
   * Adds `am(args)` for every team PE (`args` checked now, as in addAmPe); its result is an array
   * in team PE order. Returns the group.
   * @example
   * ```ts
   * const Square = defineAm('doc/square', (_ctx, x: number) => x * x);
   * const [all] = await new AmGroup<number>(world).addAmAll(Square, 4).exec();
   * // all: [16, 16, ...]
   * ```
   */
  addAmAll<A>(am: AmDef<A, R>, ...[args]: AmArgs<A>): this {
    this.#team[kTeamLaunch].check(am);
    checkArgs(am as AmDef<unknown, unknown>, args);
    this.#entries.push({ pe: -1, am: am as AmDef<unknown, unknown>, args });
    return this;
  }

  /**
   * Launches every entry at once and waits for all of them together. Resolves to the results in
   * insertion order; if any entry failed, rejects (once every entry has settled) with the first
   * failure in insertion order. Every entry's outcome is observed, so the other failures never
   * surface as unhandled rejections. The group is empty afterwards and can be filled again.
   * @example
   * ```ts
   * const Square = defineAm('doc/square', (_ctx, x: number) => x * x);
   * const g = new AmGroup<number>(world).addAmPe(0, Square, 5);
   * const [five] = await g.exec(); // 25
   * ```
   */
  async exec(): Promise<AmGroupResults<R>> {
    const entries = this.#entries.splice(0);
    const t = this.#team;
    const g = new Gather(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      // Arguments were checked when added; what only encoding finds (a handle released since, a
      // message over LAMELLAR_MAX_FRAME) fails this entry, reported in order once all settled.
      let h: PromiseLike<unknown>;
      try {
        h = e.pe === -1 ? t.execAmAll(e.am, e.args) : t.execAmPe(e.pe, e.am, e.args);
      } catch (err) {
        g.done(i, false, err);
        continue;
      }
      gatherInto(h, g, i);
    }
    return g.promise as Promise<AmGroupResults<R>>;
  }
}

/**
 * Launches like its team (or world) but keeps its own count (Lamellar's LamellarTaskGroup):
 * `waitAll()` waits only for AMs launched through this group, not for everything this PE launched.
 * @example
 * ```ts
 * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
 * const tg = new TaskGroup(world);
 * for (let pe = 0; pe < world.numPes; pe++) void tg.execAmPe(pe, Hello, { from: world.myPe });
 * await tg.waitAll();
 * ```
 */
export class TaskGroup implements AmLauncher {
  readonly #team: AmTeam & TeamLaunch;
  readonly #counter = new Counter();

  constructor(team: AmTeam | { team: AmTeam }) {
    this.#team = launchTarget(team);
  }

  /**
   * The team this group launches on.
   * @example
   * ```ts
   * const tg = new TaskGroup(world);
   * console.log(tg.team.numPes);
   * ```
   */
  get team(): AmTeam {
    return this.#team;
  }

  /**
   * Runs `am(args)` on team PE `pe`, counted in this group; the handle resolves to its result.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const tg = new TaskGroup(world);
   * const r = await tg.execAmPe(0, Hello, { from: world.myPe });
   * ```
   */
  execAmPe<A, Res>(pe: number, am: AmDef<A, Res>, ...[args]: AmArgs<A>): AmHandle<Res> {
    return this.#team[kTeamLaunch].pe(pe, am, args, this.#counter, 'TaskGroup.execAmPe');
  }

  /**
   * Runs `am(args)` on every team PE, counted in this group; results in team PE order.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const tg = new TaskGroup(world);
   * const all = await tg.execAmAll(Hello, { from: world.myPe });
   * ```
   */
  execAmAll<A, Res>(am: AmDef<A, Res>, ...[args]: AmArgs<A>): MultiAmHandle<Res> {
    return this.#team[kTeamLaunch].all(am, args, this.#counter);
  }

  /**
   * Runs `am(args)` on this PE without serializing `args`, counted in this group.
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const tg = new TaskGroup(world);
   * const mine = await tg.execAmLocal(Hello, { from: world.myPe });
   * ```
   */
  execAmLocal<A, Res>(am: AmDef<A, Res>, ...[args]: AmArgs<A>): LocalAmHandle<Res> {
    return this.#team[kTeamLaunch].local(am, args, this.#counter);
  }

  /**
   * Resolves once every AM launched through this group has finished (not other launches from this
   * PE). An AM of this group that failed and whose handle was never awaited is reported then, as a
   * `LAMELLAR_W_UNOBSERVED_AM_ERROR` warning (once: not again at the world's waitAll or shutdown).
   * @example
   * ```ts
   * const Hello = defineAm('doc/hello', async (ctx, a: { from: number }) => `PE ${ctx.currentPe} got hello from ${a.from}`);
   * const tg = new TaskGroup(world);
   * void tg.execAmAll(Hello, { from: world.myPe });
   * await tg.waitAll();
   * ```
   */
  async waitAll(): Promise<void> {
    // As world.waitAll(): the count reaches 0 a microtask or two before the handles the caller
    // holds settle, so a `.then` on one (which may launch more through this group) runs after;
    // one turn lets every such continuation run, and the work it started is waited for too.
    for (;;) {
      await this.#counter.idle();
      await nextTurn(undefined);
      if (this.#counter.value === 0) break;
    }
    this.#team[kTeamLaunch].reportUnobserved(this.#counter);
  }
}
