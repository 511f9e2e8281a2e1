/** Any thrown value becomes a RemoteAmError at the caller and the target lives on (issue #11). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conformance } from '../helpers/conformance.js';
import { FAILURE_CONFIGS } from '../helpers/job.js';
import { caseReports, fixture, runJob } from '../helpers/job.js';

const CASES = [
  'every generated thrown value reaches the caller as a RemoteAmError, and every PE lives on',
  'execAmAll of a thrower rejects with the RemoteAmError of one member',
  'a huge error message arrives cut to a bounded size, saying so',
  "RemoteAmError.stack shows the remote stack and the user's launching line (or says how to record it)",
];

conformance('am-throws.ts', CASES, { configs: FAILURE_CONFIGS });

describe('thrown values under tighter settings', () => {
  const runs: [string, 'shmem' | 'tcp', Record<string, string>][] = [
    ['tcp frames of 256 KiB, smaller than the errors thrown', 'tcp', { LAMELLAR_MAX_FRAME: '262144', LAMELLAR_AM_SIZE_THRESHOLD: '8192' }],
    ['LAMELLAR_AM_STACKS=1 on shmem', 'shmem', { LAMELLAR_AM_STACKS: '1' }],
    ['LAMELLAR_AM_STACKS=1 on tcp', 'tcp', { LAMELLAR_AM_STACKS: '1' }],
  ];
  for (const [what, backend, env] of runs) {
    test(what, async () => {
      const r = await runJob(fixture('am-throws.ts'), { backend, numPes: 2, env, args: ['44'], timeoutMs: 60000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const reports = caseReports(r.stdout);
      assert.equal(reports.length, CASES.length * 2, r.stdout);
      for (const rep of reports) assert.ok(rep.ok, `PE ${rep.pe} ${rep.case}: ${rep.error}`);
    });
  }
});
