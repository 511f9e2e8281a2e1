/**
 * The ofi lamella's message format: one 32-byte little-endian header, used unchanged on the
 * fabric and in the two rings between a PE's main thread and its native progress thread (the C
 * side, native/ofi/ofi.h, keeps the same numbers):
 *
 *   0  u32 len    body bytes that follow
 *   4  u8  type   T.*
 *   5  u8  sub    frame part (PART_*), or atomic word << 4 | op, or an error kind
 *   6  u16 flags  FLAG_FABRIC: do this atomic with the provider's fi_atomic; FLAG_REGISTERED:
 *                 the write/read's local side is a registered user buffer (x is its slot);
 *                 the flag 4 is the target's own (an atomic it holds for a retry, already
 *                 applied: native/ofi/ofi.h's FLAG_APPLIED), never sent
 *   8  u32 pe     on the fabric: the sender; main → native: the destination; native → main: the source
 *  12  u32 id     request id (write, read, atomic, length query) and its answer
 *  16  u32 addr   heap address at the target; for a FIRST or WHOLE frame part, the frame's size
 *  20  u32 arg    write/read: length; signal: the value
 *  24  u64 x      on the fabric: the sender's job token; write/read: the local heap address
 *                 (or, with FLAG_REGISTERED, the slot in the low 16 bits and an offset above)
 *
 * Frames larger than CHUNK travel as FIRST, MID..., LAST parts (messages from one sender arrive
 * in order: the endpoint is opened with FI_ORDER_SAS) and are joined on the main thread.
 */

export const HDR = 32;
export const H_LEN = 0;
export const H_TYPE = 4;
export const H_SUB = 5;
export const H_FLAGS = 6;
export const H_PE = 8;
export const H_ID = 12;
export const H_ADDR = 16;
export const H_ARG = 20;
export const H_X = 24;

export const T = {
  FRAME: 1,
  WRITE: 2,
  READ: 3,
  ATOMIC: 4,
  ATOMIC_RESULT: 5,
  SIGNAL: 6,
  LEN: 7,
  LEN_RESULT: 8,
  DONE: 9,
  ERROR: 10,
  FATAL: 11,
  QUIESCE: 12,
  QUIESCED: 13,
  REMOTE_ERROR: 14,
} as const;

export const PART_WHOLE = 0;
export const PART_FIRST = 1;
export const PART_MID = 2;
export const PART_LAST = 3;

export const FLAG_FABRIC = 1;
export const FLAG_REGISTERED = 2;

/** FATAL kinds and ERROR kinds (the `sub` byte). */
export const FATAL_PROTOCOL = 1;
export const FATAL_PE_FAILED = 3;
export const ERR_BOUNDS = 1;

/** The largest frame part in one fabric message (the receive buffers hold HDR + CHUNK). */
export const CHUNK = 64 * 1024;

/** Control words (Int32 indexes into the control block), each on its own 64-byte line. */
export const C_BELL = 0;
export const C_SLEEP = 1;
export const C_MAIN_PENDING = 16;
export const C_HEAP_LEN = 32;
export const C_DROPPED = 48;
export const CONTROL_BYTES = 64 * 4;

export const WORDS = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64'] as const;
export const OPS = ['load', 'store', 'swap', 'add', 'sub', 'and', 'or', 'xor', 'cas'] as const;
export const wordBytes = (w: number): number => 1 << (w >> 1);

/** A reusable header builder (callers fill it and hand `bytes` on at once). */
export class Header {
  readonly bytes: Uint8Array = new Uint8Array(HDR);
  readonly #v = new DataView(this.bytes.buffer);

  set(type: number, pe: number, len: number, id = 0, addr = 0, arg = 0, x = 0, sub = 0, flags = 0): Uint8Array {
    const v = this.#v;
    v.setUint32(H_LEN, len, true);
    v.setUint8(H_TYPE, type);
    v.setUint8(H_SUB, sub);
    v.setUint16(H_FLAGS, flags, true);
    v.setUint32(H_PE, pe, true);
    v.setUint32(H_ID, id, true);
    v.setUint32(H_ADDR, addr, true);
    v.setUint32(H_ARG, arg >>> 0, true);
    v.setUint32(H_X, x >>> 0, true);
    v.setUint32(H_X + 4, Math.floor(x / 2 ** 32), true);
    return this.bytes;
  }
}

/** Writes an atomic operand as the word's bits (64-bit words as bigints, others as integers). */
export function putOfiOperand(v: DataView, at: number, w: number, value: number | bigint | undefined): void {
  if (w >= 6) v.setBigUint64(at, BigInt.asUintN(64, BigInt(value ?? 0n)), true);
  else v.setBigUint64(at, BigInt(Number(value ?? 0) >>> 0), true);
}

/** Reads the old value of a word from its little-endian bits. */
export function getOfiOperand(v: DataView, at: number, w: number): number | bigint {
  switch (w) {
    case 0: return v.getInt8(at);
    case 1: return v.getUint8(at);
    case 2: return v.getInt16(at, true);
    case 3: return v.getUint16(at, true);
    case 4: return v.getInt32(at, true);
    case 5: return v.getUint32(at, true);
    case 6: return v.getBigInt64(at, true);
    default: return v.getBigUint64(at, true);
  }
}
