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

export function dropOwnedHandles(value: unknown): void {
  try {
    walk(value);
  } catch {
    // A getter or a proxy in the value threw: the handles not reached yet are left to the
    // garbage collector (and its unreleased-handle warning); freeing must not fail.
  }
}

function walk(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  const seen = new Set<object>();
  const todo: object[] = [value];
  const push = (x: unknown): void => {
    if (typeof x === 'object' && x !== null && !seen.has(x)) todo.push(x);
  };
  while (todo.length > 0) {
    const v = todo.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    if (v instanceof RefHandle) {
      // One being converted on this PE is left to that conversion.
      releaseWithOwner(v);
      continue;
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer || v instanceof WeakMap || v instanceof WeakSet || v instanceof Promise) continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) push(v[i]);
    } else if (v instanceof Map) {
      for (const [k, x] of v) {
        push(k);
        push(x);
      }
    } else if (v instanceof Set) {
      for (const x of v) push(x);
    } else {
      for (const k of Object.keys(v)) push((v as Record<string, unknown>)[k]);
    }
  }
}
