/**
 * Runs the benchmark suite (suite.ts), each script through the real launcher
 * (`bin/lamellar.mjs run`) for every backend and PE count asked for, and appends every JSON line
 * they print to bench/results/<YYYY-MM-DD>-<backend>-<pes>pe.jsonl (by the line's own backend
 * and PE count); each line carries its machine, backend, PE count, sizes and commit. Drivers
 * (tcp_startup) run once when their backend is asked for. Progress lines pass through to
 * stderr. A benchmark that fails, fails its verification or passes its time limit is reported
 * and the suite goes on; the exit status is non-zero if any did.
 *
 *   node --import tsx bench/run.ts [--quick|--full] [-N 2[,3,4]] [--backend shmem[,tcp,ofi/shm,ofi/tcp;ofi_rxm]] [--only histo,am_bw]
 *
 * `ofi/<provider>` runs the ofi lamella on that libfabric provider (LAMELLAR_OFI_PROVIDER); its
 * results are filed as `ofi-<first provider name>` (ofi-shm, ofi-tcp). --rounds R repeats the
 * whole backend list R times, reversing its order every other round, so backends compared in
 * one run alternate on a shared machine (A B C, C B A, ...).
 *
 * `npm run bench` is the quick suite on shmem, `bench:tcp` the quick one on tcp (dist is rebuilt
 * first: the scripts import the package); `npm run bench:full` the full one on both.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SUITE, type Bench } from './suite.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/lamellar.mjs', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    full: { type: 'boolean' },
    'num-pes': { type: 'string', short: 'N', default: '2' },
    backend: { type: 'string', short: 'b', default: 'shmem' },
    only: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    'time-limit': { type: 'string' },
  },
});
const mode = values.full === true ? 'full' : 'quick';
const pesList = values['num-pes'].split(',').map(Number);
const backends = values.backend.split(',');
const only = values.only?.split(',');
const limitSecs = Number(values['time-limit'] ?? (mode === 'full' ? 1800 : 180));
const benches = SUITE.filter((b) => only === undefined || only.includes(b.name));
if (only !== undefined && benches.length !== only.length) {
  throw new Error(`unknown benchmark in --only ${values.only}; the suite has ${SUITE.map((b) => b.name).join(', ')}`);
}

interface Outcome {
  lines: string[];
  ok: boolean;
  why: string;
}

function runOne(b: Bench, backendArg: string, pes: number): Promise<Outcome> {
  const [backend, provider] = backendArg.split('/') as [string, string | undefined];
  const args = b.driver === undefined ? [BIN, 'run', '-N', String(pes), '--backend', backend, b.script, `--${mode}`] : ['--import', 'tsx', b.script, `--${mode}`];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: provider === undefined ? process.env : { ...process.env, LAMELLAR_OFI_PROVIDER: provider },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const l of parts) if (l.startsWith('{')) lines.push(l);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitSecs * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (partial.startsWith('{')) lines.push(partial);
      const ok = code === 0 && lines.length > 0;
      const why = timedOut ? `killed after ${limitSecs} s` : code !== 0 ? `exit ${code ?? signal}` : lines.length === 0 ? 'printed no result' : '';
      resolve({ lines, ok, why });
    });
  });
}

/** Appends each line to the results file of its own backend and PE count; returns the files. */
function record(lines: string[]): Set<string> {
  const files = new Set<string>();
  for (const l of lines) {
    const { backend, pes } = JSON.parse(l) as { backend: string; pes: number };
    const file = `${RESULTS}${new Date().toISOString().slice(0, 10)}-${backend}-${pes}pe.jsonl`;
    appendFileSync(file, `${l}\n`);
    files.add(file);
  }
  return files;
}

mkdirSync(RESULTS, { recursive: true });
const failures: string[] = [];
const written = new Set<string>();
const t0 = performance.now();
const rounds = Number(values.rounds);
const order = Array.from({ length: rounds }, (_, r) => (r % 2 === 0 ? backends : [...backends].reverse())).flat();
for (const backend of order) {
  for (const pes of pesList) {
    for (const b of benches) {
      if (b.driver !== undefined) continue;
      process.stderr.write(`[run] ${b.name} on ${backend} with ${pes} PEs (${mode})\n`);
      const r = await runOne(b, backend, pes);
      for (const f of record(r.lines)) written.add(f);
      if (!r.ok) failures.push(`${b.name} (${backend}, ${pes} PEs): ${r.why}`);
    }
  }
  for (const b of benches) {
    if (b.driver !== backend.split('/')[0]) continue;
    process.stderr.write(`[run] ${b.name} on ${backend} (${mode})\n`);
    const r = await runOne(b, backend, 0);
    for (const f of record(r.lines)) written.add(f);
    if (!r.ok) failures.push(`${b.name} (${backend}): ${r.why}`);
  }
}
for (const f of written) process.stderr.write(`[run] results appended to ${f}\n`);
process.stderr.write(`[run] ${mode} suite done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
if (failures.length > 0) {
  process.stderr.write(`[run] FAILED:\n${failures.map((f) => `  ${f}\n`).join('')}`);
  process.exitCode = 1;
}
