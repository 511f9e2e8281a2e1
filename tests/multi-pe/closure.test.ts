/**
 * Closure AMs (tests/fixtures/closure.ts) on local/1, shmem/2-4 and tcp/2, and once more through
 * tsx on shmem/2 and tcp/2 (the conformance runs use its JavaScript copy, helpers/compiled.ts,
 * whose closures carry no tsx `__name` helpers); the same from plain JavaScript on shmem and tcp;
 * and the off switch, LAMELLAR_CLOSURE_AMS=0, on each lamella.
 */
import { describe } from 'node:test';
import { compiledFixture } from '../helpers/compiled.js';
import { conformance, jobCaseTests } from '../helpers/conformance.js';
import { CONFIGS, fixture, runJob, type JobResult } from '../helpers/job.js';

const CONFIGS_USED = CONFIGS.filter((c) => c.backend !== 'tcp' || c.numPes === 2);

const CLOSURE_CASES = [
    'a closure runs on the target with its env and returns its value',
    "an inline execAmAll closure gathers every PE's value in PE order",
    'a closure with no return resolves to undefined after it ran on the target',
    'a closure that returns a closure runs the returned one on the origin',
    'closures launch closures: a ring of nested closures visits every PE and returns the path',
    'env carries every codec value type',
    "env carries handles (array, Darc, shared and one-sided region, team) that arrive as the receiver's own",
    'a closure reading an outer let is refused at the call, naming it and saying to pass it in env',
    'a closure using an imported binding is refused at the call',
    'a method using this, a bound function and a native function are refused at the call',
    'bad launches of closures throw at the call and send nothing',
    'a closure that throws rejects with RemoteAmError and the world goes on',
    'a closure whose source does not compile on the target rejects with RemoteAmError and the world goes on',
    'modules are reached with await import inside a closure',
    'closures compiled by tsx (named inner functions and classes, __name helpers) run',
    'teams, execAmLocal, AmGroup and TaskGroup accept closures',
    'over 100k launches the source goes to each destination once and is compiled once per PE; later launches carry its id',
];

conformance('closure.ts', CLOSURE_CASES, { configs: CONFIGS_USED, timeoutMs: 120000 });

/**
 * Runs `file` once per configuration with `env`, and checks every case on every PE. A `.ts` file
 * runs as its JavaScript copy unless `tsx` is set.
 */
function cases(
  file: string,
  names: string[],
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
  ['a plain-JS closure returns its value', 'a plain-JS closure returns a closure that runs on the origin', 'a plain-JS closure reading an outer let is refused'],
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
