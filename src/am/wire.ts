/**
 * The AM wire format: records packed back to back into one frame per destination. All integers
 * little-endian; lengths let a receiver skip a record it cannot decode (unknown AM, bad args)
 * and still read the rest of the frame.
 *
 *   REQ          u8 1 | u32 amId | u32 reqId | u32 teamId | u32 len | args (len bytes)
 *   REPLY_VALUE  u8 3 | u32 reqId | u32 len | value
 *   REPLY_ERROR  u8 4 | u32 reqId | u32 len | { name, message, stack, code? }
 *   REPLY_AM     u8 5 | u32 reqId | u32 amId | u32 teamId | u32 len | args   run amId(args) on the origin, on the launching team
 *   REPLY_UNITS  u8 6 | u32 firstReqId | u32 count                     exec returned nothing, for count consecutive ids
 *
 * REPLY_UNITS is what most small AMs produce: a frame of AMs that return nothing, run in order,
 * is answered by one 9-byte record that the sender extends in place while the ids stay
 * consecutive.
 *
 * Closure AMs (closure-table.ts). Ids are the sending PE's own; a CLOSURE_SRC record defines one
 * on the receiver before the first record that uses it, in the same ordered stream:
 *
 *   CLOSURE_SRC      u8 7 | u32 closureId | u8 shape | str name | str source      (str: u32 len, UTF-8)
 *   REQ_CLOSURE      u8 2 | u32 closureId | u32 reqId | u32 teamId | u32 len | env     as REQ
 *   REPLY_AM_CLOSURE u8 8 | u32 reqId | u32 closureId | u32 teamId | u32 len | env     as REPLY_AM
 *
 * Written only by a receiver, over a record of a frame it holds that it has already handled
 * (a reply or collective message taken out of turn, engine.ts), never sent:
 *
 *   SKIP         u8 9 | u32 n | n bytes
 */
export const REQ = 1;
export const REQ_CLOSURE = 2;
export const REPLY_VALUE = 3;
export const REPLY_ERROR = 4;
export const REPLY_AM = 5;
export const REPLY_UNITS = 6;
export const CLOSURE_SRC = 7;
export const REPLY_AM_CLOSURE = 8;
export const SKIP = 9;

/**
 * The length in bytes of the record at `p` in `frame` (`dv` over the same bytes), read from its
 * header alone; -1 if its kind is unknown or it runs past the frame.
 */
export function recordSize(frame: Uint8Array, dv: DataView, p: number): number {
  const left = frame.length - p;
  let size: number;
  switch (frame[p]) {
    case REQ:
    case REQ_CLOSURE:
    case REPLY_AM:
    case REPLY_AM_CLOSURE:
      if (left < 17) return -1;
      size = 17 + dv.getUint32(p + 13, true);
      break;
    case REPLY_VALUE:
    case REPLY_ERROR:
      if (left < 9) return -1;
      size = 9 + dv.getUint32(p + 5, true);
      break;
    case REPLY_UNITS:
      size = 9;
      break;
    case SKIP:
      if (left < 5) return -1;
      size = 5 + dv.getUint32(p + 1, true);
      break;
    case CLOSURE_SRC: {
      // u8 | u32 id | u8 shape | u32 n, name | u32 m, source
      if (left < 10) return -1;
      const q = 10 + dv.getUint32(p + 6, true);
      if (left - q < 4) return -1;
      size = q + 4 + dv.getUint32(p + q, true);
      break;
    }
    default:
      return -1;
  }
  return size <= left ? size : -1;
}

/** An error as it travels back to the caller. */
export interface WireError {
  name: string;
  message: string;
  stack: string;
  code?: string;
  /** Set when the target runtime refused the record (never ran the AM), as opposed to the AM throwing. */
  refused?: true;
}
