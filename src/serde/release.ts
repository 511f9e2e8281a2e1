/**
 * Releasing the runtime handles inside a decoded value that reaches nobody: the results of the
 * PEs that succeeded, when an `execAmAll` or an AM group rejects with another entry's error. In
 * Lamellar those results are dropped, and the Darcs in them with them; here each handle would
 * otherwise hold its object on every PE until the garbage collector found it (and then warn that
 * it was never dropped, about a handle the program never saw).
 */
import { refsByProto } from './refs.js';

/**
 * Calls the ref codec's `release` on every runtime reference reachable from `value` (a codec
 * releases only a handle decoded from a message: a returned AM's result, run on its origin, may
 * hold the program's own). Never throws: a getter that throws or a cycle ends the walk there, and
 * the walk keeps its own stack, so a deeply nested value cannot overflow the call stack.
 */
export function releaseRefsIn(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  const seen = new Set<object>();
  const stack: object[] = [value];
  const push = (x: unknown): void => {
    if (typeof x === 'object' && x !== null && !seen.has(x)) stack.push(x);
  };
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    try {
      const proto: unknown = Object.getPrototypeOf(v);
      const ref = refsByProto.get(proto);
      if (ref !== undefined) {
        ref.codec.release?.(v);
        continue;
      }
      // Only the containers a decoded value is built of hold handles (docs/serde.md).
      if (Array.isArray(v)) for (const x of v) push(x);
      else if (v instanceof Map) {
        for (const [k, x] of v) {
          push(k);
          push(x);
        }
      } else if (v instanceof Set) for (const x of v) push(x);
      else if (proto === Object.prototype || proto === null) for (const x of Object.values(v)) push(x);
    } catch {
      // A handle already released, or a getter that throws: nothing more to give back from here.
    }
  }
}
