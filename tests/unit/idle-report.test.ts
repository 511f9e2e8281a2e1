/** When the idle watch's next report is due (team/idle.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextReportAtMs } from '../../src/team/idle.js';

test('reports come after 2, 4, 8 limits of idle time when each is made on time', () => {
  assert.deepEqual([1, 2, 3].map((n) => nextReportAtMs(1000, n, 1000 * 2 ** (n - 1))), [2000, 4000, 8000]);
});

test('a report made late is followed by one at least a limit later, never by one already due', () => {
  // The CI case: a 1 s limit, the first report made at 2.3 s of idle time.
  assert.equal(nextReportAtMs(1000, 1, 2300), 3300);
  for (const idle of [1000, 1999, 2000, 2001, 5000, 60_000]) {
    const next = nextReportAtMs(1000, 1, idle);
    assert.ok(next - idle >= 1000, `after a report at ${idle} ms the next is at ${next} ms`);
  }
});
