/**
 * CPU profiles of one measured phase, on every PE. A whole-process `--cpu-prof` mixes a kernel's
 * timed reps with its baselines, set-up and checks (a PE sits idle while PE 0 runs the
 * postMessage baseline), so its idle share says nothing about the kernel. With
 * `BENCH_PROFILE_DIR=<dir>` set, `profiled(label, pe, fn)` profiles only `fn` on each PE and
 * writes `<dir>/<label>.pe<N>.cpuprofile`, which bench/profile.ts summarizes like any other.
 * Without the variable it just runs `fn`.
 *
 *   BENCH_PROFILE_DIR=/tmp/prof npx lamellar run -N 2 bench/kernels/index_gather.ts --quick
 *   node --import tsx bench/profile.ts /tmp/prof
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const dir = process.env['BENCH_PROFILE_DIR'];

export async function profiled<T>(label: string, pe: number, fn: () => Promise<T>): Promise<T> {
  if (dir === undefined || dir === '') return fn();
  mkdirSync(dir, { recursive: true });
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.setSamplingInterval', { interval: 200 });
  await s.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await s.post('Profiler.stop');
    writeFileSync(join(dir, `${label}.pe${pe}.cpuprofile`), JSON.stringify(profile));
    s.disconnect();
  }
}
