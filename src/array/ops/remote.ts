/**
 * Runtime AMs for arrays whose PEs are not mapped into each other (tcp): one AM per owner PE
 * carries a batch as typed arrays of local offsets and values, the owner applies it in one
 * kernel call (under its own lock for LocalLockArray) and answers with one typed array of old
 * values. The GlobalLockArray's lock, kept on team PE 0, is taken and released the same way.
 */
import { defineAm } from '../../am/index.js';
import { COLLECTIVE_LEFT, GLOBAL_LOCK, LOCAL_LOCK, lock, unlock } from '../lock.js';
import { kTeamInternals } from '../../team/index.js';
import type { ArrayBase } from '../base.js';
import { kArray, type ArrayMeta } from '../meta.js';
import { Op, type OpCode } from '../types.js';
import { combineFor } from './combine.js';
import { runKernel, type View } from './kernels.js';
import { applyLocal, wasmKernel, wasmSideOf, WASM_MIN_BATCH } from './wasm/apply.js';

/** Any array handle (the codec sends it as a reference; it arrives as the owner's handle). */
export type ArrayRef = ArrayBase;

export interface RemoteOps {
  a: ArrayRef;
  op: OpCode;
  o: Uint32Array;
  v: number | bigint | View;
  c: number | bigint | View;
  e: number;
  /** Wants old values back. */
  f: boolean;
}

export interface RemoteResult {
  r: View | null;
  k: Uint8Array | null;
}

export const OpsAm = defineAm('lamellar/array/ops', async (_ctx, a: RemoteOps): Promise<RemoteResult> => {
  const ai = a.a[kArray];
  const m = ai.meta;
  const me = m.team.myPe;
  const n = a.o.length;
  const cas = a.op === Op.compareExchange || a.op === Op.compareExchangeEpsilon;
  const out = a.f || cas ? (new m.ctor(n * m.words) as unknown as View) : null;
  const ok = cas ? new Uint8Array(n) : null;
  const locked = ai.kind === 'LocalLockArray';
  const write = a.op !== Op.load;
  const name = n >= WASM_MIN_BATCH ? wasmKernel(ai, a.op, a.v, a.f) : undefined;
  const side = name === undefined ? null : wasmSideOf(m);
  if (side !== null && side.fns[me] !== undefined) {
    // An AtomicArray batch of integer ops: the owner applies it as a WebAssembly kernel.
    applyLocal(side, name!, me, a.o, a.v as number | bigint | View, out);
    return { r: out, k: ok };
  }
  if (locked) await parked(m, lock(m.locks[me]!, LOCAL_LOCK, write));
  try {
    runKernel({
      op: a.op,
      atomic: ai.kind === 'AtomicArray',
      type: m.type,
      words: m.words,
      comb: combineFor(m.type, a.op),
      views: [m.views[me]!],
      bits: m.bits === null ? null : [m.bits[me]!],
      elemLocks: m.elemLocks === null ? null : [m.elemLocks[me]!],
      pes: new Uint32Array(n),
      offs: a.o,
      n,
      vals: a.v as number | View,
      vbase: 0,
      cur: a.c as number | View,
      eps: a.e,
      out,
      ok,
      obase: 0,
    });
  } finally {
    if (locked) unlock(m.locks[me]!, LOCAL_LOCK, write);
  }
  return { r: out, k: ok };
});

/** On team PE 0: takes the GlobalLockArray's lock for the caller. */
export const GlobalLockAm = defineAm('lamellar/array/global-lock', async (_ctx, a: { a: ArrayRef; w: boolean }): Promise<void> => {
  const m = a.a[kArray].meta;
  await parked(m, lock(m.locks[0]!, GLOBAL_LOCK, a.w));
});

/**
 * A lock wait inside one of these AMs, not counted in this PE's waitAll() (Engine.parked): the
 * lock may be held by a guard on another PE that is released only after a barrier this PE
 * reaches through waitAll(). Nothing to wait for: undefined.
 */
export function parked(m: ArrayMeta, wait: Promise<void> | undefined): Promise<void> | undefined {
  return wait === undefined ? undefined : m.team[kTeamInternals].runtime.engine.parked(wait);
}

/** On team PE 0: releases the lock taken by GlobalLockAm. */
export const GlobalUnlockAm = defineAm('lamellar/array/global-unlock', (_ctx, a: { a: ArrayRef; w: boolean }): void => {
  unlock(a.a[kArray].meta.locks[0]!, GLOBAL_LOCK, a.w);
});

/** On team PE 0: one collective write guard was released; the last one frees the lock. */
export const CollectiveDoneAm = defineAm('lamellar/array/collective-done', (_ctx, a: { a: ArrayRef }): void => {
  collectiveDone(a.a[kArray].meta.locks[0]!);
});

export function collectiveDone(w: Int32Array): void {
  if (Atomics.sub(w, COLLECTIVE_LEFT, 1) === 1) unlock(w, GLOBAL_LOCK, true);
}
