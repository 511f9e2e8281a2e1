/**
 * TypedAmGroup: many launches of one AM, packed per destination into few messages (Lamellar's
 * `typed_am_group!`). Entries for one team PE are buffered and sent as one internal group AM
 * carrying their arguments; entries for all PEs go in a bucket of their own, sent with one
 * execAmAll, so its bytes are encoded once for every destination. A bucket is sent as soon as
 * `batchSize` entries were added to the group since the last send (LAMELLAR_AM_GROUP_BATCH_SIZE,
 * 10000 by default, as in Lamellar), or holds that many itself; `exec()` sends the rest and
 * gathers every result.
 *
 * Static members (Lamellar's `#[AmGroup(static)]`): arguments shared by every entry are given
 * once, to the constructor, and travel once per message instead of once per entry; on the
 * target each entry runs with `{ ...static, ...entryArgs }`.
 *
 * Results are in insertion order: an `addAmPe` entry gives `{ kind: 'pe', pe, value }`, an
 * `addAmAll` entry `{ kind: 'all', results }` with one `{ pe, value }` per team PE.
 */
import { checkConstruct, config, ErrorCode, kConstruct, LamellarError, peCounters, RemoteAmError, shownNumber } from '../core/index.js';
import { checkValue, releaseRefsIn } from '../serde/index.js';
import type { AmContext, AmTeam } from './context.js';
import { awaitDefinition, checkAm, defineAm, isReturnedAm, lookupAm, markEntriesAm, movesProgramArgs, UNDEFINED_AM_WAIT_MS, type AmArgs, type AmDef } from './define.js';
import { closureSourceOf } from './closure-table.js';
import { checkArgs, launchTarget } from './group.js';
import type { TeamLaunch } from './launch.js';
import { kTeamLaunch } from './launch.js';
import { remoteError } from './remote-error.js';
import { toWireError } from './thrown.js';

interface GroupMsg {
  /** Wire id of the AM every entry runs. */
  id: number;
  /** Static members, or undefined. */
  s: Record<string, unknown> | undefined;
  /** Per-entry arguments. */
  a: unknown[];
}

/** One message's outcome: every entry's result, and the entries that threw. */
interface GroupReply {
  v: unknown[];
  /**
   * [entry index in the message, error name, message, stack] per failed entry; an entry whose AM
   * returned an AM has the name RETURNED_AM (a runtime name no Error has) and nothing else.
   */
  /** Failed entries: index, error name, message, stack, and its string `code` ('' if none). */
  f: [number, string, string, string, string][];
}

/** The failure an entry reports when its AM returned an AM; the caller makes the error. */
const RETURNED_AM = 'lamellar/returned-am';
/** The failure every entry reports when the target does not define the group's AM. */
const UNDEFINED_AM = 'lamellar/undefined-am';

/** UNSUPPORTED_OP for an entry of AM `name` that returned an AM on world PE `pe`. */
function returnedAmError(name: string, pe: number): LamellarError {
  return new LamellarError(
    ErrorCode.UNSUPPORTED_OP,
    `AM '${name}' returned an AM on PE ${pe} inside a TypedAmGroup, which sends back values only (the returned AM did not run): run an AM that returns an AM in an AmGroup, or with execAmPe`,
    { details: { amName: name, pe } },
  );
}

/**
 * On the target: runs every entry of one message, concurrently, and answers with every result.
 * An entry that throws does not fail the message: its error travels back on its own, so the
 * caller can tell which entries failed and keeps the others' results.
 *
 * Entries are started in order in one loop, as many async functions started one after another
 * would be; only an entry whose AM returns a promise costs a promise here. (A promise and a
 * closure per entry made this AM 60% of a million-entry group's time, most of it in the GC.)
 */
const GroupAm = defineAm('lamellar/typed-am-group', (ctx, m: GroupMsg): GroupReply | Promise<GroupReply> => {
  const def = lookupAm(m.id);
  if (def !== undefined) return runEntries(ctx, def, m);
  // Not defined here yet (`await initWorld(); const Sq = defineAm(...)`, and a faster PE already
  // sent a group of Sq): wait for the definition as the engine does for an AM's own request.
  return awaitDefinition(m.id, UNDEFINED_AM_WAIT_MS).then((d) => (d === undefined ? undefinedEntries(m) : runEntries(ctx, d, m)));
});

// Its entries run concurrently, each the program's AM: each owns the handles in its arguments.
markEntriesAm(GroupAm);

/** Every entry of `m` failed with UNKNOWN_AM: exec() names the group's AM, as for execAmPe. */
function undefinedEntries(m: GroupMsg): GroupReply {
  const reply: GroupReply = { v: new Array<unknown>(m.a.length), f: [] };
  const message = `a typed AM group names AM id ${m.id}, which this PE does not define`;
  for (let k = 0; k < m.a.length; k++) reply.f.push([k, UNDEFINED_AM, message, '', ErrorCode.UNKNOWN_AM]);
  return reply;
}

function runEntries(ctx: AmContext, def: AmDef<unknown, unknown>, m: GroupMsg): GroupReply | Promise<GroupReply> {
  const n = m.a.length;
  // The message is the runtime's; its entries are the program's AMs, counted as they are (stats).
  peCounters.amsExecuted += n;
  const reply: GroupReply = { v: new Array<unknown>(n), f: [] };
  let pending: PromiseLike<void>[] | undefined;
  const st = m.s;
  const keys = st === undefined ? undefined : Object.keys(st);
  for (let k = 0; k < n; k++) {
    const args = m.a[k];
    const full = keys === undefined ? args : merged(st!, keys, args);
    let r: unknown;
    try {
      r = def.exec(ctx, full);
      // Inside the try: a result whose `then` getter throws is that entry's failure (outside, it
      // failed the whole message and left the later entries unrun).
      if (isThenable(r)) {
        (pending ??= []).push(
          r.then(
            (v) => entryDone(reply, k, v, def.name),
            (err: unknown) => entryFailed(reply, k, err),
          ),
        );
        continue;
      }
    } catch (err) {
      entryFailed(reply, k, err);
      continue;
    }
    entryDone(reply, k, r, def.name);
  }
  return pending === undefined ? reply : Promise.all(pending).then(() => reply);
}

/**
 * `{ ...st, ...args }`, copied key by key: object spread took 2 µs an entry here (V8's generic
 * path for a literal with two spreads), the loop 0.1 µs. A `__proto__` key, which assignment
 * would turn into a prototype, goes through the spread.
 */
function merged(st: Record<string, unknown>, keys: readonly string[], args: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let j = 0; j < keys.length; j++) {
    const key = keys[j]!;
    if (key === '__proto__') return { ...st, ...(args as object | undefined) };
    out[key] = st[key];
  }
  if (typeof args === 'object' && args !== null) {
    for (const key in args) {
      if (key === '__proto__') return { ...st, ...args };
      out[key] = (args as Record<string, unknown>)[key];
    }
  }
  return out;
}

function entryDone(reply: GroupReply, k: number, r: unknown, name: string): void {
  let returned: boolean;
  try {
    returned = isReturnedAm(r);
    // Checked here, as an AM's own result is where it is encoded: found only when the group's
    // reply was encoded, one entry's function failed every entry, under the group's own AM name.
    if (!returned && ((typeof r === 'object' && r !== null) || typeof r === 'function')) checkValue(r, `result of AM '${name}'`, 'result');
  } catch (err) {
    // A result whose property reads throw, or one that cannot be sent: that entry fails, the others stand.
    entryFailed(reply, k, err);
    return;
  }
  if (returned) reply.f.push([k, RETURNED_AM, '', '', '']);
  else reply.v[k] = r;
}

/** Entry `k` failed with `err`, whatever was thrown (toWireError describes any value, as for one AM). */
function entryFailed(reply: GroupReply, k: number, err: unknown): void {
  const e = toWireError(err);
  reply.f.push([k, e.name, e.message, e.stack, e.code ?? '']);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

const describeArgs = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x === 'object' ? 'an instance of another class' : `a ${typeof x}`);

const isThenable = (x: unknown): x is PromiseLike<unknown> =>
  (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';

// Its entries are the program's arguments: a clone in one moves into the message that carries it,
// as in an AM the program launches itself (the group's static members excepted, see #keep).
movesProgramArgs(GroupAm as AmDef<unknown, unknown>);

/**
 * One result of a TypedAmGroup, in insertion order: an `addAmPe` entry's PE and value, or an
 * `addAmAll` entry's value on every team PE, tagged with the PE.
 *
 * @example
 * ```ts
 * const show = (e: TypedAmGroupEntry<number>): string =>
 *   e.kind === 'pe' ? `${e.value}@${e.pe}` : e.results.map((r) => `${r.value}@${r.pe}`).join(' ');
 * ```
 */
export type TypedAmGroupEntry<R> =
  | { readonly kind: 'pe'; readonly pe: number; readonly value: R }
  | { readonly kind: 'all'; readonly results: readonly { readonly pe: number; readonly value: R }[] };

/** Makes a TypedAmGroupResult (its constructor is private). */
let newTypedAmGroupResult: <R>(entries: readonly TypedAmGroupEntry<R>[]) => TypedAmGroupResult<R>;

/**
 * The results of `TypedAmGroup.exec()`, in insertion order: iterable, and indexable with `at(i)`.
 * @example
 * ```ts
 * const Square = defineAm('doc/tg-square', (_ctx, a: { x: number }) => a.x * a.x);
 * const res = await new TypedAmGroup(world, Square).addAmPe(0, { x: 3 }).addAmAll({ x: 2 }).exec();
 * for (const e of res) {
 *   if (e.kind === 'pe') console.log(`PE ${e.pe}: ${e.value}`);
 *   else for (const { pe, value } of e.results) console.log(`all, PE ${pe}: ${value}`);
 * }
 * ```
 */
export class TypedAmGroupResult<R> implements Iterable<TypedAmGroupEntry<R>> {
  readonly #entries: readonly TypedAmGroupEntry<R>[];

  private constructor(token: symbol, entries: readonly TypedAmGroupEntry<R>[]) {
    checkConstruct(token, 'TypedAmGroupResult', 'TypedAmGroup.exec()');
    this.#entries = entries;
  }

  static {
    newTypedAmGroupResult = <R>(entries: readonly TypedAmGroupEntry<R>[]) => new TypedAmGroupResult<R>(kConstruct, entries);
  }

  /**
   * The number of entries (one per add).
   * @example
   * ```ts
   * const Square = defineAm('doc/tg-square2', (_ctx, a: { x: number }) => a.x * a.x);
   * const res = await new TypedAmGroup(world, Square).addAmPe(0, { x: 3 }).exec();
   * console.log(res.length); // 1
   * ```
   */
  get length(): number {
    return this.#entries.length;
  }

  /**
   * Entry `i` in insertion order; a negative `i` counts from the end, as `Array.prototype.at`
   * (`at(-1)` is the last). INDEX_OUT_OF_BOUNDS outside, or for an `i` that is not an integer.
   * @example
   * ```ts
   * const Square = defineAm('doc/tg-square3', (_ctx, a: { x: number }) => a.x * a.x);
   * const res = await new TypedAmGroup(world, Square).addAmPe(0, { x: 3 }).exec();
   * const e = res.at(0);
   * if (e.kind === 'pe') console.log(e.pe, e.value); // 0 9
   * ```
   */
  at(i: number): TypedAmGroupEntry<R> {
    const e = Number.isInteger(i) ? this.#entries[i < 0 ? i + this.#entries.length : i] : undefined;
    if (e === undefined) {
      throw new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `TypedAmGroupResult.at: ${String(i)} is outside the ${this.#entries.length} entries`, {
        details: { index: i, length: this.#entries.length },
      });
    }
    return e;
  }

  /**
   * The entries in insertion order.
   * @example
   * ```ts
   * const Square = defineAm('doc/tg-square4', (_ctx, a: { x: number }) => a.x * a.x);
   * const res = await new TypedAmGroup(world, Square).addAmAll({ x: 2 }).exec();
   * for (const e of res) if (e.kind === 'all') console.log(e.results.length); // numPes
   * ```
   */
  [Symbol.iterator](): Iterator<TypedAmGroupEntry<R>> {
    return this.#entries[Symbol.iterator]();
  }
}

/**
 * Options of a TypedAmGroup.
 * @example
 * ```ts
 * const Work = defineAm('doc/tg-work', (_ctx, a: { table: number[]; i: number }) => a.table[a.i] ?? 0);
 * const g = new TypedAmGroup(world, Work, { static: { table: [1, 2, 3] }, batchSize: 1000 });
 * g.addAmPe(0, { i: 2 });
 * ```
 */
export interface TypedAmGroupOptions<S> {
  /**
   * Arguments shared by every entry (Lamellar's static members): sent once per message, merged
   * into each entry's arguments on the target as `{ ...static, ...entry }` (an entry's own field
   * wins). A plain object, and so is each entry's arguments then (or none): INVALID_ARGUMENT
   * otherwise, at the constructor or the add.
   * @example
   * ```ts
   * const Tag = defineAm('doc/tg-tag', (_ctx, a: { tag: string; x: number }) => `${a.tag}${a.x}`);
   * const g = new TypedAmGroup(world, Tag, { static: { tag: '#' } }).addAmPe(0, { x: 1 });
   * ```
   */
  static?: S | undefined;
  /**
   * Entries buffered before a bucket is sent (default LAMELLAR_AM_GROUP_BATCH_SIZE, 10000);
   * INVALID_ARGUMENT unless a positive integer.
   * @example
   * ```ts
   * const Square = defineAm('doc/tg-square5', (_ctx, a: { x: number }) => a.x * a.x);
   * const g = new TypedAmGroup(world, Square, { batchSize: 256 });
   * ```
   */
  batchSize?: number | undefined;
}

/** A bucket's entries: their insertion positions and arguments. */
interface Bucket {
  at: number[];
  args: unknown[];
}

/**
 * A sent message: which entries it carries, and the handle of its results, or the error that
 * stopped it from being sent (kept, not a rejected promise, so that a group never executed
 * leaves no unhandled rejection).
 */
interface Sent {
  pe: number;
  at: number[];
  handle: PromiseLike<GroupReply | GroupReply[]> | undefined;
  error?: unknown;
}

/**
 * The per-entry arguments when `S` holds the static members: the AM's arguments without them.
 *
 * @example
 * ```ts
 * type Entry = EntryArgs<{ x: number; tag: string }, { tag: string }>;   // { x: number }
 * ```
 */
export type EntryArgs<A, S> = [keyof S] extends [never] ? A : Omit<A, keyof S>;

/**
 * Many launches of one AM, packed per destination into few messages (Lamellar's
 * `typed_am_group!`). Entries for one team PE travel as one message, entries for every PE as one
 * `execAmAll`; a bucket is sent once `batchSize` entries were added since the last send (the
 * bucket added to), or once it holds `batchSize` entries itself, and
 * `exec()` sends the rest and gathers every result in insertion order. Static members (arguments
 * shared by every entry) are given once, to the constructor, and travel once per message.
 * @example
 * ```ts
 * const Square = defineAm('doc/tg-square6', (ctx, a: { x: number; tag: string }) => `${a.tag}${a.x * a.x}`);
 * const g = new TypedAmGroup(world, Square, { static: { tag: '#' } });
 * for (let i = 0; i < 1000; i++) g.addAmPe(i % world.numPes, { x: i });
 * g.addAmAll({ x: 2 });
 * const res = await g.exec();          // res.at(0) = { kind: 'pe', pe: 0, value: '#0' }
 * ```
 */
export class TypedAmGroup<A, R, S extends Partial<A> = Record<never, never>> {
  readonly #team: AmTeam & TeamLaunch;
  readonly #am: AmDef<A, R>;
  readonly #static: S | undefined;
  /** Every object in the static members: a clone there does not move into the first message. */
  readonly #keep: ReadonlySet<object> | undefined;
  readonly #batch: number;
  /** Buckets per team PE; index numPes is the all-PEs bucket. */
  readonly #buckets: Bucket[];
  readonly #sent: Sent[] = [];
  #added = 0;
  #sinceFlush = 0;

  /**
   * A group of launches of `am` on a World or Team (team PE numbers), with optional static
   * members and batch size. INVALID_ARGUMENT for a bad option. `am` must not return an AM: one
   * whose definition is branded ReturnsAm does not compile here (use an AmGroup).
   * @example
   * ```ts
   * const Square = defineAm('doc/tg-square7', (_ctx, a: { x: number }) => a.x * a.x);
   * const g = new TypedAmGroup(world, Square);
   * ```
   */
  constructor(team: AmTeam | { team: AmTeam }, am: AmDef<A, R> & { readonly $returnsAm?: undefined }, options: TypedAmGroupOptions<S> = {}) {
    this.#team = launchTarget(team);
    this.#am = checkAm(am) as AmDef<A, R>;
    // Its entries run under the AM's registered id on every PE, which a closure does not have
    // there: refused here, not a second later as an AM undefined on the target.
    if (closureSourceOf(am) !== undefined) {
      throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'TypedAmGroup takes an AM made by defineAm, not a closure: send closures with an AmGroup or a TaskGroup');
    }
    if (options === null || typeof options !== 'object') throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'TypedAmGroup options must be an object');
    const st = options.static;
    // A Map or a class instance has no own fields to merge: its members were dropped without a word.
    if (st !== undefined && !isPlainObject(st)) {
      throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'TypedAmGroup: static members must be a plain object of arguments');
    }
    if (st !== undefined) checkArgs(this.#am as AmDef<unknown, unknown>, st);
    this.#static = st;
    this.#keep = st === undefined ? undefined : objectsIn(st);
    const b = options.batchSize ?? config().amGroupBatchSize;
    if (!Number.isInteger(b) || b < 1) throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `TypedAmGroup: batchSize must be a positive integer, got ${shownNumber(b)}`);
    this.#batch = b;
    this.#buckets = Array.from({ length: this.#team.numPes + 1 }, () => ({ at: [], args: [] }));
  }

  /**
   * Entries added since the last `exec()` (including those already sent).
   * @example
   * ```ts
   * const Square = defineAm('doc/tg-square8', (_ctx, a: { x: number }) => a.x * a.x);
   * const g = new TypedAmGroup(world, Square).addAmPe(0, { x: 1 });
   * console.log(g.length); // 1
   * ```
   */
  get length(): number {
    return this.#added;
  }

  /**
   * Adds `am(args)` for team PE `pe` (with the static members merged in on the target). Returns
   * the group, for chaining; PE_OUT_OF_RANGE for a bad PE, SERIALIZE (naming the AM and the
   * path) for arguments that cannot be sent, and nothing is added or sent then.
   * @example
   * ```ts
   * const Square = defineAm('doc/tg-square9', (_ctx, a: { x: number }) => a.x * a.x);
   * const g = new TypedAmGroup(world, Square).addAmPe(world.numPes - 1, { x: 3 });
   * ```
   */
  addAmPe(pe: number, ...[args]: AmArgs<EntryArgs<A, S>>): this {
    this.#team[kTeamLaunch].checkPe(pe, 'TypedAmGroup.addAmPe');
    this.#add(pe, args);
    return this;
  }

  /**
   * Adds `am(args)` for every team PE; its result lists every PE's value, tagged with the PE.
   * Returns the group, for chaining; `args` are checked as in addAmPe.
   * @example
   * ```ts
   * const Square = defineAm('doc/tg-square10', (_ctx, a: { x: number }) => a.x * a.x);
   * const g = new TypedAmGroup(world, Square).addAmAll({ x: 0 });
   * ```
   */
  addAmAll(...[args]: AmArgs<EntryArgs<A, S>>): this {
    this.#add(this.#team.numPes, args);
    return this;
  }

  #add(slot: number, args: unknown): void {
    // Merged into the static members on the target, an entry that is not an object would vanish.
    if (this.#static !== undefined && args !== undefined && !isPlainObject(args)) {
      throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `TypedAmGroup of AM '${this.#am.name}' with static members: each entry's arguments must be a plain object (or none), merged into them on the target; got ${describeArgs(args)}`);
    }
    checkArgs(this.#am as AmDef<unknown, unknown>, args);
    const b = this.#buckets[slot]!;
    b.at.push(this.#added++);
    b.args.push(args);
    // As in Lamellar: once batchSize entries were added since the last send, the bucket just
    // added to goes out as one message; and so does a bucket that holds batchSize entries itself
    // (with 2 PEs and an even batchSize, the add that reached the count always went to PE 1, and
    // PE 0's bucket grew until exec() refused it as too large a frame).
    if (++this.#sinceFlush >= this.#batch || b.at.length >= this.#batch) {
      this.#flush(slot);
      this.#sinceFlush = 0;
    }
  }

  #flush(slot: number): void {
    const b = this.#buckets[slot]!;
    if (b.at.length === 0) return;
    const P = this.#team.numPes;
    const msg: GroupMsg = { id: this.#am.id, s: this.#static as Record<string, unknown> | undefined, a: b.args };
    const launch = this.#team[kTeamLaunch];
    this.#buckets[slot] = { at: [], args: [] };
    // Arguments were checked when added; what only encoding finds (a handle released since, a
    // message over LAMELLAR_MAX_FRAME) fails these entries, reported by exec() in order.
    let handle: Sent['handle'];
    let error: unknown;
    try {
      handle = slot === P ? launch.all(GroupAm, msg, undefined, this.#keep) : launch.pe(slot, GroupAm, msg, undefined, undefined, this.#keep);
      peCounters.amsSent += b.args.length * (slot === P ? P : 1);
    } catch (e) {
      error = e;
    }
    this.#sent.push({ pe: slot === P ? -1 : slot, at: b.at, handle, error });
  }

  /**
   * Sends every buffered entry and waits for all messages together. Resolves to the results in
   * insertion order; if any entry failed, rejects with the first failure (in insertion order)
   * once everything has settled, every failure observed. The group is empty afterwards.
   * @example
   * ```ts
   * const Square = defineAm('doc/tg-square11', (_ctx, a: { x: number }) => a.x * a.x);
   * const g = new TypedAmGroup(world, Square);
   * for (let i = 0; i < 100; i++) g.addAmPe(i % world.numPes, { x: i });
   * for (const e of await g.exec()) if (e.kind === 'pe') total += e.value;
   * ```
   */
  async exec(): Promise<TypedAmGroupResult<R>> {
    for (let slot = 0; slot < this.#buckets.length; slot++) this.#flush(slot);
    this.#sinceFlush = 0;
    const sent = this.#sent.splice(0);
    const total = this.#added;
    this.#added = 0;
    const got = await Promise.allSettled(sent.map((s) => s.handle ?? Promise.reject(s.error)));
    const entries = new Array<TypedAmGroupEntry<R>>(total);
    const failures = new Array<unknown>(total);
    let failed = false;
    const team = this.#team;
    const name = this.#am.name;
    const fail = (i: number, teamPe: number, f: [number, string, string, string, string]): void => {
      failed = true;
      const pe = team.pes[teamPe]!;
      if (failures[i] !== undefined) return;
      if (f[1] === RETURNED_AM) failures[i] = returnedAmError(name, pe);
      // Only the group's own refusal: an entry that failed with another AM's UNKNOWN_AM is that entry's error.
      else if (f[1] === UNDEFINED_AM) failures[i] = remoteError(pe, name, undefined, { name: 'LamellarError', message: f[2], stack: f[3], code: ErrorCode.UNKNOWN_AM, refused: true });
      else failures[i] = new RemoteAmError(pe, name, f[1], f[2], f[3], undefined, f[4] === '' ? undefined : f[4]);
    };
    for (let m = 0; m < sent.length; m++) {
      const s = sent[m]!;
      const g = got[m]!;
      if (g.status === 'rejected') {
        failed = true;
        for (const i of s.at) failures[i] ??= g.reason;
        continue;
      }
      if (s.pe >= 0) {
        const rep = g.value as GroupReply;
        for (const f of rep.f) fail(s.at[f[0]]!, s.pe, f);
        s.at.forEach((i, j) => (entries[i] = { kind: 'pe', pe: s.pe, value: rep.v[j] as R }));
      } else {
        const perPe = g.value as GroupReply[];
        perPe.forEach((rep, pe) => rep.f.forEach((f) => fail(s.at[f[0]]!, pe, f)));
        s.at.forEach((i, j) => (entries[i] = { kind: 'all', results: perPe.map((rep, pe) => ({ pe, value: rep.v[j] as R })) }));
      }
    }
    if (failed) {
      // The entries that succeeded reach nobody: the handles in their results are released.
      for (const g of got) if (g.status === 'fulfilled') releaseRefsIn(g.value);
      throw failures.find((f) => f !== undefined);
    }
    return newTypedAmGroupResult(entries);
  }
}

/** The objects reachable from `v` through plain objects, arrays, Maps and Sets, `v` included. */
function objectsIn(v: object): Set<object> {
  const seen = new Set<object>();
  const walk = (x: unknown): void => {
    if (typeof x !== 'object' || x === null || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) x.forEach(walk);
    else if (x instanceof Map) x.forEach((val, key) => (walk(key), walk(val)));
    else if (x instanceof Set) x.forEach(walk);
    else if (isPlainObject(x)) for (const k in x) walk(x[k]);
  };
  walk(v);
  return seen;
}
