/**
 * The encoder's fast path. It keeps no path bookkeeping: on the first value it cannot encode it
 * throws a preallocated marker, and `encodeValue` (index.ts) rewinds the Writer and asks
 * diagnose.ts to walk the value again, slowly, to say where and what the problem is.
 */
import { copyBytes } from '../core/index.js';
import { refsByCtor, refsByProto, type RefEntry } from './refs.js';
import * as T from './tags.js';
import { utf8Write } from './utf8.js';
import type { Writer } from './writer.js';

/** Thrown (never escapes serde) for a value the codec does not support. Preallocated: no stack capture. */
export const UNSUPPORTED = new Error('unsupported value');
/** Thrown (never escapes serde) when containers nest deeper than MAX_DEPTH, usually a cycle. */
export const TOO_DEEP = new Error('nesting too deep');

/** The ref value whose codec threw during the current encode, for the error report. */
let refFailure: { value: object; error: unknown } | undefined;

export function takeRefFailure(): { value: object; error: unknown } | undefined {
  const f = refFailure;
  refFailure = undefined;
  return f;
}

const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;

export const K_MAP = 1;
export const K_SET = 2;
const K_DATE = 3;
const K_ARRAY_BUFFER = 4;
const K_DATA_VIEW = 5;
/** Typed arrays are K_TYPED + their TYPED_ARRAY_KINDS index. */
const K_TYPED = 16;

/** Prototype -> kind for the built-in classes, so one Map lookup replaces a chain of instanceof. */
export const BUILTIN_KINDS = new Map<object, number>([
  [Map.prototype, K_MAP],
  [Set.prototype, K_SET],
  [Date.prototype, K_DATE],
  [ArrayBuffer.prototype, K_ARRAY_BUFFER],
  [DataView.prototype, K_DATA_VIEW],
  // Node's Buffer is a Uint8Array subclass that shows up everywhere; send it as its bytes. It
  // decodes as a plain Uint8Array.
  [Buffer.prototype, K_TYPED + 1],
  ...T.TYPED_ARRAY_KINDS.map((C, i): [object, number] => [C.prototype, K_TYPED + i]),
]);

export function enc(w: Writer, v: unknown, depth: number): void {
  switch (typeof v) {
    case 'number':
      encNumber(w, v);
      return;
    case 'string':
      encString(w, v);
      return;
    case 'object':
      if (v === null) tag(w, T.NULL);
      else encObject(w, v, depth);
      return;
    case 'boolean':
      tag(w, v ? T.TRUE : T.FALSE);
      return;
    case 'undefined':
      tag(w, T.UNDEFINED);
      return;
    case 'bigint':
      encBigInt(w, v);
      return;
    default:
      throw UNSUPPORTED;
  }
}

function tag(w: Writer, t: number): void {
  w.ensure(1);
  w.buf[w.pos++] = t;
}

function encNumber(w: Writer, v: number): void {
  w.ensure(9);
  const p = w.pos;
  // `(v | 0) === v` is the int32 test; it also accepts -0, which must stay a float to survive.
  if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
    if (v >= 0 ? v < 0x80 : v >= -32) {
      w.buf[p] = v & 0xff;
      w.pos = p + 1;
      return;
    }
    w.buf[p] = T.INT32;
    w.dv.setInt32(p + 1, v, true);
    w.pos = p + 5;
    return;
  }
  w.buf[p] = T.FLOAT64;
  // NaN has many bit patterns; write the canonical one so equal values encode identically.
  w.dv.setFloat64(p + 1, v === v ? v : NaN, true);
  w.pos = p + 9;
}

export function encString(w: Writer, s: string): void {
  const n = s.length;
  if (n < 32) {
    // Room for the worst case: STR8 header + 3 bytes per UTF-16 unit (93 bytes max).
    w.ensure(2 + n * 3);
    const buf = w.buf;
    const p = w.pos;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[p + 1 + i] = c;
    }
    if (i === n) {
      buf[p] = T.FIXSTR | n;
      w.pos = p + 1 + n;
      return;
    }
  }
  encStringSlow(w, s);
}

/**
 * Non-ASCII or longer strings: encode natively after a header sized for the worst case (3 bytes
 * per UTF-16 unit), then slide the bytes down if the real length needs a smaller header. The
 * header depends only on the byte length, so the output stays deterministic. Long strings are
 * measured first instead, so that a 100 MB string does not make the Writer reserve 300 MB.
 */
function encStringSlow(w: Writer, s: string): void {
  if (s.length > 4096) {
    const len = Buffer.byteLength(s, 'utf8');
    w.ensure(5 + len);
    w.buf[w.pos] = T.STR32;
    w.dv.setUint32(w.pos + 1, len, true);
    utf8Write(w.nb, s, w.pos + 5, len);
    w.pos += 5 + len;
    return;
  }
  const max = s.length * 3;
  w.ensure(5 + max);
  const p = w.pos;
  const guess = max < 32 ? 1 : max < 0x100 ? 2 : 5;
  const len = utf8Write(w.nb, s, p + guess, max);
  const hdr = len < 32 ? 1 : len < 0x100 ? 2 : 5;
  const buf = w.buf;
  if (hdr !== guess) buf.copyWithin(p + hdr, p + guess, p + guess + len);
  if (hdr === 1) buf[p] = T.FIXSTR | len;
  else if (hdr === 2) {
    buf[p] = T.STR8;
    buf[p + 1] = len;
  } else {
    buf[p] = T.STR32;
    w.dv.setUint32(p + 1, len, true);
  }
  w.pos = p + hdr + len;
}

/**
 * The last ref class encoded: a stream of AMs that all carry one kind of handle (an array, a
 * Darc) finds its codec with one comparison.
 */
let lastRefProto: unknown;
let lastRef: RefEntry | undefined;

/*
 * The two checks before `Object.getPrototypeOf` are for AM arguments like `[darc, n]`, a stream
 * of tuples around one handle. `getPrototypeOf` on a call site that sees many classes is a
 * builtin call, not a map load (measured: [darc, n] 108 -> 44 ns, [7, n] 56 -> 28 ns per encode
 * with both checks, plain objects unchanged). An array's `constructor` is read only once
 * `Array.isArray` holds; a subclass instance has its own class there and takes the full path.
 */
function encObject(w: Writer, v: object, depth: number): void {
  if (v === w.lastRef) return encAgain(w, v);
  if (Array.isArray(v) && (v as { constructor?: unknown }).constructor === Array) return encArray(w, v as unknown[], depth);
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === OBJECT_PROTO) return encPlain(w, v as Record<string, unknown>, depth);
  if (proto === ARRAY_PROTO) return encArray(w, v as unknown[], depth);
  let ref: RefEntry | undefined;
  if (proto === lastRefProto && proto !== undefined) ref = lastRef;
  else {
    const kind = BUILTIN_KINDS.get(proto as object);
    if (kind !== undefined) return encBuiltin(w, v, kind, depth);
    if (proto === null) return encNullProto(w, v as Record<string, unknown>, depth);
    ref = refsByProto.get(proto);
    if (ref !== undefined) {
      lastRefProto = proto;
      lastRef = ref;
    } else {
      ref = refsByCtor.get((v as { constructor?: unknown }).constructor);
      if (ref === undefined) {
        if (v instanceof Error) return encError(w, v, depth);
        throw UNSUPPORTED;
      }
    }
  }
  ref = ref!;
  const at = w.pos;
  try {
    w.ensure(5);
    w.buf[at] = T.REF;
    w.dv.setUint32(at + 1, ref.id, true);
    w.pos = at + 5;
    ref.codec.encode(w, v);
    if (w.backRefs && ref.codec.again !== undefined) {
      w.lastRef = v;
      w.lastRefAt = at;
      w.lastRefCodec = ref.codec;
    }
  } catch (e) {
    // Remember which value failed: diagnose.ts must not call codecs again to find out (their
    // encode may have side effects, such as counting a reference as sent).
    refFailure = { value: v, error: e };
    throw e;
  }
}

/** `v`, the reference this frame last wrote in full, again: a REF_AGAIN with that offset. */
function encAgain(w: Writer, v: object): void {
  try {
    w.lastRefCodec!.again!(v);
  } catch (e) {
    refFailure = { value: v, error: e };
    throw e;
  }
  w.ensure(5);
  const at = w.pos;
  w.buf[at] = T.REF_AGAIN;
  w.dv.setUint32(at + 1, w.lastRefAt, true);
  w.pos = at + 5;
  w.againAt.push(at);
}

function encPlain(w: Writer, o: Record<string, unknown>, depth: number): void {
  if (++depth > T.MAX_DEPTH) throw TOO_DEEP;
  w.ensure(1);
  const at = w.pos++;
  let n = 0;
  // for-in rather than Object.keys: V8 serves it from the map's enum cache without allocating,
  // and `o[k]` inside it is a fast indexed load (measured 8.3 vs 6.2 M mixed small objects/s).
  // Object.prototype carries no enumerable keys.
  for (const k in o) {
    encString(w, k);
    enc(w, o[k], depth);
    n++;
  }
  if (n < 16) {
    w.buf[at] = T.FIXOBJ | n;
    return;
  }
  // Too many keys for the one-byte header: open a 4-byte gap for the count (rare). What the
  // writer recorded by position inside the moved bytes moves with them: the runs gathered by
  // reference (their holes move as bytes), the reference a REF_AGAIN would point back to, and
  // the REF_AGAIN records written inside, with their offsets when they point inside too.
  w.ensure(4);
  w.buf.copyWithin(at + 5, at + 1, w.pos);
  w.buf[at] = T.OBJ32;
  w.dv.setUint32(at + 1, n, true);
  w.pos += 4;
  const g = w.gathered;
  for (let i = g.length - 2; i >= 0 && (g[i] as number) > at; i -= 2) g[i] = (g[i] as number) + 4;
  if (w.lastRef !== undefined && w.lastRefAt > at) w.lastRefAt += 4;
  const again = w.againAt;
  for (let i = again.length - 1; i >= 0 && again[i]! > at; i--) {
    const rec = again[i]! + 4;
    again[i] = rec;
    const target = w.dv.getUint32(rec + 1, true);
    if (target > at) w.dv.setUint32(rec + 1, target + 4, true);
  }
}

function encNullProto(w: Writer, o: Record<string, unknown>, depth: number): void {
  if (++depth > T.MAX_DEPTH) throw TOO_DEEP;
  w.ensure(5);
  const at = w.pos;
  w.buf[at] = T.OBJ_NULL_PROTO;
  w.pos += 5;
  let n = 0;
  for (const k in o) {
    encString(w, k);
    enc(w, o[k], depth);
    n++;
  }
  w.dv.setUint32(at + 1, n, true);
}

function countHeader(w: Writer, fixTag: number, bigTag: number, n: number): void {
  w.ensure(5);
  const p = w.pos;
  if (n < 16 && fixTag !== 0) {
    w.buf[p] = fixTag | n;
    w.pos = p + 1;
  } else {
    w.buf[p] = bigTag;
    w.dv.setUint32(p + 1, n, true);
    w.pos = p + 5;
  }
}

function encArray(w: Writer, a: unknown[], depth: number): void {
  if (++depth > T.MAX_DEPTH) throw TOO_DEEP;
  const n = a.length;
  countHeader(w, T.FIXARR, T.ARR32, n);
  // Holes read as undefined and are sent as such.
  for (let i = 0; i < n; i++) enc(w, a[i], depth);
}

function encBuiltin(w: Writer, v: object, kind: number, depth: number): void {
  if (kind >= K_TYPED) {
    const ta = v as T.TypedArray;
    rawBytes(w, T.TYPED_ARRAY, kind - K_TYPED, ta.buffer, ta.byteOffset, ta.byteLength);
    return;
  }
  switch (kind) {
    case K_MAP: {
      if (++depth > T.MAX_DEPTH) throw TOO_DEEP;
      const m = v as Map<unknown, unknown>;
      countHeader(w, 0, T.MAP, m.size);
      for (const [k, x] of m) {
        enc(w, k, depth);
        enc(w, x, depth);
      }
      return;
    }
    case K_SET: {
      if (++depth > T.MAX_DEPTH) throw TOO_DEEP;
      const s = v as Set<unknown>;
      countHeader(w, 0, T.SET, s.size);
      for (const x of s) enc(w, x, depth);
      return;
    }
    case K_DATE: {
      const t = (v as Date).getTime();
      w.ensure(9);
      w.buf[w.pos] = T.DATE;
      w.dv.setFloat64(w.pos + 1, t === t ? t : NaN, true);
      w.pos += 9;
      return;
    }
    case K_ARRAY_BUFFER:
      rawBytes(w, T.ARRAY_BUFFER, -1, v as ArrayBuffer, 0, (v as ArrayBuffer).byteLength);
      return;
    default: {
      const dv = v as DataView;
      rawBytes(w, T.DATA_VIEW, -1, dv.buffer, dv.byteOffset, dv.byteLength);
    }
  }
}

const ERROR_PROTOS: readonly object[] = T.ERROR_KINDS.map((C) => C.prototype as object);

/** The ERROR_KINDS index of `e`'s class, or of the nearest built-in error class it extends. */
export function errorKind(e: Error): number {
  for (let p = Object.getPrototypeOf(e) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const i = ERROR_PROTOS.indexOf(p);
    if (i >= 0) return i;
  }
  return 0;
}

/** The own enumerable fields an Error carries besides name, message, stack and cause (`code`, `details`). */
export function errorFields(e: Error): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  for (const k of Object.keys(e)) {
    if (T.ERROR_MEMBERS.has(k)) continue;
    const v = (e as unknown as Record<string, unknown>)[k];
    // Assigning "__proto__" would set the prototype of `own` instead of carrying the field.
    if (k === '__proto__') Object.defineProperty(own, k, { value: v, writable: true, enumerable: true, configurable: true });
    else own[k] = v;
  }
  return own;
}

/** An Error, as structuredClone sends one: rebuilt as its built-in class, with its name and fields. */
function encError(w: Writer, e: Error, depth: number): void {
  if (++depth > T.MAX_DEPTH) throw TOO_DEEP;
  w.ensure(2);
  w.buf[w.pos++] = T.ERROR;
  w.buf[w.pos++] = errorKind(e);
  enc(w, String(e.name), depth);
  enc(w, String(e.message), depth);
  enc(w, typeof e.stack === 'string' ? e.stack : undefined, depth);
  const hasCause = Object.hasOwn(e, 'cause');
  tag(w, hasCause ? T.TRUE : T.FALSE);
  if (hasCause) enc(w, e.cause, depth);
  encPlain(w, errorFields(e), depth);
}

/** Tag, optional kind byte, u32 length, then the bytes in one copy. */
function rawBytes(w: Writer, t: number, kind: number, src: ArrayBufferLike, off: number, len: number): void {
  if (len > T.MAX_U32) throw UNSUPPORTED;
  w.ensure(6 + len);
  let p = w.pos;
  w.buf[p++] = t;
  if (kind >= 0) w.buf[p++] = kind;
  w.dv.setUint32(p, len, true);
  p += 4;
  if (len >= w.gatherMin) {
    w.pos = p;
    w.run(new Uint8Array(src, off, len));
    return;
  }
  // copyBytes: a typed array on a shared heap (unsafeLocalData) would otherwise copy word by word.
  copyBytes(w.buf, p, new Uint8Array(src, off, len));
  w.pos = p + len;
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function encBigInt(w: Writer, v: bigint): void {
  if (v >= I64_MIN && v <= I64_MAX) {
    w.ensure(9);
    w.buf[w.pos] = T.BIGINT64;
    w.dv.setBigInt64(w.pos + 1, v, true);
    w.pos += 9;
    return;
  }
  // Arbitrary size: cut the hex digits of the magnitude into u32 words. Linear in the size,
  // unlike repeated 64-bit shifts of a huge bigint.
  const hex = (v < 0n ? -v : v).toString(16);
  const words = Math.ceil(hex.length / 8);
  w.ensure(6 + words * 4);
  let p = w.pos;
  w.buf[p++] = T.BIGINT_BIG;
  w.buf[p++] = v < 0n ? 1 : 0;
  w.dv.setUint32(p, words, true);
  p += 4;
  for (let i = 0, end = hex.length; i < words; i++, end -= 8) {
    w.dv.setUint32(p, parseInt(hex.slice(Math.max(0, end - 8), end), 16), true);
    p += 4;
  }
  w.pos = p;
}
