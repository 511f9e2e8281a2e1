/**
 * Smoke test of the benchmark suite: every benchmark in bench/suite.ts runs at tiny sizes through
 * the real CLI on shmem, and one of each kind on tcp (AMs, RDMA, batch ops, iterators,
 * collectives, locks, and those with a tcp driver), and must finish in time, print well-formed
 * result lines with BENCHMARKS.md's fields and a progress line for each, and report its own
 * result verified. Speed is never checked here. Whether the runtime gives right results on each
 * lamella is the conformance tests' matter; here a script's own arguments, output and check are,
 * and a 2-PE tcp job costs twice a shmem one to start. The kernels' result checks are also shown
 * to reject wrong results, so that "verified" means something.
 *
 * The scripts run as their JavaScript copies (helpers/compiled.ts: `bench/micro/barrier.ts` ->
 * `.cache/bench/micro/barrier.js`), which saves loading tsx in each PE and in the postMessage
 * baseline's threads (they start on the copy of their entry); `npm run typecheck` checks their
 * types. Drivers run as written.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { join } from 'node:path';
import { checkGather, checkHisto, checkPermutation, gatherValue, histoStats } from '../../bench/kernels/common.js';
import { SUITE } from '../../bench/suite.js';
import { compiled } from '../helpers/compiled.js';
import { ROOT, runJob, runNode } from '../helpers/job.js';

/** The script a smoke job runs: its JavaScript copy. */
const scriptFor = (script: string): string => compiled(join(ROOT, script), join(ROOT, 'bench'));

const NUMBERS = [
  'pes', 'threads', 'updates_per_pe', 'table_size_per_pe', 'global_time_secs', 'median_time_secs', 'reps',
  'MUPS', 'ops_per_sec', 'us_per_op', 'bytes', 'MB_per_sec', 'load_avg_1m',
] as const;
const STRINGS = ['name', 'variant', 'backend', 'mode', 'git', 'date'] as const;
const BACKENDS = ['shmem', 'tcp'] as const;
/** The benchmarks that run on tcp too (besides those with a tcp driver). */
const ON_TCP = new Set(['am_rate', 'am_bw', 'put_bw', 'get_bw', 'histo_array', 'index_gather', 'iter', 'allreduce', 'lock_ops']);

for (const backend of BACKENDS) {
  describe(`benchmarks at tiny sizes on ${backend} with 2 PEs`, () => {
    for (const b of SUITE) {
      if (b.driver !== undefined ? b.driver !== backend : backend === 'tcp' && !ON_TCP.has(b.name)) continue;
      test(`${b.name} completes, prints its result lines and verifies its result`, async () => {
        const args = ['--quick', ...b.smoke];
        const r = b.driver === undefined
          ? await runJob(scriptFor(b.script), { numPes: 2, backend, args, timeoutMs: 90_000 })
          : await runNode(['--import', 'tsx', b.script, ...args], { timeoutMs: 90_000 });
        const why = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
        assert.equal(r.code, 0, why);
        const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'));
        assert.ok(lines.length > 0, `no result line\n${why}`);
        for (const raw of lines) {
          const line = JSON.parse(raw) as Record<string, unknown>;
          for (const k of STRINGS) assert.equal(typeof line[k], 'string', `${k} in ${raw}`);
          for (const k of NUMBERS) assert.ok(Number.isFinite(line[k]), `${k} in ${raw}`);
          assert.equal(line['name'], b.name);
          assert.equal(line['backend'], backend);
          assert.equal(line['pes'], 2);
          assert.equal(line['verified'], true, raw);
          const machine = line['machine'] as Record<string, unknown>;
          assert.ok(Number.isInteger(machine['cores']) && typeof machine['model'] === 'string' && typeof machine['node'] === 'string', raw);
          if ('ratio_to_baseline' in line) assert.ok(Number.isFinite(line['ratio_to_baseline']) && typeof line['baseline'] === 'string', raw);
        }
        // Each case says when it starts and when it ends.
        const progress = r.stderr.split('\n').filter((l) => l.startsWith(`[bench] ${b.name}/`));
        const starts = progress.filter((l) => l.endsWith(': running'));
        assert.equal(starts.length, lines.length, `one start line per case\n${r.stderr}`);
        assert.equal(progress.length - starts.length, lines.length, `one result line per case\n${r.stderr}`);
      });
    }
  });
}

test('every benchmark named to run on tcp is in the suite', () => {
  assert.deepEqual([...ON_TCP].filter((name) => !SUITE.some((b) => b.name === name)), []);
});

describe('the kernels reject wrong results', () => {
  test('histo: a lost update or a misplaced one fails the check', () => {
    const table = new Uint32Array([2, 1, 0, 3]);
    const right = histoStats(table, 0, 1, 0 * 2 + 1 * 1 + 3 * 3);
    assert.doesNotThrow(() => checkHisto([right], 6));
    assert.throws(() => checkHisto([right], 7), /counts sum to 6/);
    const moved = histoStats(new Uint32Array([2, 0, 1, 3]), 0, 1, right.sent);
    assert.throws(() => checkHisto([moved], 6), /wrong slots/);
  });

  test('index_gather: one wrong value fails the check', () => {
    const indices = new Uint32Array([5, 0, 9]);
    const out = indices.map(gatherValue);
    assert.doesNotThrow(() => checkGather(indices, out));
    out[1] = gatherValue(1);
    assert.throws(() => checkGather(indices, out), /request 1/);
  });

  test('randperm: a duplicate, a missing value or an out-of-range value fails the check', () => {
    assert.doesNotThrow(() => checkPermutation([new Uint32Array([3, 0]), new Uint32Array([2, 1])], 4));
    assert.throws(() => checkPermutation([new Uint32Array([3, 0]), new Uint32Array([3, 1])], 4), /appears twice/);
    assert.throws(() => checkPermutation([new Uint32Array([3, 0, 1])], 4), /3 values/);
    assert.throws(() => checkPermutation([new Uint32Array([4, 0, 1, 2])], 4), /not below/);
  });
});
