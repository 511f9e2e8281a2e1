/**
 * Array iterators through the real launcher: the conformance matrix (tests/fixtures/iter-cases.ts,
 * a port of Lamellar's array tests that fill arrays with dist_iter_mut and read them back with
 * onesided_iter) with the bool/i128/u128 and lock-guard cases (iter-types.ts) as one job per
 * configuration, and the bad-input, failure and responsiveness cases (iter-misc.ts). Names state the case, e.g. `LocalLockArray/cyclic/u64/3pe adapters`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ITER_MISC_CASES, iterCases, RESPONSIVE_CASE, type Width } from '../fixtures/iter-cases.js';
import { typeCases } from '../fixtures/iter-types.js';
import { caseReports, fixture, runJob, type JobResult } from '../helpers/job.js';

type Backend = 'local' | 'shmem' | 'tcp';

const MATRIX: { backend: Backend; numPes: number; width: Width }[] = [
  { backend: 'local', numPes: 1, width: 'narrow' },
  { backend: 'shmem', numPes: 2, width: 'narrow' },
  { backend: 'shmem', numPes: 3, width: 'wide' },
  { backend: 'shmem', numPes: 4, width: 'narrow' },
  { backend: 'tcp', numPes: 2, width: 'narrow' },
];

const MISC: { backend: Backend; numPes: number; which: 'cases' | 'both' }[] = [
  { backend: 'local', numPes: 1, which: 'both' },
  { backend: 'shmem', numPes: 2, which: 'both' },
  { backend: 'shmem', numPes: 3, which: 'cases' },
  { backend: 'shmem', numPes: 4, which: 'cases' },
  { backend: 'tcp', numPes: 2, which: 'both' },
];

function expectCases(result: () => Promise<JobResult>, numPes: number, names: readonly string[]): void {
  test('the job exits 0', async () => {
    const r = await result();
    assert.equal(r.code, 0, `exit ${r.code}\nstderr:\n${r.stderr.slice(-4000)}`);
  });
  for (const name of names) {
    test(name, async () => {
      const r = await result();
      const reports = caseReports(r.stdout).filter((x) => x.case === name);
      assert.equal(reports.length, numPes, `case '${name}' reported on ${reports.length} of ${numPes} PEs\nstderr:\n${r.stderr.slice(-2000)}`);
      for (const rep of reports) assert.ok(rep.ok, `PE ${rep.pe}: ${rep.error}`);
    });
  }
}

for (const cfg of MATRIX) {
  describe(`array iterators on ${cfg.backend} with ${cfg.numPes} PE(s), ${cfg.width} matrix`, () => {
    let job: Promise<JobResult> | undefined;
    const result = (): Promise<JobResult> => (job ??= runJob(fixture('iter-ops.ts'), { ...cfg, args: [cfg.width], timeoutMs: 170000 }));
    expectCases(result, cfg.numPes, [...iterCases(cfg.numPes, cfg.width), ...typeCases(cfg.numPes)].map((c) => c.name));
  });
}

for (const cfg of MISC) {
  describe(`array iterators: bad input and failures on ${cfg.backend} with ${cfg.numPes} PE(s)`, () => {
    let job: Promise<JobResult> | undefined;
    const result = (): Promise<JobResult> => (job ??= runJob(fixture('iter-misc.ts'), { ...cfg, args: [cfg.which], timeoutMs: 120000 }));
    expectCases(result, cfg.numPes, cfg.which === 'both' ? [...ITER_MISC_CASES, RESPONSIVE_CASE] : ITER_MISC_CASES);
  });
}
