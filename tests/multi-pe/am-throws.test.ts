/**
 * Any thrown value becomes a RemoteAmError at the caller and the target lives on (issue #11):
 * tests/fixtures/am-throws.ts under tighter settings. conformance-*.test.ts runs it with the
 * default ones on local/1, shmem/2 and 4, and tcp/2.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compiledFixture } from '../helpers/compiled.js';
import { caseReports, fixture, runJob } from '../helpers/job.js';
import { AM_THROWS_CASES } from '../helpers/suites.js';


describe('thrown values under tighter settings', () => {
  const runs: [string, 'shmem' | 'tcp', Record<string, string>][] = [
    ['tcp frames of 256 KiB, smaller than the errors thrown', 'tcp', { LAMELLAR_MAX_FRAME: '262144', LAMELLAR_AM_SIZE_THRESHOLD: '8192' }],
    ['LAMELLAR_AM_STACKS=1 on shmem', 'shmem', { LAMELLAR_AM_STACKS: '1' }],
    ['LAMELLAR_AM_STACKS=1 on tcp', 'tcp', { LAMELLAR_AM_STACKS: '1' }],
  ];
  for (const [what, backend, env] of runs) {
    test(what, async () => {
      // With LAMELLAR_AM_STACKS=1 the fixture checks the launching line in am-throws.ts, so that
      // the recorded site is shown through tsx's source maps; the other run needs no tsx.
      const script = env['LAMELLAR_AM_STACKS'] === '1' ? fixture('am-throws.ts') : compiledFixture('am-throws.ts');
      const r = await runJob(script, { backend, numPes: 2, env, args: ['44'], timeoutMs: 60000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const reports = caseReports(r.stdout);
      assert.equal(reports.length, AM_THROWS_CASES.length * 2, r.stdout);
      for (const rep of reports) assert.ok(rep.ok, `PE ${rep.pe} ${rep.case}: ${rep.error}`);
    });
  }
});
