/**
 * world.stats() on every lamella, and `lamellar run --stats[=file]`: PE 0 prints every PE's
 * numbers as a table on stderr when the job ends, and writes them as JSON where asked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compiledFixture } from '../helpers/compiled.js';
import { conformance } from '../helpers/conformance.js';
import { BIN, caseReports, runNode } from '../helpers/job.js';

const CASES = [
  'an execAmAll counts one AM sent per PE here and one AM run on every PE',
  'AMs a PE sends itself are in its amsSent and framesSent, not in its bytesSent',
  "a group's entries count as the AMs they are, sent here and run where they go: AmGroup and TypedAmGroup alike",
  'put and get count their bytes, and the region heap peak covers the region',
  "bytesSent counts a region put's payload like an array put's where it crosses a network, and neither on mapped memory",
  'waits and the JS heap are measured only when stats are on',
  'a wait in array, Darc, region or team creation counts in collectiveWaitMs',
];

conformance('stats.ts', CASES, {
  configs: [
    { backend: 'local', numPes: 1 },
    { backend: 'shmem', numPes: 3 },
    { backend: 'tcp', numPes: 2 },
    { backend: 'ofi', numPes: 2, provider: 'tcp;ofi_rxm' },
    { backend: 'ofi', numPes: 2, provider: 'shm' },
  ],
});

describe('lamellar run --stats', () => {
  for (const backend of ['shmem', 'tcp'] as const) {
    test(`prints a table of every PE when the job ends and writes the JSON file (${backend}, 2 PEs)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lamellar-stats-'));
      try {
        const file = join(dir, 'stats.json');
        const r = await runNode([BIN, 'run', '-N', '2', '--backend', backend, `--stats=${file}`, compiledFixture('stats.ts')], { timeoutMs: 60000 });
        assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
        const reports = caseReports(r.stdout);
        assert.equal(reports.length, 2 * CASES.length);
        for (const rep of reports) assert.ok(rep.ok, `PE ${rep.pe} ${rep.case}: ${rep.error}`);
        assert.ok(reports.every((rep) => rep.case !== 'waits and the JS heap are measured only when stats are on' || (rep.value as { timed: boolean }).timed), 'stats were on in the PEs');
        // The table: a title, a header, one row per PE and a total.
        const lines = r.stderr.split('\n');
        const title = lines.findIndex((l) => l.startsWith(`lamellar stats: 2 PE(s) on ${backend}`));
        assert.ok(title >= 0, r.stderr);
        assert.match(lines[title + 1]!, /PE +AMs sent +AMs run +frames +MB sent +put MB +get MB +barrier ms +coll\. ms +region MB +JS heap MB/);
        assert.match(lines[title + 2]!, /^ +0 +\d+/);
        assert.match(lines[title + 3]!, /^ +1 +\d+/);
        assert.match(lines[title + 4]!, /^all +\d+/);
        const json = JSON.parse(readFileSync(file, 'utf8')) as { backend: string; numPes: number; pes: { pe: number; amsSent: number; putBytes: number; barrierWaitMs: number }[] };
        assert.equal(json.backend, backend);
        assert.equal(json.numPes, 2);
        assert.deepEqual(json.pes.map((p) => p.pe), [0, 1]);
        for (const p of json.pes) {
          // The fixture sends two execAmAll's worth on each PE at least, and puts 800 bytes
          // (PE 0 also 64 KiB into a region and 64 KiB into an array).
          assert.ok(p.amsSent >= 2, `PE ${p.pe} sent ${p.amsSent}`);
          assert.equal(p.putBytes, p.pe === 0 ? 800 + 2 * (1 << 16) : 800);
          assert.equal(typeof p.barrierWaitMs, 'number');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('without --stats nothing is printed', async () => {
    const r = await runNode([BIN, 'run', '-N', '2', compiledFixture('stats.ts')], { timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /lamellar stats/);
  });
});
