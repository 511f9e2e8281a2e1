/**
 * How a PE waits for a signal (the barriers' wait): it spins for LAMELLAR_SPIN_US, but the spin
 * holds the event loop, so it must end when input for the event loop arrives (an AM sent to a PE
 * in a barrier waited out the whole spin, 1.2 ms at LAMELLAR_SPIN_US=2000), and it must stop
 * spinning when spins keep running out (signals over tcp take longer than the spin). The counts
 * of probe calls say what the spin did, with no clock in the assertions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as immediate } from 'node:timers/promises';
import { MappedHeaps } from '../../src/lamellae/common/index.js';

/** A one-PE heap whose wait spins up to `spinMicros`, with an input probe that counts its calls. */
function heapWithProbe(spinMicros: number, inputAfter = Infinity): { m: MappedHeaps; addr: number; calls: () => number } {
  const m = new MappedHeaps([new SharedArrayBuffer(1 << 16)], 0, { spinMicros, deadlockTimeoutSecs: 60 });
  const addr = m.alloc(64);
  let calls = 0;
  m.setInputProbe(() => ++calls >= inputAfter);
  return { m, addr, calls: () => calls };
}

test('input arriving during the spin ends it at once, and the event loop turns while the wait goes on', async () => {
  // A 60 s spin: a wait that ignored the probe would hold this test for a minute, then fail below.
  const { m, addr, calls } = heapWithProbe(60e6, 3);
  const wait = m.waitSignal(addr, 1);
  assert.ok(wait !== undefined, 'the word is 0: the call waits');
  assert.equal(calls(), 3, 'the spin asked for input until the third call said yes, then stopped');
  let turned = false;
  setImmediate(() => {
    turned = true;
    m.signal(0, addr, 1);
  });
  await wait;
  assert.ok(turned, 'the signal came from a later turn of the event loop');
  assert.ok(m.signalDue() === false, 'nobody waits any more');
});

test('a wait that went to sleep is reported by signalDue once its word is reached, and not before', async () => {
  const { m, addr } = heapWithProbe(1);
  const wait = m.waitSignal(addr, 2)!;
  assert.ok(wait !== undefined);
  await immediate();
  assert.equal(m.signalDue(), false, 'the word is still 0');
  m.signal(0, addr, 1);
  assert.equal(m.signalDue(), false, 'the word is 1, below 2');
  m.signal(0, addr, 2);
  assert.equal(m.signalDue(), true, 'the word reached 2: a lamella spinning for input should yield');
  await wait;
  assert.equal(m.signalDue(), false);
});

test('spins that keep running out stop, one wait in 32 still tries, and a spin that pays restores them', async () => {
  const wait = { spinMicros: 1, deadlockTimeoutSecs: 60 };
  const m = new MappedHeaps([new SharedArrayBuffer(1 << 16)], 0, wait);
  const addr = m.alloc(64);
  let calls = 0;
  let inputAt = Infinity;
  m.setInputProbe(() => ++calls >= inputAt);
  let target = 0;
  /** One wait, signalled from the next turn of the event loop; whether it spun (asked the probe). */
  const oneWait = async (): Promise<boolean> => {
    const before = calls;
    const w = m.waitSignal(addr, ++target);
    assert.ok(w !== undefined);
    const t = target;
    setImmediate(() => m.signal(0, addr, t));
    await w;
    return calls > before;
  };
  // Four spins run out (1 µs each) and the waits sleep: spinning has stopped paying.
  for (let k = 0; k < 4; k++) assert.ok(await oneWait(), `wait ${k} spun`);
  const spun: number[] = [];
  for (let k = 0; k < 64; k++) if (await oneWait()) spun.push(k);
  assert.deepEqual(spun, [31, 63], 'only every 32nd wait spun');
  // The next probing spin pays: input comes at once, the event loop turns, the signal lands.
  wait.spinMicros = 60e6;
  for (let k = 0; k < 31; k++) assert.equal(await oneWait(), false);
  inputAt = calls + 1;
  assert.ok(await oneWait(), 'the 32nd wait spun, and its signal came during the spin');
  inputAt = Infinity;
  wait.spinMicros = 1;
  assert.ok(await oneWait(), 'spinning pays again: the next wait spins');
});

test('a word already reached returns at once, without spinning or sleeping', () => {
  const { m, addr, calls } = heapWithProbe(60e6);
  m.signal(0, addr, 5);
  assert.equal(m.waitSignal(addr, 5), undefined);
  assert.equal(m.waitSignal(addr, 4), undefined);
  assert.equal(calls(), 0);
});
