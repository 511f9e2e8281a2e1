/**
 * The process launcher: `lamellar run -N <n> --backend tcp|ofi` starts n PE processes on this host and
 * supervises them as the worker-thread launcher does (forwards output, optionally prefixed; the
 * first PE that fails stops the rest; the exit code is non-zero if any PE failed).
 *
 * The PEs meet through a fresh private rendezvous directory (no port to pick, so no race with
 * other jobs) unless LAMELLAR_MASTER_ADDR or LAMELLAR_RENDEZVOUS_DIR is set, and share a random
 * job secret unless LAMELLAR_JOB_SECRET is set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { config, processEnv } from '../core/index.js';
import { tunedEnv } from './malloc.js';
import { EXIT_CLOSED_OUTPUT, forward, watchClosed } from './output.js';

export interface TcpRunOptions {
  /** tcp, or ofi (whose PEs are processes that meet the same way). */
  backend: 'tcp' | 'ofi';
  numPes: number;
  script: string;
  args: string[];
  prefix: boolean;
  env: Record<string, string> | undefined;
  stdout: Writable;
  stderr: Writable;
}

/** How long stopped PEs get to exit on SIGTERM before they are killed. */
const KILL_AFTER_MS = 3000;

export async function runTcp(o: TcpRunOptions): Promise<number> {
  const cfg = config();
  const jobId = cfg.jobId ?? randomUUID();
  const secret = cfg.jobSecret ?? randomBytes(32).toString('hex');
  const ownDir = cfg.masterAddr === undefined && cfg.rendezvousDir === undefined ? await mkdtemp(join(tmpdir(), 'lamellar-')) : undefined;
  const entry = fileURLToPath(new URL('./pe-process.js', import.meta.url));
  const children: ChildProcess[] = [];
  let failure: { pe: number; code: number } | undefined;
  let killTimer: ReturnType<typeof setTimeout> | undefined;

  const fail = (pe: number, code: number, message: string | undefined): void => {
    if (failure !== undefined) return;
    failure = { pe, code };
    if (message !== undefined) o.stderr.write(`lamellar: PE ${pe} ${message}\nlamellar: stopping the other ${o.numPes - 1} PE(s)\n`);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    killTimer = setTimeout(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, KILL_AFTER_MS);
  };

  // The reader of our output went away (`| head -1`): stop every PE, quietly.
  const unwatch = watchClosed([o.stdout, o.stderr], () => fail(-1, EXIT_CLOSED_OUTPUT, undefined));

  const done: Promise<void>[] = [];
  for (let pe = 0; pe < o.numPes; pe++) {
    const child = spawn(process.execPath, [entry, o.script, ...o.args], {
      env: {
        ...(tunedEnv(processEnv(), config().mallocTuning) ?? processEnv()),
        ...o.env,
        LAMELLAR_BACKEND: o.backend,
        LAMELLAR_PE_ID: String(pe),
        LAMELLAR_NUM_PES: String(o.numPes),
        LAMELLAR_JOB_ID: jobId,
        LAMELLAR_JOB_SECRET: secret,
        ...(ownDir === undefined ? {} : { LAMELLAR_RENDEZVOUS_DIR: ownDir }),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    children.push(child);
    const tag = o.prefix ? `[PE ${pe}] ` : undefined;
    const out = forward(child.stdout!, o.stdout, tag);
    const err = forward(child.stderr!, o.stderr, tag);
    done.push(
      new Promise<void>((resolve) => {
        child.once('error', (e) => fail(pe, 1, `could not be started: ${e.message}`));
        child.once('close', (code, signal) => {
          if (failure === undefined && code !== 0) {
            fail(pe, code ?? 1, signal !== null ? `was killed by ${signal}` : `exited with code ${code}`);
          }
          void Promise.all([out, err]).then(() => resolve());
        });
      }),
    );
  }
  await Promise.all(done);
  unwatch();
  if (killTimer !== undefined) clearTimeout(killTimer);
  if (ownDir !== undefined) await rm(ownDir, { recursive: true, force: true });
  if (failure === undefined) return 0;
  return failure.code === 0 ? 1 : failure.code;
}
