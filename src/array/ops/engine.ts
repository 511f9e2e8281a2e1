/**
 * The op engine: one checked batch in, old values out in input order. Three paths:
 * - direct: every PE's part is mapped (shmem, local) and no per-owner lock is needed: route a
 *   chunk of indices to (owner, offset) and apply it straight to the owners' memory. No
 *   message, and nothing allocated per element (the routing scratch is reused). AtomicArray
 *   batches of integer ops run as WebAssembly kernels over the owners' heaps (wasm/apply.ts);
 *   commuting updates with no results on small arrays are combined per element first
 *   (combinable), and on large arrays sorted by memory block first (blockable), whichever
 *   kernels apply them. What has no kernel (floats, mul/div/shifts, compareExchange), or every
 *   batch where WebAssembly is off or unavailable, runs the JS kernels. Plain loads gather with
 *   the routing fused in (directGather).
 * - grouped: LocalLockArray, or some owner not mapped (tcp). Indices are sorted by owner with
 *   a counting sort; each owner's run is applied under that owner's lock where mapped, or sent
 *   as one AM carrying typed arrays, applied there in one loop.
 * - GlobalLockArray wraps either path in the one global lock (write for every op but load).
 * A batch longer than LAMELLAR_BATCH_SLICE indices goes through either path slice by slice, the
 * event loop running in between (sliced.ts).
 */
import { defineAm } from '../../am/index.js';
import { config, kTeamInternals, nextTurn, starving } from '../../core/index.js';
import { pin, unpin } from '../../memregion/internal.js';
import { captureSite } from '../../team/index.js';
import { GLOBAL_LOCK, LOCAL_LOCK, lock, noteWaitSite, tryTake, unlock } from '../lock.js';
import { checkIndices, outOfBounds } from '../layout.js';
import { kArray, type ArrayInternals, type ArrayMeta } from '../meta.js';
import { isReadOp, Op, type OpCode } from '../types.js';
import { combineFor } from './combine.js';
import { runKernel, type KernelCall, type View } from './kernels.js';
import { giveU32, takeU32 } from './pool.js';
import { sliceBatch, sliceCount, type Slice } from './sliced.js';
import { GlobalLockAm, GlobalUnlockAm, OpsAm, parked, type ArrayRef, type RemoteOps, type RemoteResult } from './remote.js';
import { applyLocal, applyRouted, wasmKernel, wasmSideOf, WASM_MIN_BATCH, type WasmSide } from './wasm/apply.js';

export interface OpArgs {
  op: OpCode;
  /** Checked indices, relative to the handle's window. */
  idx: ArrayLike<number>;
  vals: number | bigint | View;
  cur: number | bigint | View;
  eps: number;
  /** Return old values (fetch forms, swap, load, compareExchange). */
  fetch: boolean;
  /**
   * Set when `idx` is a Uint32Array not yet checked against `len` (see checksWhileCombining):
   * the combining pass checks it as it counts, and `what` names the call in the error.
   */
  unchecked?: { len: number; what: string };
}

export interface OpResult {
  out: View | null;
  ok: Uint8Array | null;
}

const CHUNK = 1 << 14;
const scratchPes = new Uint32Array(CHUNK);
const scratchOffs = new Uint32Array(CHUNK);
const one = new Uint32Array(1);

export const isCas = (op: OpCode): boolean => op === Op.compareExchange || op === Op.compareExchangeEpsilon;

function baseCall(ai: ArrayInternals, a: OpArgs, out: View | null, ok: Uint8Array | null): KernelCall {
  const m = ai.meta;
  return {
    op: a.op,
    atomic: ai.kind === 'AtomicArray',
    type: m.type,
    words: m.words,
    comb: combineFor(m.type, a.op),
    views: m.views,
    bits: m.bits,
    elemLocks: m.elemLocks,
    pes: scratchPes,
    offs: scratchOffs,
    n: 0,
    vals: a.vals as number | View,
    vbase: 0,
    cur: a.cur as number | View,
    eps: a.eps,
    out,
    ok,
    obase: 0,
  };
}

/** Applies a checked batch; `h` is the handle itself (sent in AMs on the grouped path). */
export function execute(h: ArrayRef, ai: ArrayInternals, a: OpArgs): Promise<OpResult> | OpResult {
  const u = a.unchecked;
  // Only the combining and gathering passes check as they go; anything else is checked here.
  if (u !== undefined && !(a.op === Op.load ? checksWhileGathering(ai) : checksWhileCombining(ai, a.op, a.vals, a.fetch, a.idx.length))) {
    checkIndices(a.idx, u.len, u.what);
    a.unchecked = undefined;
  }
  const n = a.idx.length;
  const m = ai.meta;
  const out = a.fetch || isCas(a.op) ? (new m.ctor(n * m.words) as unknown as View) : null;
  const ok = isCas(a.op) ? new Uint8Array(n) : null;
  const res: OpResult = { out, ok };
  if (n === 0) return res;
  const count = sliceCount(n, sliceMax(ai, a, res));
  if (count > 1) {
    // Checked whole before the first slice is applied: a bad index applies nothing.
    if (a.unchecked !== undefined) {
      checkIndices(a.idx, a.unchecked.len, a.unchecked.what);
      a.unchecked = undefined;
    }
    return sliced(h, ai, a, res, count);
  }
  if (ai.kind === 'GlobalLockArray') return underGlobalLock(h, ai, a, res);
  return run(h, ai, a, res);
}

/**
 * The most indices one slice of a batch may have (sliced.ts). Batches that take the fast direct
 * paths (combined per element, or gathered) run at hundreds of millions of indices a second, so
 * their slices are 16 times longer: a 10M-index histogram or gather runs whole, as before.
 */
function sliceMax(ai: ArrayInternals, a: OpArgs, res: OpResult): number {
  const base = config().batchSlice;
  const m = ai.meta;
  const fast =
    m.allMapped &&
    ai.kind !== 'LocalLockArray' &&
    (combinable(ai, a.op, a.vals, a.fetch, a.idx.length) || (a.op === Op.load && ai.kind !== 'AtomicArray' && m.words === 1 && res.out !== null));
  if (fast) return base * 16;
  // A slice's part for one PE travels as one AM, its results as one reply: each must fit the
  // lamella's frame, even where slicing is off. 8 bytes of index, a value and a current value,
  // and a result (words of 8 bytes each), and an ok byte, per index.
  const fits = perFrame(ai, 8 + 3 * 8 * m.words + 1);
  return base > 0 ? Math.min(base, fits) : fits;
}

/** Bytes of a frame left for an AM's and its reply's own headers. */
const FRAME_SLACK = 4096;

/**
 * How many items of `bytes` each one runtime AM (or its reply) may carry on this array's lamella:
 * as many as fit LAMELLAR_MAX_FRAME (tcp, ofi; a larger record is FRAME_TOO_LARGE), or any
 * number where frames have no limit. Batch slices and range pieces are cut to it.
 */
export function perFrame(ai: ArrayInternals, bytes: number): number {
  const maxFrame = ai.state.rt.lamella.maxFrame;
  if (!Number.isFinite(maxFrame)) return Number.POSITIVE_INFINITY;
  return Math.max(1, Math.floor((maxFrame - config().amSizeThreshold - FRAME_SLACK) / bytes));
}

/** `a` with its index and value arrays copied (typed or plain arrays; a single value is kept). */
function ownInput(a: OpArgs): OpArgs {
  const copy = <V>(v: V): V => (typeof v === 'object' && v !== null ? (v as unknown as { slice(): V }).slice() : v);
  return { ...a, idx: copy(a.idx), vals: copy(a.vals), cur: copy(a.cur) };
}

/** `a` with another input (a slice's, or a copy), for sliceBatch. */
const withInput =
  (a: OpArgs) =>
  (idx: ArrayLike<number>, vals: unknown, cur: unknown): OpArgs => ({ ...a, idx, vals: vals as OpArgs['vals'], cur: cur as OpArgs['cur'] });

/** A batch applied slice by slice, the event loop running between slices (sliced.ts). */
async function sliced(h: ArrayRef, ai: ArrayInternals, a: OpArgs, res: OpResult, count: number): Promise<OpResult> {
  // The batch's own reference: the caller may drop its handle while later slices still send it
  // in messages to the owners (tcp), and the memory stays until the last slice is applied.
  const own = h.clone();
  const global = ai.kind === 'GlobalLockArray';
  const cut = withInput(a);
  const each = (s: Slice<OpArgs>): Promise<OpResult> | OpResult => run(own, ai, s.args, { out: s.out, ok: s.ok });
  // A GlobalLockArray batch holds its one lock across every slice, as it does when whole; its
  // first slice waits for the lock, so it is copied too.
  const all = sliceBatch(a.idx.length, count, ai.meta.words, res.out, res.ok, a, !global, cut, each);
  try {
    if (global) await withGlobalLock(own, ai, !isReadOp(a.op), all);
    else await all();
    return res;
  } finally {
    // Only fails if the world is already down, which the batch's own outcome reports.
    await own.drop().catch(() => undefined);
  }
}

function run(h: ArrayRef, ai: ArrayInternals, a: OpArgs, res: OpResult): Promise<OpResult> | OpResult {
  const m = ai.meta;
  if (m.allMapped && ai.kind !== 'LocalLockArray') {
    // One element: the JavaScript kernel at its route, as on tcp. A batch of one through direct()
    // took the WebAssembly path's set-up, about a third of a 0.36 µs awaited load on shmem.
    // Not for an index the gathering or combining pass was to check (a Uint32Array batch of one).
    if (a.idx.length === 1 && a.unchecked === undefined && oneMapped(ai, a, res)) return res;
    direct(ai, a, res);
    return res;
  }
  if (a.idx.length === 1) {
    if (ai.kind === 'LocalLockArray') {
      const r = oneUnderLocalLock(ai, a, res);
      if (r !== undefined) return r;
    } else if (oneMapped(ai, a, res)) return res;
  }
  return grouped(h, ai, a, res);
}

/**
 * One element whose owner is mapped, on an array that is not mapped everywhere (tcp, ofi: this
 * PE's own part): applied at once, as on shmem, instead of through the batch machinery, which
 * settles on later microtasks. False: the owner is elsewhere.
 */
function oneMapped(ai: ArrayInternals, a: OpArgs, res: OpResult): boolean {
  if (!routeOneMapped(ai, a)) return false;
  applyRoutedOne(ai, a, res);
  return true;
}

/** Routes `a`'s one index into the scratch route; whether its owner's memory is mapped here. */
function routeOneMapped(ai: ArrayInternals, a: OpArgs): boolean {
  const m = ai.meta;
  m.layout.route(a.idx, 0, 1, ai.offset, scratchPes, scratchOffs);
  return m.views[scratchPes[0]!] !== null;
}

/** Applies `a`'s one index, routed by `routeOneMapped`. */
function applyRoutedOne(ai: ArrayInternals, a: OpArgs, res: OpResult): void {
  const call = baseCall(ai, a, res.out, res.ok);
  call.n = 1;
  runKernel(call);
}

/**
 * One element of a LocalLockArray whose owner is mapped: applied at once if the owner's lock is
 * free (no promise, no allocation), else queued behind it with its own copy of the route. The
 * common element op should not pay for the batch machinery: with thousands of ops queued, that
 * garbage made the ops' cost grow faster than their number. Undefined: the owner is not mapped.
 */
function oneUnderLocalLock(ai: ArrayInternals, a: OpArgs, res: OpResult): Promise<OpResult> | OpResult | undefined {
  const m = ai.meta;
  m.layout.route(a.idx, 0, 1, ai.offset, scratchPes, scratchOffs);
  const p = scratchPes[0]!;
  const w = m.locks[p] ?? null;
  if (w === null) return undefined;
  const write = !isReadOp(a.op);
  const call = baseCall(ai, a, res.out, res.ok);
  call.n = 1;
  const wait = lock(w, LOCAL_LOCK, write);
  if (wait === undefined) {
    try {
      runKernel(call);
    } finally {
      unlock(w, LOCAL_LOCK, write);
    }
    return res;
  }
  call.pes = Uint32Array.of(p);
  call.offs = Uint32Array.of(scratchOffs[0]!);
  // Applied later: its value (a caller's array of one) is taken now, as at a free lock.
  if (typeof call.vals === 'object') call.vals = call.vals.slice();
  if (typeof call.cur === 'object') call.cur = call.cur.slice();
  pin(ai.state);
  return wait.then(() => {
    try {
      runKernel(call);
      return res;
    } finally {
      unlock(w, LOCAL_LOCK, write);
      unpin(ai.state);
    }
  });
}

/**
 * A GlobalLockArray batch under its one lock: applied at once where the lock word is mapped and
 * free. A batch that has to wait for the lock (queued on this PE, see lock.ts, or through team
 * PE 0) takes a copy of its input now: the caller may refill its arrays as soon as the call
 * returns.
 */
function underGlobalLock(h: ArrayRef, ai: ArrayInternals, a: OpArgs, res: OpResult): Promise<OpResult> | OpResult {
  const write = !isReadOp(a.op);
  const w = ai.meta.locks[0] ?? null;
  if (w !== null && !ai.meta.allMapped && a.idx.length === 1) {
    // Team PE 0 (which keeps the lock) on its own element, the lock free: applied at once, as
    // on shmem, so that a retry loop there lets the event loop turn (core/turns.ts) and the
    // other PEs' lock requests are served.
    const r = oneMappedUnderFreeLock(ai, a, res, w);
    if (r !== undefined) return r;
  }
  if (w === null) return viaKeeper(h, ai, a, res);
  if (!ai.meta.allMapped) return sliced(h, ai, a, res, 1);
  // Every part is mapped, so the batch itself runs synchronously (the direct path).
  const wait = lock(w, GLOBAL_LOCK, write);
  if (wait === undefined) {
    try {
      direct(ai, a, res);
    } finally {
      unlock(w, GLOBAL_LOCK, write);
    }
    return res;
  }
  // Queued behind the lock: applied after the call returns, from a copy taken now. A plain copy,
  // not sliceBatch's pooled one: queued element ops are the common case here, and the pool's
  // bookkeeping made 8,000 queued adds 1.5x slower.
  const own = ownInput(a);
  pin(ai.state);
  return wait.then(() => {
    try {
      direct(ai, own, res);
      return res;
    } finally {
      unlock(w, GLOBAL_LOCK, write);
      unpin(ai.state);
    }
  });
}

/** A GlobalLockArray batch as GlobalOpsAm carries it: OpsAm's, with indices `i` relative to the handle `a` in place of the owner's offsets. */
type KeeperOps = Omit<RemoteOps, 'o'> & { i: Uint32Array };

/**
 * On team PE 0, which keeps a GlobalLockArray's lock: applies a batch sent by another PE under
 * one hold of the lock, its own part in place and the other owners' parts by OpsAm (run).
 */
const GlobalOpsAm = defineAm('lamellar/array/global-ops', async (_ctx, g: KeeperOps): Promise<RemoteResult> => {
  const ai = g.a[kArray];
  const m = ai.meta;
  const n = g.i.length;
  const res: OpResult = { out: g.f || isCas(g.op) ? (new m.ctor(n * m.words) as unknown as View) : null, ok: isCas(g.op) ? new Uint8Array(n) : null };
  const w = m.locks[0]!;
  const write = !isReadOp(g.op);
  const wait = parked(m, lock(w, GLOBAL_LOCK, write));
  if (wait !== undefined) await wait;
  try {
    await run(g.a, ai, { op: g.op, idx: g.i, vals: g.v, cur: g.c, eps: g.e, fetch: g.f }, res);
  } finally {
    unlock(w, GLOBAL_LOCK, write);
  }
  return { r: res.out, k: res.ok };
});

/**
 * A GlobalLockArray batch on a PE that does not keep the lock (tcp, ofi): sent whole to team
 * PE 0, which takes the lock, applies it and releases it (GlobalOpsAm). Taking the lock from
 * here, sending the ops and releasing it were three round trips one after another, and the lock
 * was held across two of them; now an element of PE 0's costs one round trip, another owner's
 * two, and the lock is held only while the ops are applied.
 */
async function viaKeeper(h: ArrayRef, ai: ArrayInternals, a: OpArgs, res: OpResult): Promise<OpResult> {
  pin(ai.state);
  try {
    // No copies: a launch takes its typed-array arguments as they are at the call.
    const r: RemoteResult = await ai.meta.team[kTeamInternals].launchOwned(0, GlobalOpsAm, {
      a: h,
      op: a.op,
      i: a.idx instanceof Uint32Array ? a.idx : Uint32Array.from(a.idx),
      v: a.vals,
      c: a.cur,
      e: a.eps,
      f: res.out !== null,
    });
    if (res.out !== null && r.r !== null) res.out.set(r.r);
    if (res.ok !== null && r.k !== null) res.ok.set(r.k);
    return res;
  } finally {
    unpin(ai.state);
  }
}

/** One element whose owner is mapped, under the global lock `w` if it is free; undefined otherwise. */
function oneMappedUnderFreeLock(ai: ArrayInternals, a: OpArgs, res: OpResult, w: Int32Array): OpResult | undefined {
  if (!routeOneMapped(ai, a)) return undefined;
  const write = !isReadOp(a.op);
  // Someone else holds the lock (or waits for it): the op queues behind them on the usual path.
  if (!tryTake(w, GLOBAL_LOCK, write)) return undefined;
  try {
    applyRoutedOne(ai, a, res);
  } finally {
    unlock(w, GLOBAL_LOCK, write);
  }
  return res;
}

/** Largest allocation (elements) whose adds are combined per element before the atomics. */
const COMBINE_MAX = 1 << 16;
let combineScratch: Float64Array | undefined;

/**
 * add/sub of one integer value with no results wanted: count the hits per element first (a
 * plain increment per index), then apply one Atomics.add of count × value per element hit.
 * The final values are the same (integer adds commute and wrap alike) and a batch promises no
 * order between its element ops; a histogram then costs one atomic per distinct element.
 */
function combinable(ai: ArrayInternals, op: OpCode, vals: unknown, fetch: boolean, n: number): boolean {
  const m = ai.meta;
  return (
    ai.kind === 'AtomicArray' &&
    (op === Op.add || op === Op.sub) &&
    !fetch &&
    typeof vals !== 'object' &&
    m.bits === null &&
    m.words === 1 &&
    m.layout.total <= COMBINE_MAX &&
    n >= m.layout.total
  );
}

/**
 * Whether a batch will take the combining direct path (combinable, every part mapped). Its
 * Uint32Array indices may then skip the up-front check: the counting pass checks each index as
 * it reads it, and a bad one clears the counts before anything is applied. The indices are
 * streamed from memory once instead of twice; on 2 shmem PEs with 10M indices each (40 MB), the
 * check alone took as long as the counting.
 */
export function checksWhileCombining(ai: ArrayInternals, op: OpCode, vals: unknown, fetch: boolean, n: number): boolean {
  return ai.meta.allMapped && combinable(ai, op, vals, fetch, n);
}

function directCombined(ai: ArrayInternals, a: OpArgs): void {
  const layout = ai.meta.layout;
  const total = layout.total;
  const acc = (combineScratch ??= new Float64Array(COMBINE_MAX));
  const idx = a.idx;
  const base = ai.offset;
  const n = idx.length;
  const u = a.unchecked;
  if (u === undefined) for (let k = 0; k < n; k++) acc[base + idx[k]!]!++;
  else countChecked(acc, idx as Uint32Array, base, u.len, total, u.what);
  const big = typeof a.vals === 'bigint';
  const views = ai.meta.views;
  for (let g = 0; g < total; g++) {
    const c = acc[g]!;
    if (c === 0) continue;
    acc[g] = 0;
    one[0] = g;
    layout.route(one, 0, 1, 0, scratchPes, scratchOffs);
    const v = views[scratchPes[0]!]!;
    // count × value may exceed the element width (and 2^53): Math.imul keeps the low 32 bits
    // exactly, which is all an element of <= 32 bits stores; bigints are exact anyway.
    const x = big ? BigInt(c) * (a.vals as bigint) : Math.imul(c, a.vals as number);
    if (a.op === Op.add) Atomics.add(v, scratchOffs[0]!, x as number);
    else Atomics.sub(v, scratchOffs[0]!, x as number);
  }
}

/** The counting pass over unchecked indices; on a bad one, clears the counts and throws. */
function countChecked(acc: Float64Array, idx: Uint32Array, base: number, len: number, total: number, what: string): void {
  const n = idx.length;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (i >= len) {
      acc.fill(0, 0, total);
      throw outOfBounds(what, i, len, k);
    }
    acc[base + i]!++;
  }
}

/**
 * Elements per locality block: 2^10 (one 4 KiB page of u32). Measured with the WebAssembly
 * kernels on 5M u32 per PE (bench/results/wasm-kernels-2026-12-03.jsonl): 4 KiB blocks sweep the
 * table nearly in address order, so the prefetchers run ahead of the locked adds; 64 KiB blocks
 * left the adds inside each block in random order (57 vs 48 MUPS, medians of 3 A/B pairs).
 */
const BLOCK_SHIFT = 10;
/** Smallest batch worth ordering by block (the counting sort makes three passes over it). */
const BLOCKED_MIN = 1 << 15;

/**
 * add/sub/and/or/xor of one integer value with no results wanted, over an allocation too large
 * to combine per element: apply the batch block by block of memory rather than in input order.
 * Random locked adds over a table that misses the caches stall on every miss (a locked op waits
 * for its line, where plain stores would overlap the misses); grouped by 4 KiB block (one
 * counting sort by owner and block) they become near-sequential sweeps. With WebAssembly kernels
 * each owner's sorted run is then applied by one kernel call per scratch chunk. Allowed because these
 * ops commute and a batch promises no order between its element ops.
 */
function blockable(ai: ArrayInternals, a: OpArgs, res: OpResult): boolean {
  const op = a.op;
  return (
    ai.kind === 'AtomicArray' &&
    (op === Op.add || op === Op.sub || op === Op.bitAnd || op === Op.bitOr || op === Op.bitXor) &&
    res.out === null &&
    typeof a.vals !== 'object' &&
    ai.meta.bits === null &&
    ai.meta.words === 1 &&
    a.idx.length >= BLOCKED_MIN &&
    ai.meta.layout.total > COMBINE_MAX
  );
}

/** `side` and `name`: the sorted batch runs as WebAssembly kernels, one PE's run at a time. */
function directBlocked(ai: ArrayInternals, a: OpArgs, side: WasmSide | null, name: string | undefined): void {
  const n = a.idx.length;
  const pes = takeU32(n);
  const offs = takeU32(n);
  const keys = takeU32(n);
  const sPes = takeU32(n);
  const sOffs = takeU32(n);
  try {
    blockSorted(ai, a, side, name, pes, offs, keys, sPes, sOffs);
  } finally {
    giveU32(pes, offs, keys, sPes, sOffs);
  }
}

function blockSorted(ai: ArrayInternals, a: OpArgs, side: WasmSide | null, name: string | undefined, pes: Uint32Array, offs: Uint32Array, keys: Uint32Array, sPes: Uint32Array, sOffs: Uint32Array): void {
  const n = a.idx.length;
  ai.meta.layout.route(a.idx, 0, n, ai.offset, pes, offs);
  let maxOff = 0;
  for (let k = 0; k < n; k++) if (offs[k]! > maxOff) maxOff = offs[k]!;
  const perPe = (maxOff >>> BLOCK_SHIFT) + 1;
  const starts = new Uint32Array(ai.meta.layout.numPes * perPe + 1);
  for (let k = 0; k < n; k++) {
    const key = pes[k]! * perPe + (offs[k]! >>> BLOCK_SHIFT);
    keys[k] = key;
    starts[key + 1]!++;
  }
  for (let b = 1; b < starts.length; b++) starts[b]! += starts[b - 1]!;
  for (let k = 0; k < n; k++) {
    const j = starts[keys[k]!]!++;
    sPes[j] = pes[k]!;
    sOffs[j] = offs[k]!;
  }
  if (side !== null) {
    // Sorted by (owner, block): each owner's offsets are one contiguous run.
    for (let s = 0; s < n; ) {
      const p = sPes[s]!;
      let e = s + 1;
      while (e < n && sPes[e] === p) e++;
      applyLocal(side, name!, p, sOffs.subarray(s, e), a.vals, null);
      s = e;
    }
    return;
  }
  const call = baseCall(ai, a, null, null);
  call.pes = sPes;
  call.offs = sOffs;
  call.n = n;
  runKernel(call);
}

/**
 * Whether a load batch will take the gathering direct path (ReadOnlyArray and UnsafeArray with
 * every part mapped): its Uint32Array indices may then skip the up-front check, the gather
 * checking each as it reads it (a bad one throws before the result is handed out).
 */
export function checksWhileGathering(ai: ArrayInternals): boolean {
  const m = ai.meta;
  return m.allMapped && (ai.kind === 'ReadOnlyArray' || ai.kind === 'UnsafeArray') && m.words === 1;
}

/**
 * Plain loads (ReadOnlyArray, UnsafeArray, a GlobalLockArray under its lock): routing fused into
 * the gather, one pass over the indices. Routing a chunk into pes/offs first and gathering in a
 * second loop cost two stores and two loads per element more than the load itself. With `u`,
 * the indices are unchecked and the same pass checks them (a compare per index; a separate
 * check streamed all the indices from memory a second time). A cyclic layout over a power of
 * two of PEs routes with a mask and a shift: the floating-point division per index was most of
 * the loop (10M indices, one thread: 8.9 -> 4.8 ns per index with both changes).
 */
function directGather(ai: ArrayInternals, idx: ArrayLike<number>, out: View, u: OpArgs['unchecked']): void {
  const layout = ai.meta.layout;
  const views = ai.meta.views as View[];
  const base = ai.offset;
  const n = idx.length;
  const P = layout.numPes;
  // Checked indices are all below the window's length: this bound never fails for them.
  const len = u === undefined ? layout.total : u.len;
  if (layout.dist === 'cyclic') {
    const shift = layout.shift;
    if (shift >= 0) {
      const mask = P - 1;
      for (let k = 0; k < n; k++) {
        const i = idx[k]!;
        if (!(i < len)) throw badGatherIndex(idx, k, len, u);
        const g = base + i;
        out[k] = views[g & mask]![g >>> shift]!;
      }
      return;
    }
    for (let k = 0; k < n; k++) {
      const i = idx[k]!;
      if (!(i < len)) throw badGatherIndex(idx, k, len, u);
      const g = base + i;
      const q = Math.floor(g / P);
      out[k] = views[g - q * P]![q]!;
    }
    return;
  }
  const e = layout.e;
  const e1 = e + 1;
  const split = layout.r * e1;
  const r = layout.r;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (!(i < len)) throw badGatherIndex(idx, k, len, u);
    const g = base + i;
    if (g < split) {
      const p = Math.floor(g / e1);
      out[k] = views[p]![g - p * e1]!;
    } else {
      const t = g - split;
      const q = Math.floor(t / e);
      out[k] = views[r + q]![t - q * e]!;
    }
  }
}

function badGatherIndex(idx: ArrayLike<number>, k: number, len: number, u: OpArgs['unchecked']): Error {
  return outOfBounds(u?.what ?? 'batchLoad', idx[k], len, k);
}

function direct(ai: ArrayInternals, a: OpArgs, res: OpResult): void {
  if (combinable(ai, a.op, a.vals, a.fetch, a.idx.length)) {
    directCombined(ai, a);
    return;
  }
  let side: WasmSide | null = null;
  const name = a.idx.length >= WASM_MIN_BATCH ? wasmKernel(ai, a.op, a.vals, res.out !== null) : undefined;
  if (name !== undefined) {
    side = wasmSideOf(ai.meta);
    if (side !== null && !side.all) side = null;
  }
  if (blockable(ai, a, res)) {
    directBlocked(ai, a, side, name);
    return;
  }
  if (side !== null) {
    applyRouted(side, name!, ai, a.idx, a.vals, res.out, scratchPes, scratchOffs);
    return;
  }
  if (a.op === Op.load && ai.kind !== 'AtomicArray' && ai.meta.words === 1) {
    directGather(ai, a.idx, res.out!, a.unchecked);
    return;
  }
  const call = baseCall(ai, a, res.out, res.ok);
  const n = a.idx.length;
  for (let from = 0; from < n; from += CHUNK) {
    const c = Math.min(CHUNK, n - from);
    ai.meta.layout.route(a.idx, from, c, ai.offset, scratchPes, scratchOffs);
    call.n = c;
    call.vbase = from;
    call.obase = from;
    runKernel(call);
  }
}

async function grouped(h: ArrayRef, ai: ArrayInternals, a: OpArgs, res: OpResult): Promise<OpResult> {
  const m = ai.meta;
  const n = a.idx.length;
  const P = m.layout.numPes;
  const pes = takeU32(n);
  const offs = takeU32(n);
  m.layout.route(a.idx, 0, n, ai.offset, pes, offs);
  // Counting sort by owner: pos[j] is the input position of the j-th sorted element.
  const starts = new Uint32Array(P + 1);
  for (let k = 0; k < n; k++) starts[pes[k]! + 1]!++;
  for (let p = 0; p < P; p++) starts[p + 1]! += starts[p]!;
  const fill = starts.slice(0, P);
  const pos = takeU32(n);
  const sOffs = takeU32(n);
  const Ctor = m.ctor;
  const W = m.words;
  const va = typeof a.vals === 'object' ? a.vals : null;
  const ca = typeof a.cur === 'object' ? a.cur : null;
  const sVals = va === null ? null : (new Ctor(n * W) as unknown as View);
  const sCur = ca === null ? null : (new Ctor(n * W) as unknown as View);
  for (let k = 0; k < n; k++) {
    const j = fill[pes[k]!]!++;
    pos[j] = k;
    sOffs[j] = offs[k]!;
    if (W === 1) {
      if (sVals !== null) sVals[j] = va![k]!;
      if (sCur !== null) sCur[j] = ca![k]!;
    } else {
      // Two 32-bit words per 64-bit element, copied word by word: a subarray per element was
      // an allocation per index.
      if (sVals !== null) {
        sVals[2 * j] = va![2 * k]!;
        sVals[2 * j + 1] = va![2 * k + 1]!;
      }
      if (sCur !== null) {
        sCur[2 * j] = ca![2 * k]!;
        sCur[2 * j + 1] = ca![2 * k + 1]!;
      }
    }
  }
  const sortedPes = pes;
  for (let p = 0; p < P; p++) sortedPes.fill(p, starts[p]!, starts[p + 1]!);
  const sOut = res.out === null ? null : (new Ctor(n * W) as unknown as View);
  const sOk = res.ok === null ? null : new Uint8Array(n);
  const sorted: OpArgs = { ...a, vals: sVals ?? a.vals, cur: sCur ?? a.cur };
  const waits: Promise<void>[] = [];
  pin(ai.state);
  try {
    for (let p = 0; p < P; p++) {
      const s = starts[p]!;
      const e = starts[p + 1]!;
      if (s === e) continue;
      if (m.views[p] !== null) {
        const call = baseCall(ai, sorted, sOut, sOk);
        call.pes = sortedPes.subarray(s, e);
        call.offs = sOffs.subarray(s, e);
        call.n = e - s;
        call.vbase = s;
        call.obase = s;
        if (ai.kind === 'LocalLockArray') waits.push(underLocalLock(m, p, !isReadOp(a.op), call));
        else runKernel(call);
        continue;
      }
      waits.push(sendOps(h, ai, sorted, sOffs, s, e, sOut, sOk, p));
    }
    // Every part settles before the temporaries go back to the pool: a local part queued
    // behind its owner's lock still reads them after another part has failed.
    const settled = await Promise.allSettled(waits);
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    if (res.out !== null) {
      if (W === 1) for (let j = 0; j < n; j++) res.out[pos[j]!] = sOut![j]!;
      else
        for (let j = 0; j < n; j++) {
          const k = pos[j]!;
          res.out[2 * k] = sOut![2 * j]!;
          res.out[2 * k + 1] = sOut![2 * j + 1]!;
        }
    }
    if (res.ok !== null) for (let j = 0; j < n; j++) res.ok[pos[j]!] = sOk![j]!;
    return res;
  } finally {
    unpin(ai.state);
    // Every use of them has ended: the kernels ran, and the messages carry copies (sendOps).
    giveU32(pes, offs, pos, sOffs);
  }
}

async function underLocalLock(m: ArrayMeta, p: number, write: boolean, call: KernelCall): Promise<void> {
  const w = m.locks[p]!;
  const wait = lock(w, LOCAL_LOCK, write);
  if (wait !== undefined) await wait;
  try {
    runKernel(call);
  } finally {
    unlock(w, LOCAL_LOCK, write);
  }
}

async function sendOps(h: ArrayRef, ai: ArrayInternals, a: OpArgs, sOffs: Uint32Array, s: number, e: number, sOut: View | null, sOk: Uint8Array | null, p: number): Promise<void> {
  const W = ai.meta.words;
  const slice = (v: number | bigint | View): number | bigint | View => (typeof v === 'object' ? (v.slice(s * W, e * W) as View) : v);
  const r: RemoteResult = await ai.meta.team[kTeamInternals].launchOwned(p, OpsAm, {
    a: h,
    op: a.op,
    o: sOffs.slice(s, e),
    v: slice(a.vals),
    c: slice(a.cur),
    e: a.eps,
    f: sOut !== null,
  });
  if (sOut !== null && r.r !== null) sOut.set(r.r, s * W);
  if (sOk !== null && r.k !== null) sOk.set(r.k, s);
}

/** Takes the GlobalLockArray's one lock (on team PE 0): directly where mapped, else by AM. */
export async function acquireGlobal(h: ArrayRef, ai: ArrayInternals, write: boolean, guard = false): Promise<void> {
  const w = ai.meta.locks[0] ?? null;
  if (w === null) {
    await ai.meta.team[kTeamInternals].launchOwned(0, GlobalLockAm, { a: h, w: write });
    return;
  }
  const wait = lock(w, GLOBAL_LOCK, write);
  if (wait === undefined) {
    // Granted at once (team PE 0, the lock free): a loop of such acquisitions must still let the
    // event loop turn, or the other PEs' lock requests are never read (core/turns.ts).
    if (starving()) await nextTurn(undefined);
    return;
  }
  // A guard's wait names its call if it is reported (a guard already held here, say).
  if (guard) noteWaitSite(w, GLOBAL_LOCK, captureSite(undefined, 10));
  await wait;
}

/**
 * Releases what acquireGlobal took: directly where mapped (undefined), else by an AM to team PE 0
 * whose handle resolves once the lock is released there. The handle is PromiseLike and makes no
 * promise unless awaited, so a guard that releases without awaiting it can never leave an
 * unhandled rejection (a failure is reported as an unobserved AM error by waitAll()).
 */
export function releaseGlobal(h: ArrayRef, ai: ArrayInternals, write: boolean): PromiseLike<void> | undefined {
  const w = ai.meta.locks[0] ?? null;
  if (w !== null) {
    unlock(w, GLOBAL_LOCK, write);
    return undefined;
  }
  return ai.meta.team[kTeamInternals].launchOwned(0, GlobalUnlockAm, { a: h, w: write });
}

/** Runs `body` holding the GlobalLockArray's one lock. */
export async function withGlobalLock<R>(h: ArrayRef, ai: ArrayInternals, write: boolean, body: () => Promise<R> | R): Promise<R> {
  pin(ai.state);
  try {
    await acquireGlobal(h, ai, write);
    try {
      return await body();
    } finally {
      await releaseGlobal(h, ai, write);
    }
  } finally {
    unpin(ai.state);
  }
}
