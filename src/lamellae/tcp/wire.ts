/**
 * The tcp lamella's message format on the network threads' connections (memory requests, signals,
 * collectives, control), used unchanged in the rings between a PE's main thread and its network
 * thread. AM frames have a format and connections of their own (am-links.ts).
 *
 * Every message is a fixed 24-byte little-endian header followed by `len` body bytes:
 *
 *   0  u32 len    body bytes that follow (capped: see maxBody)
 *   4  u8  type   T.*
 *   5  u8  sub    atomic word << 4 | op, or the collective's owner (COLL_*)
 *   6  u16 flags  FLAG_LAST on the last chunk of a put or get reply
 *   8  u32 pe     on a socket: the sender (checked against the authenticated peer); main → net
 *                 thread: the destination; net thread → main: the source
 *  12  u32 id     request id (put, get, atomic and their replies), collective sequence number
 *  16  u32 addr   heap address (put, get, atomic, signal)
 *  20  u32 arg    get: length; get reply: offset into the destination; signal: the value
 *
 * A fixed header keeps decoding to a handful of loads with no allocation, and lets the network
 * thread forward a received message to the main thread without rewriting it. Puts and get
 * replies larger than CHUNK travel in CHUNK-sized pieces, so a big transfer never holds a socket
 * (or a ring) for long. Bodies are raw bytes, 8-byte numbers, or JSON for the rare control messages (parsed,
 * never evaluated).
 */

export const HDR = 24;
export const H_LEN = 0;
export const H_TYPE = 4;
export const H_SUB = 5;
export const H_FLAGS = 6;
export const H_PE = 8;
export const H_ID = 12;
export const H_ADDR = 16;
export const H_ARG = 20;

export const T = {
  /** Retired: AM frames travel on the message links (am-links.ts); one here is malformed. */
  FRAME: 1,
  PUT: 2,
  PUT_ACK: 3,
  GET: 4,
  GET_DATA: 5,
  ATOMIC: 6,
  ATOMIC_RESULT: 7,
  SIGNAL: 8,
  ERR: 9,
  COLL: 10,
  COLL_RESULT: 11,
  PING: 12,
  BYE: 13,
  ABORT: 14,
  HELLO: 15,
  TABLE: 16,
} as const;
export const LAST_TYPE = 16;

export const FLAG_LAST = 1;

/** COLL/COLL_RESULT `sub`: a collective of the main thread, or the network threads' own. */
export const COLL_MAIN = 0;
export const COLL_NET = 1;

/** Largest piece of a put or get reply in one message. */
export const CHUNK = 256 * 1024;

/**
 * Largest body a peer may declare; anything above is malformed. Bounded by a chunk, or by the
 * biggest control message: the address table (under 64 bytes of JSON per PE).
 */
export const maxBody = (numPes: number): number => Math.max(CHUNK, numPes * 64);

export const WORDS = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64'] as const;
export const OPS = ['load', 'store', 'swap', 'add', 'sub', 'and', 'or', 'xor', 'cas'] as const;
export const wordBytes = (w: number): number => 1 << (w >> 1);
export const isBigWord = (w: number): boolean => w >= 6;

/** A reusable header builder (one per thread: callers fill it and hand `bytes` on at once). */
export class Header {
  readonly bytes: Uint8Array = new Uint8Array(HDR);
  readonly #v = new DataView(this.bytes.buffer);

  set(type: number, pe: number, len: number, id = 0, addr = 0, arg = 0, sub = 0, flags = 0): Uint8Array {
    const v = this.#v;
    v.setUint32(H_LEN, len, true);
    v.setUint8(H_TYPE, type);
    v.setUint8(H_SUB, sub);
    v.setUint16(H_FLAGS, flags, true);
    v.setUint32(H_PE, pe, true);
    v.setUint32(H_ID, id, true);
    v.setUint32(H_ADDR, addr, true);
    v.setUint32(H_ARG, arg >>> 0, true);
    return this.bytes;
  }
}

/** Writes an atomic operand: 64-bit words as two's-complement bigints, the rest as f64. */
export function putOperand(v: DataView, at: number, w: number, value: number | bigint | undefined): void {
  if (isBigWord(w)) v.setBigUint64(at, BigInt.asUintN(64, BigInt(value ?? 0n)), true);
  else v.setFloat64(at, Number(value ?? 0), true);
}

export function getOperand(v: DataView, at: number, w: number): number | bigint {
  if (!isBigWord(w)) return v.getFloat64(at, true);
  return w === 6 ? v.getBigInt64(at, true) : v.getBigUint64(at, true);
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export const jsonBody = (value: unknown): Uint8Array => utf8.encode(JSON.stringify(value));

/**
 * The longest error message an ABORT carries, in UTF-16 units (at most 48 KiB as UTF-8). A peer
 * refuses a body over maxBody (256 KiB) as FRAME_TOO_LARGE, and a script's error message can be
 * any length (`throw new Error(JSON.stringify(big))`): its report would have been lost for one
 * that reads as the runtime's own fault.
 */
const ABORT_TEXT = 16384;

/** An ABORT's body: the error's code and message (cut to ABORT_TEXT), and the PE it began on. */
export function abortBody(code: string, message: string, origin?: number): Uint8Array {
  // Cut with room for the note, so that a PE relaying a cut message does not cut it again.
  const kept = ABORT_TEXT - 48;
  const text = message.length > ABORT_TEXT ? `${message.slice(0, kept)}... (${message.length - kept} more characters)` : message;
  return jsonBody(origin === undefined ? { code, message: text } : { code, message: text, origin });
}

/** Parses a JSON body; anything that is not valid UTF-8 JSON yields undefined. */
export function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(fromUtf8.decode(body)) as unknown;
  } catch {
    return undefined;
  }
}

/** An error as it crosses the wire: a code and a message. */
export interface WireFault {
  code: string;
  message: string;
}

export function asFault(value: unknown): WireFault | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === 'string' && typeof message === 'string' ? { code, message } : undefined;
}
