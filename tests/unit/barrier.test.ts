/**
 * The dissemination barrier (src/team/barrier.ts) of two PEs in this process, driven with chosen
 * sequence numbers: a signal lands at once, and a wait is a promise the partner's signal settles.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Lamella } from '../../src/lamellae/types.js';
import { type BarrierHooks, DisseminationBarrier, SEQ_MASK, STALE_GAP } from '../../src/team/barrier.js';

/** Each PE's one round slot (2 PEs) sits at this address of its heap. */
const SLOT = 64;
const KIND = 1;

function pair(): DisseminationBarrier[] {
  const heaps = [new SharedArrayBuffer(128), new SharedArrayBuffer(128)];
  const sleepers: { pe: number; value: number; wake: () => void }[] = [];
  const word = (pe: number): number => Atomics.load(new Int32Array(heaps[pe]!), SLOT >> 2);
  return [0, 1].map((me) => {
    const lamella = {
      myPe: me,
      numPes: 2,
      heap: (pe: number) => heaps[pe],
      signal(pe: number, addr: number, value: number): void {
        Atomics.store(new Int32Array(heaps[pe]!), addr >> 2, value);
        for (const s of sleepers.splice(0)) {
          if (s.pe === pe && ((word(pe) - s.value) | 0) >= 0) s.wake();
          else sleepers.push(s);
        }
      },
      waitSignal(_addr: number, value: number): Promise<void> | undefined {
        if (((word(me) - value) | 0) >= 0) return undefined;
        return new Promise<void>((wake) => sleepers.push({ pe: me, value, wake }));
      },
    } as unknown as Lamella;
    return new DisseminationBarrier(lamella, [0, 1], [SLOT, SLOT], me);
  });
}

const hooks: BarrierHooks = {
  slow: () => undefined,
  ahead: () => undefined,
  mismatch: (pe, kind) => Promise.reject(new Error(`mismatch with team PE ${pe}, kind ${kind}`)),
};

/**
 * What the channel does between two barriers `gap` numbers apart: lower every STALE_GAP numbers,
 * on each PE given, the PEs taking turns (one can be only so far ahead: the exchanges in between
 * need every PE, and 2^26 of them could not all be pending).
 */
function exchanges(pes: DisseminationBarrier[], from: number, gap: number): void {
  for (let at = from + STALE_GAP; at < from + gap; at += STALE_GAP) for (const pe of pes) pe.lower(at);
}

/** Settles to 'waiting' if `p` is still pending after every queued job has run. */
async function state(p: Promise<void> | undefined): Promise<'passed' | 'waiting'> {
  if (p === undefined) return 'passed';
  return Promise.race([p.then(() => 'passed' as const), new Promise<'waiting'>((r) => setImmediate(() => r('waiting')))]);
}

test('a barrier after 2^27 exchanges and more still waits for its partner', async () => {
  // Gaps across the wrapping compare's half-space and the 28-bit sequence's full cycle.
  for (const gap of [2 ** 27 + 1, 2 ** 27 + 12345, 2 ** 28 - 1, 2 ** 28, 2 ** 28 + 7, 3 * 2 ** 27]) {
    const [a, b] = pair();
    assert.equal(await state(a!.run(5, KIND, hooks)), 'waiting');
    assert.equal(await state(b!.run(5, KIND, hooks)), 'passed');
    const later = 5 + gap;
    exchanges([a!, b!], 5, gap);
    const waits = a!.run(later, KIND, hooks);
    assert.equal(await state(waits), 'waiting', `PE 0 waits for PE 1 at ${gap} numbers on (word ${(later & SEQ_MASK) << 4})`);
    assert.equal(await state(b!.run(later, KIND, hooks)), 'passed', `gap ${gap}`);
    assert.equal(await state(waits), 'passed', `gap ${gap}`);
    // And the barrier after it is an ordinary one again.
    const next = a!.run(later + 1, KIND, hooks);
    assert.equal(await state(next), 'waiting', `gap ${gap}, next`);
    assert.equal(await state(b!.run(later + 1, KIND, hooks)), 'passed');
    assert.equal(await state(next), 'passed');
  }
});

test("a partner that signalled the far barrier before this PE's last lowering lets this PE pass at once", async () => {
  for (const gap of [2 ** 27 + 99, 2 ** 28]) {
    const [a, b] = pair();
    assert.equal(await state(a!.run(1, KIND, hooks)), 'waiting');
    assert.equal(await state(b!.run(1, KIND, hooks)), 'passed');
    const later = 1 + gap;
    // PE 0 has made all but its last lowering when PE 1 signals.
    const last = 1 + Math.floor((gap - 1) / STALE_GAP) * STALE_GAP;
    exchanges([a!, b!], 1, last - 1);
    b!.lower(last);
    const waits = b!.run(later, KIND, hooks);
    assert.equal(await state(waits), 'waiting');
    a!.lower(last);
    assert.equal(await state(a!.run(later, KIND, hooks)), 'passed', `gap ${gap}: PE 0 keeps the word PE 1 wrote`);
    assert.equal(await state(waits), 'passed');
  }
});
