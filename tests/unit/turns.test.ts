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

test("two tasks looping on completions both see the turn: the one waiting for the other's flag is not left spinning", async () => {
  // A newcomer's port: task A retries compareExchange on its own element until task B, which
  // awaits ops of its own, sets a flag. The one late completion of the streak was B's, and A's
  // all resolved at once: A spun for ever (54 million ops) and B never resumed.
  await new Promise<void>((resolve) => setImmediate(resolve));
  let flag = false;
  const a = (async (): Promise<number> => {
    let n = 0;
    while (!flag && n < 1_000_000) {
      await completedVoid();
      n++;
    }
    return n;
  })();
  const b = (async (): Promise<void> => {
    for (let k = 0; k < 3000; k++) await completedVoid();
    flag = true;
  })();
  await b;
  const n = await a;
  assert.equal(flag, true);
  assert.ok(n < 10_000, `task A looped ${n} times before it saw task B's flag`);
});

test('a completion resolves to its value; a synchronous burst makes one promise in 1,024 wait for a turn', async () => {
  // Start from a fresh streak.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const ps = Array.from({ length: 5000 }, (_, i) => completed(i));
  let settledNow = 0;
  for (const p of ps) void p.then(() => settledNow++);
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(settledNow, 4996, 'all but the 1,024th, 2,048th, 3,072nd and 4,096th settle on microtasks');
  assert.deepEqual(await Promise.all(ps), Array.from({ length: 5000 }, (_, i) => i));
  assert.equal(settledNow, 5000);
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(completedVoid(), RESOLVED, 'after a turn, a completion is the shared resolved promise again');
});
