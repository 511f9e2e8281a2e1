/**
 * Opening this PE's part of an array for one iteration, as Lamellar does: lock arrays take their
 * lock when the iteration starts and hold it until it ends.
 *
 * | array | read iterators | mutable local | mutable distributed |
 * |---|---|---|---|
 * | UnsafeArray | no lock | no lock | no lock |
 * | ReadOnlyArray | no lock | (none) | (none) |
 * | AtomicArray | no lock: each value is one tear-free element read | AtomicElement handles | AtomicElement handles |
 * | LocalLockArray | this PE's read lock | this PE's write lock | this PE's write lock |
 * | GlobalLockArray | the global read lock | the global write lock | one write lock for all PEs (collective) |
 *
 * Every open also pins the array, so a conversion waits for the iteration to end.
 */
import { pin, unpin, type ElemType, type TypedArrayOf } from '../../memregion/internal.js';
import type { AtomicArray } from '../atomic.js';
import type { ArrayBase } from '../base.js';
import type { GlobalLockArray } from '../global-lock.js';
import type { LocalDataGuard } from '../guard.js';
import type { LocalLockArray } from '../local-lock.js';
import { kArray } from '../meta.js';
import { AtomicElement, ElemRef, type AtomicSession, type RefSession } from './items.js';

export interface Access {
  /** This PE's part of the array's window; view offset 0 is the window's first local element. */
  readonly view: TypedArrayOf<ElemType>;
  /** Element handles for mutable iteration, or null: items are `view[l]`. */
  readonly R: (new (s: never, i: number) => unknown) | null;
  readonly S: unknown;
  /** Ends the iteration's access: closes handles, releases the lock, unpins. */
  release(): void;
}

/** The window-local part of `a` on this PE, without a lock (the caller holds what is needed). */
export function localView<T extends ElemType>(a: ArrayBase<T>): TypedArrayOf<T> {
  const ai = a[kArray];
  const m = ai.meta;
  const [s, e] = m.layout.localRange(m.team.myPe, ai.offset, ai.offset + ai.length);
  return (m.views[m.team.myPe]! as unknown as TypedArrayOf<T>).subarray(s, e) as TypedArrayOf<T>;
}

/**
 * Opens `a` for reading (`mut` false) or writing; `collective` is the distributed form (all PEs
 * of the team open it together: GlobalLockArray then takes one write lock for all).
 */
export async function openAccess(a: ArrayBase, mut: boolean, collective: boolean): Promise<Access> {
  const ai = a[kArray];
  const kind = ai.kind;
  if (kind === 'LocalLockArray' || kind === 'GlobalLockArray') {
    const l = a as LocalLockArray | GlobalLockArray;
    let guard: LocalDataGuard<TypedArrayOf<ElemType>>;
    if (!mut) guard = (await l.readLocalData()) as LocalDataGuard<TypedArrayOf<ElemType>>;
    else if (collective && kind === 'GlobalLockArray') guard = await (l as GlobalLockArray).collectiveWriteLocalData();
    else guard = await l.writeLocalData();
    const view = guard.value;
    if (!mut) return { view, R: null, S: null, release: () => guard.release() };
    const s: RefSession = { v: view, type: ai.meta.type, label: kind, what: `${kind} element store`, open: true };
    return {
      view,
      R: ElemRef as never,
      S: s,
      release: () => {
        s.open = false;
        guard.release();
      },
    };
  }
  pin(ai.state);
  const view = localView(a);
  const done = (): void => unpin(ai.state);
  if (!mut) return { view, R: null, S: null, release: done };
  if (kind === 'AtomicArray') {
    const t = ai.meta.type;
    const s: AtomicSession = { data: (a as AtomicArray).localData(), ints: t === 'f32' || t === 'f64' ? null : view, owner: a, type: t };
    return { view, R: AtomicElement as never, S: s, release: done };
  }
  const s: RefSession = { v: view, type: ai.meta.type, label: kind, what: `${kind} element store`, open: true };
  return {
    view,
    R: ElemRef as never,
    S: s,
    release: () => {
      s.open = false;
      done();
    },
  };
}
