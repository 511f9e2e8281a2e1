/**
 * Schedules: how one PE walks its part of an iteration on its one event loop. Lamellar's
 * schedules (OpenMP-inspired) cut the local range among worker threads; a PE here has one thread,
 * so a schedule decides three things instead:
 *
 * - how the range of positions is cut into chunks: the loop runs one chunk at a time, fused and
 *   without a promise per element;
 * - where the loop yields to the event loop: only between chunks, and only once at least
 *   SLICE_MS of work ran since the last yield (so AMs, RDMA requests and timers are served);
 * - for `forEachAsync`/`collectAsync`: which of the ASYNC_LANES lanes takes which items; each
 *   lane has at most one item in flight, so at most ASYNC_LANES items are awaited at once.
 *
 * | schedule | chunks of a synchronous consumer | async lanes |
 * |---|---|---|
 * | static (default) | adaptive blocks of ~0.2-1 ms of work each | ASYNC_LANES contiguous equal ranges, one per lane |
 * | dynamic | one element (a clock check per element: the most responsive, the slowest) | one shared cursor, one item per grab |
 * | chunk(n) | n elements | one shared cursor, n items per grab |
 * | guided | shrinking: remaining / (1.61 × ASYNC_LANES) elements, at least 1 | shared cursor, the same shrinking grabs |
 * | workStealing | as static (one thread has no one to steal from) | static ranges; an idle lane steals the upper half of the largest remaining range |
 *
 * Synchronous consumers always visit positions in order; only async lanes run out of order (and
 * collectAsync puts results back in position order).
 */
import { ErrorCode, LamellarError, nextTurn, shownNumber } from '../../core/index.js';

/**
 * A chunked schedule: `Schedule.chunk(n)`.
 *
 * @example
 * ```ts
 * const s: ChunkSchedule = Schedule.chunk(4096);
 * ```
 */
export interface ChunkSchedule {
  /**
   * Which schedule: always `'chunk'` for this one.
   * @example
   * ```ts
   * const s = Schedule.chunk(64);
   * console.log(s.kind); // chunk
   * ```
   */
  readonly kind: 'chunk';
  /**
   * Items per chunk that a worker takes at a time.
   * @example
   * ```ts
   * console.log(Schedule.chunk(64).size); // 64
   * ```
   */
  readonly size: number;
}

/**
 * How a consumer cuts a PE's part into chunks, where it yields, and how many async items it keeps
 * in flight: `'static'` (default), `'dynamic'`, `'guided'`, `'workStealing'` or
 * `Schedule.chunk(n)`. See docs/arrays.md, "Schedules".
 *
 * @example
 * ```ts
 * await a.distIter().forEachWithSchedule(Schedule.chunk(1000), (x) => use(x));
 * const n = await a.localIter().countWithSchedule('guided');
 * ```
 */
export type Schedule = 'static' | 'dynamic' | 'guided' | 'workStealing' | ChunkSchedule;

/**
 * The schedules by name, and `Schedule.chunk(n)`.
 *
 * @example
 * ```ts
 * await a.localIter().forEachAsyncWithSchedule(Schedule.dynamic, async (x) => { await other.add(x, 1); });
 * ```
 */
export const Schedule = Object.freeze({
  static: 'static' as const,
  dynamic: 'dynamic' as const,
  guided: 'guided' as const,
  workStealing: 'workStealing' as const,
  /** Chunks of `size` elements (an integer ≥ 1). */
  chunk(size: number): ChunkSchedule {
    checkPositive(size, 'Schedule.chunk(size)');
    return Object.freeze({ kind: 'chunk', size });
  },
});

/**
 * Async items in flight at most, per consumer and PE (one per lane).
 *
 * @example
 * ```ts
 * // at most ASYNC_LANES remote loads wait at once on each PE
 * await a.distIter().forEachAsync(async (i) => use(await other.load(i)));
 * ```
 */
export const ASYNC_LANES = 16;
/**
 * Milliseconds of work after which a consumer yields to the event loop, once its current chunk
 * ends: a PE inside a long iteration still serves AMs and RDMA requests.
 *
 * @example
 * ```ts
 * await a.localIter().forEach((x) => use(x));   // other PEs' AMs to this PE run every ~SLICE_MS
 * ```
 */
export const SLICE_MS = 2;

function checkPositive(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what} must be an integer ≥ 1, got ${shownNumber(n)}`, { details: { value: n } });
  }
  return n;
}

/** Throws INVALID_ARGUMENT unless `s` is a schedule. */
export function checkSchedule(s: unknown, what: string): Schedule {
  if (s === 'static' || s === 'dynamic' || s === 'guided' || s === 'workStealing') return s;
  if (typeof s === 'object' && s !== null && (s as ChunkSchedule).kind === 'chunk') {
    checkPositive((s as ChunkSchedule).size, `${what}: Schedule.chunk(size)`);
    return s as ChunkSchedule;
  }
  throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: the schedule must be 'static', 'dynamic', 'guided', 'workStealing' or Schedule.chunk(n), got ${String(s)}`);
}

const now = (): number => performance.now();

/** Lets the event loop run pending I/O (AMs, RDMA requests, timers) once. */
export const yieldTurn = (): Promise<void> => nextTurn(undefined);

/** Keeps track of the time slice: `due()` is true once SLICE_MS passed since the last yield. */
export class Slice {
  #last = now();
  due(): boolean {
    return now() - this.#last >= SLICE_MS;
  }
  async yield(): Promise<void> {
    await yieldTurn();
    this.#last = now();
  }
}

const guidedSize = (remaining: number): number => Math.max(1, Math.ceil(remaining / (1.61 * ASYNC_LANES)));

/**
 * Runs `run(k0, k1)` over positions [0, n) in order, chunk by chunk as `sched` says, yielding
 * between chunks once the slice is spent. `run` is the fused loop: all per-element work is there.
 */
export async function driveSync(n: number, sched: Schedule, run: (k0: number, k1: number) => void, slice = new Slice()): Promise<void> {
  const adaptive = sched === 'static' || sched === 'workStealing';
  let block = sched === 'dynamic' ? 1 : typeof sched === 'object' ? sched.size : 1024;
  for (let k = 0; k < n; ) {
    if (sched === 'guided') block = guidedSize(n - k);
    const e = Math.min(n, k + block);
    const t0 = adaptive ? now() : 0;
    run(k, e);
    k = e;
    if (adaptive) {
      // Aim at chunks of 0.2-1 ms: long enough that the clock and the call cost nothing, short
      // enough that a slow callback still lets the loop yield every few milliseconds.
      const took = now() - t0;
      if (took < 0.2 && block < 1 << 22) block *= 2;
      else if (took > 1 && block > 1) block = Math.max(1, block >> 1);
    }
    if (k < n && slice.due()) await slice.yield();
  }
}

/** One lane's work: produce the items of positions [k0, k1), then handle them one at a time. */
export interface AsyncJob {
  produce(k0: number, k1: number): unknown[];
  /** Handles one item; `at` is its place among all produced items, for ordered results. */
  handle(item: unknown, seg: number, at: number): unknown;
  /** A produced batch: `seg` identifies it (collectAsync orders results by `start`). */
  segment(start: number, count: number): number;
}

export const isThenable = (x: unknown): x is PromiseLike<unknown> =>
  x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as PromiseLike<unknown>).then === 'function';

/**
 * Observes and waits for the promises among `items[from..]` (items a consumer will not hand
 * on: it stopped at a failure). Their rejections are dropped: the consumer reports its first
 * error only.
 */
export function settleItems(items: readonly unknown[], from = 0): Promise<unknown> | undefined {
  let ps: PromiseLike<unknown>[] | undefined;
  for (let j = from; j < items.length; j++) {
    const x = items[j];
    if (isThenable(x)) (ps ??= []).push(x);
  }
  return ps === undefined ? undefined : Promise.allSettled(ps);
}

/** Positions a static or work-stealing lane takes per produce call. */
const LANE_STEP = 256;

/**
 * Runs an async consumer over positions [0, n): ASYNC_LANES lanes, each with at most one item in
 * flight, taking positions as `sched` says. Rejects with the first error (the other lanes stop
 * taking new work).
 */
export async function driveAsync(n: number, sched: Schedule, job: AsyncJob): Promise<void> {
  const slice = new Slice();
  let failed = false;
  const runItems = async (k0: number, k1: number): Promise<void> => {
    const items = job.produce(k0, k1);
    // An async map's items are promises running from now on. Observed at once: while this lane
    // awaits one item, or yields its slice, or another lane does, a later item of this chunk may
    // reject before it is handled, and at a turn's end that was an unhandled rejection (seen
    // under load, where slices run out). Observing does not take the error from handle().
    const settled = settleItems(items);
    const seg = job.segment(k0, items.length);
    let j = 0;
    try {
      for (; j < items.length && !failed; j++) {
        const r = job.handle(items[j], seg, j);
        if (isThenable(r)) await r;
        if (slice.due()) await slice.yield();
      }
    } finally {
      // Stopped early (this item or another lane failed): the items produced but not handled
      // may be promises already running (an async map makes them all at produce time). Each is
      // observed, so a second rejection is not an unhandled one that kills the PE, and waited
      // for, so none is still running once the consumer has rejected (those before j settled).
      if (j < items.length) await settled;
    }
  };
  const lanes: Promise<void>[] = [];
  const W = Math.max(1, Math.min(ASYNC_LANES, n));
  if (sched === 'static' || sched === 'workStealing') {
    const cur = new Float64Array(W);
    const end = new Float64Array(W);
    for (let j = 0; j < W; j++) {
      cur[j] = Math.floor((j * n) / W);
      end[j] = Math.floor(((j + 1) * n) / W);
    }
    const steal = sched === 'workStealing';
    const lane = async (j: number): Promise<void> => {
      for (;;) {
        if (failed) return;
        if (cur[j]! >= end[j]!) {
          if (!steal) return;
          // Take the upper half of the largest remaining range (more than 2 left, as Lamellar).
          let best = -1;
          for (let i = 0; i < W; i++) if (end[i]! - cur[i]! > 2 && (best < 0 || end[i]! - cur[i]! > end[best]! - cur[best]!)) best = i;
          if (best < 0) return;
          const mid = cur[best]! + Math.ceil((end[best]! - cur[best]!) / 2);
          cur[j] = mid;
          end[j] = end[best]!;
          end[best] = mid;
        }
        // Work stealing takes one position at a time, so the rest of its range stays stealable.
        const k0 = cur[j]!;
        const k1 = Math.min(end[j]!, k0 + (steal ? 1 : LANE_STEP));
        cur[j] = k1;
        await runItems(k0, k1);
      }
    };
    for (let j = 0; j < W; j++) lanes.push(lane(j));
  } else {
    let next = 0;
    const grab = (): number => (sched === 'dynamic' ? 1 : sched === 'guided' ? guidedSize(n - next) : sched.size);
    const lane = async (): Promise<void> => {
      while (!failed && next < n) {
        const k0 = next;
        const k1 = Math.min(n, k0 + grab());
        next = k1;
        await runItems(k0, k1);
      }
    };
    for (let j = 0; j < W; j++) lanes.push(lane());
  }
  // Every lane settles before the consumer ends (no item still running after it rejects); the
  // first error (in time) is the one reported.
  let first: unknown;
  await Promise.all(
    lanes.map((p) =>
      p.catch((err: unknown) => {
        if (!failed) first = err;
        failed = true;
      }),
    ),
  );
  if (failed) throw first;
}
