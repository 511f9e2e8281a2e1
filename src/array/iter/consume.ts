/**
 * What every consumer does, for local and distributed iterators alike.
 *
 * Local: open this PE's part (and each zip partner's), run the fused loop, release.
 * Distributed (collective over the array's team): meet at the consumer's opening barrier, take
 * the lock, run this PE's part, release, then exchange outcomes and partial results with every
 * member (exchange.ts). `reduce`, `sum` and `count` fold the partials in team PE order, so every
 * member gets the same result (an all-reduce). A failure on one member (a callback that throws)
 * rejects there with its own error, and every other member with ITER_FAILED naming it: nobody
 * is left waiting.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import type { Team } from '../../team/index.js';
import type { ArrayBase } from '../base.js';
import type { ArrayElemType } from '../elem.js';
import type { GlobalLockArray } from '../global-lock.js';
import { kCollectiveWrite } from '../lock.js';
import { kArray } from '../meta.js';
import { openAccess, takeLockTurn, type Access, type Lease, type LockTurn } from './access.js';
import { chainsOf, distPlan, localPlan, sumZero, type Chain, type Plan } from './chain.js';
import { buildArray, storeItems, type CollectTarget, type Stored } from './collect.js';
import { addConsumerFrame, failedElsewhere, failureRecord, reserveExchange, type ExchangeRecord, type PendingExchange } from './exchange.js';
import { runAsync, runStore, runSync } from './run.js';
import { running } from './running.js';
import type { Schedule } from './schedule.js';

export type ConsumerName = 'forEach' | 'forEachAsync' | 'reduce' | 'sum' | 'count' | 'collect' | 'collectAsync';

export interface Consume {
  readonly name: ConsumerName;
  /** forEach's, forEachAsync's or reduce's callback. */
  readonly fn: ((...a: never[]) => unknown) | null;
  readonly sched: Schedule;
  /** collect/collectAsync into a new array (collective), or undefined for a plain JS array. */
  readonly target: CollectTarget | undefined;
  /** How errors name the call, e.g. `distIter().sum`. */
  readonly what: string;
}

interface Partial {
  acc: unknown;
  has: boolean;
  items: unknown[];
}

/** Runs the consumer's loop over this PE's plan. */
async function runPart(p: Plan, c: Chain, k: Consume): Promise<Partial> {
  switch (k.name) {
    case 'forEachAsync':
      await runAsync(p, c.tail, k.fn as (x: never) => unknown, k.sched);
      return { acc: undefined, has: false, items: [] };
    case 'collectAsync':
      return { acc: undefined, has: false, items: await runAsync(p, c.tail, null, k.sched) };
    case 'forEach':
      return runSync(p, c.tail, 'each', k.fn, k.sched);
    default:
      return runSync(p, c.tail, k.name, k.fn, k.sched);
  }
}

/** The local result of a consumer from this PE's partial. */
function localResult(c: Chain, k: Consume, r: Partial): unknown {
  switch (k.name) {
    case 'reduce':
      return r.has ? r.acc : undefined;
    case 'sum':
      return r.has ? r.acc : sumZero(c.array.type, c.tail);
    case 'count':
      return r.acc;
    case 'collect':
    case 'collectAsync':
      return r.items;
    default:
      return undefined;
  }
}

/**
 * Opens every chain's array (their lock turns taken now, at the call), runs `body`, releases.
 * Every chain asks for its array at once, not once the one before it is open: two reads of one
 * lock array (a zip with itself) each ask for its lock, and a write asked for in between (an op
 * the program issued after the call) held the second behind the first for ever.
 */
async function withAccesses<R>(cs: Chain[], collective: boolean, body: (a: Access[]) => Promise<R>): Promise<R> {
  const turns = cs.map((c) => takeLockTurn(c.array, c.mut, c.lease));
  const opened = await Promise.allSettled(cs.map((c, i) => openAccess(c.array, c.mut, collective, c.lease, turns[i])));
  const acc: Access[] = [];
  for (const o of opened) if (o.status === 'fulfilled') acc.push(o.value);
  try {
    for (const o of opened) if (o.status === 'rejected') throw o.reason;
    return await body(acc);
  } finally {
    // A turn whose array was never opened lets the next consumer ask.
    for (const t of turns) t?.granted();
    for (let j = acc.length - 1; j >= 0; j--) acc[j]!.release();
  }
}

/**
 * A local consumer: this PE only. With a collect target it becomes collective (see collect.ts).
 * Running work until it settles (running.ts), awaited or not.
 */
export function consumeLocal(c: Chain, k: Consume): Promise<unknown> {
  // A consumer on a released guard throws here, at the call, as a distributed one does (it keeps
  // the guard's lock from the call: startDist); inside startLocal it only rejected. Retaining and
  // letting go at once leaves a held guard's lock as it was.
  for (const x of chainsOf(c)) x.lease?.retain()();
  return running(arraysOf(c), () => startLocal(c, k));
}

const arraysOf = (c: Chain): ArrayBase[] => chainsOf(c).map((x) => x.array);

function startLocal(c: Chain, k: Consume): Promise<unknown> {
  if (k.target === undefined) {
    return withAccesses(chainsOf(c), false, async (acc) => localResult(c, k, await runPart(localPlan(c, acc), c, k)));
  }
  const team = c.array.team;
  const ex = reserveExchange(team, k.what, false);
  const target = k.target;
  return collective(team, ex, k.what, arraysOf(c), () =>
    withAccesses(chainsOf(c), false, async (acc) => {
      const p = localPlan(c, acc);
      return k.name === 'collect' ? runStore(p, c.tail, target.type, k.what, k.sched) : storeItems((await runPart(p, c, k)).items, target.type, k.what);
    }),
  ).then(({ mine, parts }) => buildArray(team, target, mine, parts as number[]));
}

/**
 * Runs `local` on every member and exchanges its outcome; resolves to this PE's local value and
 * every member's partial (`partial(local)`), or rejects as the header says.
 */
async function collective<L>(
  team: Team,
  ex: PendingExchange,
  what: string,
  arrays: ArrayBase[],
  local: () => Promise<L>,
  partial: (l: L) => unknown = (l) => (l as Stored).n,
): Promise<{ mine: L; parts: unknown[] }> {
  let mine: L;
  try {
    mine = await local();
  } catch (e) {
    const err = e ?? new Error(String(e));
    // Rejected here at once, not once every other member's part is done: the failure goes to
    // them in the background (a PE that does not catch it then stops the job within moments,
    // instead of after the others' whole iteration).
    inBackground(arrays, ex.run(failureRecord(e)));
    addConsumerFrame(err, what, ex.site);
    throw err;
  }
  const rec: ExchangeRecord = { ok: true, v: partial(mine) };
  const { mine: sent, all } = await ex.run(rec);
  if (!sent.ok) throw new LamellarError(ErrorCode.ITER_FAILED, `${what} failed on this PE (${team.myPe}): ${sent.m}`, { details: { pe: team.myPe, message: sent.m } });
  if (all.some((r) => !r.ok)) throw failedElsewhere(what, all, ex.site, (i) => team.worldPe(i));
  return { mine, parts: all.map((r) => (r as { v: unknown }).v) };
}

/**
 * This PE's part of a consumer's exchange left to finish on its own, counted as running work so
 * that waitAll, the array's drop and shutdown wait for its place to pass.
 */
function inBackground(arrays: ArrayBase[], sent: Promise<unknown>): void {
  const settled = sent.then(
    () => undefined,
    () => undefined,
  );
  try {
    void running(arrays, () => settled);
  } catch {
    // A released handle: the place is taken all the same.
  }
}

/**
 * A distributed consumer, collective over the array's team. Call it synchronously from the
 * consumer method: the sequence number is taken now, in call order. Running work until it
 * settles (running.ts), awaited or not.
 */
export function consumeDist(c: Chain, k: Consume): Promise<unknown> {
  return running(arraysOf(c), () => startDist(c, k));
}

function startDist(c: Chain, k: Consume): Promise<unknown> {
  const a = c.array as ArrayBase;
  const team = a.team;
  // A guard's lock is held for the consumer from the call, as the local form does (the guard may
  // be released before the opening barrier passes: `using g = ...; return g.distIter().sum()`).
  // First of all: a released guard throws here, before any collective's place is taken.
  const held = c.lease?.retain();
  const lease: Lease | undefined = held === undefined ? undefined : { retain: () => held };
  let ex: PendingExchange;
  let turn: LockTurn | undefined;
  try {
    // The opening barrier's place among the team's collectives is taken now, then the exchange's
    // (and between them, for a GlobalLockArray's distIterMut, the write lock's meeting).
    ex = reserveExchange(team, k.what, true, takesCollectiveWrite(c));
    // Its place among the lock requests of the consumers on this array, also in call order.
    turn = takeLockTurn(a, c.mut, c.lease);
  } catch (err) {
    held?.();
    throw err;
  }
  const D = a.distribution === 'cyclic' ? team.numPes : 1;
  const onPart = async <R>(run: (p: Plan) => Promise<R>): Promise<R> => {
    // Barrier first, then the lock: Lamellar takes the lock first, but then a PE holding its
    // lock (or GlobalLockArray's one write lock) waits in the barrier for a PE that is still
    // finishing an earlier operation needing that lock: an element op on this PE's part, or a
    // local iteration under the global read lock. Here every PE is done with what it did before
    // the call when any PE takes a lock for it.
    try {
      await ex.opened;
    } catch (err) {
      turn?.granted();
      held?.();
      throw err;
    }
    const acc = await openAccess(a, c.mut, true, lease, turn, ex.meet);
    try {
      const s0 = a.numElemsLocal === 0 ? 0 : a.firstGlobalIndexForPe(team.myPe)!;
      return await run(distPlan(c, acc, s0, D));
    } finally {
      acc.release();
    }
  };
  const local = (): Promise<Partial> => onPart((p) => runPart(p, c, k));
  switch (k.name) {
    case 'forEach':
    case 'forEachAsync':
      return collective(team, ex, k.what, arraysOf(c), local, () => null).then(() => undefined);
    case 'count':
      return collective(team, ex, k.what, arraysOf(c), local, (r) => r.acc).then(({ parts }) => (parts as number[]).reduce((x, y) => x + y, 0));
    case 'sum':
    case 'reduce':
      return collective(team, ex, k.what, arraysOf(c), local, (r) => (r.has ? [r.acc] : [])).then(({ parts }) => {
        let acc: unknown;
        let has = false;
        for (const p of parts as unknown[][]) {
          if (p.length === 0) continue;
          if (!has) acc = p[0];
          else acc = k.name === 'sum' ? (acc as number) + (p[0] as number) : (k.fn as (x: unknown, y: unknown) => unknown)(acc, p[0]);
          has = true;
        }
        return has ? acc : k.name === 'sum' ? sumZero(a.type, c.tail) : undefined;
      });
    default: {
      const target = k.target!;
      const store = (p: Plan): Promise<Stored> =>
        k.name === 'collect' ? runStore(p, c.tail, target.type, k.what, k.sched) : runPart(p, c, k).then((r) => storeItems(r.items, target.type, k.what));
      return collective(team, ex, k.what, arraysOf(c), () => onPart(store)).then(({ mine, parts }) => buildArray(team, target, mine, parts as number[]));
    }
  }
}

/**
 * A collective consumer whose arguments `check` refuses on this PE (a callback that is not a
 * function, a bad schedule or collect target): the call throws that error here, before anything
 * runs, but this PE still takes the consumer's places among the team's collectives and sends its
 * failure there, so members whose call was accepted reject with ITER_FAILED naming this PE
 * instead of waiting for it. Members that all pass the same bad argument all throw, and the
 * places pass with nothing run.
 */
export function checkedCollective(c: Chain, what: string, opening: boolean, check: () => Consume): Consume {
  try {
    return check();
  } catch (err) {
    let ex: PendingExchange | undefined;
    try {
      ex = reserveExchange(c.array.team, what, opening, opening && takesCollectiveWrite(c));
    } catch {
      // Not a member, or the world is closing: there is no collective to take part in.
    }
    if (ex !== undefined) {
      const meet = ex.meet;
      const pending = ex;
      // A GlobalLockArray's distIterMut: this PE takes part in the write lock's meeting too
      // (team PE 0 takes the lock there for all) and lets go of its share at once.
      const met =
        meet === undefined
          ? Promise.resolve()
          : (c.array as unknown as GlobalLockArray)[kCollectiveWrite](meet).then(
              (g) => g.release(),
              () => undefined,
            );
      inBackground(
        arraysOf(c),
        met.then(() => pending.run(failureRecord(err))),
      );
    }
    throw err;
  }
}

/**
 * Whether a distributed consumer on `c` takes a GlobalLockArray's one write lock for all PEs
 * (access.ts, lockFor): a mutating one on the array itself, not on a guard.
 */
function takesCollectiveWrite(c: Chain): boolean {
  return c.mut && c.lease === undefined && c.array[kArray].kind === 'GlobalLockArray';
}

/** The element type an iterator's collect defaults to. */
export const elemTypeOf = (c: Chain): ArrayElemType => c.array[kArray].meta.type;
