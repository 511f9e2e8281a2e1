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
import { kTeamInternals } from '../team/index.js';
import { LOCAL_LOCK, lock, unlock } from './lock.js';
import type { ArrayInternals } from './meta.js';
import { withGlobalLock } from './ops/engine.js';
import type { ArrayRef } from './ops/remote.js';
import { isBig } from './types.js';

type Reduction = (acc: never, x: never) => number | bigint;
type Fold = (acc: number, x: number) => number;

const reductions = new Map<string, Reduction>();

/**
 * Registers a reduction for `reduce(name)` on arrays of any element type. Register it at module
 * level so every PE has it (SPMD). `fn(acc, x)` gets numbers, or bigints for 64-bit arrays; the
 * result is wrapped to the element type at every step, as in Lamellar.
 * @example
 * ```ts
 * registerReduction<number>('gcd', (a, b) => {
 *   while (b !== 0) [a, b] = [b, a % b];
 *   return a;
 * });
 * const a = await UnsafeArray.create(world, { type: 'u32', length: 10, distribution: 'block' });
 * const g = await a.reduce('gcd');
 * ```
 */
export function registerReduction<V extends number | bigint>(name: string, fn: (acc: V, x: V) => V): void {
  if (typeof name !== 'string' || name.length === 0 || typeof fn !== 'function') {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'registerReduction(name, fn) needs a non-empty name and a function');
  }
  if (reductions.has(name)) throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `a reduction named '${name}' is already registered`, { details: { name } });
  reductions.set(name, fn as Reduction);
}

registerReduction<number>('sum', (a, b) => a + b);
registerReduction<number>('prod', (a, b) => a * b);
registerReduction<number>('max', (a, b) => (b > a ? b : a));
registerReduction<number>('min', (a, b) => (b < a ? b : a));

export async function reduceArray(h: ArrayRef, ai: ArrayInternals, name: string): Promise<number | bigint | undefined> {
  const fn = reductions.get(name) as unknown as Fold | undefined;
  if (fn === undefined) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${ai.kind}.reduce: no reduction named '${String(name)}' (registerReduction it at module level)`, {
      details: { name },
    });
  }
  const m = ai.meta;
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
    const ag = m.team[kTeamInternals].allgather;
    const counts = await ag(e - s);
    let parts: (number | bigint)[];
    if (isBig(m.type)) {
      // The all-gather carries numbers: a 64-bit partial travels as two 32-bit halves.
      const p = BigInt.asUintN(64, e > s ? (partial as unknown as bigint) : 0n);
      const hi = await ag(Number(p >> 32n));
      const lo = await ag(Number(p & 0xffffffffn));
      parts = hi.map((x, i) => (BigInt(x) << 32n) | BigInt(lo[i]!));
    } else parts = await ag(e > s ? partial : 0);
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
