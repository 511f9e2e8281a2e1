/**
 * Keeps a PE's event loop turning under an awaited loop of operations that complete at once.
 *
 * An operation on this PE's own memory (an element of an array that this PE owns, its part of a
 * region, a free lock) is applied synchronously and returns a promise that is already resolved.
 * So a port of Lamellar's retry loop, `while (!(await a.compareExchange(i, 1, 2)).ok) {}`, runs
 * on microtasks alone: the event loop never turns, and the messages the other PEs sent are never
 * read, including the one whose op would end the loop (on tcp and ofi, another PE's element op
 * runs on the owner's main thread). Rust Lamellar's worker threads serve them meanwhile; a PE
 * here has one thread, and the PE spins forever.
 *
 * So the runtime counts such completions, and every STREAK-th of them without a turn of the
 * event loop resolves a turn later (setImmediate), after pending I/O has run. One in STREAK, not
 * only the first: with two tasks looping, the late one may be the other task's (a task that
 * waits for the spinner's flag), and the spinner, its own ops all resolved at once, spun for
 * ever; with every STREAK-th late, each looping task gets a late one in turn and the loop turns
 * once they all wait. A synchronous loop that launches many operations without awaiting them
 * gets one late promise in STREAK, not one per operation.
 */

/** Completions without a turn of the event loop after which one waits for a turn. */
const STREAK = 1024;

let streak = 0;
let watching = false;
const turned = (): void => {
  streak = 0;
  watching = false;
};

/** A resolved promise to hand out for operations with no result. */
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Counts one completion that did not wait. True for every STREAK-th of them without a turn of
 * the event loop: the caller then resolves its promise a turn later (`nextTurn`).
 */
export function starving(): boolean {
  if (!watching) {
    watching = true;
    // Runs at the next turn, before the setImmediate of a `nextTurn` (immediates run in order).
    setImmediate(turned);
  }
  return ++streak % STREAK === 0;
}

/** `value`, a turn of the event loop later. */
export function nextTurn<T>(value: T): Promise<T> {
  return new Promise<T>((resolve) => setImmediate(resolve, value));
}

/** The promise of an operation that completed at once with `value`. */
export function completed<T>(value: T): Promise<T> {
  return starving() ? nextTurn(value) : Promise.resolve(value);
}

/** The promise of an operation with no result that completed at once. */
export function completedVoid(): Promise<void> {
  return starving() ? nextTurn(undefined) : RESOLVED;
}
