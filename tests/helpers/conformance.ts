/**
 * Runs one fixture on every lamella configuration and turns each case it reports into a test,
 * asserting the case ran and passed on every PE.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compiledFixture } from './compiled.js';
import { CONFIGS, caseReports, configName, runJob, skipFor, type JobResult } from './job.js';

export function conformance(file: string, cases: string[], opts: { timeoutMs?: number; configs?: typeof CONFIGS } = {}): void {
  for (const cfg of opts.configs ?? CONFIGS) {
    describe(`${file} on ${configName(cfg)} with ${cfg.numPes} PE(s)`, { skip: skipFor(cfg) }, () => {
      let job: Promise<JobResult> | undefined;
      const result = (): Promise<JobResult> => (job ??= runJob(compiledFixture(file), { ...cfg, timeoutMs: opts.timeoutMs ?? 60000 }));
      test('the job exits 0', async () => {
        const r = await result();
        assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      });
      for (const name of cases) {
        test(name, async () => {
          const r = await result();
          const reports = caseReports(r.stdout).filter((c) => c.case === name);
          assert.equal(reports.length, cfg.numPes, `case '${name}' reported on ${reports.length} of ${cfg.numPes} PEs\nstderr:\n${r.stderr}`);
          for (const rep of reports) assert.ok(rep.ok, `PE ${rep.pe}: ${rep.error}`);
        });
      }
    });
  }
}
