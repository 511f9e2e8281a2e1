/**
 * Reductions: `sum prod max min` and any function registered with `registerReduction`. Collective
 * over the array's team: each PE folds its own part of the handle's window (under the read
 * lock for lock arrays), then the partial results are all-gathered and folded in team PE order,
 * so every PE gets the same result. Every step is wrapped to the element type, as in Lamellar
 * (integers wrap, f32 rounds). A live AtomicArray is not a snapshot: convert with
 * intoReadOnly() first for a consistent result.
 */
import { ErrorCode, LamellarError } from '../core/index.js';
import { ELEM_CTORS, pin, unpin } from '../memregion/internal.js';
import { captureSite, Kind, kTeamInternals, lookupReduction } from '../team/index.js';
import { LOCAL_LOCK, lock, unlock } from './lock.js';
import type { ArrayInternals } from './meta.js';
import { withGlobalLock } from './ops/engine.js';
import type { ArrayRef } from './ops/remote.js';
import { isBig } from './types.js';

type Fold = (acc: number, x: number) => number;

export async function reduceArray(h: ArrayRef, ai: ArrayInternals, name: string): Promise<number | bigint | undefined> {
  const m = ai.meta;
  // The sequence number is taken now, before any lock wait, so that concurrent reductions
  // (Promise.all) keep the order in which they were called on every PE.
  const site = captureSite(reduceArray, 4); // the array method(s) above this, then the user's frame
  const ex = m.team[kTeamInternals].channel!.reserve<[number, number | bigint]>(Kind.reduction, `${ai.kind}.reduce('${String(name)}')`, site);
  const fn = lookupReduction(name) as Fold | undefined;
  if (fn === undefined) {
    // Still takes part, so the other PEs reject too instead of waiting.
    const err = new LamellarError(ErrorCode.INVALID_ARGUMENT, `${ai.kind}.reduce: no reduction named '${String(name)}' (registerReduction it at module level)`, {
      details: { name },
    });
    return ex.run([0, 0], { invalid: err }) as never;
  }
  const me = m.team.myPe;
  const [s, e] = m.layout.localRange(me, ai.offset, ai.offset + ai.length);
  const scratch = new ELEM_CTORS[m.type](1) as unknown as Float64Array;
  const fold = (): number => {
    const v = m.views[me]! as unknown as Float64Array;
    let acc = v[s]!;
    for (let k = s + 1; k < e; k++) {
      scratch[0] = fn(acc, v[k]!);
      acc = scratch[0];
    }
    return acc;
  };
  let partial = 0 as number;
  pin(ai.state);
  try {
    try {
      if (e > s) {
      if (ai.kind === 'GlobalLockArray') partial = await withGlobalLock(h, ai, false, fold);
      else if (ai.kind === 'LocalLockArray') {
        const w = m.locks[me]!;
        const wait = lock(w, LOCAL_LOCK, false);
        if (wait !== undefined) await wait;
        try {
          partial = fold();
        } finally {
          unlock(w, LOCAL_LOCK, false);
        }
      } else partial = fold();
      }
    } catch (err) {
      const coded = err instanceof LamellarError ? err : new LamellarError(ErrorCode.INTERNAL, String(err), { cause: err });
      return (await ex.run([0, 0], { invalid: coded })) as never;
    }
    // One exchange carries each PE's count and partial (a bigint for 64-bit types).
    const all = (await ex.run([e - s, e > s ? partial : isBig(m.type) ? 0n : 0])) as [number, number | bigint][];
    const counts = all.map((x) => x[0]);
    const parts = all.map((x) => x[1]);
    let acc: number | undefined;
    for (let pe = 0; pe < parts.length; pe++) {
      if (counts[pe] === 0) continue;
      scratch[0] = parts[pe] as number;
      const x = scratch[0];
      if (acc === undefined) acc = x;
      else {
        scratch[0] = fn(acc, x);
        acc = scratch[0];
      }
    }
    return acc;
  } finally {
    unpin(ai.state);
  }
}
