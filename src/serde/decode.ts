/**
 * The decoder. Every read is bounds-checked against `Reader.end`, every count is checked against
 * the bytes left before anything is allocated for it (each element takes at least one byte), and
 * nesting is capped, so corrupt input fails with DESERIALIZE instead of looping, allocating
 * gigabytes or overflowing the stack.
 */
import { MISS, type RefMemo } from './memo.js';
import { deserializeError, type Reader } from './reader.js';
import { refsById } from './refs.js';
import * as T from './tags.js';

/**
 * The `ctx` of the outermost `decodeValue` call, for ref codecs. A module variable rather than
 * a parameter threaded through every call: only REF values need it.
 */
let currentCtx: unknown;
/** The memo of the outermost `decodeValue` call, if it was given one (memo.ts). */
let currentMemo: RefMemo | undefined;

export function setCtx(ctx: unknown): unknown {
  const prev = currentCtx;
  currentCtx = ctx;
  return prev;
}

export function setMemo(memo: RefMemo | undefined): RefMemo | undefined {
  const prev = currentMemo;
  currentMemo = memo;
  return prev;
}

export function dec(r: Reader, depth: number): unknown {
  const p = r.pos;
  if (p >= r.end) throw deserializeError('truncated input: expected a value', p);
  const t = r.buf[p]!;
  r.pos = p + 1;
  if (t < 0x80) return t;
  if (t >= T.NEG_FIXINT) return t - 0x100;
  if (t < 0xc0) {
    if (t >= T.FIXSTR) return r.utf8(t & 0x1f);
    if (t >= T.FIXARR) return decArray(r, t & 0x0f, depth);
    return decObject(r, t & 0x0f, depth);
  }
  switch (t) {
    case T.UNDEFINED:
      return undefined;
    case T.NULL:
      return null;
    case T.FALSE:
      return false;
    case T.TRUE:
      return true;
    case T.INT32:
      return r.i32();
    case T.FLOAT64:
      return r.f64();
    case T.STR8:
      return r.utf8(r.u8());
    case T.STR32:
      return r.utf8(r.u32());
    case T.OBJ32:
      return decObject(r, r.u32(), depth);
    case T.OBJ_NULL_PROTO:
      return decNullProto(r, r.u32(), depth);
    case T.ARR32:
      return decArray(r, r.u32(), depth);
    case T.MAP:
      return decMap(r, r.u32(), depth);
    case T.SET:
      return decSet(r, r.u32(), depth);
    case T.DATE:
      return new Date(r.f64());
    case T.BIGINT64: {
      const q = r.need(8);
      r.pos = q + 8;
      return r.dv.getBigInt64(q, true);
    }
    case T.BIGINT_BIG:
      return decBigInt(r);
    case T.TYPED_ARRAY:
      return decTypedArray(r);
    case T.ARRAY_BUFFER:
      return r.bytes(r.u32()).buffer;
    case T.DATA_VIEW:
      return new DataView(r.bytes(r.u32()).buffer);
    case T.REF:
      return decRef(r);
    case T.REF_AGAIN:
      return decRefAgain(r, p, depth);
    case T.ERROR:
      return decError(r, p, depth);
    default:
      throw deserializeError(`unknown tag 0x${t.toString(16)}`, p);
  }
}

/** An ERROR value: the built-in class its kind names, with the sender's name, stack, cause and fields. */
function decError(r: Reader, at: number, depth: number): Error {
  if (++depth > T.MAX_DEPTH) throw deserializeError(`values nested more than ${T.MAX_DEPTH} deep`, at);
  const Ctor = T.ERROR_KINDS[r.u8()];
  if (Ctor === undefined) throw deserializeError('unknown error kind', at);
  const name = dec(r, depth);
  const message = dec(r, depth);
  const stack = dec(r, depth);
  const hasCause = dec(r, depth);
  const cause = hasCause === true ? dec(r, depth) : undefined;
  const fields = dec(r, depth);
  // The fields must be a plain object: a typed array there (4 MB) made 4 million own keys.
  const fieldsProto: unknown = fields !== null && typeof fields === 'object' ? Object.getPrototypeOf(fields) : undefined;
  if (typeof name !== 'string' || typeof message !== 'string' || (stack !== undefined && typeof stack !== 'string') || typeof hasCause !== 'boolean' || (fieldsProto !== Object.prototype && fieldsProto !== null)) {
    throw deserializeError('malformed error value', at);
  }
  const e = hasCause ? new Ctor(message, { cause }) : new Ctor(message);
  // As the constructors make them: name, stack and cause own but not enumerable.
  if (name !== Ctor.name) Object.defineProperty(e, 'name', { value: name, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(e, 'stack', { value: stack, writable: true, enumerable: false, configurable: true });
  // A field may not replace what the error has as one (toString, message): String(e) must work.
  for (const k of Object.keys(fields as object)) if (!T.ERROR_MEMBERS.has(k)) setKey(e as unknown as Record<string, unknown>, k, (fields as Record<string, unknown>)[k]);
  return e;
}

/** Rejects a count that cannot fit in what is left (every element is at least `minBytes`). */
function checkItemCount(r: Reader, n: number, minBytes: number, depth: number): void {
  if (n * minBytes > r.end - r.pos) {
    throw deserializeError(`count ${n} exceeds the ${r.end - r.pos} byte(s) left`, r.pos);
  }
  if (depth > T.MAX_DEPTH) throw deserializeError(`values nested more than ${T.MAX_DEPTH} deep`, r.pos);
}

function decArray(r: Reader, n: number, depth: number): unknown[] {
  checkItemCount(r, n, 1, ++depth);
  const a = new Array<unknown>(n);
  for (let i = 0; i < n; i++) a[i] = dec(r, depth);
  return a;
}

/*
 * Plain objects, small (the 0x80-0x8f tags) or not, are built key by key. A faster path that
 * compiled a per-shape object-literal factory with `new Function` was measured and removed:
 * nothing received from another PE may ever be turned into code (the failure model: only closure
 * AMs from authenticated peers carry code).
 */
function decObject(r: Reader, n: number, depth: number): Record<string, unknown> {
  checkItemCount(r, n, 2, ++depth);
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const k = decKey(r);
    setKey(o, k, dec(r, depth));
  }
  return o;
}

function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  // Plain assignment of "__proto__" would set the prototype instead of an own key.
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

function decNullProto(r: Reader, n: number, depth: number): Record<string, unknown> {
  checkItemCount(r, n, 2, ++depth);
  const o = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < n; i++) {
    const k = decKey(r);
    o[k] = dec(r, depth);
  }
  return o;
}

function decMap(r: Reader, n: number, depth: number): Map<unknown, unknown> {
  checkItemCount(r, n, 2, ++depth);
  const m = new Map<unknown, unknown>();
  for (let i = 0; i < n; i++) {
    const k = dec(r, depth);
    m.set(k, dec(r, depth));
  }
  return m;
}

function decSet(r: Reader, n: number, depth: number): Set<unknown> {
  checkItemCount(r, n, 1, ++depth);
  const s = new Set<unknown>();
  for (let i = 0; i < n; i++) s.add(dec(r, depth));
  return s;
}

/*
 * Object keys repeat across the thousands of AMs in a frame. A small direct-mapped cache of short
 * keys (up to 24 bytes) hands back the string decoded last time instead of building a new one,
 * which saves the allocation and lets V8's property caches see the same key object again
 * (measured: 2.8 -> 4.5 M decodes/s of `{ from, idx, val, tag }`). A hit is confirmed byte by
 * byte against a copy of the key's bytes, so a collision only costs a miss.
 */
const KEY_CACHE_BITS = 12;
const KEY_CACHE_SIZE = 1 << KEY_CACHE_BITS;
const KEY_CACHE_MAX_LEN = 24;
const keyCache: (string | undefined)[] = new Array<string | undefined>(KEY_CACHE_SIZE).fill(undefined);
const keyLens = new Uint8Array(KEY_CACHE_SIZE);
const keyBytes = new Uint8Array(KEY_CACHE_SIZE * KEY_CACHE_MAX_LEN);

function decKey(r: Reader): string {
  const p = r.pos;
  if (p >= r.end) throw deserializeError('truncated input: expected an object key', p);
  const t = r.buf[p]!;
  r.pos = p + 1;
  if (t >= T.FIXSTR && t < T.UNDEFINED) {
    const n = t & 0x1f;
    return n <= KEY_CACHE_MAX_LEN ? cachedKey(r, n) : r.utf8(n);
  }
  if (t === T.STR8) return r.utf8(r.u8());
  if (t === T.STR32) return r.utf8(r.u32());
  throw deserializeError(`object key must be a string, found tag 0x${t.toString(16)}`, p);
}

/**
 * Cache slot of key bytes [p, p + n), n >= 1: a hash of the length and five sampled bytes (ends,
 * quarters, middle) instead of all of them, which was measurably cheaper; keys that differ only
 * elsewhere share a slot and just miss.
 */
function keySlotOf(b: Uint8Array, p: number, n: number): number {
  const q = n >> 2;
  const h = b[p]! ^ (b[p + q]! << 5) ^ (b[p + (n >> 1)]! << 10) ^ (b[p + n - 1 - q]! << 15) ^ (b[p + n - 1]! << 20) ^ (n << 25);
  return Math.imul(h, 0x9e3779b1) >>> (32 - KEY_CACHE_BITS);
}

function cachedKey(r: Reader, n: number): string {
  const p = r.need(n);
  const buf = r.buf;
  const slot = n === 0 ? 0 : keySlotOf(buf, p, n);
  const hit = keyCache[slot];
  if (hit !== undefined && keyLens[slot] === n) {
    const base = slot * KEY_CACHE_MAX_LEN;
    let i = 0;
    while (i < n && keyBytes[base + i] === buf[p + i]) i++;
    if (i === n) {
      r.pos = p + n;
      return hit;
    }
  }
  const s = r.utf8(n);
  keyCache[slot] = s;
  keyLens[slot] = n;
  keyBytes.set(buf.subarray(p, p + n), slot * KEY_CACHE_MAX_LEN);
  return s;
}

function decBigInt(r: Reader): bigint {
  const start = r.pos - 1;
  const sign = r.u8();
  const words = r.u32();
  if (sign > 1) throw deserializeError(`bad bigint sign byte ${sign}`, start);
  const p = r.need(words * 4);
  r.pos = p + words * 4;
  let hex = '';
  for (let i = words - 1; i >= 0; i--) hex += r.dv.getUint32(p + i * 4, true).toString(16).padStart(8, '0');
  const mag = words === 0 ? 0n : BigInt('0x' + hex);
  return sign === 1 ? -mag : mag;
}

function decTypedArray(r: Reader): T.TypedArray {
  const start = r.pos - 1;
  const kind = r.u8();
  const Ctor = T.TYPED_ARRAY_KINDS[kind];
  if (Ctor === undefined) throw deserializeError(`unknown typed array kind ${kind}`, start);
  const len = r.u32();
  if (len % Ctor.BYTES_PER_ELEMENT !== 0) {
    throw deserializeError(`${len} bytes is not a whole number of ${Ctor.name} elements`, start);
  }
  // One copy into a fresh, unshared ArrayBuffer (offset 0, so any element size is aligned).
  const copy = r.bytes(len);
  return kind === 1 ? copy : new Ctor(copy.buffer as ArrayBuffer, 0, len / Ctor.BYTES_PER_ELEMENT);
}

function decRef(r: Reader): unknown {
  const start = r.pos - 1;
  const id = r.u32();
  const entry = refsById.get(id);
  if (entry === undefined) {
    throw deserializeError(
      `unknown ref codec id 0x${id.toString(16).padStart(8, '0')} (is its codec registered on this PE?)`,
      start,
    );
  }
  const memo = currentMemo;
  if (memo === undefined) return entry.codec.decode(r, currentCtx);
  const hit = memo.find(id, r);
  if (hit !== MISS) return hit;
  const at = r.pos;
  const mark = memo.holds.mark();
  const value = entry.codec.decode(r, currentCtx);
  memo.keep(id, r, at, value, memo.holds.share(mark), entry.codec.copy, start);
  return value;
}

/**
 * REF_AGAIN at `p`: the REF at an earlier offset of the same frame. The memo has it unless that
 * AM was never decoded (refused before its arguments) or its handle was dropped; then the REF
 * is decoded again where it stands, as if it were written here.
 */
function decRefAgain(r: Reader, p: number, depth: number): unknown {
  const at = r.u32();
  if (at >= p || r.buf[at] !== T.REF) throw deserializeError(`back-reference to byte ${at} is not an earlier reference`, p);
  const memo = currentMemo;
  if (memo !== undefined) {
    const hit = memo.findAt(at);
    if (hit !== MISS) return hit;
  }
  const resume = r.pos;
  r.pos = at;
  const value = dec(r, depth);
  r.pos = resume;
  return value;
}
