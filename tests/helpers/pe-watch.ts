/**
 * A Unix socket server that PE processes connect to (tests/fixtures/busy.ts): a test learns each
 * PE's pid when it connects and sees the PE's process end when its connection closes, with no
 * polling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface PeWatch {
  path: string;
  /** Resolves once `n` PEs have connected, with their `pe pid` lines. */
  connected(n: number, timeoutMs: number): Promise<string[]>;
  /** Resolves once every connected PE's connection has closed; rejects after `timeoutMs`. */
  allClosed(timeoutMs: number): Promise<number>;
  close(): void;
}

export function watchPes(): PeWatch {
  const path = join(mkdtempSync(join(tmpdir(), 'lamellar-watch-')), 'pes.sock');
  const lines: string[] = [];
  const open = new Set<Socket>();
  let onChange = (): void => {};
  const server: Server = createServer((s) => {
    open.add(s);
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
        onChange();
      }
    });
    s.on('error', () => {});
    s.on('close', () => {
      open.delete(s);
      onChange();
    });
  });
  server.listen(path);
  const until = (ok: () => boolean, timeoutMs: number, what: () => string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what()} within ${timeoutMs} ms`)), timeoutMs);
      onChange = () => {
        if (!ok()) return;
        clearTimeout(timer);
        onChange = () => {};
        resolve();
      };
      onChange();
    });
  return {
    path,
    async connected(n, timeoutMs) {
      await until(() => lines.length >= n, timeoutMs, () => `only ${lines.length} of ${n} PEs connected`);
      return [...lines];
    },
    async allClosed(timeoutMs) {
      const t0 = Date.now();
      await until(() => open.size === 0, timeoutMs, () => `${open.size} PE process(es) still ran`);
      return Date.now() - t0;
    },
    close() {
      for (const s of open) s.destroy();
      server.close();
      // The socket's directory, so that test runs leave nothing in the temporary directory.
      rmSync(dirname(path), { recursive: true, force: true });
    },
  };
}
