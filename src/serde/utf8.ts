/**
 * UTF-8 helpers shared by the Writer and the Reader.
 *
 * Native calls have a fixed cost of tens of nanoseconds, which dominates for the short ASCII
 * strings (object keys, tags, names) that make up most of an AM frame, so those take a plain
 * loop and only longer or non-ASCII strings go to Buffer's native codec. Buffer is used rather
 * than TextDecoder because frames are decoded straight out of SharedArrayBuffer rings, and
 * `TextDecoder.prototype.decode` is specified to reject shared views (Node 20 happens to accept
 * them today; Buffer does by design).
 */

/**
 * `utf8Write` / `utf8Slice` are Buffer's own native entry points (what `write` / `toString`
 * call after parsing their encoding argument, measurably slower for short strings). They are
 * undocumented, so fall back to the documented forms if a future Node drops them.
 */
interface NativeUtf8 {
  utf8Write?(s: string, offset: number, maxBytes: number): number;
  utf8Slice?(start: number, end: number): string;
}

const nativeUtf8 = Buffer.prototype as unknown as NativeUtf8;

/** Writes `s` as UTF-8 into `b` at `at` (at most `maxBytes` bytes); returns the byte count. */
export const utf8Write: (b: Buffer, s: string, at: number, maxBytes: number) => number =
  typeof nativeUtf8.utf8Write === 'function'
    ? (b, s, at, maxBytes) => (b as unknown as Required<NativeUtf8>).utf8Write(s, at, maxBytes)
    : (b, s, at, maxBytes) => b.write(s, at, maxBytes, 'utf8');

/** Decodes bytes [start, end) of `b` as UTF-8 (invalid sequences become U+FFFD). */
export const utf8Slice: (b: Buffer, start: number, end: number) => string =
  typeof nativeUtf8.utf8Slice === 'function'
    ? (b, start, end) => (b as unknown as Required<NativeUtf8>).utf8Slice(start, end)
    : (b, start, end) => b.toString('utf8', start, end);

/** A Buffer view on `u8`'s memory (works for SharedArrayBuffer-backed views too). */
export function nodeBufferOf(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

const fcc = String.fromCharCode;

/** Longest string `asciiShort` handles. */
export const ASCII_SHORT_MAX = 8;

/**
 * Bytes [p, p + n) as a string if they are all ASCII and n <= ASCII_SHORT_MAX, else null.
 * One `fromCharCode` call with the bytes as separate arguments builds a flat string in one go;
 * measured 3-5x faster than a native call or a concatenation loop at these lengths.
 */
export function asciiShort(b: Uint8Array, p: number, n: number): string | null {
  switch (n) {
    case 0:
      return '';
    case 1: {
      const c0 = b[p]!;
      return c0 < 0x80 ? fcc(c0) : null;
    }
    case 2: {
      const c0 = b[p]!, c1 = b[p + 1]!;
      return (c0 | c1) < 0x80 ? fcc(c0, c1) : null;
    }
    case 3: {
      const c0 = b[p]!, c1 = b[p + 1]!, c2 = b[p + 2]!;
      return (c0 | c1 | c2) < 0x80 ? fcc(c0, c1, c2) : null;
    }
    case 4: {
      const c0 = b[p]!, c1 = b[p + 1]!, c2 = b[p + 2]!, c3 = b[p + 3]!;
      return (c0 | c1 | c2 | c3) < 0x80 ? fcc(c0, c1, c2, c3) : null;
    }
    case 5: {
      const c0 = b[p]!, c1 = b[p + 1]!, c2 = b[p + 2]!, c3 = b[p + 3]!, c4 = b[p + 4]!;
      return (c0 | c1 | c2 | c3 | c4) < 0x80 ? fcc(c0, c1, c2, c3, c4) : null;
    }
    case 6: {
      const c0 = b[p]!, c1 = b[p + 1]!, c2 = b[p + 2]!, c3 = b[p + 3]!, c4 = b[p + 4]!, c5 = b[p + 5]!;
      return (c0 | c1 | c2 | c3 | c4 | c5) < 0x80 ? fcc(c0, c1, c2, c3, c4, c5) : null;
    }
    case 7: {
      const c0 = b[p]!, c1 = b[p + 1]!, c2 = b[p + 2]!, c3 = b[p + 3]!, c4 = b[p + 4]!, c5 = b[p + 5]!, c6 = b[p + 6]!;
      return (c0 | c1 | c2 | c3 | c4 | c5 | c6) < 0x80 ? fcc(c0, c1, c2, c3, c4, c5, c6) : null;
    }
    case 8: {
      const c0 = b[p]!, c1 = b[p + 1]!, c2 = b[p + 2]!, c3 = b[p + 3]!;
      const c4 = b[p + 4]!, c5 = b[p + 5]!, c6 = b[p + 6]!, c7 = b[p + 7]!;
      return (c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7) < 0x80 ? fcc(c0, c1, c2, c3, c4, c5, c6, c7) : null;
    }
    default:
      return null;
  }
}
