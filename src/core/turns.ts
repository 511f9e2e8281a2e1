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
 *
 * A count alone missed loops whose turns compute: a task farm whose tasks of 5 ms each took a
 * counter's next value from this PE's own element made 1,024 tasks (5 s) before a turn, and the
 * other PEs' requests for that counter (on tcp, ops on another PE's element run on its owner's
 * thread) waited all that time: one PE ran all 200 tasks. So the clock is read too, at the 1st,
 * 2nd, 4th, 8th, ... completion of a streak (about ten readings per streak, whatever its
 * length), and a streak that has lasted TURN_MS resolves its completion a turn later as well.
 */

/** Completions without a turn of the event loop after which one waits for a turn. */
const STREAK = 1024;
/** How long a streak may hold the event loop, checked at its power-of-two completions: an AM slice's default. */
const TURN_MS = 2;

let streak = 0;
let watching = false;
let started = 0;
const turned = (): void => {
  streak = 0;
  watching = false;
};

/** A resolved promise to hand out for operations with no result. */
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Counts one completion that did not wait. True for every STREAK-th of them without a turn of
 * the event loop, and for one that finds the streak TURN_MS old: the caller then resolves its
 * promise a turn later (`nextTurn`).
 */
export function starving(): boolean {
  if (!watching) {
    watching = true;
    // Runs at the next turn, before the setImmediate of a `nextTurn` (immediates run in order).
    setImmediate(turned);
    started = performance.now();
  }
  const n = ++streak;
  return n % STREAK === 0 || ((n & (n - 1)) === 0 && performance.now() - started > TURN_MS);
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
