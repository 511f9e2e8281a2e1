/**
 * The soak (issue #11): the mixed traffic of tests/fixtures/soak.ts for SOAK_SECS seconds on
 * shmem and tcp with 2 PEs, memory sampled once a second after a full GC. With a long run (60 s,
 * `npm run soak`) memory must be flat: after the first fifth of the run (warm-up), heapUsed may
 * not grow by more than HEAP_BOUND and RSS by more than RSS_BOUND between the first and the last
 * quarter of the samples (medians, so one sample taken mid-burst does not decide). RSS is judged
 * without the young generation's growth (its new spaces, which the launcher lets grow to 192 MiB
 * a PE and which grew 74 MiB over 40 s of this traffic: a bound, not a leak), that of every PE in
 * the process (both, on shmem). A short run (the suite's, 4 s) checks only that the traffic
 * runs, verifies and samples.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compiledFixture } from '../helpers/compiled.js';
import { runJob } from '../helpers/job.js';

const MiB = 1 << 20;
export const HEAP_BOUND = 8 * MiB;
export const RSS_BOUND = 48 * MiB;

interface Report {
  pe: number;
  rounds: number;
  samples: [number, number, number, number][];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export function soak(secs: number, judgeFlatness: boolean): void {
  void describe(`soak: ${secs} s of mixed traffic${judgeFlatness ? ', memory flat' : ''}`, () => {
    for (const backend of ['shmem', 'tcp'] as const) {
      void test(`${backend}, 2 PEs`, async () => {
        const r = await runJob(compiledFixture('soak.ts'), {
          backend,
          numPes: 2,
          args: [String(secs)],
          env: { NODE_OPTIONS: '--expose-gc' },
          timeoutMs: (secs + 60) * 1000,
        });
        assert.equal(r.code, 0, r.stderr);
        const reports = r.stdout
          .split('\n')
          .filter((l) => l.startsWith('@@soak '))
          .map((l) => JSON.parse(l.slice(7)) as Report);
        assert.equal(reports.length, 2, r.stdout);
        /** Growth of sample field `k` between the first and the last quarter after the warm-up. */
        const growth = (rep: Report, k: number): number => {
          const after = rep.samples.filter(([t]) => t >= secs / 5);
          const q = Math.max(1, Math.floor(after.length / 4));
          return median(after.slice(-q).map((s) => s[k]!)) - median(after.slice(0, q).map((s) => s[k]!));
        };
        for (const rep of reports) {
          assert.ok(rep.rounds > 0, `PE ${rep.pe} ran no rounds`);
          assert.ok(rep.samples.length >= Math.min(secs, 3), `PE ${rep.pe}: ${rep.samples.length} samples`);
          if (!judgeFlatness) continue;
          const heapGrowth = growth(rep, 2);
          const rssGrowth = growth(rep, 1);
          // RSS is the process's: on shmem both PEs' young generations are in it.
          const youngGrowth = backend === 'shmem' ? reports.reduce((sum, r) => sum + growth(r, 3), 0) : growth(rep, 3);
          const line = `PE ${rep.pe} (${backend}, ${rep.rounds} rounds): heap +${(heapGrowth / MiB).toFixed(1)} MiB, rss +${(rssGrowth / MiB).toFixed(1)} MiB, young generation +${(youngGrowth / MiB).toFixed(1)} MiB`;
          process.stdout.write(`# ${line}\n`);
          assert.ok(heapGrowth <= HEAP_BOUND, `${line}: heapUsed grew more than ${HEAP_BOUND / MiB} MiB`);
          assert.ok(rssGrowth - youngGrowth <= RSS_BOUND, `${line}: RSS beside the young generation grew more than ${RSS_BOUND / MiB} MiB`);
        }
      });
    }
  });
}
