/**
 * Chaos (issue #11): 20 jobs across the lamellae, each with a random PE failing at a random round
 * of mixed work, in a random way (from a fixed seed, so every run is the same 20). Every job must
 * end within 10 s of the failure, with a non-zero status, with the failing PE named first, and
 * leave no process behind.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compiledFixture } from '../helpers/compiled.js';
import { runJob } from '../helpers/job.js';
import { rng } from '../helpers/rng.js';

type Backend = 'local' | 'shmem' | 'tcp';

/**
 * The ways to fail, taken in turn per lamella so every one is covered. On tcp half the runs are a
 * real SIGKILL of one PE process; a shmem PE is a thread, so its most abrupt end is
 * process.exit() (which ends only that thread).
 */
const HOWS: Record<Backend, string[]> = {
  local: ['throw', 'exit3', 'reject'],
  shmem: ['exit3', 'throw', 'exit0', 'reject'],
  tcp: ['kill', 'throw', 'kill', 'exit3', 'kill', 'exit0', 'kill', 'reject'],
};
const COUNTS: Record<Backend, number> = { local: 3, shmem: 8, tcp: 9 };

/** What the launcher must say first about the victim, for each way of failing. */
const SAYS: Record<string, string> = {
  kill: 'was killed by SIGKILL',
  exit3: 'exited with code 3',
  exit0: 'exited before shutdown',
  throw: 'failed:',
  reject: 'failed:',
};

const r = rng(0xc4a05);
const runs: { backend: Backend; numPes: number; victim: number; round: number; how: string }[] = [];
for (const backend of ['local', 'shmem', 'tcp'] as const) {
  for (let i = 0; i < COUNTS[backend]; i++) {
    const numPes = backend === 'local' ? 1 : backend === 'shmem' ? 2 + Math.floor(r() * 3) : 2 + Math.floor(r() * 2);
    runs.push({ backend, numPes, victim: Math.floor(r() * numPes), round: Math.floor(r() * 6), how: HOWS[backend][i % HOWS[backend].length]! });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('chaos: a random PE fails at a random point', { concurrency: 2 }, () => {
  for (const { backend, numPes, victim, round, how } of runs) {
    test(`${backend}/${numPes}: PE ${victim} fails by ${how} at round ${round}`, async () => {
      const res = await runJob(compiledFixture('chaos.ts'), { backend, numPes, args: [String(victim), String(round), how], timeoutMs: 30000 });
      const endedAt = Date.now();
      assert.equal(res.signal, null, `killed by the test's time limit:\n${res.stderr}`);
      assert.notEqual(res.code, 0, res.stderr);
      const failing = /@@failing (\d+) (\d+)/.exec(res.stdout);
      assert.ok(failing, `the victim never reached its round:\n${res.stdout}\n${res.stderr}`);
      const ms = endedAt - Number(failing[2]);
      assert.ok(ms < 10000, `the job ended ${ms} ms after PE ${victim} failed`);
      const first = /^lamellar: PE (\d+) (.*)$/m.exec(res.stderr);
      assert.ok(first, res.stderr);
      assert.equal(first[1], String(victim), `the launcher named PE ${first[1]} first:\n${res.stderr}`);
      assert.ok(first[2]!.startsWith(SAYS[how]!), `'${first[2]}' does not say '${SAYS[how]}'`);
      assert.doesNotMatch(res.stdout, /@@survived/);
      // The launcher has exited and reaped everything it started: no PE process may remain.
      const pids = [...new Set([...res.stdout.matchAll(/@@pid \d+ (\d+)/g)].map((m) => Number(m[1])))];
      assert.ok(pids.length > 0);
      for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} outlived its job`);
    });
  }
});
