/**
 * serde: the binary codec for AM arguments and results. Values are encoded straight into a
 * caller-owned Writer (an aggregation buffer holding many AMs) and decoded from a Reader over a
 * frame that may live in a SharedArrayBuffer ring. Wire format, supported values and error
 * behaviour: docs/serde.md.
 */
import { ErrorCode, LamellarError } from '../core/index.js';
import { sendable } from './check.js';
import { dec, setCtx, setMemo } from './decode.js';
import { encodeError } from './diagnose.js';
import { enc, UNSUPPORTED } from './encode.js';
import type { RefMemo } from './memo.js';
import { deserializeError, Reader } from './reader.js';
import { Writer } from './writer.js';

export { Writer } from './writer.js';
export { Reader } from './reader.js';
export { registerRefCodec, refCodecId, type RefCodec } from './refs.js';
export { RefMemo, type RefHolds } from './memo.js';
export { forEachRef, releaseRefsIn } from './release.js';
export { noteUnsendable } from './diagnose.js';
export * as tags from './tags.js';
export type { ReceivedError, Wire, WireCheck, WireError, WireHandle, WireHandles, WirePrimitive, WireReceived, WireTypedArray } from './wire.js';

/**
 * Appends `value` to `w`. On failure throws SERIALIZE naming `label` (what is being encoded, e.g.
 * "argument of AM 'hello'") and the path to the bad value starting at `root`, and rewinds
 * `w.pos` to where it was, so the bytes of earlier values in the same buffer stay intact.
 */
export function encodeValue(w: Writer, value: unknown, label?: string, root = 'args'): void {
  const start = w.pos;
  try {
    enc(w, value, 0);
  } catch (e) {
    w.rewind(start);
    throw encodeError(e, value, label, root);
  }
}

/**
 * Throws the SERIALIZE error `encodeValue` would for a value that cannot be sent, without
 * encoding it (check.ts): for arguments kept to be sent later. A released handle passes here and
 * is refused only when encoded.
 */
export function checkValue(value: unknown, label?: string, root = 'args'): void {
  let ok: boolean;
  try {
    ok = sendable(value, 0);
  } catch {
    // A getter that throws, a Map whose iteration does (Object.create(Map.prototype)): the
    // encoder would refuse it too, and its walk names where and why.
    ok = false;
  }
  if (!ok) throw encodeError(UNSUPPORTED, value, label, root);
}

/**
 * Reads one value at `r.pos` and advances past it. `ctx` (the receiving PE's runtime, opaque
 * here) is handed to ref codecs. With a `memo`, a reference whose bytes were decoded before
 * (while the memo held them) comes out as the same value (memo.ts). Corrupt or truncated input
 * throws DESERIALIZE (a ref codec's own LamellarError passes through); `r.pos` is then
 * unspecified.
 */
export function decodeValue(r: Reader, ctx?: unknown, memo?: RefMemo): unknown {
  const prev = setCtx(ctx);
  const prevMemo = setMemo(memo);
  try {
    return dec(r, 0);
  } catch (e) {
    if (e instanceof LamellarError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new LamellarError(ErrorCode.DESERIALIZE, `cannot decode: ${msg} (at byte offset ${r.pos})`, {
      cause: e,
      details: { offset: r.pos },
    });
  } finally {
    setCtx(prev);
    setMemo(prevMemo);
  }
}

/**
 * Reused across calls; taken out of the slot while in use so a nested call (a ref codec
 * encoding a field) gets its own. Dropped when it has grown past 1 MiB, not to pin memory.
 */
let spare: Writer | undefined;
const SPARE_MAX = 1 << 20;

/**
 * Encodes one value into a fresh Uint8Array; `root` names it in an error's path. Exactly sized,
 * except that a large one may be a view on a larger buffer: read it through the view only.
 */
export function encodeToBytes(value: unknown, label?: string, root = 'args'): Uint8Array {
  const w = spare ?? new Writer(256);
  spare = undefined;
  w.reset();
  try {
    encodeValue(w, value, label, root);
    // A writer that grew past 1 MiB is not kept, so its bytes can be handed out as they are when
    // they fill at least half of it: a large typed array is then copied once, not twice.
    if (w.buf.length > SPARE_MAX && w.pos * 2 >= w.buf.length) return w.buf.subarray(0, w.pos);
    return w.buf.slice(0, w.pos);
  } finally {
    if (w.buf.length <= SPARE_MAX) spare = w;
  }
}

/**
 * Checks that the value just decoded from `r` ended where its record does (`end`): a value
 * that reads short or long of its record's length is corrupt, and so is the rest of the frame
 * it would misread (DESERIALIZE).
 */
export function expectEnd(r: Reader, end: number): void {
  if (r.pos !== end) throw deserializeError(`the value ends ${r.pos < end ? `${end - r.pos} byte(s) before` : `${r.pos - end} byte(s) past`} its record`, r.pos);
}

/** Decodes exactly one value spanning all of `bytes`; trailing bytes are a DESERIALIZE error. */
export function decodeFromBytes(bytes: Uint8Array, ctx?: unknown): unknown {
  const r = new Reader(bytes);
  const v = decodeValue(r, ctx);
  if (r.pos !== r.end) throw deserializeError(`${r.end - r.pos} trailing byte(s) after the value`, r.pos);
  return v;
}
