/**
 * A job whose PEs all wait for something that can never happen ends with exit code 13, as Node
 * ends a process whose event loop ran empty (team/idle.ts), on every lamella; PEs that wait for
 * a timer of their own, or for a PE whose thread is busy, are left alone.
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

describe('a job whose every PE waits for something that can never happen', () => {
  for (const c of CONFIGS) {
    test(`${configName(c)}/${c.numPes}: ends with exit code 13, saying why, once every PE has been idle for LAMELLAR_DEADLOCK_TIMEOUT`, { skip: skipFor(c) }, async () => {
      const r = await run(c, 'never');
      assert.equal(r.signal, null, `killed by the test's time limit:\n${r.stderr}`);
      assert.equal(r.code, 13, r.stderr);
      for (let pe = 0; pe < c.numPes; pe++) assert.match(r.stdout, new RegExp(`@@waiting ${pe}`));
      assert.match(r.stderr, /^lamellar: PE 0: every PE has been idle for \d+(\.\d)? s: none runs anything, has work outstanding or holds a timer, socket or other handle of its own, so nothing can settle what their scripts await/m);
      assert.match(r.stderr, /lamellar: PE 0 exited with code 13: its script waited for something that can never happen \(the event loop ran empty\)/);
      assert.doesNotMatch(r.stdout, /@@done/);
    });
  }

  test('local/1: Node ends it itself, with the same exit code', async () => {
    const r = await runJob(compiledFixture('idle.ts'), { backend: 'local', numPes: 1, args: ['never'], env, timeoutMs: 30000 });
    assert.equal(r.code, 13, r.stderr);
    assert.match(r.stderr, /PE 0 exited with code 13: its script waited for something that can never happen/);
  });
});

describe('PEs that only look idle are left alone', () => {
  for (const c of CONFIGS) {
    test(`${configName(c)}/${c.numPes}: a PE waiting for one whose thread is busy after an AM woke it, or that works in chunks yielding with setImmediate; PEs waiting for their own timers`, { skip: skipFor(c) }, async () => {
      // Each mode on one lamella at least, and the resource-sensitive one (yielding) on all.
      const modes = c.backend === 'tcp' ? ['woken', 'yielding', 'timer'] : c.backend === 'shmem' ? ['woken', 'yielding'] : ['yielding'];
      for (const mode of modes) {
        const r = await run(c, mode);
        assert.equal(r.code, 0, `${mode}:\n${r.stderr}`);
        assert.match(r.stdout, /@@done 0/, mode);
        assert.match(r.stdout, /@@done 1/, mode);
        assert.doesNotMatch(r.stderr, /every PE has been idle/, mode);
      }
    });
  }

  test('shmem/2: one PE idle while another waits in a barrier is a deadlock report, which calls it idle', async () => {
    // The first report comes after 2 s: PE 1 has been idle for over a second by then.
    const r = await run({ backend: 'shmem', numPes: 2 }, 'one', { LAMELLAR_DEADLOCK_TIMEOUT: '2', LAMELLAR_DEADLOCK_TIMEOUT_ACTION: 'abort' });
    assert.notEqual(r.code, 0, r.stderr);
    assert.notEqual(r.code, 13, r.stderr);
    assert.doesNotMatch(r.stderr, /every PE has been idle/);
    assert.match(r.stderr, /in barrier\(\) #\d+ on the world[^\n]*for PE\(s\) 1: PE 1 is idle for \d+(\.\d)? s, not in a collective: nothing runs or is outstanding on it/);
  });
});
