/**
 * An AM's failure on the wire, both ends: the REPLY_ERROR record the target writes (from the
 * WireError that thrown.ts made of whatever the AM threw), and the error the caller's handle
 * rejects with, rebuilt from it: a RemoteAmError naming the AM, the PE and the remote message and
 * stack, or a LamellarError when the target's runtime refused the record and never ran the AM.
 */
import { ErrorCode, LamellarError, RemoteAmError, type ErrorCodeValue } from '../core/index.js';
import { encodeValue, type Writer } from '../serde/index.js';
import { userFrames, withoutRuntimeFrames, type Site } from './sites.js';
import { shrink } from './thrown.js';
import { REPLY_ERROR, type WireError } from './wire.js';

/** Writes the REPLY_ERROR record answering request `reqId` with `e`, at most `maxRecord` bytes. */
export function writeErrorReply(w: Writer, reqId: number, e: WireError, maxRecord: number): void {
  const start = w.pos;
  // The record must fit in a frame whatever the error's size (toWireError already bounds each
  // field; a small LAMELLAR_MAX_FRAME may need less): shrink it until it does.
  for (let err = e; ; err = shrink(err)) {
    w.u8(REPLY_ERROR);
    w.u32(reqId);
    const lenAt = w.reserveU32();
    encodeValue(w, err);
    w.patchU32(lenAt, w.pos - lenAt - 4);
    if (w.pos - start <= maxRecord || (err.stack === '' && err.message.length <= 64)) break;
    w.rewind(start);
  }
}

/** The error a handle rejects with when PE `src` answered its AM `name` (launched at `site`) with `e`. */
export function remoteError(src: number, name: string, site: Site | undefined, e: WireError): Error {
  // Only the target runtime's own refusal: an AM that ran and threw an UNKNOWN_AM error of its own
  // (a bad launch in its body, a nested AM its target lacks) is that AM's failure, a RemoteAmError
  // below; it was reported as this AM not being defined, its message and stack lost.
  if (e.refused === true && e.code === ErrorCode.UNKNOWN_AM) {
    const err = new LamellarError(
      ErrorCode.UNKNOWN_AM,
      `active message '${name}' is not defined on PE ${src}: call defineAm at module level on every PE (not under an if), ` +
        'before initWorld() or right after it, so that every PE defines it before another sends it',
      { details: { pe: src, amName: name } },
    );
    // Made where the reply was read: its own frames are the runtime's. The launch's are the user's.
    const at = site === undefined ? undefined : userFrames(site);
    if (at !== undefined) err.stack = `${String(err.stack).split('\n')[0]}\n${at}`;
    return err;
  }
  if (e.refused === true) {
    // The target refused the record itself and never ran the AM: a runtime fault, not the AM's.
    return new LamellarError((e.code as ErrorCodeValue | undefined) ?? ErrorCode.PROTOCOL, `active message '${name}' was refused by PE ${src}: ${e.message}`, {
      details: { pe: src, amName: name },
    });
  }
  // The AM's frames matter, not the target runtime's frame handling around them: remoteStack
  // too, which a printed error (util.inspect) shows beside the stack.
  return new RemoteAmError(src, name, e.name, e.message, withoutRuntimeFrames(e.stack), site === undefined ? undefined : userFrames(site), e.code === '' ? undefined : e.code);
}
