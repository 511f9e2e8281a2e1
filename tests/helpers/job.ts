/**
 * Runs a multi-PE job through the real CLI (`bin/lamellar.mjs run`) and collects its output.
 * Every job has a hard time limit: a hang fails the test instead of stalling the suite.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/lamellar.mjs', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface JobResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface JobOptions {
  numPes?: number;
  backend?: 'local' | 'shmem' | 'tcp';
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Raw CLI arguments after `lamellar` (overrides numPes/backend/script). */
  cli?: string[];
}

export function runJob(script: string, o: JobOptions = {}): Promise<JobResult> {
  const cli = o.cli ?? ['run', '-N', String(o.numPes ?? 1), '--backend', o.backend ?? 'shmem', script, ...(o.args ?? [])];
  return runNode([BIN, ...cli], o);
}

/** Runs `node <args>` with a time limit. */
export function runNode(args: string[], o: JobOptions = {}): Promise<JobResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
    for (const k of Object.keys(env)) if (k.startsWith('LAMELLAR_') && !(o.env && k in o.env)) delete env[k];
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[test] job killed after ${o.timeoutMs ?? 60000} ms\n`;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 60000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

export interface CaseReport {
  case: string;
  pe: number;
  numPes: number;
  ok: boolean;
  error?: string;
  value?: unknown;
}

/** Parses the `@@case {json}` lines a fixture prints through tests/fixtures/harness.ts. */
export function caseReports(stdout: string): CaseReport[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('@@case '))
    .map((l) => JSON.parse(l.slice(7)) as CaseReport);
}

/** The lamella configurations every conformance case runs on. */
export const CONFIGS: { backend: 'local' | 'shmem' | 'tcp'; numPes: number }[] = [
  { backend: 'local', numPes: 1 },
  { backend: 'shmem', numPes: 2 },
  { backend: 'shmem', numPes: 3 },
  { backend: 'shmem', numPes: 4 },
  { backend: 'tcp', numPes: 2 },
  { backend: 'tcp', numPes: 3 },
  { backend: 'tcp', numPes: 4 },
];

/**
 * The smaller set the failure-path tests (issue #11) run on: every lamella, shmem at both ends of
 * 2-4 PEs, tcp with 2. Their cases do not depend on the PE count beyond that, and the suite's
 * time budget is shared.
 */
export const FAILURE_CONFIGS: typeof CONFIGS = [
  { backend: 'local', numPes: 1 },
  { backend: 'shmem', numPes: 2 },
  { backend: 'shmem', numPes: 4 },
  { backend: 'tcp', numPes: 2 },
];
