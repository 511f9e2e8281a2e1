/**
 * Closure AMs (tests/fixtures/closure.ts) through tsx on shmem/2 and tcp/2 (the conformance runs,
 * conformance-*.test.ts on every lamella but tcp with 3 and 4 PEs, use its JavaScript copy,
 * helpers/compiled.ts, whose closures carry no tsx `__name` helpers); the same from plain JavaScript on shmem and tcp;
 * and the off switch, LAMELLAR_CLOSURE_AMS=0, on each lamella.
 */
import { describe } from 'node:test';
import { compiledFixture } from '../helpers/compiled.js';
import { jobCaseTests } from '../helpers/conformance.js';
import { fixture, runJob, type JobResult } from '../helpers/job.js';
import { CLOSURE_CASES } from '../helpers/suites.js';

/**
 * Runs `file` once per configuration with `env`, and checks every case on every PE. A `.ts` file
 * runs as its JavaScript copy unless `tsx` is set.
 */
function cases(
  file: string,
  names: readonly string[],
  configs: { backend: 'local' | 'shmem' | 'tcp'; numPes: number }[],
  env: Record<string, string> = {},
  { tsx = false, timeoutMs = 60000 } = {},
): void {
  const script = tsx || !file.endsWith('.ts') ? fixture(file) : compiledFixture(file);
  for (const cfg of configs) {
    const label = `${tsx ? ' through tsx' : ''}${Object.keys(env).length === 0 ? '' : ` with ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`}`;
    describe(`${file} on ${cfg.backend} with ${cfg.numPes} PE(s)${label}`, () => {
      let job: Promise<JobResult> | undefined;
      const result = (): Promise<JobResult> => (job ??= runJob(script, { ...cfg, env, timeoutMs }));
      jobCaseTests(result, cfg.numPes, names);
    });
  }
}

cases(
  'closure.ts',
  CLOSURE_CASES,
  [
    { backend: 'shmem', numPes: 2 },
    { backend: 'tcp', numPes: 2 },
  ],
  {},
  { tsx: true, timeoutMs: 120000 },
);

cases(
  'closure-plain.js',
  [
    'a plain-JS closure returns its value',
    'a plain-JS closure returns a closure that runs on the origin',
    'a plain-JS closure reading an outer let is refused',
    'a plain-JS closure using a global its module shadows (an import, a top-level declaration) is refused',
  ],
  [
    { backend: 'shmem', numPes: 2 },
    { backend: 'tcp', numPes: 2 },
  ],
);

cases(
  'closure-off.ts',
  [
    'the configuration reads LAMELLAR_CLOSURE_AMS=0',
    'every PE refuses incoming closures with CLOSURES_DISABLED and runs none of them',
    'a closure returned by a registered AM is refused on the origin',
    'registered AMs and execAmLocal of a closure still work',
  ],
  [
    { backend: 'local', numPes: 1 },
    { backend: 'shmem', numPes: 3 },
    { backend: 'tcp', numPes: 2 },
  ],
  { LAMELLAR_CLOSURE_AMS: '0' },
);
