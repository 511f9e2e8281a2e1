/**
 * A job whose PEs all wait for something that can never happen is reported, and ended by the
 * abort action (team/idle.ts), on every lamella; alone, a PE is ended by Node with exit code 13.
 * PEs that wait for a timer of their own, for a PE whose thread is busy, or for thread-pool work
 * are not ended.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compiledFixture } from '../helpers/compiled.js';
import { configName, runJob, skipFor, type JobConfig } from '../helpers/job.js';

const CONFIGS: JobConfig[] = [
  { backend: 'shmem', numPes: 3 },
  { backend: 'tcp', numPes: 2 },
  { backend: 'ofi', numPes: 2, provider: 'tcp;ofi_rxm' },
];
const env = { LAMELLAR_DEADLOCK_TIMEOUT: '1' };
const run = (c: JobConfig, mode: string, extra: Record<string, string> = {}) =>
  runJob(compiledFixture('idle.ts'), { backend: c.backend, numPes: c.numPes, provider: c.provider, args: [mode], env: { ...env, ...extra }, timeoutMs: 40000 });

// Each job mostly waits for LAMELLAR_DEADLOCK_TIMEOUT to pass, about half its time off the CPU:
// two at a time in each group.
describe('a job whose every PE waits for something that can never happen', { concurrency: 2 }, () => {
  for (const c of CONFIGS) {
    test(`${configName(c)}/${c.numPes}: is reported once every PE has been idle for LAMELLAR_DEADLOCK_TIMEOUT, and ended by the abort action (an AM suspended for ever too)`, { skip: skipFor(c) }, async () => {
      for (const mode of c.backend === 'tcp' ? ['never', 'parked'] : ['never']) {
        const r = await run(c, mode, { LAMELLAR_DEADLOCK_TIMEOUT_ACTION: 'abort' });
        assert.equal(r.signal, null, `${mode}: killed by the test's time limit:\n${r.stderr}`);
        assert.equal(r.code, 1, `${mode}:\n${r.stderr}`);
        for (let pe = 0; pe < c.numPes; pe++) assert.match(r.stdout, new RegExp(`@@waiting ${pe}`), mode);
        assert.match(r.stderr, /^lamellar: PE 0 failed:\nLamellarError: PE 0: every PE has been idle for \d+(\.\d)? s[^:]*: none runs any code or holds a timer, socket or other handle of its own, so only a message could settle what their scripts and AMs await/m, mode);
        assert.match(r.stderr, /\(LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort\)/, mode);
        assert.match(r.stderr, /code: 'LAMELLAR_ERR_DEADLOCK_TIMEOUT'/, mode);
        if (mode === 'parked') assert.match(r.stderr, /PE 0 itself waits for 1 AM result\(s\) or AM\(s\) suspended here/);
        assert.doesNotMatch(r.stdout, /@@done/, mode);
      }
    });
  }

  test('shmem/3: without the abort action it is a LAMELLAR_W_DEADLOCK report, which a program can hear', async () => {
    const r = await run({ backend: 'shmem', numPes: 3 }, 'warned');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^@@warned PE 0: every PE has been idle for \d+(\.\d)? s: .*Work Node runs on its thread pool \(crypto, zlib\) is not seen here: a PE waiting for it looks idle; next report in \d+(\.\d)? s$/m);
    for (let pe = 0; pe < 3; pe++) assert.match(r.stdout, new RegExp(`@@done ${pe}`));
  });

  for (const backend of ['local', 'shmem'] as const) {
    test(`${backend}/1: Node ends it itself, with exit code 13`, async () => {
      const r = await runJob(compiledFixture('idle.ts'), { backend, numPes: 1, args: ['never'], env, timeoutMs: 30000 });
      assert.equal(r.code, 13, r.stderr);
      assert.match(r.stderr, /PE 0 exited with code 13: its script waited for something that can never happen/);
    });
  }
});

describe('PEs that only look idle are left alone', { concurrency: 2 }, () => {
  for (const c of CONFIGS) {
    test(`${configName(c)}/${c.numPes}: a PE waiting for one whose thread is busy after an AM woke it, or that works in chunks yielding with setImmediate; PEs waiting for their own timers`, { skip: skipFor(c) }, async () => {
      // Each mode on one lamella at least, and the resource-sensitive one (yielding) on all.
      const modes = c.backend === 'tcp' ? ['woken', 'yielding', 'timer', 'pool'] : c.backend === 'shmem' ? ['woken', 'yielding', 'pool'] : ['yielding'];
      for (const mode of modes) {
        const r = await run(c, mode);
        assert.equal(r.code, 0, `${mode}:\n${r.stderr}`);
        assert.match(r.stdout, /@@done 0/, mode);
        assert.match(r.stdout, /@@done 1/, mode);
        // Thread-pool work is not seen: a report may come, but the job is not ended. It lasted
        // longer than the timeout (1 s), or the PEs never looked idle.
        if (mode !== 'pool') assert.doesNotMatch(r.stderr, /every PE has been idle/, mode);
        else assert.ok(Number(/@@pool 1 in (\d+) ms/.exec(r.stdout)?.[1]) > 1000, r.stdout);
      }
    });
  }

  test('shmem/2: one PE idle while another waits in a barrier is a deadlock report, which calls it idle', async () => {
    // The first report comes after 2 s: PE 1 has been idle for over a second by then.
    const r = await run({ backend: 'shmem', numPes: 2 }, 'one', { LAMELLAR_DEADLOCK_TIMEOUT: '2', LAMELLAR_DEADLOCK_TIMEOUT_ACTION: 'abort' });
    assert.notEqual(r.code, 0, r.stderr);
    assert.notEqual(r.code, 13, r.stderr);
    assert.doesNotMatch(r.stderr, /every PE has been idle/);
    assert.match(r.stderr, /in barrier\(\) #\d+ on the world[^\n]*for PE\(s\) 1: PE 1 is idle for \d+(\.\d)? s, not in a collective: it runs no code and holds no timer/);
  });
});
