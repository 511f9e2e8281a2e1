/**
 * Opening this PE's part of an array for one iteration, as Lamellar does: lock arrays take their
 * lock when the iteration starts and hold it until it ends.
 *
 * | array | read iterators | mutable local | mutable distributed |
 * |---|---|---|---|
 * | UnsafeArray | no lock | no lock | no lock |
 * | ReadOnlyArray | no lock | (none) | (none) |
 * | AtomicArray | no lock: each value is one tear-free element read (128-bit: under the element's lock) | AtomicElement handles | AtomicElement handles |
 * | LocalLockArray | this PE's read lock | this PE's write lock | this PE's write lock |
 * | GlobalLockArray | the global read lock | the global write lock | one write lock for all PEs (collective) |
 * | a lock array's guard (`readLock()`, `writeLock()`) | the guard's lock | the write guard's lock | (none) |
 *
 * Every open also pins the array, so a conversion waits for the iteration to end.
 *
 * How an item is read from the part's storage view: the ten region types are `v[l]` (the fused
 * loops' fast path); bool (a u8 of 0/1) and i128/u128 (two u64 words per element) go through a
 * reader `G(v, l)` that gives the API's value (boolean, bigint).
 */
import { amOnStack } from '../../am/index.js';
import { pin, unpin } from '../../memregion/internal.js';
import type { AtomicArray } from '../atomic.js';
import { lentViewOf, type ArrayBase } from '../base.js';
import { elemClass, readWide, type ArrayElemType } from '../elem.js';
import type { GlobalLockArray } from '../global-lock.js';
import type { LocalDataGuard } from '../guard.js';
import type { LocalLockArray } from '../local-lock.js';
import { kCollectiveWrite } from '../lock.js';
import { kArray } from '../meta.js';
import { loadLocked } from '../ops/wide.js';
import { AtomicElement, ElemRef, type AtomicSession, type RefSession } from './items.js';
import { ValueElemRef } from './value-ref.js';

/** Reads item `l` of a storage view as the API's value (for the element types that are not `v[l]`). */
export type Reader = (v: never, l: number) => unknown;

/**
 * A held lock an iteration may share instead of taking its own (a lock array's guard): `retain`
 * throws USE_AFTER_RELEASE once the guard is released, else keeps the lock until the returned
 * function is called.
 */
export interface Lease {
  retain(): () => void;
}

export interface Access {
  /** This PE's part of the array's window, as storage (two words per element for 128-bit types); offset 0 is the window's first local element. */
  readonly view: ArrayLike<unknown>;
  /** Elements in the part. */
  readonly len: number;
  /** How items are read: null for `view[l]`, else `G(view, l)`. */
  readonly G: Reader | null;
  /** Names the storage and reader, to keep the fused loops of different ones apart. */
  readonly tag: string;
  /** Element handles for mutable iteration, or null: items are values. */
  readonly R: (new (s: never, i: number) => unknown) | null;
  readonly S: unknown;
  /** Ends the iteration's access: closes handles, releases the lock, unpins. */
  release(): void;
}

const readBool = (v: Uint8Array, l: number): boolean => v[l] !== 0;
const readU128 = (v: BigUint64Array, l: number): bigint => readWide(v, l, false);
const readI128 = (v: BigUint64Array, l: number): bigint => readWide(v, l, true);

/** The reader of plain (unlocked) reads of `type`, or null for `v[l]`. */
export function readerOf(type: ArrayElemType): Reader | null {
  if (type === 'bool') return readBool as Reader;
  if (type === 'u128') return readU128 as Reader;
  if (type === 'i128') return readI128 as Reader;
  return null;
}

interface Part {
  readonly view: ArrayLike<unknown>;
  readonly len: number;
  readonly G: Reader | null;
  readonly tag: string;
}

/** The window-local part of `a` on this PE, without a lock (the caller holds what is needed). */
export function localPart(a: ArrayBase): Part {
  const ai = a[kArray];
  const m = ai.meta;
  const me = m.team.myPe;
  const [s, e] = m.layout.localRange(me, ai.offset, ai.offset + ai.length);
  // The program's view (core/lent.ts): a chunk of it may outlive the iteration.
  const view = lentViewOf(a);
  const type = m.type;
  if (ai.kind === 'AtomicArray' && elemClass(type) === 'wide') {
    // A generic atomic array: each read holds the element's lock, as its ops do.
    const locks = m.elemLocks![me]!.subarray(s, e);
    const signed = type === 'i128';
    const G = (v: BigUint64Array, l: number): bigint => loadLocked(v, locks, l, signed);
    return { view, len: e - s, G: G as Reader, tag: `locked ${type}` };
  }
  const G = readerOf(type);
  return { view, len: e - s, G, tag: G === null ? view.constructor.name : type };
}

/** Takes the lock a lock array's iteration needs; returns what releases it (and the pin). */
async function lockFor(a: ArrayBase, mut: boolean, collective: boolean, meet?: Meet): Promise<() => void> {
  const ai = a[kArray];
  const kind = ai.kind;
  if (kind !== 'LocalLockArray' && kind !== 'GlobalLockArray') {
    pin(ai.state);
    return () => unpin(ai.state);
  }
  const l = a as LocalLockArray | GlobalLockArray;
  let guard: LocalDataGuard<unknown>;
  if (!mut) guard = await l.readLocalData();
  else if (collective && kind === 'GlobalLockArray') guard = meet !== undefined ? await (l as GlobalLockArray)[kCollectiveWrite](meet) : await (l as GlobalLockArray).collectiveWriteLocalData();
  else guard = await l.writeLocalData();
  return () => guard.release();
}

/**
 * A consumer's place, taken at its call, among the lock requests of the consumers on one lock
 * array on this PE: a read asks for its lock once the last write consumer called before it has
 * been granted its own, a write once the last consumer of either kind has.
 *
 * A distributed consumer asks for its lock only after its opening barrier, and a GlobalLockArray's
 * `distIterMut()` for the array's one write lock only after two more (collectiveWriteLocalData),
 * while a local consumer asks at once. A read consumer called after a write consumer on every PE
 * (`Promise.all([w.forEach(...), a.distIter().sum()])`) then asked for the lock first on some PEs
 * and saw the writes on others: a torn sum, silently. Asked in call order, each request queues
 * at the lock behind the write before it, so every PE's part is read after the write consumer
 * has ended on it (everywhere, for the GlobalLockArray's one lock). Reads do not wait for reads.
 *
 * Consumers on a guard (a lease) take no lock and no turn, and neither do consumers started by
 * an AM's code: the program's call order says nothing of them, and one waiting behind a
 * distributed consumer (whose grant needs every PE at its barrier) could hold up the PE whose
 * script awaits that AM before it reaches the barrier.
 */
export interface LockTurn {
  /** Settles once the consumer this one follows has been granted its lock (undefined: it has). */
  readonly before: Promise<void> | undefined;
  /** This consumer has its lock, or will not ask for it (it failed first): lets the next one ask. */
  granted(): void;
}

interface Turn {
  /** Settles once this consumer and every one called before it on the array have their lock. */
  readonly all: Promise<void>;
  /** `all` has settled (read without a tick). */
  allDone: boolean;
}

/** Per lock array (its meta, shared by its handles on this PE): the last turn, and the last write's. */
const turns = new WeakMap<object, { last: Turn | undefined; lastWrite: Turn | undefined }>();

const noop = (): void => {};

/** Takes a consumer's lock turn on `a`, synchronously at its call (see LockTurn). */
export function takeLockTurn(a: ArrayBase, mut: boolean, lease: Lease | undefined): LockTurn | undefined {
  const ai = a[kArray];
  if (lease !== undefined || (ai.kind !== 'GlobalLockArray' && ai.kind !== 'LocalLockArray')) return undefined;
  let t = turns.get(ai.meta);
  if (t === undefined) turns.set(ai.meta, (t = { last: undefined, lastWrite: undefined }));
  // A write follows every consumer before it, reads too: a read granted at once must not let the
  // write overtake an earlier read still at its barrier. A read follows the writes only.
  const prev = mut ? t.last : t.lastWrite;
  const waits = prev !== undefined && !prev.allDone;
  // Only a consumer that would wait is asked whether AM code started it (a stack capture); one
  // that would not waits for nothing, wherever it was called.
  if (waits && amOnStack() !== undefined) return undefined;
  let resolve!: () => void;
  const own = new Promise<void>((r) => (resolve = r));
  const before = t.last;
  const all = before === undefined || before.allDone ? own : Promise.all([before.all, own]).then(noop);
  const mine: Turn = { all, allDone: false };
  void all.then(() => {
    mine.allDone = true;
  });
  t.last = mine;
  if (mut) t.lastWrite = mine;
  return {
    // Turns already granted are not waited for: not even a microtask, so a consumer asks for its
    // lock in its call, before an op the script issues next.
    before: waits ? prev.all : undefined,
    granted: resolve,
  };
}

/**
 * Opens `a` for reading (`mut` false) or writing; `collective` is the distributed form (all PEs
 * of the team open it together: GlobalLockArray then takes one write lock for all). With a
 * `lease` (a guard's), the guard's lock is used instead of taking one. With a `turn`, the lock is
 * asked for once the turn before it has been granted.
 */
/** A distributed consumer's meeting around a GlobalLockArray's write lock (exchange.ts). */
export type Meet = (take: () => Promise<void>) => Promise<void>;

export async function openAccess(a: ArrayBase, mut: boolean, collective: boolean, lease?: Lease, turn?: LockTurn, meet?: Meet): Promise<Access> {
  const ai = a[kArray];
  const kind = ai.kind;
  let done: () => void;
  if (lease !== undefined) done = lease.retain();
  else {
    try {
      if (turn?.before !== undefined) await turn.before;
      done = await lockFor(a, mut, collective, meet);
    } finally {
      turn?.granted();
    }
  }
  let part: Part;
  try {
    part = localPart(a);
  } catch (err) {
    done();
    throw err;
  }
  if (!mut) return { ...part, R: null, S: null, release: done };
  if (kind === 'AtomicArray') {
    const t = ai.meta.type;
    const cls = elemClass(t);
    // Integer elements take the Atomics fast path on the view; the others go through the
    // array's atomic accessors (bool keeps booleans; 128-bit takes the element's lock).
    const s: AtomicSession = { data: (a as AtomicArray).localData(), ints: cls === 'int' || cls === 'big' ? (part.view as never) : null, owner: a, type: t };
    return { ...part, R: AtomicElement as never, S: s, release: done };
  }
  const s: RefSession = {
    v: part.view as never,
    type: ai.meta.type,
    read: part.G,
    wide: elemClass(ai.meta.type) === 'wide',
    label: kind,
    what: `${kind} element store`,
    open: true,
  };
  return {
    ...part,
    R: (part.G === null ? ElemRef : ValueElemRef) as never,
    S: s,
    release: () => {
      s.open = false;
      done();
    },
  };
}
