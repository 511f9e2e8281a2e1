/**
 * Runs a multi-PE job through the real CLI (`bin/lamellar.mjs run`) and collects its output.
 * Every job has a hard time limit: a hang fails the test instead of stalling the suite.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { tunedEnv } from '../../src/launcher/malloc.js';

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
  backend?: Backend;
  /** ofi: the libfabric provider (LAMELLAR_OFI_PROVIDER). */
  provider?: string;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Raw CLI arguments after `lamellar` (overrides numPes/backend/script). */
  cli?: string[];
  /** Working directory (default: the repository root). */
  cwd?: string;
  /**
   * Start the CLI with the launcher's malloc settings already in GLIBC_TUNABLES (the default), so
   * that it does not start itself a second time to apply them (launcher/malloc.ts): that second
   * process costs every shmem and local job about 0.1 s of CPU and 0.2 s of wall time, and the
   * PEs run with the same settings either way. The launcher's tests of those settings pass false.
   */
  presetMalloc?: boolean;
}

export type Backend = 'local' | 'shmem' | 'tcp' | 'ofi';

export function runJob(script: string, o: JobOptions = {}): Promise<JobResult> {
  const cli = o.cli ?? ['run', '-N', String(o.numPes ?? 1), '--backend', o.backend ?? 'shmem', script, ...(o.args ?? [])];
  return runNode([BIN, ...cli], o.provider === undefined ? o : { ...o, env: { LAMELLAR_OFI_PROVIDER: o.provider, ...o.env } });
}

/** Whether the job `node <args>` starts runs its PEs as processes (tcp, ofi), not worker threads. */
function processPes(args: string[], env: NodeJS.ProcessEnv): boolean {
  const at = args.findIndex((a) => a === '--backend' || a === '-b');
  const backend = at >= 0 ? args[at + 1] : (args.find((a) => a.startsWith('--backend='))?.slice(10) ?? env['LAMELLAR_BACKEND']);
  return backend === 'tcp' || backend === 'ofi';
}

/**
 * TEST_JOB_LOG=<file>: appends one JSON line per job (test file, arguments, wall ms, CPU s) to
 * find the suite's dearest jobs. CPU is this process's reaped children's, so a test that runs
 * jobs at once shares it out among them roughly.
 */
const JOBLOG = process.env['TEST_JOB_LOG'];
/** User and system CPU of this process's reaped children (Linux), in seconds. */
function childCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

/** Runs `node <args>` with a time limit. */
export function runNode(args: string[], o: JobOptions = {}): Promise<JobResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
    for (const k of Object.keys(env)) if (k.startsWith('LAMELLAR_') && !(o.env && k in o.env)) delete env[k];
    if (o.presetMalloc !== false) env = tunedEnv(env, env['LAMELLAR_MALLOC_TUNING'] !== '0', !processPes(args, env)) ?? env;
    const child = spawn(process.execPath, args, { cwd: o.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[test] job killed after ${o.timeoutMs ?? 60000} ms\n`;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 60000);
    const c0 = JOBLOG ? childCpu() : 0;
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (JOBLOG) appendFileSync(JOBLOG, JSON.stringify({ f: process.argv[1], args: args.slice(1).join(' ').slice(0, 160), env: o.env, ms: Math.round(performance.now() - t0), cpu: childCpu() - c0 }) + '\n');
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

export interface CaseReport {
  case: string;
  pe: number;
  numPes: number;
  ok: boolean;
  /** The fixture that reported it, when the job ran several (tests/fixtures/bundle.ts). */
  fixture?: string;
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

/** The last output indexed by `reportsOf`, and its reports by fixture and case. */
let indexed: { stdout: string; byCase: Map<string, CaseReport[]> } | undefined;

/**
 * The reports of case `name` (of `fixture`, in a bundle) in `stdout`. A job's tests each look up
 * their own case in the same output: parsing all of it for each (thousands of cases, as many
 * lines on every PE) had cost the array matrix's test process 12 s of CPU. The output is parsed
 * once, then looked up. `fixture` undefined matches a report that names none; `ANY_FIXTURE` any.
 */
export function reportsOf(stdout: string, name: string, fixture?: string): CaseReport[] {
  if (indexed?.stdout !== stdout) {
    const byCase = new Map<string, CaseReport[]>();
    const add = (key: string, rep: CaseReport): void => {
      const list = byCase.get(key);
      if (list === undefined) byCase.set(key, [rep]);
      else list.push(rep);
    };
    for (const rep of caseReports(stdout)) {
      add(`${rep.fixture ?? ''}\0${rep.case}`, rep);
      add(`${ANY_FIXTURE}\0${rep.case}`, rep);
    }
    indexed = { stdout, byCase };
  }
  return indexed.byCase.get(`${fixture ?? ''}\0${name}`) ?? [];
}

/** `reportsOf`'s fixture for a report of the case from whichever fixture (or none). */
export const ANY_FIXTURE = '\u0001any';

export interface JobConfig {
  backend: Backend;
  numPes: number;
  provider?: string;
  /** Extra LAMELLAR_* variables for the job (named in the test's title). */
  env?: Record<string, string>;
}

/**
 * The lamella configurations every conformance case runs on: each lamella with 2 PEs and with 3
 * (an uneven split, PEs that are not each other's only partner), shmem with 4 too. Above the
 * lamella the runtime is the same whatever carries its messages; a 4-PE job on tcp or ofi cost
 * 40-46 s of CPU on the project's 2-core machines, the suite's dearest, where 3 PEs cost about
 * two thirds of that.
 */
export const CONFIGS: JobConfig[] = [
  { backend: 'local', numPes: 1 },
  { backend: 'shmem', numPes: 2 },
  { backend: 'shmem', numPes: 3 },
  { backend: 'shmem', numPes: 4 },
  { backend: 'tcp', numPes: 2 },
  { backend: 'tcp', numPes: 3 },
  { backend: 'ofi', numPes: 2, provider: 'tcp;ofi_rxm' },
  // 3 PEs on one provider only, for the same reason.
  { backend: 'ofi', numPes: 3, provider: 'tcp;ofi_rxm' },
  { backend: 'ofi', numPes: 2, provider: 'shm' },
];

/** `ofi/shm` for an ofi configuration, the backend's name otherwise. */
export const configName = (c: JobConfig): string =>
  (c.provider === undefined ? c.backend : `${c.backend}/${c.provider}`) +
  (c.env === undefined ? '' : ` (${Object.entries(c.env).map(([k, v]) => `${k}=${v}`).join(' ')})`);

/** CI=true: tests whose prerequisites .ci/run installs must run, never skip. */
export const IN_CI = process.env['CI'] === 'true' || process.env['CI'] === '1';

const OFI_ADDON = fileURLToPath(new URL('../../native/ofi/build/lamellar_ofi.node', import.meta.url));

/** What an ofi configuration with `provider` lacks on this machine (empty: nothing). */
export function ofiMissing(provider?: string): string[] {
  const key = provider ?? '';
  let found = missingCache.get(key);
  if (found === undefined) missingCache.set(key, (found = findOfiMissing(provider)));
  return found;
}

const missingCache = new Map<string, string[]>();

function findOfiMissing(provider: string | undefined): string[] {
  if (!existsSync(OFI_ADDON)) return ['the ofi addon (apt-get install libfabric-dev gcc, then npx lamellar build-ofi)'];
  try {
    const addon = createRequire(import.meta.url)(OFI_ADDON) as { providers(): { provider: string }[] };
    if (provider !== undefined && !addon.providers().some((p) => p.provider === provider)) return [`the libfabric provider ${provider}`];
  } catch (e) {
    return [`a loadable ofi addon (${(e as Error).message.split('\n')[0]}; rebuild with npx lamellar build-ofi)`];
  }
  return [];
}

/**
 * The `skip` option for a test on `c`: a reason when an ofi configuration's prerequisites are
 * missing outside CI; never in CI, where .ci/run installs them (the test then fails instead).
 */
export function skipFor(c: JobConfig): string | false {
  if (c.backend !== 'ofi' || IN_CI) return false;
  const missing = ofiMissing(c.provider);
  return missing.length === 0 ? false : `needs ${missing.join(' and ')}; .ci/run installs libfabric-dev and builds it`;
}
/**
 * The smaller set the failure-path tests (issue #11) run on: every lamella, shmem at both ends of
 * 2-4 PEs, tcp with 2. Their cases do not depend on the PE count beyond that, and the suite's
 * time budget is shared.
 */
export const FAILURE_CONFIGS: JobConfig[] = [
  { backend: 'local', numPes: 1 },
  { backend: 'shmem', numPes: 2 },
  { backend: 'shmem', numPes: 4 },
  { backend: 'tcp', numPes: 2 },
];
