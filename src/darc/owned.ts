/**
 * A Darc owns its value, as in Lamellar, where freeing a Darc drops its `T` and with it every
 * Darc, array or region the `T` holds. JS has no destructors, so when a Darc is freed this walks
 * its instance and drops the clones it finds; otherwise a Darc kept in another Darc's value
 * (Rust's `Darc::new(team, Outer { inner: inner.clone() })`) would live until the garbage
 * collector found its handle, with an unreleased-handle warning, or for ever.
 *
 * Only handles made by `clone()` are the value's: the program may still use a handle it put in
 * the value itself (or that is reachable from it through a shared object), and each PE frees
 * its instance at its own moment, so dropping those would break the program on some PEs only.
 *
 * It looks where a value keeps things: arrays, plain objects and class instances (their own
 * enumerable fields), Map keys and values, Set members. It does not look inside typed arrays or
 * buffers, functions, or the handles themselves (a freed Darc does that for its own value).
 */
import { RefHandle, releaseWithOwner } from '../memregion/internal.js';
import { forEachRef } from '../serde/index.js';

export function dropOwnedHandles(value: unknown): void {
  // A getter or a proxy in the value that throws ends the walk: the handles not reached yet are
  // left to the garbage collector (and its unreleased-handle warning); freeing must not fail.
  forEachRef(value, true, (v) => {
    // One being converted on this PE is left to that conversion; a team is left alone.
    if (v instanceof RefHandle) releaseWithOwner(v);
  });
}
