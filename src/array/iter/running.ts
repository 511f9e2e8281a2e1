/**
 * Consumers that are still running, for waitAll() and drop().
 *
 * A consumer's promise need not be awaited: Lamellar's `for_each(..).spawn()` followed by
 * `wait_all()` is ported as a consumer left running and `await world.waitAll()`. So a consumer
 * counts as work launched from this PE, like an AM: in the world's `waitAll()` (and shutdown's),
 * in its team's, and in the array's. In Lamellar a spawned iteration also holds a reference to
 * its array; here dropping a handle waits for the consumers started through it, so an
 * `await using` scope that ends with a consumer still running does not pull the array from under
 * it.
 */
import { Counter } from '../../am/index.js';
import { kTeamInternals } from '../../team/index.js';
import type { ArrayBase } from '../base.js';
import { kArray } from '../meta.js';

const byHandle = new WeakMap<ArrayBase, Counter>();

/**
 * Starts `start()` and counts it as running work of each of `arrays` (a zip's arrays) until it
 * settles; returns a promise settling as it does. The arrays are looked at first: a handle
 * released since the iterator was made throws here, before anything starts (a consumer started
 * first was left rejecting with nobody to catch it, and failed its PE though the caller caught
 * the same error).
 */
export function running<R>(arrays: readonly ArrayBase[], start: () => Promise<R>): Promise<R> {
  const counters: Counter[] = [];
  const teams: ArrayBase['team'][] = [];
  for (const a of arrays) {
    let c = byHandle.get(a);
    if (c === undefined) {
      c = new Counter();
      byHandle.set(a, c);
    }
    if (counters.includes(c)) continue;
    counters.push(c);
    counters.push(a[kArray].meta.ops);
    teams.push(a.team);
  }
  const p = start();
  for (const t of teams) t[kTeamInternals].track(p);
  for (const c of counters) c.add();
  // The caller gets a promise of its own that settles as `p` does: the trackers' handlers on `p`
  // must not count as the caller's, so a failing consumer nobody awaits is still an unhandled
  // rejection, as it was before it was tracked.
  return p.finally(() => {
    for (const c of counters) c.done();
  });
}

/** Resolves once no consumer started through `handle` is running (at once if none is). */
export function consumersIdle(handle: ArrayBase): Promise<void> | undefined {
  const c = byHandle.get(handle);
  return c === undefined || c.value === 0 ? undefined : c.idle();
}
