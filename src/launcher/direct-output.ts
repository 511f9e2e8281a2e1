/**
 * A PE's stdout and stderr written straight to the launcher's own, synchronously: by a
 * worker-thread PE (shmem, local) to the process's fds 1 and 2, by a PE process the tcp launcher
 * started to the launcher's fds, which it inherited as its 4 and 5.
 *
 * Why: forwarded, each PE's output has its own channel (a worker's stdio port, a child's pipe),
 * and the launcher writes the chunks in whatever order it reads the channels. The idiom every
 * Lamellar example uses to print in PE order, each PE printing in turn with a barrier between
 * turns, came out shuffled on shmem. Written here, a line is in the pipe or terminal before the
 * PE goes on to its barrier, as a Rust PE's println! is, so output follows the program's own
 * order. It is also never lost when a PE calls process.exit.
 *
 * A closed reader (EPIPE) sends the rest through the worker's stream as before, where the
 * launcher notices it and stops the job quietly (output.ts). A full pipe whose descriptor is
 * non-blocking (EAGAIN) blocks this PE until the reader takes more, as a blocking write would.
 *
 * Every PE writes to the same pipe. A write of more than PIPE_BUF bytes to a pipe may be split
 * by the kernel, and another PE's write lands in between: a PE printing a block of whole lines in
 * one call had lines cut in two by another PE's output (about 1000 in 50 MB, a newcomer found).
 * Writes to anything but a regular file therefore go in pieces of at most PIPE_BUF bytes that end
 * at a line's end, which POSIX makes atomic: whole lines never mix. Only a line longer than that
 * can still be cut.
 */
import { fstatSync, writeSync } from 'node:fs';

/** What the launcher asks of a PE's output: written directly, each line prefixed or not. */
export interface DirectOutput {
  /** `[PE n] ` before each line, or undefined. */
  prefix: string | undefined;
}

type Write = (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean;

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Routes `stream`'s writes to `fd`; see the module comment. */
export function writeDirectly(stream: NodeJS.WriteStream, fd: number, prefix: string | undefined): void {
  const forwarded = stream.write.bind(stream) as Write;
  let closed = false;
  let lineStart = true;
  const direct: Write = (chunk, encoding, cb) => {
    const done = typeof encoding === 'function' ? encoding : cb;
    const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined;
    if (closed) return forwarded(chunk, encoding, cb);
    let bytes: Uint8Array = typeof chunk === 'string' ? Buffer.from(chunk, enc) : (chunk as Uint8Array);
    if (prefix !== undefined) {
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      bytes = Buffer.from(tagLines(text, prefix, lineStart));
      if (text.length > 0) lineStart = text.endsWith('\n');
    }
    try {
      writeAll(fd, bytes);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
      closed = true;
      return forwarded(chunk, encoding, cb);
    }
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  };
  stream.write = direct as typeof stream.write;
}

/** `text` with `prefix` before each line it starts; `lineStart`: the text begins a line. */
function tagLines(text: string, prefix: string, lineStart: boolean): string {
  if (text.length === 0) return text;
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const tagged = body.split('\n').join(`\n${prefix}`);
  return (lineStart ? prefix : '') + tagged + (body.length < text.length ? '\n' : '');
}

/** Linux's PIPE_BUF: a write of at most this many bytes to a pipe is never interleaved. */
const PIPE_BUF = 4096;
const NEWLINE = 0x0a;

/** Per fd: whether it is a regular file, which takes any write whole (fstat once). */
const regularFile = new Map<number, boolean>();

function isRegularFile(fd: number): boolean {
  let r = regularFile.get(fd);
  if (r === undefined) {
    try {
      r = fstatSync(fd).isFile();
    } catch {
      r = false;
    }
    regularFile.set(fd, r);
  }
  return r;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  const end = bytes.byteLength;
  const whole = end <= PIPE_BUF || isRegularFile(fd);
  let off = 0;
  while (off < end) {
    // The next piece: everything, or up to the last line end within PIPE_BUF bytes (a longer
    // line: PIPE_BUF bytes of it).
    let len = end - off;
    if (!whole && len > PIPE_BUF) {
      // Searched within the piece only: from its end back to the buffer's start, a line of
      // megabytes made this quadratic.
      const nl = bytes.subarray(off, off + PIPE_BUF).lastIndexOf(NEWLINE);
      len = nl >= 0 ? nl + 1 : PIPE_BUF;
    }
    try {
      off += writeSync(fd, bytes, off, len);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      // The reader is behind: wait a millisecond for it, as a blocking write would.
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
