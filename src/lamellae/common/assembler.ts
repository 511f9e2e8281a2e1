/**
 * Joins frames that a lamella had to cut into parts (FIRST, MID..., LAST) back into one buffer,
 * per sender. Every lamella that splits frames uses it, so the checks are the same everywhere:
 * a frame's declared size is checked against the receiver's limit before any memory is set aside
 * for it, and parts out of sequence (a MID or LAST with no FIRST, a FIRST while another frame
 * from the same sender is open, parts that overrun or fall short of the declared size) are
 * refused. Parts from one sender arrive in order on every lamella, so one open frame per sender
 * is all there is.
 */
import { copyBytes } from '../../core/copy.js';
import { ErrorCode, LamellarError } from '../../core/errors.js';

interface Open {
  buf: Uint8Array;
  off: number;
}

export class FrameAssembler {
  readonly #open: (Open | undefined)[];
  readonly #maxFrame: number;
  readonly #me: string;

  /** `who` names the receiving PE in error messages. */
  constructor(numPes: number, maxFrame = Number.POSITIVE_INFINITY, who = 'this PE') {
    this.#open = new Array<Open | undefined>(numPes).fill(undefined);
    this.#maxFrame = maxFrame;
    this.#me = who;
  }

  /** Throws FRAME_TOO_LARGE if a frame of `total` bytes from `src` is over the limit. */
  checkSize(src: number, total: number): void {
    if (total > this.#maxFrame) {
      throw new LamellarError(
        ErrorCode.FRAME_TOO_LARGE,
        `PE ${src} sent a frame of ${total} bytes to ${this.#me}, more than LAMELLAR_MAX_FRAME (${this.#maxFrame} bytes)`,
        { details: { pe: src, bytes: total, max: this.#maxFrame } },
      );
    }
  }

  /** Opens a frame of `total` bytes from `src` with its first part (shorter than `total`). */
  first(src: number, total: number, part: Uint8Array): void {
    this.checkSize(src, total);
    if (this.#open[src] !== undefined || part.length >= total) this.#bad(src, 'a first frame part', part.length);
    const buf = new Uint8Array(total);
    copyBytes(buf, 0, part);
    this.#open[src] = { buf, off: part.length };
  }

  /** Adds a middle or last part; returns the whole frame after the last one. */
  next(src: number, part: Uint8Array, last: boolean): Uint8Array | undefined {
    const o = this.#open[src];
    if (o === undefined) return this.#bad(src, last ? 'a last frame part' : 'a middle frame part', part.length);
    const end = o.off + part.length;
    if (last ? end !== o.buf.length : end >= o.buf.length) this.#bad(src, last ? 'a last frame part' : 'a middle frame part', part.length);
    copyBytes(o.buf, o.off, part);
    o.off = end;
    if (!last) return undefined;
    this.#open[src] = undefined;
    return o.buf;
  }

  #bad(src: number, what: string, len: number): never {
    throw new LamellarError(ErrorCode.PROTOCOL, `PE ${src} sent ${what} (${len} bytes) out of sequence to ${this.#me}`, {
      details: { pe: src },
    });
  }
}
