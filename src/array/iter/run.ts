/**
 * Runs a plan's fused loop under a schedule: synchronous consumers (forEach, reduce, sum, count,
 * collect) chunk by chunk in position order; asynchronous ones (forEachAsync, collectAsync) item
 * by item on the schedule's lanes. Local and distributed consumers both end here; the
 * distributed ones add the team exchange around it (dist.ts).
 */
import { ELEM_CTORS, type ElemType } from '../../memregion/internal.js';
import { elemClass, type ArrayElemType } from '../elem.js';
import { checkValue } from '../types.js';
import type { Plan, TailOp } from './chain.js';
import { shapeOf } from './chain.js';
import { refusedItem, storeItems, type Stored } from './collect.js';
import { kernelFor, type ConsumerKind, type KernelArgs } from './fuse.js';
import { driveAsync, driveSync, settleItems, type Schedule } from './schedule.js';

export type SyncConsumer = Exclude<ConsumerKind, 'push'> | 'collect';

export interface SyncResult {
  /** Accumulated value (sum, reduce, count) and whether any item reached it. */
  acc: unknown;
  has: boolean;
  /** collect: the items, in position order. */
  items: unknown[];
}

function argsFor(p: Plan, tail: readonly TailOp[], C: KernelArgs['C'], acc: unknown): KernelArgs {
  return {
    v: p.v,
    l0: p.l0,
    ls: p.ls,
    E: p.E,
    G: p.G,
    R: p.R,
    S: p.S,
    at: p.at,
    F: tail.map((t) => (t.op === 'monotonic' ? null : (t.f as (...a: never[]) => unknown))),
    C,
    st: { acc, has: false, mono: tail.map(() => 0) },
    out: [],
  };
}

/** Runs a synchronous consumer over the plan. `fn` is forEach's or reduce's callback. */
export async function runSync(p: Plan, tail: readonly TailOp[], consumer: SyncConsumer, fn: KernelArgs['C'], sched: Schedule): Promise<SyncResult> {
  const kind: ConsumerKind = consumer === 'collect' ? 'push' : consumer;
  const a = argsFor(p, tail, kind === 'each' || kind === 'reduce' ? fn : null, 0);
  const kernel = kernelFor(shapeOf(p, tail, kind), a.F, a.C, p.n);
  await driveSync(p.n, sched, (k0, k1) => kernel(a, k0, k1));
  return { acc: a.st.acc, has: a.st.has, items: a.out };
}

/**
 * collect into a new array: stores the items straight into a typed array of the element type,
 * checking each (a bad one throws TYPE_MISMATCH). Returns the filled part. bool and 128-bit
 * targets, whose storage is not one typed-array element per value, collect the items first and
 * then check each into storage.
 */
export async function runStore(p: Plan, tail: readonly TailOp[], type: ArrayElemType, what: string, sched: Schedule): Promise<Stored> {
  const cls = elemClass(type);
  if (cls === 'bool' || cls === 'wide') return storeItems((await runSync(p, tail, 'collect', null, sched)).items, type, what);
  const kind = cls === 'float' ? 'storeFloat' : cls === 'big' ? 'storeBig' : 'storeInt';
  const bad = (x: unknown): void => {
    try {
      checkValue(type, x, `${what} (an item)`);
    } catch (err) {
      // Only the failing item has been made when the loop stops here.
      throw refusedItem(err, [x], 0, what);
    }
  };
  const a = argsFor(p, tail, bad as KernelArgs['C'], 0);
  const out = new ELEM_CTORS[type as ElemType](p.n);
  a.out = out as unknown as unknown[];
  const kernel = kernelFor(shapeOf(p, tail, kind), a.F, a.C, p.n);
  await driveSync(p.n, sched, (k0, k1) => kernel(a, k0, k1));
  const n = a.st.acc as number;
  return { data: out.subarray(0, n), n };
}

/**
 * Runs an async consumer: `fn(item)` for forEachAsync (awaited when it returns a promise), or, with
 * `fn` null, awaits each item for collectAsync and returns the values in position order.
 */
export async function runAsync(p: Plan, tail: readonly TailOp[], fn: ((x: never) => unknown) | null, sched: Schedule): Promise<unknown[]> {
  const a = argsFor(p, tail, null, 0);
  const kernel = kernelFor(shapeOf(p, tail, 'push'), a.F, null, p.n);
  const segs: { start: number; vals: unknown[] }[] = [];
  await driveAsync(p.n, sched, {
    produce(k0, k1) {
      a.out = [];
      try {
        kernel(a, k0, k1);
      } catch (e) {
        // A map that threw mid-chunk: the items it made before (promises of an async map) are
        // never handed on, so they are observed here rather than left unhandled.
        void settleItems(a.out);
        throw e;
      }
      return a.out;
    },
    segment(start, count) {
      if (fn !== null) return 0;
      segs.push({ start, vals: new Array<unknown>(count) });
      return segs.length - 1;
    },
    handle(item, seg, at) {
      if (fn !== null) return fn(item as never);
      return Promise.resolve(item).then((v) => {
        segs[seg]!.vals[at] = v;
      });
    },
  });
  if (fn !== null) return [];
  segs.sort((x, y) => x.start - y.start);
  return segs.flatMap((s) => s.vals);
}
