/** Unit tests of core/turns.ts: awaited loops of operations that complete at once let the event loop turn. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completed, completedVoid, RESOLVED } from '../../src/core/turns.js';

test('an awaited loop of completions lets a pending setImmediate run within a few thousand of them', async () => {
  let ran = false;
  setImmediate(() => {
    ran = true;
  });
  let n = 0;
  while (!ran && n < 1_000_000) {
    await completedVoid();
    n++;
  }
  assert.ok(ran, `no turn of the event loop in ${n} awaited completions`);
  assert.ok(n <= 2048, `the turn came after ${n} completions`);
});

test('a completion resolves to its value; a synchronous burst makes only one promise wait for a turn', async () => {
  // Start from a fresh streak.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const ps = Array.from({ length: 5000 }, (_, i) => completed(i));
  let settledNow = 0;
  for (const p of ps) void p.then(() => settledNow++);
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(settledNow, 4999, 'all but one settle on microtasks');
  assert.deepEqual(await Promise.all(ps), Array.from({ length: 5000 }, (_, i) => i));
  assert.equal(settledNow, 5000);
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(completedVoid(), RESOLVED, 'after a turn, a completion is the shared resolved promise again');
});
