/**
 * Contiguous put and get (`put(index, data)`, `get(index, n | dst)`) wherever they are not the
 * plain mapped copy of ops/copy.ts: the range is cut into one run per owner PE, and each run
 * travels as (owner-local start, count, data), never as one offset per element. A global range
 * [lo, hi) holds a contiguous run of local offsets on every owner, for cyclic layouts too (its
 * elements there are every P-th of the range): the sender gathers them with stride P for a put
 * and scatters them with stride P after a get.
 *
 * Per run, by where the owner's memory is and what the array promises:
 * - UnsafeArray, ReadOnlyArray: no per-element guarantee, so a mapped run is one copy and an
 *   unmapped one (tcp, ofi) is one RDMA put or get of the run's bytes on the array's region.
 * - AtomicArray: each element atomic, the range as a whole not (Lamellar's contract): one-word
 *   elements as element-width copies, each element one aligned access (bits.ts says why that is
 *   enough); 128-bit elements under their element locks through the wide kernel.
 *   Unmapped: one RangeAm, and the owner runs the same copy.
 * - LocalLockArray: the owner's lock is taken once around its run (read for get, write for put),
 *   which then is one copy; unmapped, the owner does that in RangeAm.
 * - GlobalLockArray: the one lock is taken once around the whole range, then the runs are copies
 *   (RangeAm, lock-free at the owner, where unmapped).
 */
import { defineAm } from '../../am/index.js';
import { copyElems, kTeamInternals } from '../../core/index.js';
import { pin, unpin } from '../../memregion/internal.js';
import { LOCAL_LOCK, lock, unlock } from '../lock.js';
import { kArray, type ArrayInternals, type ArrayMeta } from '../meta.js';
import { Op } from '../types.js';
import { ATOMIC_WIDE_PLAIN, copyBits } from './bits.js';
import { combineFor } from './combine.js';
import { perFrame, withGlobalLock } from './engine.js';
import { runKernel, type View } from './kernels.js';
import { parked, type ArrayRef } from './remote.js';

interface RangeArgs {
  a: ArrayRef;
  /** Owner-local offset of the run's first element. */
  s: number;
  /** Elements in the run. */
  n: number;
  /** The run's data for a put (storage words, in local order); null for a get. */
  v: View | null;
}

/** On the owner: applies one run of a put, or reads one run for a get. */
export const RangeAm = defineAm('lamellar/array/range', async (_ctx, r: RangeArgs): Promise<View | null> => {
  const ai = r.a[kArray];
  const m = ai.meta;
  const me = m.team.myPe;
  const write = r.v !== null;
  const seg = r.v ?? (new m.ctor(r.n * m.words) as unknown as View);
  const w = ai.kind === 'LocalLockArray' ? m.locks[me]! : null;
  if (w !== null) {
    const wait = parked(m, lock(w, LOCAL_LOCK, write));
    if (wait !== undefined) await wait;
  }
  try {
    applyRun(ai, me, r.s, seg, write);
  } finally {
    if (w !== null) unlock(w, LOCAL_LOCK, write);
  }
  return write ? null : seg;
});

/**
 * Copies between `data` (storage words of elements [index, index + n) of the handle's window) and
 * the array: into it when `write`, else out of it into `data`. Undefined when done at once
 * (everything mapped and no lock to wait for); otherwise a promise that settles once every run is
 * done. The caller checked the range.
 */
export function transferRange(h: ArrayRef, ai: ArrayInternals, index: number, data: View, write: boolean): Promise<void> | undefined {
  if (data.length === 0) return undefined;
  if (ai.kind === 'GlobalLockArray') {
    // The runs start once the lock is held, after this call returns: a put takes its source now.
    const src = write ? (data.slice() as View) : data;
    return withGlobalLock(h, ai, write, () => allRuns(h, ai, index, src, write));
  }
  return allRuns(h, ai, index, data, write);
}

/**
 * A batchStore with one value per index that is a range put: indices `i, i+1, …` store their
 * values as the range at `i` (one run per owner instead of an offset per element), and one index
 * with many values stores the last of them (each would be stored in turn, the last staying; a
 * batch promises no order that a reader could see in between). Undefined otherwise (one pass,
 * left at the first index out of step).
 */
export function storeAsRange(single: boolean, idx: ArrayLike<number>, vals: View, words: number): { index: number; data: View } | undefined {
  const n = idx.length;
  if (n < 2) return undefined;
  if (single) return { index: idx[0]!, data: vals.subarray((n - 1) * words, n * words) as View };
  const first = idx[0]!;
  for (let k = 1; k < n; k++) if (idx[k] !== first + k) return undefined;
  return { index: first, data: vals };
}

function allRuns(h: ArrayRef, ai: ArrayInternals, index: number, data: View, write: boolean): Promise<void> | undefined {
  const m = ai.meta;
  const { layout } = m;
  const W = m.words;
  const lo = ai.offset + index;
  const hi = lo + data.length / W;
  const P = layout.numPes;
  const cyclic = layout.dist === 'cyclic';
  let waits: Promise<void>[] | undefined;
  for (let pe = 0; pe < P; pe++) {
    const [s, t] = layout.localRange(pe, lo, hi);
    if (s >= t) continue;
    // Position in `data` of the run's first element; the run's elements are `stride` apart there.
    const at = layout.globalOf(pe, s) - lo;
    const n = t - s;
    const p = oneRun(h, ai, pe, s, n, data, at, cyclic ? P : 1, write);
    if (p !== undefined) (waits ??= []).push(p);
  }
  if (waits === undefined) return undefined;
  pin(ai.state);
  return Promise.all(waits).then(
    () => unpin(ai.state),
    (err: unknown) => {
      unpin(ai.state);
      throw err;
    },
  );
}

function oneRun(h: ArrayRef, ai: ArrayInternals, pe: number, s: number, n: number, data: View, at: number, stride: number, write: boolean): Promise<void> | undefined {
  const m = ai.meta;
  const W = m.words;
  // The run as one contiguous buffer: a view of `data` for a block layout, a gathered copy (put)
  // or a scratch to scatter from (get) for a cyclic one.
  let seg = stride === 1 ? (data.subarray(at * W, (at + n) * W) as View) : write ? gather(m, data, at, stride, n) : (new m.ctor(n * W) as unknown as View);
  const done = stride === 1 || write ? undefined : (): void => scatter(m, seg, data, at, stride, n);
  if (m.views[pe] === null) {
    if (ai.kind === 'UnsafeArray' || ai.kind === 'ReadOnlyArray') return rdma(m, pe, s, seg, write).then(done);
    // One RangeAm per piece that fits the lamella's frame (LAMELLAR_MAX_FRAME): a longer run
    // would be refused with FRAME_TOO_LARGE. Each piece takes the owner's lock on its own.
    const per = perFrame(ai, 8 * W);
    const sends: PromiseLike<void>[] = [];
    for (let k = 0; k < n; k += per) {
      const c = Math.min(per, n - k);
      const piece = seg.subarray(k * W, (k + c) * W) as View;
      const sent = m.team[kTeamInternals].launchOwned(pe, RangeAm, { a: h, s: s + k, n: c, v: write ? piece : null }) as PromiseLike<View | null>;
      sends.push(
        sent.then((got) => {
          if (got !== null) copyElems(piece as unknown as Float64Array, 0, got as unknown as Float64Array);
        }),
      );
    }
    // An AtomicArray's put takes no lock: a barrier waits for it as for an RDMA put (team/
    // put-fence.ts). A lock array's is not waited for: it may wait for a lock that a guard holds
    // across that very barrier.
    if (!write || ai.kind !== 'AtomicArray') return Promise.all(sends).then(() => done?.());
    const puts = m.region.state.rt.puts;
    const epoch = puts.begin();
    const end = (): void => puts.end(epoch);
    return Promise.all(sends).then(end, (e: unknown) => {
      end();
      throw e;
    });
  }
  const w = ai.kind === 'LocalLockArray' ? m.locks[pe]! : null;
  const wait = w === null ? undefined : lock(w, LOCAL_LOCK, write);
  const apply = (): void => {
    try {
      applyRun(ai, pe, s, seg, write);
    } finally {
      if (w !== null) unlock(w, LOCAL_LOCK, write);
    }
    done?.();
  };
  if (wait === undefined) {
    apply();
    return undefined;
  }
  // Applied once the owner's lock is granted, after the call has returned: a put takes its source
  // now (a view of the caller's array until here), as on every other path.
  if (write && stride === 1) seg = seg.slice() as View;
  return wait.then(apply);
}

/** One run on a mapped owner `pe` (the caller holds whatever lock the kind needs). */
function applyRun(ai: ArrayInternals, pe: number, s: number, seg: View, write: boolean): void {
  const m = ai.meta;
  const W = m.words;
  if (ai.kind === 'AtomicArray') {
    atomicRun(m, pe, s, seg, write);
    return;
  }
  // The casts are sound: `seg` has the array's storage type, so both sides hold numbers or both
  // bigints.
  const v = m.views[pe]! as unknown as Float64Array;
  const d = seg as unknown as Float64Array;
  if (write) copyElems(v, s * W, d);
  else copyElems(d, 0, v.subarray(s * W, s * W + d.length));
}

/**
 * An AtomicArray run: every element stored or loaded whole, one after the other (the range as a
 * whole is not atomic, as in Lamellar): one-word elements by `elementCopy`, 128-bit ones under
 * their element locks (wide kernel).
 */
function atomicRun(m: ArrayMeta, pe: number, s: number, seg: View, write: boolean): void {
  const n = seg.length / m.words;
  if (m.words === 2) {
    runKernel({
      op: write ? Op.store : Op.load,
      atomic: true,
      type: m.type,
      words: 2,
      comb: combineFor(m.type, write ? Op.store : Op.load),
      views: [m.views[pe]!],
      bits: null,
      elemLocks: [m.elemLocks![pe]!],
      pes: new Uint32Array(n),
      offs: consecutive(s, n),
      n,
      vals: write ? seg : 0,
      vbase: 0,
      cur: 0,
      eps: 0,
      out: write ? null : seg,
      ok: null,
      obase: 0,
    });
    return;
  }
  const v = m.views[pe]!;
  if (v.BYTES_PER_ELEMENT === 8 && !ATOMIC_WIDE_PLAIN) {
    // A 32-bit CPU may split a plain 8-byte access (bits.ts): one atomic instruction each.
    const own = new BigInt64Array(v.buffer, v.byteOffset + s * 8, n);
    const run = new BigInt64Array(seg.buffer, seg.byteOffset, n);
    if (write) for (let k = 0; k < n; k++) Atomics.store(own, k, run[k]!);
    else for (let k = 0; k < n; k++) run[k] = Atomics.load(own, k);
    return;
  }
  const own = { view: v, at: s, stride: 1 };
  const run = { view: seg, at: 0, stride: 1 };
  if (write) copyBits(own, run, n, 1);
  else copyBits(run, own, n, 1);
}

/** Offsets s, s + 1, ..., s + n - 1 (a loop: `Uint32Array.from` with a mapper calls it per element). */
function consecutive(s: number, n: number): Uint32Array {
  const offs = new Uint32Array(n);
  for (let k = 0; k < n; k++) offs[k] = s + k;
  return offs;
}

/** One RDMA transfer of a run on the array's region (UnsafeArray and ReadOnlyArray on tcp, ofi). */
async function rdma(m: ArrayMeta, pe: number, s: number, seg: View, write: boolean): Promise<void> {
  const r = m.region;
  const bytes = new Uint8Array(seg.buffer, seg.byteOffset, seg.byteLength);
  const addr = r.addr(pe) + s * m.words * m.ctor.BYTES_PER_ELEMENT;
  pin(r.state);
  // A barrier waits for a put in flight (team/put-fence.ts).
  const puts = write ? r.state.rt.puts : undefined;
  const epoch = puts?.begin() ?? 0;
  try {
    if (write) await r.lamella.put(r.worldPe(pe), addr, bytes);
    else await r.lamella.get(r.worldPe(pe), addr, bytes);
  } finally {
    unpin(r.state);
    puts?.end(epoch);
  }
}

/** A cyclic put's run: every `stride`-th element of `data` from `at`, `n` of them. */
function gather(m: ArrayMeta, data: View, at: number, stride: number, n: number): View {
  const out = new m.ctor(n * m.words) as unknown as View;
  copyBits({ view: out, at: 0, stride: 1 }, { view: data, at: at * m.words, stride }, n, m.words);
  return out;
}

/** A cyclic get's run back into `data`: element k of `seg` to position at + k·stride. */
function scatter(m: ArrayMeta, seg: View, data: View, at: number, stride: number, n: number): void {
  copyBits({ view: data, at: at * m.words, stride }, { view: seg, at: 0, stride: 1 }, n, m.words);
}
