/**
 * Runs fixtures on every lamella configuration and turns each case they report into a test,
 * asserting the case ran and passed on every PE: one fixture per job (`conformance`), or several
 * in one job (`bundled`, tests/fixtures/bundle.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compiledFixture } from './compiled.js';
import { CONFIGS, caseReports, configName, reportsOf, runJob, skipFor, type JobConfig, type JobResult } from './job.js';
import type { Suite } from './suites.js';

/** Lines of a job's stderr or stdout shown in a failure at most (its end, where a crash is). */
const SHOWN_LINES = 60;

function tail(text: string, what: string): string {
  const lines = text.trimEnd().split('\n');
  if (lines.length === 1 && lines[0] === '') return `${what}: (empty)`;
  const cut = lines.length > SHOWN_LINES ? ` (its last ${SHOWN_LINES} of ${lines.length} lines)` : '';
  return `${what}${cut}:\n${lines.slice(-SHOWN_LINES).join('\n')}`;
}

/** One job's result, shared by the tests that read it, and where its stderr was shown. */
export interface JobView {
  result: () => Promise<JobResult>;
  numPes: number;
  stderrShownIn?: string;
}

/**
 * The job's stderr for the first failure of the job only (a crash would otherwise repeat it
 * under every case it cut short); the later ones say where it is.
 */
function stderrOnce(job: JobView, r: JobResult, testName: string): string {
  if (job.stderrShownIn !== undefined) return `(the job's stderr is shown under '${job.stderrShownIn}')`;
  job.stderrShownIn = testName;
  return tail(r.stderr, "the job's stderr");
}

/** Declares the test 'the job exits 0'. */
export function jobExitTest(job: JobView): void {
  const exits = 'the job exits 0';
  test(exits, async () => {
    const r = await job.result();
    if (r.code === 0) return;
    // The @@case lines are each case's news; the rest of stdout is what the fixture printed.
    const stdout = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('@@case '))
      .join('\n');
    assert.equal(r.code, 0, `exit ${r.code}${r.signal === null ? '' : ` (${r.signal})`}\n${tail(stdout, 'stdout without @@case lines')}\n${stderrOnce(job, r, exits)}`);
  });
}

/**
 * Declares one test per case name, each asserting that the case reported ok on all the job's PEs
 * (as part of `fixture`, in a bundle). A failure names the case and the PE's error.
 */
export function caseTests(job: JobView, names: readonly string[], fixture?: string): void {
  // A case the fixture reports but its list lacks was checked by nothing but the job's exit code:
  // five new cases went unlisted (so unasserted) until this test.
  test('reports only cases its list holds', async () => {
    const r = await job.result();
    const listed = new Set(names);
    const extra = [...new Set(caseReports(r.stdout).filter((c) => c.fixture === fixture && !listed.has(c.case)).map((c) => c.case))];
    assert.deepEqual(extra, [], 'cases reported but missing from the test\'s list (tests/helpers/suites.ts for the conformance fixtures)');
  });
  for (const name of names) {
    test(name, async () => {
      const r = await job.result();
      const reports = reportsOf(r.stdout, name, fixture);
      const n = job.numPes;
      if (reports.length !== n) assert.equal(reports.length, n, `case '${name}' reported on ${reports.length} of ${n} PEs\n${stderrOnce(job, r, name)}`);
      const bad = reports.filter((rep) => !rep.ok);
      if (bad.length > 0) assert.fail(`${bad.map((rep) => `PE ${rep.pe}: ${rep.error}`).join('\n')}\n${stderrOnce(job, r, name)}`);
    });
  }
}

/**
 * Declares, inside a describe() for one job, 'the job exits 0' and one test per case name, each
 * asserting that the case reported ok on all `numPes` PEs.
 */
export function jobCaseTests(result: () => Promise<JobResult>, numPes: number, names: readonly string[]): void {
  const job: JobView = { result, numPes };
  jobExitTest(job);
  caseTests(job, names);
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

/** A bundle's job limit: below the test timeout (scripts/test.mjs), so a hang is reported as the job's. */
const BUNDLE_TIMEOUT_MS = 170000;

const sameConfig = (a: JobConfig, b: JobConfig): boolean => configName(a) === configName(b) && a.numPes === b.numPes;

/**
 * Runs the suites on each of `configs` as one job (tests/fixtures/bundle.ts) with every suite
 * that lists that configuration, in the suites' order, and declares each suite's cases as
 * `<fixture> on <lamella> with <n> PE(s)`, as `conformance()` does for a fixture alone.
 */
export function bundled(suites: readonly Suite[], configs: readonly JobConfig[]): void {
  for (const cfg of configs) {
    const here = suites.filter((s) => s.configs.some((c) => sameConfig(c, cfg)));
    if (here.length === 0) continue;
    const where = `${configName(cfg)} with ${cfg.numPes} PE(s)`;
    describe(`conformance fixtures in one job on ${where}`, { skip: skipFor(cfg) }, () => {
      let job: Promise<JobResult> | undefined;
      const view: JobView = {
        numPes: cfg.numPes,
        result: () => (job ??= runJob(compiledFixture('bundle.ts'), { ...cfg, args: here.map((s) => s.file), timeoutMs: BUNDLE_TIMEOUT_MS })),
      };
      jobExitTest(view);
      for (const s of here) describe(`${s.file} on ${where}`, () => caseTests(view, s.cases, s.file));
    });
  }
}
