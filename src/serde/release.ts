/**
 * Releasing the runtime handles inside a decoded value that reaches nobody: the results of the
 * PEs that succeeded, when an `execAmAll` or an AM group rejects with another entry's error. In
 * Lamellar those results are dropped, and the Darcs in them with them; here each handle would
 * otherwise hold its object on every PE until the garbage collector found it (and then warn that
 * it was never dropped, about a handle the program never saw).
 */
import { refsByProto } from './refs.js';

/** Calls the ref codec's `release` on every runtime reference reachable from `value`. */
export function releaseRefsIn(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  walk(value, new Set());
}

function walk(v: object, seen: Set<object>): void {
  if (seen.has(v)) return;
  seen.add(v);
  const proto: unknown = Object.getPrototypeOf(v);
  const ref = refsByProto.get(proto);
  if (ref !== undefined) {
    try {
      ref.codec.release?.(v);
    } catch {
      // A handle that cannot be released now (already released) has nothing to give back.
    }
    return;
  }
  // Only the containers a decoded value is built of hold handles (docs/serde.md).
  if (Array.isArray(v)) {
    for (const x of v) if (typeof x === 'object' && x !== null) walk(x, seen);
  } else if (v instanceof Map) {
    for (const [k, x] of v) {
      if (typeof k === 'object' && k !== null) walk(k, seen);
      if (typeof x === 'object' && x !== null) walk(x, seen);
    }
  } else if (v instanceof Set) {
    for (const x of v) if (typeof x === 'object' && x !== null) walk(x, seen);
  } else if (proto === Object.prototype || proto === null) {
    for (const x of Object.values(v)) if (typeof x === 'object' && x !== null) walk(x, seen);
  }
}
