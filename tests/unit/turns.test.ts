/** Unit tests of core/turns.ts: awaited loops of operations that complete at once let the event loop turn. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completed, completedVoid, RESOLVED } from '../../src/core/turns.js';

/** Awaits completions (running `between` after each) until a setImmediate queued first has run, at most `limit`. */
async function completionsBeforeTurn(limit: number, between: () => void = () => {}): Promise<{ ran: boolean; n: number }> {
  let ran = false;
  setImmediate(() => {
    ran = true;
  });
  let n = 0;
  while (!ran && n < limit) {
    await completedVoid();
    n++;
    between();
  }
  return { ran, n };
}

test('an awaited loop of completions lets a pending setImmediate run within a few thousand of them', async () => {
  const { ran, n } = await completionsBeforeTurn(1_000_000);
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
  // The 1,024th, 2,048th, 3,072nd and 4,096th wait; so may a power-of-two one, if the burst (a
  // GC pause in it) took 2 ms by then.
  const late = 5000 - settledNow;
  assert.ok(late >= 4 && late <= 4 + 13, `${late} of 5000 completions waited for a turn`);
  assert.deepEqual(await Promise.all(ps), Array.from({ length: 5000 }, (_, i) => i));
  assert.equal(settledNow, 5000);
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(completedVoid(), RESOLVED, 'after a turn, a completion is the shared resolved promise again');
});

test('a loop that computes between completions turns after about 2 ms of them, not after 1,024', async () => {
  // A task farm: each turn of the loop takes the next task from a counter on this PE (a
  // completion) and computes 3 ms. Other PEs' requests for that counter wait for a turn.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const { ran, n } = await completionsBeforeTurn(100, () => {
    const end = performance.now() + 3;
    while (performance.now() < end);
  });
  assert.ok(ran, `no turn of the event loop in ${n} completions of 3 ms each`);
  assert.ok(n <= 3, `the turn came after ${n} completions`);
});
