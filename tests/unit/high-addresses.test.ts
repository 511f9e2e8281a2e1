/**
 * Heap addresses and ring offsets at 2 GiB and above, where `x >> 2` as a word index turns
 * negative: a heap may be 4 GiB (LAMELLAR_HEAP_SIZE's default), and a shmem job's rings share one
 * buffer of up to 4 GiB. Signals, barriers and ring records there must work as below 2 GiB.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHeap, F_WHOLE, MappedHeaps, RING_HEADER, RingEnd } from '../../src/lamellae/common/index.js';
import type { Lamella } from '../../src/lamellae/types.js';
import { DisseminationBarrier } from '../../src/team/barrier.js';
import { createShmemJob } from '../../src/lamellae/shmem/job.js';
import { ErrorCode } from '../../src/core/index.js';

const GIB = 2 ** 30;

test('a signal and its wait at a heap address above 2 GiB', async () => {
  const heap = createHeap(4 * GIB, false) as SharedArrayBuffer;
  const m = new MappedHeaps([heap], 0, { spinMicros: 0, deadlockTimeoutSecs: 10 });
  m.alloc(2.25 * GIB);
  const addr = m.alloc(64);
  assert.ok(addr >= 2 ** 31, `address ${addr}`);
  const wait = m.waitSignal(addr, 3);
  assert.ok(wait !== undefined, 'waits: the word is 0');
  m.signal(0, addr, 3);
  await wait;
  assert.equal(m.waitSignal(addr, 3), undefined);
});

test('a ring whose records lie above 2 GiB of its buffer carries them whole', () => {
  const cap = 1 << 16;
  const base = 2 ** 31 + 4096;
  const sab = new SharedArrayBuffer(base + RING_HEADER + cap);
  const producer = new RingEnd(sab, base, cap);
  const consumer = new RingEnd(sab, base, cap);
  const got: number[][] = [];
  // Across the wrap too: 40 records of 3000 bytes in a 64 KiB ring.
  for (let round = 0; round < 40; round++) {
    assert.ok(producer.tryWrite(new Uint8Array(3000).fill(round), F_WHOLE));
    consumer.drain((view, flags) => void got.push([view.length, view[0]!, view[2999]!, flags]));
  }
  assert.deepEqual(got, Array.from({ length: 40 }, (_, r) => [3000, r, r, F_WHOLE]));
});

test('a barrier whose slots lie above 2 GiB of the heaps pairs its PEs', async () => {
  const slot = 2 ** 31 + 64;
  const heaps = [new SharedArrayBuffer(slot + 64), new SharedArrayBuffer(slot + 64)];
  const wakers: (() => void)[] = [];
  const bs = [0, 1].map((me) => {
    const lamella = {
      myPe: me,
      heap: (pe: number) => heaps[pe],
      signal(pe: number, addr: number, value: number): void {
        Atomics.store(new Int32Array(heaps[pe]!), addr / 4, value);
        for (const w of wakers.splice(0)) w();
      },
      waitSignal(addr: number, value: number): Promise<void> | undefined {
        const v = new Int32Array(heaps[me]!);
        if (((Atomics.load(v, addr / 4) - value) | 0) >= 0) return undefined;
        return new Promise<void>((r) => wakers.push(r));
      },
    } as unknown as Lamella;
    return new DisseminationBarrier(lamella, [0, 1], [slot, slot], me);
  });
  const hooks = { slow: () => undefined, ahead: () => undefined, mismatch: () => Promise.reject(new Error('mismatch')) };
  const first = bs[0]!.run(1, 1, hooks);
  assert.ok(first !== undefined, 'PE 0 waits for PE 1');
  assert.equal(bs[1]!.run(1, 1, hooks), undefined);
  await first;
});

test('a shmem job whose rings would pass 4 GiB is refused with CONFIG, saying what fits', () => {
  assert.throws(() => createShmemJob(3, 'big', 1 << 20, 1 << 29), (e: { code?: string; message?: string }) => {
    assert.equal(e.code, ErrorCode.CONFIG);
    assert.match(e.message!, /set LAMELLAR_SHMEM_RING_SIZE to 268435456 or less/);
    return true;
  });
  assert.throws(() => createShmemJob(300, 'many', 1 << 20), (e: { code?: string; message?: string }) => e.code === ErrorCode.CONFIG && /run fewer PEs/.test(e.message!));
});
