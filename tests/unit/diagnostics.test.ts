/** diagnostics_channel: what the AM engine publishes, on one local PE in this process. */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { test } from 'node:test';
import { defineAm, initWorld } from '../../src/index.js';
import { NOT_RECORDED, siteText } from '../../src/team/coll/site.js';
import { describeStatus, fitLabel, State } from '../../src/team/coll/status.js';

const Echo = defineAm('diagnostics-test/echo', (_ctx, n: number) => n + 1);

test('execAmPe and execAmAll publish lamellar:am:send per destination, lamellar:am:exec per run, and lamellar:frame:send per frame', async () => {
  const seen: { channel: string; msg: Record<string, unknown> }[] = [];
  const subs = ['lamellar:am:send', 'lamellar:am:exec', 'lamellar:frame:send'].map((name) => {
    const fn = (msg: unknown): void => void seen.push({ channel: name, msg: msg as Record<string, unknown> });
    diagnostics.subscribe(name, fn);
    return () => diagnostics.unsubscribe(name, fn);
  });
  const world = await initWorld({ backend: 'local' });
  try {
    seen.length = 0;
    assert.equal(await world.execAmPe(0, Echo, 1), 2);
    assert.deepEqual(await world.execAmAll(Echo, 5), [6]);
    const sends = seen.filter((s) => s.channel === 'lamellar:am:send').map((s) => [s.msg['am'], s.msg['pe']]);
    assert.deepEqual(sends, [
      ['diagnostics-test/echo', 0],
      ['diagnostics-test/echo', 0],
    ]);
    const execs = seen.filter((s) => s.channel === 'lamellar:am:exec').map((s) => [s.msg['am'], s.msg['src']]);
    assert.deepEqual(execs, [
      ['diagnostics-test/echo', 0],
      ['diagnostics-test/echo', 0],
    ]);
    const frames = seen.filter((s) => s.channel === 'lamellar:frame:send');
    // Each launch and each reply is a frame of its own here (every await ends a turn).
    assert.equal(frames.length, 4);
    for (const f of frames) assert.ok((f.msg['bytes'] as number) > 0 && f.msg['pe'] === 0);
  } finally {
    for (const unsub of subs) unsub();
    await world.shutdown();
  }
});

test("another PE's status line names a wait's call site only when it was recorded", () => {
  const view = { state: State.inLock, team: 0, seq: 0, kind: 0, label: 'LocalLockArray', busy: '', beat: 0, idleMs: 0, heldMs: 0 };
  assert.equal(describeStatus({ ...view, site: NOT_RECORDED }, () => 'the world'), 'waiting for a lock (LocalLockArray)');
  assert.equal(describeStatus({ ...view, site: '/app/x.ts:3:9' }, () => 'the world'), 'waiting for a lock (LocalLockArray) at /app/x.ts:3:9');
});

test("another PE's status line says its thread is held only when its heartbeat stood still", () => {
  const running = { state: State.running, team: 0, seq: 0, kind: 0, label: '', site: '', busy: '', beat: 7, idleMs: 0, heldMs: 0 };
  const world = (): string => 'the world';
  assert.equal(describeStatus(running, world), 'running, not in a collective');
  assert.equal(
    describeStatus({ ...running, heldMs: 640 }, world),
    'running, not in a collective; its thread has not returned to the event loop for at least 0.6 s (synchronous code outside any active message, such as a loop that never awaits I/O or a timer)',
  );
  // An AM is named only while it holds the thread; one caught before its first await is not.
  const inAm = { ...running, busy: "active message 'spin'" };
  assert.equal(describeStatus(inAm, world), 'running, not in a collective');
  assert.equal(describeStatus({ ...inAm, heldMs: 700 }, world), "running active message 'spin' (its thread is in the AM's synchronous code and runs nothing else until it returns)");
  // A PE that has shut down has no heartbeat: it is not held.
  assert.equal(describeStatus({ ...running, state: State.shutDown, heldMs: 600 }, world), 'shut down');
});

test("another PE's status line calls it idle once it has had nothing to do for a second", () => {
  const running = { state: State.running, team: 0, seq: 0, kind: 0, label: '', site: '', busy: '', beat: 7, idleMs: 0, heldMs: 0 };
  const world = (): string => 'the world';
  assert.equal(describeStatus({ ...running, idleMs: 900 }, world), 'running, not in a collective');
  assert.equal(
    describeStatus({ ...running, idleMs: 12_340 }, world),
    'idle for 12.3 s, not in a collective: it runs no code and holds no timer, socket or other handle of its own (its script awaits something only an active message could settle, or that never settles)',
  );
  // Only a PE whose thread turns is idle; one in a collective says where it waits.
  assert.equal(describeStatus({ ...running, idleMs: 5000, heldMs: 700 }, world).startsWith('running, not in a collective; its thread'), true);
  assert.match(describeStatus({ ...running, state: State.inCollective, kind: 1, seq: 3, idleMs: 5000 }, world), /^in .* #3 on the world$/);
});

test("a call site skips the helpers tsx puts on line 1 for `await using` (no source map there)", () => {
  const stack = (first: string): string =>
    ['Error', '    at Team.[nodejs.asyncDispose] (file:///x/node_modules/lamellar/dist/team/team.js:9:9)', first, '    at __callDispose (file:///tmp/app.ts:1:1264)', '    at main (/tmp/app.ts:4:5)'].join('\n');
  assert.equal(siteText({ holder: { stack: stack('    at next (file:///tmp/app.ts:1:1131)') } }), '/tmp/app.ts:4:5');
  // A function of the user's named `next`, elsewhere than line 1, is the user's frame.
  assert.equal(siteText({ holder: { stack: stack('    at next (/tmp/app.ts:12:3)') } }), '/tmp/app.ts:12:3');
});

test('a status label too long for the board is cut in the middle, keeping the PE it names', () => {
  const long = "the result of active message 'lamellar/array/global-lock' on PE 12";
  const cut = fitLabel(long);
  assert.ok(Buffer.byteLength(cut) <= 64, cut);
  assert.match(cut, /^the result of active message '.*….*' on PE 12$/);
  assert.equal(fitLabel("the result of active message 'x' on PE 1"), "the result of active message 'x' on PE 1");
  const wide = `${'é'.repeat(40)} on PE 3`;
  assert.ok(Buffer.byteLength(fitLabel(wide)) <= 64);
  assert.match(fitLabel(wide), /… on PE 3$|é on PE 3$/);
});
