/**
 * The launcher's output: forwards a PE's output stream, optionally prefixing every line with
 * `[PE n] `, and notices when the launcher's own stdout or stderr is closed under it.
 *
 * A closed pipe (`lamellar run … | head -1`) is how a reader says it has read enough. Command-line
 * tools end on it (SIGPIPE), quietly; Node ignores SIGPIPE and reports EPIPE as a stream error,
 * which would crash the launcher with a stack trace and leave its PEs to the operating system.
 * The launcher instead stops the job as it does on a failure, but says nothing, and exits with
 * 141 (128 + SIGPIPE, what a shell reports for a tool that SIGPIPE ended).
 */
import type { Readable, Writable } from 'node:stream';

/** The exit code of a job stopped because its output was closed. */
export const EXIT_CLOSED_OUTPUT = 141;

export function forward(src: Readable, dst: Writable, prefix: string | undefined): Promise<void> {
  // After the destination closed, output is read and dropped so the PE never blocks on it.
  const write = (text: string | Buffer): void => {
    if (!dst.destroyed) dst.write(text);
  };
  return new Promise((resolve) => {
    if (prefix === undefined) {
      src.on('data', (chunk: Buffer) => write(chunk));
      src.once('end', resolve);
      return;
    }
    let partial = '';
    src.setEncoding('utf8');
    src.on('data', (chunk: string) => {
      const text = partial + chunk;
      const lines = text.split('\n');
      partial = lines.pop()!;
      if (lines.length > 0) write(lines.map((l) => `${prefix}${l}\n`).join(''));
    });
    src.once('end', () => {
      if (partial.length > 0) write(`${prefix}${partial}\n`);
      resolve();
    });
  });
}

/**
 * Calls `closed` once if writing to any of `streams` fails (EPIPE: the reader went away). The
 * listener also keeps such an error from crashing the launcher. Returns a function that stops
 * watching.
 */
export function watchClosed(streams: readonly Writable[], closed: () => void): () => void {
  let called = false;
  const onError = (): void => {
    if (called) return;
    called = true;
    closed();
  };
  const unique = [...new Set(streams)];
  for (const s of unique) s.on('error', onError);
  return () => {
    for (const s of unique) s.off('error', onError);
  };
}
