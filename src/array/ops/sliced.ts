/**
 * Large batches in slices. A PE has one thread: a batch applied in one go answers no AM, lock
 * request or timer until it ends (a 10M-index u64 `batchAdd` held its PE 0.3-0.9 s, an 80M one on
 * tcp 8 s). Rust Lamellar hands such a batch to worker threads; here it is cut into slices of
 * about LAMELLAR_BATCH_SLICE indices, and the event loop runs between them.
 *
 * What the caller sees does not change: the batch is checked whole before its first slice is
 * applied, results come back in input order in one array, and the input is taken at the call, as
 * Lamellar's borrowed input is: everything after the first slice is copied before the call
 * returns, so the caller may refill its arrays at once. At most two slices are in flight (one
 * being routed while the owners apply the previous one), so a sliced batch holds at most two
 * slices' temporaries.
 */
import { yieldTurn } from '../iter/schedule.js';
import type { View } from './kernels.js';
import { giveU32, takeTyped, type TypedCtor } from './pool.js';

/** What a slice is applied with: the op arguments and the result views of its positions. */
export interface Slice<A> {
  args: A;
  out: View | null;
  ok: Uint8Array | null;
}

/** An index or value input: a typed array (View among them), a plain array, or one value. */
type Input = ArrayLike<number> | number | bigint;

/** Elements `from` to `to` of an input: a view of a typed array, a copy of a plain array. */
function part<V extends Input>(v: V, from: number, to: number): V {
  if (typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) return (v as unknown as View).subarray(from, to) as unknown as V;
  return Array.prototype.slice.call(v, from, to) as unknown as V;
}

/**
 * A copy of an input from element `from` on (plain values are values already). Typed arrays are
 * copied into memory from the batch pool (pool.ts), viewed as their own type (a pool array is a
 * whole buffer, so offset 0 suits any element size): a fresh 36 MB copy faulted its pages in for
 * about 0.1 s on our virtual machines, as long as the slices it spares. `taken` collects the pool
 * arrays, for giving back.
 */
function tail<V extends Input>(v: V, from: number, taken: Uint32Array[]): V {
  if (typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) {
    const src = (v as unknown as View).subarray(from);
    const copy = takeTyped(src.constructor as unknown as TypedCtor<View>, src.length, taken);
    copy.set(src);
    return copy as unknown as V;
  }
  return Array.prototype.slice.call(v, from) as unknown as V;
}

/** The number of slices for `n` indices, at most `max` a slice (0: one slice, whatever `n`). */
export function sliceCount(n: number, max: number): number {
  return max > 0 && n > max ? Math.ceil(n / max) : 1;
}

/**
 * Takes a batch of `n` indices' worth of op arguments in `count` slices, and returns the function
 * that applies them: `apply` gets each slice's arguments (from `cut`) and the views of `out` and
 * `ok` at its positions (`words` elements of `out` per index). Everything after the first slice
 * is copied now; so is the first unless `firstNow` says that the returned function is called at
 * once, before the caller regains control.
 */
export function sliceBatch<A>(
  n: number,
  count: number,
  words: number,
  out: View | null,
  ok: Uint8Array | null,
  input: { idx: ArrayLike<number>; vals: Input; cur: Input },
  firstNow: boolean,
  cut: (idx: ArrayLike<number>, vals: Input, cur: Input) => A,
  apply: (s: Slice<A>) => Promise<unknown> | unknown,
): () => Promise<void> {
  // Even slices (their lengths differ by less than `count`): a short tail slice would take a
  // batch's slower small-batch path.
  const len = Math.ceil(n / count);
  const W = (v: Input): number => (typeof v === 'object' ? words : 1);
  const w = [W(input.vals), W(input.cur)] as const;
  const at = (src: { idx: ArrayLike<number>; vals: Input; cur: Input }, a: number, b: number): A =>
    cut(part(src.idx, a, b), part(src.vals, a * w[0], b * w[0]), part(src.cur, a * w[1], b * w[1]));
  const copied = firstNow ? len : 0;
  const taken: Uint32Array[] = [];
  const rest = { idx: tail(input.idx, copied, taken), vals: tail(input.vals, copied * w[0], taken), cur: tail(input.cur, copied * w[1], taken) };
  const argsOf = (k: number, from: number, to: number): A => (firstNow && k === 0 ? at(input, from, to) : at(rest, from - copied, to - copied));
  return async () => {
    // A slice's promise gets its handler at once: a slice that fails while the next one is being
    // routed must not count as an unhandled rejection. The first failure is the batch's.
    let failure: { error: unknown } | undefined;
    let inFlight: Promise<void> | undefined;
    try {
      for (let k = 0; k < count && failure === undefined; k++) {
        const from = k * len;
        if (from >= n) break;
        const to = Math.min(n, from + len);
        const r = apply({
          args: argsOf(k, from, to),
          out: out === null ? null : out.subarray(from * words, to * words),
          ok: ok === null ? null : ok.subarray(from, to),
        });
        const previous = inFlight;
        inFlight = r instanceof Promise ? r.then(undefined, (error: unknown) => void (failure ??= { error })) : undefined;
        if (previous !== undefined) await previous;
        // Timers, I/O and arriving AMs run here (setImmediate: no timer clamp on the next slice).
        if (k + 1 < count) await yieldTurn();
      }
    } finally {
      // Also after a synchronous throw: the slice still in flight settles before the batch does
      // (its temporaries and pins are released by then).
      if (inFlight !== undefined) await inFlight;
      giveU32(...taken);
    }
    if (failure !== undefined) throw failure.error;
  };
}
