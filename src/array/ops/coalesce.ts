/**
 * Element ops on elements another PE owns and this PE cannot reach in memory (tcp, ofi): gathered
 * into one batch per handle until the current task ends, as Lamellar buffers its element ops, so
 * that a loop of `void a.add(i, 1)` sends one message per owner instead of one per call. A
 * GlobalLockArray's ops on a PE that does not keep its lock are all gathered, this PE's own
 * elements too: each batch goes to team PE 0, which applies it under one hold of the lock.
 *
 * Each op was a batch of one through the grouped path: a sort, pooled scratch, an AM and its
 * reply, and five promises. A newcomer's loop of 20,000 remote adds on tcp ran at 7–20 K ops/s
 * (50–135 µs a call, a quarter of it in the GC) while fire-and-forget AMs ran at 400 K/s.
 *
 * Order: a batch of one handle holds one kind of op (op, fetch, epsilon); an op of another kind
 * sends it first. Batches go out in the order they were started, through the same per-owner AM
 * stream as before, so ops of one handle on one element still apply in call order. Any other op
 * on the same array (a batch op, a range put or get) sends the array's gathered batches first
 * (flushArray), so it sees them as it did when every element op was sent at once.
 *
 * Every gathered op counts in waitAll() from its call: the batch's promise is tracked when the
 * batch is started (track). The batch holds its own clone of the handle, so the caller may drop
 * its handle at once.
 */
import { deferred, type Deferred } from '../../core/index.js';
import { elemClass, storageCtor, storageOf, writeWide, type ArrayElemType } from '../elem.js';
import { kArray, type ArrayInternals, type ArrayMeta } from '../meta.js';
import type { OpCode, Scalar } from '../types.js';
import { execute, isCas, type OpResult } from './engine.js';
import type { View } from './kernels.js';
import type { ArrayRef } from './remote.js';

/** A batch is sent once it holds this many ops, even within one task. */
const MAX_OPS = 1 << 16;

interface Pending {
  readonly meta: ArrayMeta;
  readonly kind: string;
  readonly op: OpCode;
  readonly fetch: boolean;
  readonly eps: number;
  /** The batch's own reference: the caller may drop its handle before the batch is sent. */
  readonly own: ArrayRef;
  readonly idx: number[];
  readonly vals: unknown[];
  readonly cur: unknown[];
  /** Every value equal to the first: sent as one scalar. */
  same: boolean;
  readonly done: Deferred<OpResult>;
}

/** Batches being gathered, in the order they were started. */
const pending = new Map<ArrayRef, Pending>();
let scheduled = false;
const one = [0];
const pes = new Uint32Array(1);
const offs = new Uint32Array(1);

/** Where a gathered op's outcome will be: entry `k` of `batch`; `first`: this op started it. */
export interface Gathered {
  batch: Promise<OpResult>;
  k: number;
  first: boolean;
}

/**
 * Gathers one checked op at handle index `index` if its owner is another PE this one cannot
 * reach in memory, or if it is a GlobalLockArray's and this PE does not keep the lock; undefined
 * if it should run at once (a mapped owner, or a 128-bit element type).
 */
export function gatherOne(h: ArrayRef, ai: ArrayInternals, op: OpCode, index: number, value: unknown, cur: unknown, eps: number, fetch: boolean): Gathered | undefined {
  const m = ai.meta;
  if (m.allMapped || elemClass(m.type) === 'wide') return undefined;
  one[0] = index;
  m.layout.route(one, 0, 1, ai.offset, pes, offs);
  // A GlobalLockArray op on a PE that does not keep the lock goes to team PE 0 even for an element
  // of this PE's own (engine.ts, viaKeeper): gathered like the others.
  if (m.views[pes[0]!] !== null && !(ai.kind === 'GlobalLockArray' && m.locks[0] === null)) return undefined;
  let p = pending.get(h);
  if (p !== undefined && (p.op !== op || p.fetch !== fetch || p.eps !== eps || p.idx.length >= MAX_OPS)) {
    send(h, p);
    p = undefined;
  }
  let first = false;
  if (p === undefined) {
    p = { meta: m, kind: ai.kind, op, fetch, eps, own: h.clone(), idx: [], vals: [], cur: [], same: true, done: deferred<OpResult>() };
    pending.set(h, p);
    first = true;
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flushAllPending);
    }
  }
  const k = p.idx.length;
  p.idx.push(index);
  p.vals.push(value);
  if (isCas(op)) p.cur.push(cur);
  // Object.is: -0 and 0 are different values to store (a batch of one value sent -0 as 0).
  if (k > 0 && p.same && !Object.is(value, p.vals[0])) p.same = false;
  return { batch: p.done.promise, k, first };
}

/** Sends the batches gathered on any handle of `meta`'s array now (before another op on it). */
export function flushArray(meta: ArrayMeta): void {
  if (pending.size === 0) return;
  for (const [h, p] of pending) if (p.meta === meta) send(h, p);
}

function flushAllPending(): void {
  scheduled = false;
  for (const [h, p] of pending) send(h, p);
}

function send(h: ArrayRef, p: Pending): void {
  pending.delete(h);
  const own = p.own;
  const type = p.meta.type;
  let r: Promise<OpResult> | OpResult;
  try {
    const vals = (p.same ? p.vals[0] : storageValues(type, p.vals)) as number | bigint | View;
    const cur = (isCas(p.op) ? storageValues(type, p.cur) : 0) as number | bigint | View;
    const batch = { op: p.op, idx: p.idx, vals, cur, eps: p.eps, fetch: p.fetch };
    const gate = gateOf(p.meta);
    r = gate === undefined ? execute(own, own[kArray], batch) : afterGate(gate, () => execute(own, own[kArray], batch));
  } catch (err) {
    r = Promise.reject(err);
  }
  // The batch's clone goes once it is applied; a world already down reports through the batch.
  const done = Promise.resolve(r).finally(() => own.drop().catch(() => undefined));
  done.then(p.done.resolve, p.done.reject);
  // Until it is applied, a put or get of the array waits for it (inFlight).
  let set = flying.get(p.meta);
  if (set === undefined) flying.set(p.meta, (set = new Set()));
  set.add(p.done.promise);
  const land = (): void => {
    set.delete(p.done.promise);
    if (set.size === 0 && flying.get(p.meta) === set) flying.delete(p.meta);
  };
  p.done.promise.then(land, land);
}

/** Sent batches not yet applied, per array. */
const flying = new Map<ArrayMeta, Set<Promise<OpResult>>>();

/**
 * Per array without locks: the puts and gets of this PE not yet done (base.ts, range). Every op
 * this PE issues on the array after one of them, and every reduction, starts after it: a put may
 * go by RDMA, or wait for batches in flight, and an `add` sent after it reached its owner first
 * (`add(5, 1); put(4, [100]); add(4, 10)` left 100, not 110). Transfers do not wait for each
 * other, so puts issued together still travel together.
 */
interface Gate {
  pending: number;
  /** Settles (never rejects) once every transfer added so far has settled. */
  all: Promise<unknown>;
}
const gates = new Map<ArrayMeta, Gate>();
const noop = (): void => undefined;

/** What later ops on `meta`'s array wait for, if a transfer is pending (see gates). */
export function gateOf(meta: ArrayMeta): Promise<unknown> | undefined {
  // Every element op asks: without a gate anywhere (nearly always), no lookup.
  return gates.size === 0 ? undefined : gates.get(meta)?.all;
}

/** Counts `p`, a transfer of `meta`'s array, in its gate until it settles. */
export function addGate(meta: ArrayMeta, p: Promise<unknown>): void {
  const settled = p.then(noop, noop);
  let g = gates.get(meta);
  if (g === undefined) gates.set(meta, (g = { pending: 0, all: settled }));
  else g.all = Promise.all([g.all, settled]);
  g.pending++;
  const gate = g;
  void settled.then(() => {
    if (--gate.pending === 0 && gates.get(meta) === gate) gates.delete(meta);
  });
}

/** Runs `f` once `gate` has settled. */
export function afterGate<R>(gate: Promise<unknown>, f: () => R | Promise<R>): Promise<R> {
  return gate.then(f);
}


/**
 * Settles once every batch of `meta`'s array sent from this PE is applied; undefined if none is
 * in flight. A put or get of an UnsafeArray goes by RDMA, not behind the batches' messages, so
 * it waits for them to see them, as it would on shmem.
 */
export function inFlight(meta: ArrayMeta): Promise<void> | undefined {
  const set = flying.get(meta);
  if (set === undefined || set.size === 0) return undefined;
  const all = [...set];
  return Promise.allSettled(all).then(() => undefined);
}

/**
 * Gathered values (each checked at its call) as the storage typed array a batch takes: the
 * conversion checkValues makes, without checking again (a bool is already 0 or 1 here).
 */
function storageValues(type: ArrayElemType, xs: readonly unknown[]): View {
  const words = storageOf(type).words;
  const out = new (storageCtor(type))(xs.length * words) as unknown as Scalar[];
  if (words === 2) for (let k = 0; k < xs.length; k++) writeWide(out as unknown as BigUint64Array, k, xs[k] as bigint);
  else for (let k = 0; k < xs.length; k++) out[k] = xs[k] as Scalar;
  return out as unknown as View;
}

/** Whether a gathered op's call needs its own entry of the outcome (old values, a CAS's flag). */
export const wantsEntry = (op: OpCode, fetch: boolean): boolean => fetch || isCas(op);

/** Entry `k` of a gathered batch's outcome, as a batch of one would give it. */
export function entryOf(r: OpResult, k: number, words: number): OpResult {
  return { out: r.out === null ? null : (r.out.subarray(k * words, (k + 1) * words) as View), ok: r.ok === null ? null : r.ok.subarray(k, k + 1) };
}
