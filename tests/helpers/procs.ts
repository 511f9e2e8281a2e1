/**
 * Processes for launch, failure and security tests: start a command with a clean LAMELLAR_*
 * environment, wait for lines and exits (never sleep), and clean up. Every wait is bounded by
 * `within` or by the test's timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { compiledFixture } from './compiled.js';
import { ANY_FIXTURE, BIN, reportsOf, ROOT } from './job.js';
import assert from 'node:assert/strict';

export interface Proc {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (null when killed) and the time of exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves once stdout has a match for `re`; rejects, with the process's output, if it ends first. */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
}

/** Starts `cmd args` with a clean LAMELLAR_* environment plus `env`. */
export function start(cmd: string, args: string[], env: Record<string, string>): Proc {
  const full: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of Object.keys(full)) if (k.startsWith('LAMELLAR_') && !(k in env)) delete full[k];
  const child = spawn(cmd, args, { cwd: ROOT, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  child.on('error', (e) => (p.stderr += `\n[test] could not start ${cmd}: ${e.message}\n`));
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }[] = [];
  let closed = false;
  // A process that ends without the line fails its waiters at once, with what it printed: a PE
  // that could not start would otherwise leave the test waiting out its timeout, saying nothing.
  const ended = (re: RegExp): Error =>
    new Error(`${cmd} exited (code ${p.child.exitCode}, signal ${p.child.signalCode}) without printing ${re}\nstdout: ${p.stdout.slice(-2000)}\nstderr: ${p.stderr.slice(-4000)}`);
  const p: Proc = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) =>
      child.on('close', (code, signal) => {
        closed = true;
        for (const w of waiters.splice(0)) w.reject(ended(w.re));
        resolve({ code, signal, at: performance.now() });
      }),
    ),
    waitFor(re) {
      const m = p.stdout.match(re);
      if (m !== null) return Promise.resolve(m);
      return closed ? Promise.reject(ended(re)) : new Promise((resolve, reject) => waiters.push({ re, resolve, reject }));
    },
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    p.stdout += d;
    for (let i = waiters.length - 1; i >= 0; i--) {
      const m = p.stdout.match(waiters[i]!.re);
      if (m !== null) waiters.splice(i, 1)[0]!.resolve(m);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (p.stderr += d));
  return p;
}

/** One PE of a hand-started job: `lamellar exec <fixture> args` with the PE's identity, maybe in a network namespace. */
export function startPe(script: string, pe: number, numPes: number, env: Record<string, string>, args: string[] = [], netns?: string): Proc {
  const node = [BIN, 'exec', compiledFixture(script), ...args];
  const id = { LAMELLAR_PE_ID: String(pe), LAMELLAR_NUM_PES: String(numPes), ...env };
  return netns === undefined ? start(process.execPath, node, id) : start('ip', ['netns', 'exec', netns, process.execPath, ...node], id);
}

export function stopAll(procs: Proc[]): void {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}

/** `p`, or a rejection naming `what` after `ms`: a hang fails the test and still lets its cleanup run. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export function onPath(cmd: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return statSync(join(dir, cmd)).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * A port free right now on 127.0.0.1, for LAMELLAR_MASTER_ADDR. Why not the kernel's pick: that is
 * an ephemeral port, and between this check and PE 0's listen, any outgoing connection of another
 * test (the tcp suites make thousands) may be given the same one, so PE 0 fails with EADDRINUSE.
 * Ports below Linux's ephemeral range (32768-60999 by default) are never handed out that way.
 */
export async function freePort(): Promise<number> {
  const tryListen = (port: number): Promise<number | null> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(null));
      s.listen(port, '127.0.0.1', () => {
        const { port: got } = s.address() as { port: number };
        s.close(() => resolve(got));
      });
    });
  for (let i = 0; i < 50; i++) {
    const port = await tryListen(20000 + Math.floor(Math.random() * 12000));
    if (port !== null) return port;
  }
  return (await tryListen(0))!;
}

/** Every case in `cases` reported ok by `numPes` PEs. */
export function assertCases(stdout: string, numPes: number, cases: string[]): void {
  for (const name of cases) {
    const reports = reportsOf(stdout, name, ANY_FIXTURE);
    assert.equal(reports.length, numPes, `'${name}' reported by ${reports.length} of ${numPes} PEs\n${stdout}`);
    for (const r of reports) assert.ok(r.ok, `PE ${r.pe}: ${r.error}`);
  }
}
