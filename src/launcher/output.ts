/** Forwards a PE's output stream, optionally prefixing every line with `[PE n] `. */
import type { Readable, Writable } from 'node:stream';

export function forward(src: Readable, dst: Writable, prefix: string | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (prefix === undefined) {
      src.on('data', (chunk: Buffer) => dst.write(chunk));
      src.once('end', resolve);
      return;
    }
    let partial = '';
    src.setEncoding('utf8');
    src.on('data', (chunk: string) => {
      const text = partial + chunk;
      const lines = text.split('\n');
      partial = lines.pop()!;
      if (lines.length > 0) dst.write(lines.map((l) => `${prefix}${l}\n`).join(''));
    });
    src.once('end', () => {
      if (partial.length > 0) dst.write(`${prefix}${partial}\n`);
      resolve();
    });
  });
}
