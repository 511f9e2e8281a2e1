/**
 * Walking a value for the runtime references in it (a freed Darc's value, darc/owned.ts), and
 * releasing the handles inside a decoded value that reaches nobody: the results of the PEs that
 * succeeded, when an `execAmAll` or an AM group rejects with another entry's error. In Lamellar
 * those results are dropped, and the Darcs in them with them; here each handle would otherwise
 * hold its object on every PE until the garbage collector found it (and then warn that it was
 * never dropped, about a handle the program never saw).
 */
import { refsByProto, type RefCodec } from './refs.js';

/**
 * Calls the ref codec's `release` on every runtime reference reachable from `value` (a codec
 * releases only a handle decoded from a message: a returned AM's result, run on its origin, may
 * hold the program's own).
 */
export function releaseRefsIn(value: unknown): void {
  forEachRef(value, false, (v, codec) => {
    try {
      codec.release?.(v);
    } catch {
      // A handle that cannot be released now (already released) has nothing to give back; the
      // walk goes on to the others.
    }
  });
}

/**
 * Calls `visit` on every runtime reference (a value with a ref codec) reachable from `value`,
 * without looking inside one. It looks in arrays, Maps (keys and values), Sets and plain objects,
 * and with `instances` in class instances' own enumerable fields too (not in typed arrays,
 * buffers, weak collections or promises). Never throws: a getter that throws or a failing
 * `visit` ends the walk there; it keeps its own stack, so a deeply nested value cannot overflow
 * the call stack, and a cycle is walked once.
 */
export function forEachRef(value: unknown, instances: boolean, visit: (ref: object, codec: RefCodec<unknown>) => void): void {
  if (typeof value !== 'object' || value === null) return;
  const seen = new Set<object>();
  const stack: object[] = [value];
  const push = (x: unknown): void => {
    if (typeof x === 'object' && x !== null && !seen.has(x)) stack.push(x);
  };
  try {
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      const proto: unknown = Object.getPrototypeOf(v);
      const ref = refsByProto.get(proto);
      if (ref !== undefined) {
        visit(v, ref.codec);
        continue;
      }
      if (Array.isArray(v)) for (const x of v) push(x);
      else if (v instanceof Map) {
        for (const [k, x] of v) {
          push(k);
          push(x);
        }
      } else if (v instanceof Set) for (const x of v) push(x);
      else if (proto === Object.prototype || proto === null) for (const x of Object.values(v)) push(x);
      else if (instances && !opaque(v)) for (const k of Object.keys(v)) push((v as Record<string, unknown>)[k]);
    }
  } catch {
    // A getter or a proxy threw: the references not reached yet are left alone.
  }
}

/** Objects whose own fields hold no references a walk should follow. */
function opaque(v: object): boolean {
  return ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer || v instanceof WeakMap || v instanceof WeakSet || v instanceof Promise;
}
