/**
 * tcp_startup: how long a tcp job takes to start, for N = 2, 4, 8 … `max-pes` PEs on this host.
 * Unlike the other benchmarks this is a driver, not a Lamellar program: it launches
 * `lamellar run -N <n> --backend tcp tcp_startup_job.ts` itself, `reps` times per N, and
 * prints one line per N (stderr shows which N runs).
 *
 *   global_time_secs            wall time of the whole job: launcher start to its exit
 *   rendezvous_secs (median)    from the last PE entering initWorld to the last leaving it
 *   process_to_world_secs (median)  the slowest PE's time from process start to a ready World
 *
 * A run is verified when the job exits 0 and every PE reported. Startup should grow no worse
 * than linearly in N (issue: measure N = 2, 4 and 8): compare the lines' times.
 *
 *   node --import tsx bench/micro/tcp_startup.ts [--quick|--full] [--max-pes 8] [--reps 3]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseSizes, Reporter, verify } from '../lib/harness.js';

const BIN = fileURLToPath(new URL('../../bin/lamellar.mjs', import.meta.url));
const JOB = fileURLToPath(new URL('./tcp_startup_job.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const { mode, sizes } = parseSizes({ quick: { 'max-pes': 8, reps: 3 }, full: { 'max-pes': 8, reps: 5 } });

interface Startup {
  pe: number;
  enter: number;
  leave: number;
  sinceProcessStart: number;
}

interface Run {
  secs: number;
  pes: Startup[];
}

function launch(n: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('LAMELLAR_')) delete env[k];
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, 'run', '-N', String(n), '--backend', 'tcp', JOB], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const secs = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`the ${n}-PE job exited with ${code ?? 'a signal'}:\n${err}`));
      const pes = out
        .split('\n')
        .filter((l) => l.startsWith('@@startup '))
        .map((l) => JSON.parse(l.slice('@@startup '.length)) as Startup);
      resolve({ secs, pes });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

for (let n = 2; n <= sizes['max-pes']; n *= 2) {
  const report = new Reporter({ myPe: 0, numPes: n, backend: 'tcp', mode });
  report.begin('tcp_startup', 'empty_job');
  const runs: Run[] = [];
  for (let rep = 0; rep < sizes.reps; rep++) {
    const r = await launch(n);
    const seen = new Set(r.pes.map((p) => p.pe));
    verify(r.pes.length === n && seen.size === n, `the ${n}-PE job reported from ${r.pes.length} PEs (${[...seen].join(', ')})`);
    runs.push(r);
  }
  const rendezvous = runs.map((r) => (Math.max(...r.pes.map((p) => p.leave)) - Math.max(...r.pes.map((p) => p.enter))) / 1000);
  const toWorld = runs.map((r) => Math.max(...r.pes.map((p) => p.sinceProcessStart)) / 1000);
  report.emit({
    name: 'tcp_startup', variant: 'empty_job', threads: n, updatesPerPe: 1, tableSizePerPe: 0, secs: runs.map((r) => r.secs), ops: 1, bytes: 0, verified: true,
    extra: { rendezvous_secs: round3(median(rendezvous)), process_to_world_secs: round3(median(toWorld)) },
  });
}
