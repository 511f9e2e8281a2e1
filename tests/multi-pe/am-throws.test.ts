/**
 * Any thrown value becomes a RemoteAmError at the caller and the target lives on (issue #11):
 * tests/fixtures/am-throws.ts under tighter settings. conformance-*.test.ts runs it with the
 * default ones on local/1, shmem/2 and 4, and tcp/2. Then AMs that fail with nobody awaiting
 * them: tests/fixtures/unobserved-am.ts, which ends through `await using` without waitAll(), and
 * whose TaskGroups and sub-team report their own AMs' failures at their waitAll().
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compiledFixture } from '../helpers/compiled.js';
import { caseReports, fixture, runJob, type Backend } from '../helpers/job.js';
import { AM_THROWS_CASES } from '../helpers/suites.js';

/** How every unobserved failure's warning ends: the PE's exit code becomes 1. */
const EXITS = '; unless its handle is awaited later, this PE will exit with code 1';

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

describe('a failed AM whose handle nobody awaits is reported, naming the AM and the PE', () => {
  // The shutdown's waitAll used to decide at its call whether there was anything to report, so
  // the usual failure, still on its way back then, went unreported in most runs: several runs
  // per lamella. The gated case makes that race certain in every run.
  const RUNS = 5;
  const configs: [Backend, number][] = [
    ['local', 1],
    ['shmem', 2],
    ['tcp', 2],
  ];
  for (const [backend, numPes] of configs) {
    test(`${backend}/${numPes}: every run warns once per failed AM before the job exits, and exits 1`, async () => {
      const next = 1 % numPes;
      const expected = [
        `active message 'unobserved/gated' failed on PE ${next}: Error: gated boom`,
        "active message 'unobserved/local' failed on PE 0: Error: local boom",
        "active message 'unobserved/string' failed on PE 0: string: the active message threw a string, not an Error: a plain string",
        `active message 'unobserved/boom' failed on PE ${next}: Error: boom from an unawaited AM`,
        `active message 'unobserved/group' failed on PE ${next}: Error: group boom`,
        `active message 'unobserved/team' failed on PE ${next}: Error: team boom`,
        ...Array.from({ length: numPes }, (_, pe) => `active message 'unobserved/team-group' failed on PE ${pe}: Error: team group boom`),
      ];
      for (let run = 1; run <= RUNS; run++) {
        const r = await runJob(compiledFixture('unobserved-am.ts'), { backend, numPes, timeoutMs: 60000 });
        const where = `run ${run} of ${RUNS}:\n${r.stdout}\n${r.stderr}`;
        // A failure nobody handled fails the job, which still runs to its end.
        assert.equal(r.code, 1, where);
        assert.match(r.stdout, /^@@unobserved-by-waitall 1$/m, `the waitAll() that the gated failure arrived during did not report it; ${where}`);
        // Each sub-team's or TaskGroup's waitAll reports the failures of its own AMs when it
        // resolves, and only those: the team's waitAll after its group's reports nothing more.
        assert.match(r.stdout, /^@@unobserved-by-group 2$/m, `a TaskGroup's waitAll() did not report its AM's failure; ${where}`);
        assert.match(r.stdout, /^@@unobserved-by-team 3$/m, `a team's waitAll() did not report its AM's failure; ${where}`);
        assert.match(r.stdout, new RegExp(`^@@unobserved-by-team-group ${3 + numPes}$`, 'm'), `a TaskGroup on a team did not report its execAmAll's failures; ${where}`);
        assert.match(r.stdout, new RegExp(`^@@unobserved-after-team ${3 + numPes}$`, 'm'), `the team's waitAll() reported its group's failures again; ${where}`);
        // Beyond 16 waiting to be reported, failures are counted in one more warning.
        assert.match(r.stdout, /^@@unobserved-many 17$/m, where);
        // Failures whose handles were awaited after they failed are not reported, beyond 16 too.
        assert.match(r.stdout, /^@@unobserved-awaited 0 20$/m, where);
        const lines = r.stderr.split('\n').filter((l) => l.includes('[LAMELLAR_W_UNOBSERVED_AM_ERROR]'));
        const more = lines.filter((l) => l.includes('more active messages failed'));
        assert.equal(more.length, 1, where);
        assert.match(more[0]!, /4 more active messages failed whose handles were not awaited by then; not listed \(at most 16 failures wait to be reported at once\)/);
        // Each names the PE that launched it: every PE is a thread of one process on shmem.
        assert.ok(lines.every((l) => /LamellarWarning: PE \d+: /.test(l)), lines.join('\n'));
        assert.ok(lines.every((l) => l.endsWith(EXITS)), lines.join('\n'));
        const named = lines
          .filter((l) => !more.includes(l))
          .map((l) => l.replace(/^.*an active message failed and its handle was never awaited: /, '').slice(0, -EXITS.length));
        // Each failure an Error made names the line that threw it (another PE's, from its stack).
        for (const w of named) if (!w.includes('threw a string')) assert.match(w, / \(thrown at \S*unobserved-am\.[jt]s:\d+:\d+\)$/, w);
        const warnings = named.map((w) => w.replace(/ \(thrown at [^)]*\)$/, ''));
        assert.deepEqual(warnings.sort(), [...expected, ...Array.from({ length: 16 }, () => `active message 'unobserved/many' failed on PE ${next}: Error: one of many`)].sort(), where);
      }
    });
  }
});

describe('with LAMELLAR_AM_STACKS=1 an unobserved failure names the line that launched it', () => {
  test('shmem/2: every warning of an AM sent to another PE ends with its launch line', async () => {
    const r = await runJob(compiledFixture('unobserved-am.ts'), { backend: 'shmem', numPes: 2, env: { LAMELLAR_AM_STACKS: '1' }, timeoutMs: 60000 });
    assert.equal(r.code, 1, r.stderr);
    // Those launched to another PE, and with execAmLocal on this one.
    const warned = r.stderr.split('\n').filter((l) => l.includes('[LAMELLAR_W_UNOBSERVED_AM_ERROR]'));
    const lines = warned.filter((l) => l.includes('failed on PE 1'));
    assert.ok(lines.length >= 16, r.stderr);
    const local = warned.filter((l) => /'unobserved\/(local|string)' failed on PE 0/.test(l));
    assert.equal(local.length, 2, r.stderr);
    for (const l of [...lines, ...local]) assert.match(l, new RegExp(` \\(launched at \\S*unobserved-am\\.[jt]s:\\d+:\\d+\\)${EXITS}$`), l);
  });
});

describe('an unobserved failure that no waitAll() reports', () => {
  const failure = (pe: number): string => `active message 'stale/set-flag' failed on PE ${pe}: Error: the flag was never set`;
  for (const [backend, numPes] of [['shmem', 2], ['tcp', 2]] as [Backend, number][]) {
    test(`${backend}/${numPes}: is reported after LAMELLAR_DEADLOCK_TIMEOUT, and only once`, async () => {
      const r = await runJob(compiledFixture('unobserved-stale.ts'), { backend, numPes, env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5' }, timeoutMs: 60000 });
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
      const warning = `@@warning PE 0: an active message failed 0.5 s ago, no waitAll() has reported it since, and its handle was never awaited: ${failure(numPes - 1)}`;
      assert.ok(r.stdout.includes(`${warning} (thrown at `) && r.stdout.includes(`)${EXITS}\n`), r.stdout);
      assert.match(r.stdout, /@@reports 0 1/);
    });
    test(`${backend}/${numPes}: a failure reported at a TaskGroup's waitAll() and caught after it leaves the exit code 0`, async () => {
      const r = await runJob(compiledFixture('unobserved-late.ts'), { backend, numPes, timeoutMs: 60000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      for (let pe = 0; pe < numPes; pe++) assert.match(r.stdout, new RegExp(`@@caught ${pe} active message 'late/fails' failed on PE ${(pe + 1) % numPes}: Error: handled after the waitAll`));
      // Reported when the waitAll resolved, before the handle was awaited, as before.
      assert.match(r.stderr, /LAMELLAR_W_UNOBSERVED_AM_ERROR/);
    });
    test(`${backend}/${numPes}: leaves an exit code the program set alone`, async () => {
      const r = await runJob(compiledFixture('unobserved-stale.ts'), { backend, numPes, env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5' }, args: ['own-code'], timeoutMs: 60000 });
      assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
      assert.ok(r.stdout.includes(failure(numPes - 1)) && !r.stdout.includes(EXITS), r.stdout);
    });
  }
  // One PE has nothing else to keep it alive: its event loop runs empty first, and the report of
  // what it waited for names the failure.
  test('local/1: the report of a PE whose event loop ran empty names it', async () => {
    const r = await runJob(compiledFixture('unobserved-stale.ts'), { backend: 'local', numPes: 1, env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5' }, timeoutMs: 60000 });
    assert.equal(r.code, 13, `${r.stdout}\n${r.stderr}`);
    assert.ok(r.stderr.includes(`- an active message failed and its handle was never awaited (what waits for its effect waits forever): ${failure(0)}`), r.stderr);
  });
});
