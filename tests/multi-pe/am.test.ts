/**
 * Active messages (tests/fixtures/am.ts) with a small aggregation threshold, where the same cases
 * as with the default one (conformance-*.test.ts, every lamella) must hold and bursts split into
 * many frames; and on shmem with a heap too small to stage large frames, so that they travel
 * through the ring in parts (which a receiver whose AM slice is used up must not start).
 */
import { describe } from 'node:test';
import { jobCaseTests } from '../helpers/conformance.js';
import { compiledFixture } from '../helpers/compiled.js';
import { runJob, type JobResult } from '../helpers/job.js';
import { AM_CASES } from '../helpers/suites.js';

for (const cfg of [{ backend: 'shmem', numPes: 3 }, { backend: 'tcp', numPes: 2 }] as const) {
  describe(`am.ts on ${cfg.backend} with ${cfg.numPes} PEs and LAMELLAR_AM_SIZE_THRESHOLD=1024`, () => {
    let job: Promise<JobResult> | undefined;
    const result = (): Promise<JobResult> =>
      (job ??= runJob(compiledFixture('am.ts'), { ...cfg, env: { LAMELLAR_AM_SIZE_THRESHOLD: '1024' }, timeoutMs: 60000 }));
    jobCaseTests(result, cfg.numPes, AM_CASES);
  });
}

// Flood AMs of 50 KB: PE 0's ring fills and its reply waits in its queue behind them, until the
// target, having held them back for a while, takes them (shmem/index.ts, HOLD_MS).
describe('am.ts on shmem with 2 PEs and flood AMs of 50 KB', () => {
  let job: Promise<JobResult> | undefined;
  const result = (): Promise<JobResult> =>
    (job ??= runJob(compiledFixture('am.ts'), { backend: 'shmem', numPes: 2, env: { AM_FLOOD_BYTES: '50000' }, timeoutMs: 60000 }));
  jobCaseTests(result, 2, AM_CASES);
});

describe('am.ts on shmem with 3 PEs and a 2 MiB heap (large frames in ring parts)', () => {
  let job: Promise<JobResult> | undefined;
  const result = (): Promise<JobResult> =>
    (job ??= runJob(compiledFixture('am.ts'), { backend: 'shmem', numPes: 3, env: { LAMELLAR_HEAP_SIZE: String(2 << 20) }, timeoutMs: 60000 }));
  jobCaseTests(result, 3, AM_CASES);
});
