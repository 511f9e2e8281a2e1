/**
 * Array iterators through the real launcher: the conformance matrix (tests/fixtures/iter-cases.ts,
 * a port of Lamellar's array tests that fill arrays with dist_iter_mut and read them back with
 * onesided_iter) with the bool/i128/u128 and lock-guard cases (iter-types.ts) as one job per
 * configuration, and the bad-input, failure and responsiveness cases (iter-misc.ts). Names state the case, e.g. `LocalLockArray/cyclic/u64/3pe adapters`.
 */
import { describe } from 'node:test';
import { ITER_MISC_CASES, iterCases, RESPONSIVE_CASE, type Width } from '../fixtures/iter-cases.js';
import { typeCases } from '../fixtures/iter-types.js';
import { compiledFixture } from '../helpers/compiled.js';
import { jobCaseTests } from '../helpers/conformance.js';
import { runJob, type JobResult } from '../helpers/job.js';

type Backend = 'local' | 'shmem' | 'tcp';

const MATRIX: { backend: Backend; numPes: number; width: Width }[] = [
  { backend: 'local', numPes: 1, width: 'narrow' },
  // The whole matrix on 2 PEs, as array.test.ts does (the same reason: 3 PEs on 2 cores). The
  // other PE counts and tcp, the dearest per case (31 to 43 s of CPU for the narrow matrix), run
  // the cross one: every case on every kind and distribution, the element types in turn.
  { backend: 'shmem', numPes: 2, width: 'wide' },
  { backend: 'shmem', numPes: 3, width: 'cross' },
  { backend: 'shmem', numPes: 4, width: 'cross' },
  { backend: 'tcp', numPes: 2, width: 'cross' },
];

const MISC: { backend: Backend; numPes: number; which: 'cases' | 'both' }[] = [
  { backend: 'local', numPes: 1, which: 'both' },
  { backend: 'shmem', numPes: 2, which: 'both' },
  { backend: 'shmem', numPes: 3, which: 'cases' },
  { backend: 'shmem', numPes: 4, which: 'cases' },
  { backend: 'tcp', numPes: 2, which: 'both' },
];

for (const cfg of MATRIX) {
  describe(`array iterators on ${cfg.backend} with ${cfg.numPes} PE(s), ${cfg.width} matrix`, () => {
    let job: Promise<JobResult> | undefined;
    const result = (): Promise<JobResult> => (job ??= runJob(compiledFixture('iter-ops.ts'), { ...cfg, args: [cfg.width], timeoutMs: 170000 }));
    jobCaseTests(result, cfg.numPes, [...iterCases(cfg.numPes, cfg.width), ...typeCases(cfg.numPes)].map((c) => c.name));
  });
}

for (const cfg of MISC) {
  describe(`array iterators: bad input and failures on ${cfg.backend} with ${cfg.numPes} PE(s)`, () => {
    let job: Promise<JobResult> | undefined;
    const result = (): Promise<JobResult> => (job ??= runJob(compiledFixture('iter-misc.ts'), { ...cfg, args: [cfg.which], timeoutMs: 120000 }));
    jobCaseTests(result, cfg.numPes, cfg.which === 'both' ? [...ITER_MISC_CASES, RESPONSIVE_CASE] : ITER_MISC_CASES);
  });
}
