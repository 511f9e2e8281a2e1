/**
 * Reader-writer locks in shared memory: one i32 word, 0 = free, n > 0 = n readers, -1 = a
 * writer. Every PE that maps the word's heap takes the lock with Atomics directly (shmem);
 * elsewhere the owner takes it for the caller inside a runtime AM. Waiting never blocks the
 * event loop: a contended lock is awaited with Atomics.waitAsync on the word, which wakes on
 * the releaser's Atomics.notify (or re-checks when the word changed before the wait began).
 * Readers can overtake a waiting writer: element ops are short, and guards are meant to be.
 */

/** Word indices inside each PE's lock area. */
export const LOCAL_LOCK = 0;
/** On team PE 0 only: the GlobalLockArray's lock. */
export const GLOBAL_LOCK = 1;
/** On team PE 0 only: collective write guards not yet released. */
export const COLLECTIVE_LEFT = 2;

export function tryLock(w: Int32Array, i: number, write: boolean): boolean {
  if (write) return Atomics.compareExchange(w, i, 0, -1) === 0;
  let cur = Atomics.load(w, i);
  while (cur >= 0) {
    const seen = Atomics.compareExchange(w, i, cur, cur + 1);
    if (seen === cur) return true;
    cur = seen;
  }
  return false;
}

/** Takes the lock; resolves at once (no await needed) when it is free. */
export function lock(w: Int32Array, i: number, write: boolean): Promise<void> | undefined {
  if (tryLock(w, i, write)) return undefined;
  return lockSlow(w, i, write);
}

async function lockSlow(w: Int32Array, i: number, write: boolean): Promise<void> {
  for (;;) {
    if (tryLock(w, i, write)) return;
    const cur = Atomics.load(w, i);
    // Free again between the failed attempt and now: try again at once.
    if (cur === 0 || (!write && cur > 0)) continue;
    const r = Atomics.waitAsync(w, i, cur);
    if (r.async) await r.value;
  }
}

export function unlock(w: Int32Array, i: number, write: boolean): void {
  if (write) {
    Atomics.store(w, i, 0);
    Atomics.notify(w, i);
  } else if (Atomics.sub(w, i, 1) === 1) Atomics.notify(w, i);
}
