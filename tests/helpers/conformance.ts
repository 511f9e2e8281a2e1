/**
 * Runs one fixture on every lamella configuration and turns each case it reports into a test,
 * asserting the case ran and passed on every PE.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compiledFixture } from './compiled.js';
import { CONFIGS, caseReports, configName, runJob, skipFor, type JobResult } from './job.js';

/** Lines of a job's stderr or stdout shown in a failure at most (its end, where a crash is). */
const SHOWN_LINES = 60;

function tail(text: string, what: string): string {
  const lines = text.trimEnd().split('\n');
  if (lines.length === 1 && lines[0] === '') return `${what}: (empty)`;
  const cut = lines.length > SHOWN_LINES ? ` (its last ${SHOWN_LINES} of ${lines.length} lines)` : '';
  return `${what}${cut}:\n${lines.slice(-SHOWN_LINES).join('\n')}`;
}

/**
 * Declares, inside a describe() for one job, 'the job exits 0' and one test per case name, each
 * asserting that the case reported ok on all `numPes` PEs. A failure names the case and the PE's
 * error; the job's stderr goes with the first failure of the job only (a crash would otherwise
 * repeat it under every case it cut short), and the later ones say where it is.
 */
export function jobCaseTests(result: () => Promise<JobResult>, numPes: number, names: readonly string[]): void {
  let stderrShownIn: string | undefined;
  const stderrOnce = (r: JobResult, testName: string): string => {
    if (stderrShownIn !== undefined) return `(the job's stderr is shown under '${stderrShownIn}')`;
    stderrShownIn = testName;
    return tail(r.stderr, "the job's stderr");
  };
  const exits = 'the job exits 0';
  test(exits, async () => {
    const r = await result();
    if (r.code === 0) return;
    // The @@case lines are each case's news; the rest of stdout is what the fixture printed.
    const stdout = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('@@case '))
      .join('\n');
    assert.equal(r.code, 0, `exit ${r.code}${r.signal === null ? '' : ` (${r.signal})`}\n${tail(stdout, 'stdout without @@case lines')}\n${stderrOnce(r, exits)}`);
  });
  for (const name of names) {
    test(name, async () => {
      const r = await result();
      const reports = caseReports(r.stdout).filter((c) => c.case === name);
      if (reports.length !== numPes) assert.equal(reports.length, numPes, `case '${name}' reported on ${reports.length} of ${numPes} PEs\n${stderrOnce(r, name)}`);
      const bad = reports.filter((rep) => !rep.ok);
      if (bad.length > 0) assert.fail(`${bad.map((rep) => `PE ${rep.pe}: ${rep.error}`).join('\n')}\n${stderrOnce(r, name)}`);
    });
  }
}

export function conformance(file: string, cases: string[], opts: { timeoutMs?: number; configs?: typeof CONFIGS } = {}): void {
  for (const cfg of opts.configs ?? CONFIGS) {
    describe(`${file} on ${configName(cfg)} with ${cfg.numPes} PE(s)`, { skip: skipFor(cfg) }, () => {
      let job: Promise<JobResult> | undefined;
      const result = (): Promise<JobResult> => (job ??= runJob(compiledFixture(file), { ...cfg, timeoutMs: opts.timeoutMs ?? 60000 }));
      jobCaseTests(result, cfg.numPes, cases);
    });
  }
}
