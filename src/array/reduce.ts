/**
 * Reductions: `sum prod max min`, `and or xor` on integers and bool, and any function registered
 * with `registerReduction`.
 * **One-sided**, as in Lamellar: any PE may call one alone, and only the caller gets the result.
 * The work happens where the data lives: each owner's part of the handle's window is folded
 * once, and only the folded value travels. Where the owner's memory is mapped here (shmem,
 * local) the caller folds it in place; elsewhere (tcp) one runtime AM per owner folds it there
 * and answers with one value. The partial results are then folded in team PE order.
 *
 * Every step is wrapped to the element type, as in Lamellar (integers wrap, f32 rounds). A live
 * AtomicArray is not a snapshot: convert with intoReadOnly() first for a consistent result.
 * LocalLockArray parts are folded under their owner's read lock (a read guard already holds the
 * caller's own); a GlobalLockArray read guard holds the one lock, so nothing more is taken.
 *
 * A registered reduction must exist on every owner, as on tcp where each owner folds with its
 * own copy. Where the caller folds mapped parts itself it would not notice an owner that lacks
 * it (a program that works on shmem and fails on tcp), so the first use of a registered name
 * asks each mapped owner once whether it has it; the answer is kept (registrations are never
 * removed), so later calls send nothing.
 */
import { defineAm } from '../am/index.js';
import { ErrorCode, kTeamInternals, LamellarError } from '../core/index.js';
import { pin, unpin } from '../memregion/internal.js';
import { lookupReduction } from '../team/index.js';
import { LOCAL_LOCK, lock, unlock } from './lock.js';
import { kArray, type ArrayInternals, type ArrayMeta } from './meta.js';
import type { ArrayRef } from './ops/remote.js';
import { elemClass, wrapScratch } from './elem.js';

type Fold = (acc: unknown, x: unknown) => unknown;


/** Arithmetic reductions that `bool` arrays lack (as in Lamellar: bool has no Sum or Product). */
const ARITHMETIC = new Set(['sum', 'prod']);

/** How the parts are protected while they are folded. */
export interface ReduceLocks {
  /** LocalLockArray: fold each owner's part under that owner's read lock. */
  readonly local: boolean;
  /** A team PE whose read lock the caller already holds (its read guard), or -1. */
  readonly held: number;
}

export const NO_LOCKS: ReduceLocks = Object.freeze({ local: false, held: -1 });

const BUILTIN = new Set(['sum', 'prod', 'max', 'min', 'and', 'or', 'xor']);

/**
 * The bit ops, for every class but float. One function serves numbers, booleans (coerced to 0 and
 * 1; the wrap makes a boolean again) and bigints (both operands are), as JavaScript's operators
 * do; the wrap to the element type restores an unsigned 32-bit value the operator made signed.
 */
const BIT_FOLDS: ReadonlyMap<string, Fold> = new Map<string, Fold>([
  ['and', (a, b) => (a as number) & (b as number)],
  ['or', (a, b) => (a as number) | (b as number)],
  ['xor', (a, b) => (a as number) ^ (b as number)],
]);

/**
 * A product of integers of up to 32 bits, exact in its low 32 bits as Lamellar's wrapping product
 * is: the registered `a * b` is a double, which past 2^53 had lost them (0xffffffff² read 0).
 */
const imulFold: Fold = (a, b) => Math.imul(a as number, b as number);

/** World PEs known to have each registered (non-built-in) reduction, filled on first use. */
const confirmed = new Map<string, Set<number>>();

function lookup(ai: ArrayInternals, name: string, owner = false): Fold {
  const cls = elemClass(ai.meta.type);
  const bits = BIT_FOLDS.get(name);
  if (bits !== undefined) {
    if (cls === 'float') {
      throw new LamellarError(ErrorCode.UNSUPPORTED_OP, `${ai.kind}.reduce: '${name}' needs integer or bool elements, not '${ai.meta.type}'`, {
        details: { type: ai.meta.type, op: name },
      });
    }
    return bits;
  }
  if (name === 'prod' && cls === 'int') return imulFold;
  const fn = lookupReduction(name) as unknown as Fold | undefined;
  if (fn === undefined) {
    const where = owner ? ` on PE ${ai.meta.team.myPe}; every PE must registerReduction it, at module level` : '; registerReduction it at module level on every PE';
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${ai.kind}.reduce: no reduction named '${String(name)}'${where}`, {
      details: { name },
    });
  }
  if (cls === 'bool' && ARITHMETIC.has(name)) {
    throw new LamellarError(ErrorCode.UNSUPPORTED_OP, `${ai.kind}.${name}: arrays of 'bool' have no ${name} (use max, min or a registered reduction)`, {
      details: { type: 'bool', op: name },
    });
  }
  return fn;
}

/**
 * Folds elements [s, e) of team PE `pe`'s part with `fn`, each step wrapped to the element
 * type. One tight loop over the owner's memory; undefined for an empty range.
 */
function foldPart(m: ArrayMeta, pe: number, s: number, e: number, fn: Fold): unknown {
  if (s >= e) return undefined;
  const wrap = wrapScratch(m.type);
  const cls = elemClass(m.type);
  if (cls === 'bool' || cls === 'wide') {
    const read = m.reader(pe);
    let acc = read(s);
    for (let k = s + 1; k < e; k++) acc = wrap(fn(acc, read(k)));
    return acc;
  }
  // The common case: one loop straight over the owner's typed array.
  const v = m.views[pe]! as unknown as ArrayLike<unknown>;
  let acc = v[s];
  for (let k = s + 1; k < e; k++) acc = wrap(fn(acc, v[k]));
  return acc;
}

async function foldLocked(m: ArrayMeta, pe: number, s: number, e: number, fn: Fold, take: boolean): Promise<unknown> {
  if (!take || s >= e) return foldPart(m, pe, s, e, fn);
  const w = m.locks[pe]!;
  const wait = lock(w, LOCAL_LOCK, false);
  if (wait !== undefined) await wait;
  try {
    return foldPart(m, pe, s, e, fn);
  } finally {
    unlock(w, LOCAL_LOCK, false);
  }
}

interface RemoteReduce {
  a: ArrayRef;
  n: string;
  /** Take the owner's local read lock. */
  l: boolean;
  /** Only check that the owner has the reduction (its part is folded by the caller). */
  q?: true;
}

/** On the owner: folds its part of the handle's window and answers with one value. */
export const ReduceAm = defineAm('lamellar/array/reduce', async (_ctx, r: RemoteReduce): Promise<{ v: unknown; c: number }> => {
  const ai = r.a[kArray];
  const m = ai.meta;
  const me = m.team.myPe;
  const fn = lookup(ai, r.n, true);
  if (r.q === true) return { v: undefined, c: 0 };
  const [s, e] = m.layout.localRange(me, ai.offset, ai.offset + ai.length);
  const v = await foldLocked(m, me, s, e, fn, r.l);
  return { v, c: e - s };
});

/**
 * One-sided reduction of the handle's window with the reduction `name`; `undefined` when the
 * window is empty. Throws at the call, before anything is sent, for an unknown name
 * (INVALID_ARGUMENT) or one the element type has not (UNSUPPORTED_OP: a bool array's sum).
 */
export function reduceArray(h: ArrayRef, ai: ArrayInternals, name: string, locks: ReduceLocks = NO_LOCKS): Promise<unknown> {
  return reduceWith(h, ai, name, lookup(ai, name), locks);
}

async function reduceWith(h: ArrayRef, ai: ArrayInternals, name: string, fn: ReturnType<typeof lookup>, locks: ReduceLocks): Promise<unknown> {
  const m = ai.meta;
  const P = m.team.numPes;
  const lo = ai.offset;
  const hi = ai.offset + ai.length;
  const parts: unknown[] = new Array<unknown>(P).fill(undefined);
  pin(ai.state);
  try {
    // Remote owners first, so their folds run while this PE folds the mapped parts.
    for (let pe = 0; pe < P; pe++) {
      const [s, e] = m.layout.localRange(pe, lo, hi);
      if (s >= e || m.views[pe] !== null) continue;
      parts[pe] = m.team[kTeamInternals].launchOwned(pe, ReduceAm, { a: h, n: name, l: locks.local && pe !== locks.held }).then((r) => (r.c === 0 ? undefined : r.v));
    }
    const checks: Promise<unknown>[] = [];
    const known = BUILTIN.has(name) ? undefined : confirmed.get(name) ?? confirmed.set(name, new Set()).get(name)!;
    for (let pe = 0; pe < P; pe++) {
      const [s, e] = m.layout.localRange(pe, lo, hi);
      if (s >= e || m.views[pe] === null) continue;
      const wpe = m.team.worldPe(pe);
      if (known !== undefined && pe !== m.team.myPe && !known.has(wpe)) {
        checks.push(m.team[kTeamInternals].launchOwned(pe, ReduceAm, { a: h, n: name, l: false, q: true }).then(() => known.add(wpe)));
      }
      parts[pe] = locks.local && pe !== locks.held ? foldLocked(m, pe, s, e, fn, true) : foldPart(m, pe, s, e, fn);
    }
    // All together, so that a failure on one owner leaves no other rejection unobserved.
    const [got] = await Promise.all([Promise.all(parts), Promise.all(checks)]);
    const wrap = wrapScratch(m.type);
    let acc: unknown;
    let any = false;
    for (let pe = 0; pe < P; pe++) {
      const x = got[pe];
      if (x === undefined) continue;
      acc = any ? wrap(fn(acc, x)) : x;
      any = true;
    }
    return any ? acc : undefined;
  } finally {
    unpin(ai.state);
  }
}
