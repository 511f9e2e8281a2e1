/**
 * Whether a value is one the codec can send, found without encoding it: for arguments kept to be
 * sent later (AM groups), so that a bad one is refused at the call that adds it rather than when
 * the group goes out with other entries already sent. It accepts what encode.ts accepts, in one
 * allocation-free walk; a cycle shows as nesting past MAX_DEPTH, as it does to the encoder. Ref
 * codecs are not called (their encode may count a reference as sent): a class with a codec
 * passes, and only its encode can refuse it later (a released handle).
 */
import { BUILTIN_KINDS, errorFields, K_MAP, K_SET } from './encode.js';
import { refsByCtor, refsByProto } from './refs.js';
import { MAX_DEPTH, MAX_U32 } from './tags.js';

const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;

export function sendable(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'function':
    case 'symbol':
      return false;
    case 'object':
      return v === null || sendableObject(v, depth);
    default:
      return true;
  }
}

function sendableObject(v: object, depth: number): boolean {
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto === OBJECT_PROTO || proto === null) {
    if (++depth > MAX_DEPTH) return false;
    const o = v as Record<string, unknown>;
    for (const k in o) if (!sendable(o[k], depth)) return false;
    return true;
  }
  if (proto === ARRAY_PROTO) {
    if (++depth > MAX_DEPTH) return false;
    const a = v as unknown[];
    for (let i = 0; i < a.length; i++) if (!sendable(a[i], depth)) return false;
    return true;
  }
  const kind = BUILTIN_KINDS.get(proto);
  if (kind === K_MAP) {
    if (++depth > MAX_DEPTH) return false;
    for (const [k, x] of v as Map<unknown, unknown>) if (!sendable(k, depth) || !sendable(x, depth)) return false;
    return true;
  }
  if (kind === K_SET) {
    if (++depth > MAX_DEPTH) return false;
    for (const x of v as Set<unknown>) if (!sendable(x, depth)) return false;
    return true;
  }
  if (kind !== undefined) return (v as { byteLength?: number }).byteLength === undefined || (v as { byteLength: number }).byteLength <= MAX_U32;
  if (refsByProto.has(proto) || refsByCtor.has((v as { constructor?: unknown }).constructor)) return true;
  if (!(v instanceof Error)) return false;
  if (++depth > MAX_DEPTH) return false;
  if (Object.hasOwn(v, 'cause') && !sendable(v.cause, depth)) return false;
  const fields = errorFields(v);
  for (const k in fields) if (!sendable(fields[k], depth)) return false;
  return true;
}
