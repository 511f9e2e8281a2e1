/**
 * The failure model (issue #11): a PE that throws, inside `await using` or not, fails the job
 * with its own error; a PE that ends early (before initWorld, before shutdown) stops the job,
 * named; signals to the tcp launcher reach its PEs; PEs end when their launcher dies, even in a
 * synchronous loop.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, test } from 'node:test';
import { compiledFixture } from '../helpers/compiled.js';
import { BIN, CONFIGS, configName, fixture, runJob, runNode, skipFor, type JobConfig, type JobResult } from '../helpers/job.js';
import { watchPes } from '../helpers/pe-watch.js';

type Backend = 'local' | 'shmem' | 'tcp';

/**
 * The fixture for run `run` of a repeated test: the TypeScript source first (through tsx, as a
 * user runs it), then its compiled copy, which behaves the same and starts without tsx (0.6 s of
 * CPU less per 2-PE job: every PE thread loads tsx into a loader thread of its own).
 */
const scriptOf = (name: string, run: number): string => (run === 0 ? fixture(name) : compiledFixture(name));

/** `file:line:` (escaped for a RegExp) of the line marked `// @@line <tag>` in a fixture script. */
function tagLine(script: string, tag: string): string {
  const i = readFileSync(script, 'utf8').split('\n').findIndex((l) => l.includes(`// @@line ${tag}`));
  assert.ok(i >= 0, `no @@line ${tag} in ${script}`);
  return `${basename(script)}:${i + 1}:`.replace(/[.]/g, '\\.');
}

/** A bound, not a speed check: the launcher exited within 10 s of the `@@failing <pe> <ms>` line. */
function stoppedWithin10s(r: JobResult, endedAt: number): void {
  const m = /@@failing (\d+) (\d+)/.exec(r.stdout);
  assert.ok(m, `the failing PE printed no @@failing line:\n${r.stdout}\n${r.stderr}`);
  const ms = endedAt - Number(m[2]);
  assert.ok(ms >= 0 && ms < 10000, `the job stopped ${ms} ms after PE ${m[1]} failed`);
}

describe("the README's pattern: `await using world` at top level, then one PE fails", () => {
  const runs: [Backend, number, 'throw' | 'assert' | 'iter'][] = [
    ['local', 1, 'throw'],
    ['local', 1, 'assert'],
    ['shmem', 2, 'throw'],
    ['shmem', 4, 'throw'],
    ['shmem', 3, 'assert'],
    ['tcp', 2, 'throw'],
    ['tcp', 2, 'assert'],
    ['local', 1, 'iter'],
    ['shmem', 3, 'iter'],
    ['tcp', 3, 'iter'],
  ];
  for (const [backend, numPes, how] of runs) {
    test(`${backend}/${numPes}: a failed ${how === 'throw' ? 'throw' : how === 'iter' ? 'distributed forEachAsync callback' : 'assertion'} is reported first, with its stack, and stops every PE`, async () => {
      const r = await runJob(fixture('dispose-throw.ts'), { backend, numPes, args: [how], timeoutMs: 30000 });
      const endedAt = Date.now();
      assert.equal(r.signal, null, `killed by the test's time limit:\n${r.stderr}`);
      assert.equal(r.code, 1, r.stderr);
      const last = numPes - 1;
      const first = /^lamellar: PE (\d+) (.*)$/m.exec(r.stderr);
      assert.ok(first, r.stderr);
      assert.equal(first[1], String(last), `the launcher reported PE ${first[1]} first:\n${r.stderr}`);
      assert.equal(first[2], 'failed:');
      const message = how !== 'assert' ? `Error: deliberate failure on PE ${last}` : `AssertionError \\[ERR_ASSERTION\\]: deliberate assertion on PE ${last}`;
      assert.match(r.stderr, new RegExp(`^lamellar: PE ${last} failed:\\n${message}\\n`, 'm'));
      assert.match(r.stderr, /dispose-throw\.ts:\d+:\d+/, 'the stack names the script and line');
      assert.match(r.stdout, new RegExp(`^@@exit-hook ${last} 1$`, 'm'), `the failing PE ran its exit handler:\n${r.stdout}`);
      if (how === 'iter') {
        // The callback's error ends with the line that called the consumer, as its last frame.
        const report = r.stderr.slice(r.stderr.indexOf(`lamellar: PE ${last} failed:`)).split(/\nlamellar: /)[0]!;
        assert.match(report, new RegExp(`\\n\\s+at DistIter\\.forEachAsync \\([^\\n]*${tagLine(fixture('dispose-throw.ts'), 'iter/consumer')}`), report);
        // Between the two, the runtime's frames are one line.
        assert.match(report, RUNTIME_RUN, report);
        assert.doesNotMatch(report, RUNTIME_FRAME, report);
      }
      assert.doesNotMatch(r.stdout, /should never pass/);
      stoppedWithin10s(r, endedAt);
    });
  }
  test('shmem/2: with LAMELLAR_DEBUG=stacks the report keeps the runtime frames of a failed callback', async () => {
    const r = await runJob(fixture('dispose-throw.ts'), { backend: 'shmem', numPes: 2, args: ['iter'], env: { LAMELLAR_DEBUG: 'stacks' }, timeoutMs: 30000 });
    assert.equal(r.code, 1, r.stderr);
    const report = r.stderr.slice(r.stderr.indexOf('lamellar: PE 1 failed:')).split(/\nlamellar: /)[0]!;
    assert.match(report, /dispose-throw\.ts:\d+:\d+/, report);
    assert.match(report, RUNTIME_FRAME, report);
    assert.doesNotMatch(report, RUNTIME_RUN, report);
  });
});

/** A stack frame in the runtime's own code (dist/, or src/ through its source maps). */
const RUNTIME_FRAME = /\n\s+at [^\n]*[/\\](dist|src)[/\\][^\n]*\.[jt]s:\d+:\d+\)?\n/;
/** Two or more of them, collapsed. */
const RUNTIME_RUN = /\n\s+\.\.\. \d+ frames inside lamellar( \(and Node's\))? \(LAMELLAR_DEBUG=stacks shows them\)( \{)?\n/;

describe('a PE that throws with a consumer left running is reported with its own error', () => {
  // The failing PE's `await using` disposal waits for its consumer, whose collective the others
  // (in a barrier, or in an allGather whose message reaches the failing PE) find as a mismatch:
  // they may fail before the failing PE's error has come out. The launcher must still report that
  // error, not the mismatch it caused. Each configuration runs RUNS times, half of them with each
  // call on the others, since either order can happen.
  const RUNS = 4;
  const runs: [Backend, number][] = [
    ['shmem', 2],
    ['shmem', 3],
    ['tcp', 2],
  ];
  for (const [backend, numPes] of runs) {
    test(`${backend}/${numPes}: the failing PE's error, not the others' COLLECTIVE_MISMATCH, is reported, ${RUNS} runs`, async () => {
      const last = numPes - 1;
      for (let run = 0; run < RUNS; run++) {
        const others = run % 2 === 0 ? 'barrier' : 'allGather';
        const r = await runJob(scriptOf('dispose-throw.ts', run), { backend, numPes, args: ['consumer', others], timeoutMs: 30000 });
        const endedAt = Date.now();
        const all = `run ${run} (the others in ${others}):\n${r.stderr}`;
        assert.equal(r.signal, null, `killed by the test's time limit, ${all}`);
        assert.equal(r.code, 1, all);
        const first = /^lamellar: PE (\d+) (.*)$/m.exec(r.stderr);
        assert.ok(first, all);
        assert.equal(first[1], String(last), `the launcher reported PE ${first[1]} first, ${all}`);
        assert.match(r.stderr, new RegExp(`^lamellar: PE ${last} failed:\\nError: deliberate failure on PE ${last}\\n`, 'm'), all);
        assert.match(r.stderr, /dispose-throw\.[jt]s:\d+:\d+/, 'the stack names the script and line');
        assert.doesNotMatch(r.stdout, /should never pass/);
        stoppedWithin10s(r, endedAt);
      }
    });
  }
});

describe('a PE that throws inside an `await using` team scope is reported with its own error', () => {
  // The others go on to the team's allReduce, which the failing PE's disposal would otherwise pair
  // with the team's collective drop (a COLLECTIVE_MISMATCH reported in place of the error).
  const RUNS = 2;
  // Every multi-PE lamella configuration of up to 3 PEs (shmem 2/3, tcp 2/3, ofi with 2 on both providers).
  const runs = CONFIGS.filter((c) => c.backend !== 'local' && c.numPes <= 3 && (c.backend !== 'ofi' || c.numPes === 2));
  for (const c of runs) {
    test(`${configName(c)}/${c.numPes}: the error, with its line, ${RUNS} runs; no mismatch, no PE passes`, { skip: skipFor(c) }, async () => {
      const last = c.numPes - 1;
      for (let run = 0; run < RUNS; run++) {
        const r = await runJob(scriptOf('dispose-throw.ts', run), { ...c, args: ['team'], timeoutMs: 30000 });
        const endedAt = Date.now();
        const all = `run ${run}:\n${r.stderr}`;
        assert.equal(r.signal, null, `killed by the test's time limit, ${all}`);
        assert.equal(r.code, 1, all);
        assert.match(r.stderr, new RegExp(`^lamellar: PE ${last} failed:\\nError: deliberate failure on PE ${last}\\n`, 'm'), all);
        assert.equal(/^lamellar: PE (\d+) /m.exec(r.stderr)?.[1], String(last), `another PE was reported first, ${all}`);
        assert.match(r.stderr, /dispose-throw\.[jt]s:\d+:\d+/, 'the stack names the script and line');
        assert.doesNotMatch(r.stderr, /COLLECTIVE_MISMATCH|collective mismatch/, all);
        assert.doesNotMatch(r.stdout, /should never pass/);
        stoppedWithin10s(r, endedAt);
      }
    });
  }
});

describe('a PE that exits while the others transfer to it is reported with its exit code', () => {
  // Its peers' puts and gets fail first: on ofi with a fabric error that did not name it as the
  // origin (4 of 4 runs reported the transfer instead), on tcp through a relay whose own cause
  // waited (PE 2 lost PE 1 and stopped the job; PE 0's report of that was taken for a pair).
  const RUNS = 2;
  const runs: JobConfig[] = [
    { backend: 'shmem', numPes: 3 },
    { backend: 'tcp', numPes: 3 },
    { backend: 'ofi', numPes: 3, provider: 'tcp;ofi_rxm' },
    { backend: 'ofi', numPes: 2, provider: 'shm' },
  ];
  for (const c of runs) {
    test(`${configName(c)}/${c.numPes}: PE 1 exited with code 3, ${RUNS} runs`, { skip: skipFor(c) }, async () => {
      for (let run = 0; run < RUNS; run++) {
        const r = await runJob(compiledFixture('exit-mid-rdma.ts'), { ...c, timeoutMs: 30000 });
        const endedAt = Date.now();
        const all = `run ${run}:\n${r.stderr}`;
        assert.equal(r.signal, null, `killed by the test's time limit, ${all}`);
        assert.equal(r.code, 3, all);
        assert.match(r.stderr, /^lamellar: PE 1 exited with code 3$/m, all);
        assert.equal(/^lamellar: PE (\d+) /m.exec(r.stderr)?.[1], '1', `another PE was reported first, ${all}`);
        stoppedWithin10s(r, endedAt);
      }
    });
  }
});

describe('a collective mismatch is reported as the mismatch, by a PE that found it', () => {
  const mismatch = '(?:Error \\[LamellarError\\]|LamellarError): collective mismatch on the world: ';
  // PE 0 finds the mismatch and aborts its lamella; its `await using` array then sends a drop
  // while unwinding. That send used to fail of its own on ofi (WORLD_SHUT_DOWN, "used after
  // shutdown", thrown from the engine's flush) and be reported in place of the mismatch.
  const RUNS = 3;
  const pairs = [{ backend: 'shmem', numPes: 2 }, { backend: 'tcp', numPes: 2 }, { backend: 'ofi', numPes: 2, provider: 'shm' }] as const;
  for (const c of pairs) {
    test(`${configName(c)}/${c.numPes}: barrier() against allReduce() inside \`await using\` scopes, ${RUNS} runs: never an error of the teardown`, { skip: skipFor(c) }, async () => {
      for (let run = 0; run < RUNS; run++) {
        const r = await runJob(scriptOf('mismatch-report.ts', run), { ...c, args: ['dispose'], timeoutMs: 30000 });
        const all = `run ${run}:\n${r.stderr}`;
        assert.equal(r.signal, null, `killed by the test's time limit, ${all}`);
        assert.equal(r.code, 1, all);
        assert.match(r.stderr, new RegExp(`^lamellar: PE [01] failed:\\n${mismatch}world PE [01] called (?:barrier|allReduce)\\(\\) at [^\\n]*mismatch-report\\.[jt]s:\\d+:\\d+, while world PE [01] called (?:barrier|allReduce)\\(\\)`), all);
        assert.doesNotMatch(r.stderr, /WORLD_SHUT_DOWN|used after shutdown|send after shutdown/, all);
        assert.doesNotMatch(r.stdout, /@@not-reached/);
      }
    });
  }

  // PE 0 alone calls a consumer; the PE that never sees its call fails with "PE <n> stopped the
  // job", and its report reaches the launcher before PE 0's. The launcher printed that relayed
  // report (naming the wrong PE as failed) when PE 0's own report, naming it, came in after.
  const trios = [{ backend: 'shmem', numPes: 3 }, { backend: 'tcp', numPes: 3 }, { backend: 'ofi', numPes: 3, provider: 'shm' }] as const;
  for (const c of trios) {
    test(`${configName(c)}/${c.numPes}: a consumer on PE 0 alone is reported by a PE that found the mismatch, not one it stopped`, { skip: skipFor(c) }, async () => {
      for (let run = 0; run < 2; run++) {
        const r = await runJob(scriptOf('mismatch-report.ts', run), { ...c, args: ['consumer-alone'], timeoutMs: 30000 });
        const all = `run ${run}:\n${r.stderr}`;
        assert.equal(r.signal, null, `killed by the test's time limit, ${all}`);
        assert.equal(r.code, 1, all);
        const first = /^lamellar: PE (\d+) failed:\n(.*)$/m.exec(r.stderr);
        assert.ok(first, all);
        assert.doesNotMatch(first[2]!, /stopped the job|was lost/, `the launcher printed a relayed failure, ${all}`);
        assert.ok(first[1] === '0' || first[1] === '1', `PE ${first[1]} never saw PE 0's call, ${all}`);
        assert.match(first[2]!, new RegExp(`^${mismatch}world PE ${first[1]} called [^\\n]*, while world PE \\d called [^\\n]*`), all);
        assert.match(first[2]!, /world PE 0 called DistIter\.sum at [^\n]*mismatch-report\.[jt]s:\d+:\d+/, all);
        assert.doesNotMatch(r.stdout, /@@not-reached/);
      }
    });
  }
});

describe("bad input one PE passed to a collective is reported with that PE's own error", () => {
  // Every PE fails; the others' errors name the last PE (details.causedBy), which the launcher
  // waits for. It printed another PE's error, without the user's, in about half the runs.
  for (const [backend, numPes] of [['shmem', 2], ['tcp', 2], ['ofi', 2]] as const) {
    for (const [mode, own] of [['allgather', /^LamellarError: cannot serialize allGather\(\) value: value\.f is a function$/], ['arch', /^LamellarError: the team arch threw while being resolved: arch exploded on PE 1$/]] as const) {
      test(`${backend}/${numPes}: ${mode === 'arch' ? 'a team arch that throws' : 'an unserializable allGather value'}, 4 runs`, async () => {
        for (let run = 0; run < 4; run++) {
          const r = await runJob(run % 2 === 0 ? fixture('bad-collective-input.ts') : compiledFixture('bad-collective-input.ts'), { backend, numPes, args: [mode], timeoutMs: 30000, ...(backend === 'ofi' ? { provider: 'shm' } : {}) });
          const all = `run ${run}:\n${r.stderr}`;
          assert.equal(r.code, 1, all);
          const first = /^lamellar: PE (\d+) failed:\n(.*)$/m.exec(r.stderr);
          assert.ok(first, all);
          assert.equal(first[1], '1', all);
          assert.match(first[2]!, own, all);
          // With the user's line: the runtime's own frames no longer use up all of Node's 10.
          const report = r.stderr.slice(r.stderr.indexOf('lamellar: PE 1 failed:')).split(/\nlamellar: /)[0]!;
          assert.match(report, /\n\s+at [^\n]*bad-collective-input\.[jt]s:\d+:\d+/, all);
          assert.doesNotMatch(r.stdout, /@@unreachable/);
        }
      });
    }
  }
});

describe('a distributed consumer whose callback threw on a PE that caught it: the report carries that PE\'s error', () => {
  for (const [backend, numPes] of [['shmem', 3], ['tcp', 2]] as const) {
    test(`${backend}/${numPes}: another PE's ITER_FAILED names the PE, its message and the line that threw`, async () => {
      const r = await runJob(fixture('dispose-throw.ts'), { backend, numPes, args: ['iter-caught'], timeoutMs: 30000 });
      assert.equal(r.signal, null, `killed by the test's time limit:\n${r.stderr}`);
      assert.equal(r.code, 1, r.stderr);
      const last = numPes - 1;
      const m = new RegExp(`^lamellar: PE (\\d+) failed:\\n(?:Error \\[LamellarError\\]|LamellarError): DistIter\\.forEachAsync failed on PE ${last}: deliberate failure on PE ${last} \\(Error thrown at [^\\n]*dispose-throw\\.ts:(\\d+):\\d+\\)\\n`, 'm').exec(r.stderr);
      assert.ok(m, r.stderr);
      assert.notEqual(m[1], String(last));
      assert.match(r.stderr, /\n\s+at DistIter\.forEachAsync \([^\n]*dispose-throw\.ts:\d+:\d+\)/, "the reporting PE's own call of the consumer");
      assert.match(r.stderr, /\[cause\]: Error: deliberate failure on PE \d+\n\s+at [^\n]*dispose-throw\.ts:\d+:\d+ \(on PE \d+\)/);
      assert.doesNotMatch(r.stdout, /should never pass/);
    });
  }
});

describe('a PE that ends without calling initWorld() stops the others waiting for it', () => {
  const runs: [Backend, number, 'return' | 'exit0'][] = [
    ['shmem', 2, 'return'],
    ['shmem', 3, 'exit0'],
    ['tcp', 2, 'return'],
    ['tcp', 3, 'exit0'],
  ];
  for (const [backend, numPes, how] of runs) {
    test(`${backend}/${numPes}: ${how === 'return' ? 'returning' : 'process.exit(0)'} before initWorld() is named and stops the job`, async () => {
      const r = await runJob(compiledFixture('exit-early.ts'), { backend, numPes, args: [how], timeoutMs: 30000 });
      const endedAt = Date.now();
      assert.equal(r.signal, null, `killed by the test's time limit:\n${r.stderr}`);
      assert.equal(r.code, 1, r.stderr);
      const last = numPes - 1;
      // The job is reported by the PE that ended, whether the launcher saw it end while another
      // waited in initWorld() or an initWorld() that started after it ended found it gone first
      // (a newcomer saw the second reported as the waiting PE's failure, 2 runs in 9 on shmem).
      assert.match(r.stderr, new RegExp(`^lamellar: PE ${last} ended without calling initWorld\\(\\) while PE \\d waits for it in initWorld\\(\\)$`, 'm'));
      assert.doesNotMatch(r.stderr, /^lamellar: PE \d failed:/m);
      assert.doesNotMatch(r.stdout, /should never pass/);
      stoppedWithin10s(r, endedAt);
    });
  }

  test('local/1: a script that never calls initWorld() is not a failure', async () => {
    const r = await runJob(compiledFixture('exit-early.ts'), { backend: 'local', numPes: 1, timeoutMs: 30000 });
    assert.equal(r.code, 0, r.stderr);
  });
});

describe('bad configuration is refused when the job starts, naming the variable and its range', () => {
  const cases: [string, 'shmem' | 'tcp' | 'local', Record<string, string>, RegExp][] = [
    ['LAMELLAR_SPIN_US=1e12', 'shmem', { LAMELLAR_SPIN_US: '1e12' }, /LAMELLAR_SPIN_US must be a number in \[0, 100000\], got '1e12' \(LAMELLAR_ERR_CONFIG\)/],
    ['LAMELLAR_MAX_FRAME below twice the aggregation threshold', 'tcp', { LAMELLAR_MAX_FRAME: '65536' }, /LAMELLAR_MAX_FRAME \(65536\) must be at least twice LAMELLAR_AM_SIZE_THRESHOLD/],
    ['a 1-character LAMELLAR_JOB_SECRET', 'tcp', { LAMELLAR_JOB_SECRET: 'x' }, /LAMELLAR_JOB_SECRET must be at least 16 characters \(got 1\)/],
    ['LAMELLAR_PEER_TIMEOUT=1e9', 'tcp', { LAMELLAR_PEER_TIMEOUT: '1e9' }, /LAMELLAR_PEER_TIMEOUT must be a number in \[1, 86400\]/],
    ['LAMELLAR_DEADLOCK_TIMEOUT=1e10', 'local', { LAMELLAR_DEADLOCK_TIMEOUT: '1e10' }, /LAMELLAR_DEADLOCK_TIMEOUT must be a number in \[0\.001, 2147483\]/],
  ];
  for (const [what, backend, env, message] of cases) {
    test(`${what} (${backend}): exit 2, no PE started`, async () => {
      const r = await runNode([BIN, 'run', '-N', backend === 'local' ? '1' : '2', '--backend', backend, fixture('world.ts')], { env, timeoutMs: 20000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout.includes('@@case'), false);
    });
  }
});

describe('local: an event loop that runs empty while the script still waits says what it waited for', () => {
  const runs: [string, RegExp][] = [
    ['am', /the result of active message 'drain\/never' on PE 0, launch site not recorded[^\n]*\n\s+- 1 active message\(s\) running on this PE/],
    ['lock', /a queue for the LocalLockArray lock of team PE 0's part \(1 op or guard request queued here, the first a write; the lock is held by a writer, a guard this PE took at \S*drain\.ts:\d+:\d+ and has not released \(a guard holds the lock until it is released: bind each guard with `using`, or call its release\(\)\)\)\n\s+- a LocalLockArray guard, taken and not released, called at \S*drain\.ts:\d+:\d+/],
  ];
  for (const [what, line] of runs) {
    test(`a ${what} that can never complete is named, with where it was called`, async () => {
      // The lock case names its line in drain.ts, through tsx's source maps; the AM case names none.
      const r = await runJob(what === 'am' ? compiledFixture('drain.ts') : fixture('drain.ts'), { backend: 'local', numPes: 1, args: [what], timeoutMs: 30000 });
      assert.equal(r.code, 13, r.stderr);
      assert.match(r.stderr, /lamellar: PE 0: the event loop ran empty while this PE still waited for the following, which nothing can now complete:\n/);
      assert.match(r.stderr, line);
      assert.match(r.stderr, /lamellar: PE 0 exited with code 13: its script waited for something that can never happen/);
      assert.doesNotMatch(r.stdout, /@@unreachable/);
    });
  }

  // A conversion is a diagnosed wait: the PE stays up and reports it after
  // LAMELLAR_DEADLOCK_TIMEOUT, with its line; `abort` turns the report into a failed job.
  test('a conversion that can never complete is reported with where it was called', async () => {
    const r = await runJob(fixture('drain.ts'), {
      backend: 'local',
      numPes: 1,
      args: ['conversion'],
      env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5', LAMELLAR_DEADLOCK_TIMEOUT_ACTION: 'abort' },
      timeoutMs: 30000,
    });
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /converting a LocalLockArray to ReadOnlyArray[^\n]* at \S*drain\.ts:\d+:\d+/);
    assert.match(r.stderr, /LAMELLAR_ERR_DEADLOCK_TIMEOUT|LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort/);
    assert.doesNotMatch(r.stdout, /@@unreachable/);
  });

  test('with LAMELLAR_AM_STACKS=1 a pending AM is named with the line that launched it', async () => {
    const r = await runJob(fixture('drain.ts'), { backend: 'local', numPes: 1, args: ['am'], env: { LAMELLAR_AM_STACKS: '1' }, timeoutMs: 30000 });
    assert.equal(r.code, 13, r.stderr);
    assert.match(r.stderr, /the result of active message 'drain\/never' on PE 0, launched at \S*drain\.ts:\d+:\d+/);
  });
});

describe('the launcher and its PEs, in a synchronous loop', () => {
  const CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    test(`${signal} to the launcher reaches every PE: all end within 10 s and it ends by ${signal} (${CODES[signal]} in a shell)`, async () => {
      const watch = watchPes();
      const child = spawn(process.execPath, [BIN, 'run', '-N', '2', '--backend', 'tcp', compiledFixture('busy.ts'), watch.path], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, sig) => resolve([code, sig])));
      try {
        await watch.connected(2, 30000);
        child.kill(signal);
        await watch.allClosed(10000);
        // Ended by the signal itself once its PEs are stopped: a shell shows CODES[signal].
        assert.deepEqual(await exited, [null, signal], stderr);
        assert.match(stderr, new RegExp(`lamellar: stopped by ${signal}`));
      } finally {
        child.kill('SIGKILL');
        watch.close();
      }
    });
  }

  for (const cfg of [{ backend: 'tcp', numPes: 2 }, { backend: 'shmem', numPes: 2 }, { backend: 'ofi', numPes: 2, provider: 'shm' }] satisfies JobConfig[]) {
    test(`${configName(cfg)}: PEs end within 2 s of their launcher being killed, though they never yield`, { skip: skipFor(cfg) }, async () => {
      const watch = watchPes();
      const env = { ...process.env, ...(cfg.provider === undefined ? {} : { LAMELLAR_OFI_PROVIDER: cfg.provider }) };
      const child = spawn(process.execPath, [BIN, 'run', '-N', '2', '--backend', cfg.backend, compiledFixture('busy.ts'), watch.path], { env, stdio: ['ignore', 'ignore', 'ignore'] });
      try {
        await watch.connected(2, 30000);
        child.kill('SIGKILL');
        // Within 2 s of noticing; the bound leaves room for a loaded machine to schedule the kill.
        const ms = await watch.allClosed(5000);
        assert.ok(ms < 5000);
      } finally {
        watch.close();
      }
    });
  }
});
