/**
 * The frame reassembly every splitting lamella shares (lamellae/common/assembler.ts): frames come
 * back whole and per sender, and a frame over the limit or parts out of sequence are refused with
 * coded errors before anything is delivered.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, isLamellarError } from '../../src/core/index.js';
import { FrameAssembler, Spill } from '../../src/lamellae/common/index.js';

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i + seed) & 255);

describe('FrameAssembler', () => {
  test('joins FIRST, MID and LAST parts per sender, interleaved between senders', () => {
    const a = new FrameAssembler(3, 1 << 20, 'PE 0');
    const f1 = bytes(10, 1);
    const f2 = bytes(7, 50);
    a.first(1, 10, f1.subarray(0, 4));
    a.first(2, 7, f2.subarray(0, 3));
    assert.equal(a.next(1, f1.subarray(4, 8), false), undefined);
    assert.deepEqual(a.next(2, f2.subarray(3), true), f2);
    assert.deepEqual(a.next(1, f1.subarray(8), true), f1);
    // The sender can start a new frame once the last one is whole.
    a.first(1, 3, f1.subarray(0, 1));
    assert.deepEqual(a.next(1, f1.subarray(1, 3), true), f1.subarray(0, 3));
  });

  test('a frame over the limit is refused with FRAME_TOO_LARGE naming sender and sizes', () => {
    const a = new FrameAssembler(2, 1000, 'PE 0');
    assert.throws(() => a.first(1, 2 ** 31, bytes(10, 0)), (e: unknown) =>
      isLamellarError(e, ErrorCode.FRAME_TOO_LARGE) && /PE 1 sent a frame of 2147483648 bytes to PE 0, more than LAMELLAR_MAX_FRAME \(1000 bytes\)/.test(e.message));
    assert.throws(() => a.checkSize(1, 1001), (e: unknown) => isLamellarError(e, ErrorCode.FRAME_TOO_LARGE));
    a.checkSize(1, 1000);
  });

  test('parts out of sequence are refused with PROTOCOL', () => {
    const a = new FrameAssembler(2, 1 << 20, 'PE 0');
    const protocol = (e: unknown): boolean => isLamellarError(e, ErrorCode.PROTOCOL) && /PE 1 sent/.test((e as Error).message);
    assert.throws(() => a.next(1, bytes(4, 0), false), protocol, 'a MID with no FIRST');
    assert.throws(() => a.next(1, bytes(4, 0), true), protocol, 'a LAST with no FIRST');
    assert.throws(() => a.first(1, 4, bytes(4, 0)), protocol, 'a FIRST that is the whole frame');
    a.first(1, 10, bytes(4, 0));
    assert.throws(() => a.first(1, 10, bytes(4, 0)), protocol, 'a second FIRST while one is open');
    assert.throws(() => a.next(1, bytes(6, 0), false), protocol, 'a MID that fills the frame');
    assert.throws(() => a.next(1, bytes(5, 0), true), protocol, 'a LAST that falls short');
    assert.throws(() => a.next(1, bytes(7, 0), true), protocol, 'a LAST that overruns');
  });
});

describe('Spill (records waiting for ring space)', () => {
  test('gives records back whole and in order, across growth, partial drains and compaction', () => {
    const s = new Spill();
    assert.equal(s.empty, true);
    const sent: number[][] = [];
    const got: number[][] = [];
    let seed = 0;
    const pushSome = (k: number): void => {
      for (let i = 0; i < k; i++) {
        const hdr = bytes(8, seed);
        const body = seed % 3 === 0 ? undefined : bytes((seed * 97) % 5000, seed + 1);
        s.push(hdr, body);
        sent.push([...hdr, ...(body ?? [])]);
        seed++;
      }
    };
    // A writer that takes a few records and then has no room, as a full ring does.
    const takeUpTo = (max: number): number =>
      s.drain((r) => {
        if (max-- <= 0) return false;
        got.push([...r]);
        return true;
      });
    pushSome(50);
    assert.equal(takeUpTo(7), 7);
    pushSome(200); // grows past 64 KiB while 43 records are still waiting at an offset
    assert.equal(takeUpTo(100), 100);
    pushSome(30); // room found by moving the waiting records to the front
    assert.equal(takeUpTo(1000), 173);
    assert.equal(s.empty, true);
    assert.equal(got.length, sent.length);
    assert.deepEqual(got, sent);
    assert.equal(takeUpTo(5), 0, 'nothing left');
  });
});
