/**
 * Outcomes kept per slab of request ids (am/slab.ts), and one decoded handle shared by the AMs
 * of a frame (serde/memo.ts with am/arg-scope.ts's FrameShares).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeArgScope, endArgDecode, FrameShares, holdWhileAmRuns, openArgScope, releaseFrom, runReleases, takeHeld } from '../../src/am/arg-scope.js';
import { Slab } from '../../src/am/slab.js';
import { decodeValue, encodeValue, Reader, RefMemo, registerRefCodec, tags, Writer } from '../../src/serde/index.js';
import { ErrorCode, kSettle, LamellarError } from '../../src/core/index.js';

/** A stand-in handle: records how the slab settled it. */
class Waiter {
  got: [boolean, unknown] | undefined;
  [kSettle](ok: boolean, value: unknown): void {
    this.got = [ok, value];
  }
}

test('a slot settled before anyone asks keeps its outcome for the claim, once', () => {
  const s = new Slab(100);
  s.open(3, 'am', 1, undefined, undefined);
  s.settle(3, true, 42);
  assert.equal(s.observed(3), false);
  const w = new Waiter();
  s.claim(3, w);
  assert.deepEqual(w.got, [true, 42]);
  assert.equal(s.observed(3), true);
});

test('a slot claimed before its reply settles its waiter when the reply comes', () => {
  const s = new Slab(0);
  const w = new Waiter();
  s.claim(7, w);
  assert.equal(w.got, undefined);
  const err = new Error('boom');
  s.settle(7, false, err);
  assert.deepEqual(w.got, [false, err]);
});

test('a unit reply leaves no value behind, and slots are independent', () => {
  const s = new Slab(0);
  s.settle(0, true, undefined);
  s.settle(1, true, 'x');
  const a = new Waiter();
  const b = new Waiter();
  s.claim(1, b);
  s.claim(0, a);
  assert.deepEqual(a.got, [true, undefined]);
  assert.deepEqual(b.got, [true, 'x']);
});

test('the task group and the launch data of a slot are kept for the engine', () => {
  const s = new Slab(0);
  const group = { add() {}, done() {} };
  s.open(5, 'named', 3, group, undefined);
  assert.equal(s.group(5), group);
  assert.equal(s.group(4), undefined);
  assert.equal(s.names[5], 'named');
  assert.equal(s.pes[5], 3);
});

/** A handle type whose decode ties a release to the AM, like regions and Darcs. */
class Ref {
  released = 0;
  constructor(readonly key: number) {}
  get isReleased(): boolean {
    return this.released > 0;
  }
}
let decodes = 0;
registerRefCodec<Ref>({
  name: 'test.slab.Ref',
  ctor: Ref,
  encode(w, v) {
    w.u32(v.key);
  },
  decode(r) {
    decodes++;
    const h = new Ref(r.u32());
    holdWhileAmRuns(() => h.released++);
    return h;
  },
});

/** Encodes `values` back to back, as the AMs of one frame. */
function frame(values: unknown[]): Reader {
  const w = new Writer();
  for (const v of values) encodeValue(w, v);
  return new Reader(w.view().slice());
}

test('the AMs of a frame that carry the same reference get one decoded handle, released after the last', () => {
  const shares = new FrameShares();
  const memo = new RefMemo(shares);
  const r = frame([new Ref(1), [new Ref(1), 5], new Ref(2)]);
  decodes = 0;
  const got: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    const mark = openArgScope();
    got.push(decodeValue(r, undefined, memo));
    endArgDecode();
    releaseFrom(mark); // the AM ran synchronously and finished
  }
  const [a, [b], c] = got as [Ref, [Ref], Ref];
  assert.equal(decodes, 2, 'key 1 decoded once, key 2 once');
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.equal(a.released, 0, 'the frame still holds them');
  shares.endFrame();
  memo.clear();
  assert.equal(a.released, 1);
  assert.equal(c.released, 1);
});

test('a shared handle outlives the frame while an AM that received it is suspended', () => {
  const shares = new FrameShares();
  const memo = new RefMemo(shares);
  const r = frame([new Ref(9), new Ref(9)]);
  let mark = openArgScope();
  const first = decodeValue(r, undefined, memo) as Ref;
  endArgDecode();
  const suspended = takeHeld(mark); // this AM awaits something
  mark = openArgScope();
  assert.equal(decodeValue(r, undefined, memo), first);
  assert.equal(closeArgScope(mark)?.length, 1);
  shares.endFrame();
  memo.clear();
  assert.equal(first.released, 0, 'the suspended AM still holds it');
  runReleases(suspended);
  assert.equal(first.released, 0, 'the second AM has not finished either');
});

test('a handle an AM dropped is not handed to the next AM: that one decodes its own', () => {
  const shares = new FrameShares();
  const memo = new RefMemo(shares);
  const r = frame([new Ref(4), new Ref(4)]);
  decodes = 0;
  let mark = openArgScope();
  const first = decodeValue(r, undefined, memo) as Ref;
  endArgDecode();
  first.released++; // the AM dropped it
  releaseFrom(mark);
  mark = openArgScope();
  const second = decodeValue(r, undefined, memo) as Ref;
  endArgDecode();
  releaseFrom(mark);
  assert.notEqual(second, first);
  assert.equal(decodes, 2);
  shares.endFrame();
  assert.equal(second.released, 1);
});

test('without a memo every reference is decoded on its own', () => {
  const r = frame([new Ref(3), new Ref(3)]);
  decodes = 0;
  const a = decodeValue(r);
  const b = decodeValue(r);
  assert.notEqual(a, b);
  assert.equal(decodes, 2);
});

/** A handle type whose codec can be written again as a back-reference (REF_AGAIN). */
class Again {
  released = 0;
  constructor(readonly key: number) {}
  get isReleased(): boolean {
    return this.released > 0;
  }
}
let againDecodes = 0;
let againCalls = 0;
registerRefCodec<Again>({
  name: 'test.slab.Again',
  ctor: Again,
  encode(w, v) {
    w.u32(v.key);
  },
  again() {
    againCalls++;
  },
  decode(r) {
    againDecodes++;
    const h = new Again(r.u32());
    holdWhileAmRuns(() => h.released++);
    return h;
  },
});

/** Encodes `values` back to back into an engine-style frame writer (back-references on). */
function frameWriter(values: unknown[]): Writer {
  const w = new Writer();
  w.backRefs = true;
  for (const v of values) encodeValue(w, v);
  return w;
}

/** Decodes every value of `w`'s frame as the engine does, one AM scope each. */
function decodeFrame(w: Writer, memo: RefMemo | undefined): unknown[] {
  const r = new Reader(w.view().slice());
  const got: unknown[] = [];
  while (r.pos < r.end) {
    const mark = openArgScope();
    got.push(decodeValue(r, undefined, memo));
    endArgDecode();
    releaseFrom(mark);
  }
  return got;
}

test('a back-reference after an object of 16 keys and more points at the handle the object moved', () => {
  const h = new Again(11);
  const wide: Record<string, unknown> = { first: h };
  for (let i = 0; i < 17; i++) wide[`k${i}`] = i;
  // The handle again inside the object too (a back-reference written before the object moves).
  wide.k3 = h;
  const w = frameWriter([wide, h, [{ ...wide, first: 0 }, h]]);
  const shares = new FrameShares();
  const memo = new RefMemo(shares);
  againDecodes = 0;
  const [a, b, [c, d]] = decodeFrame(w, memo) as [Record<string, unknown>, Again, [Record<string, unknown>, Again]];
  assert.equal(againDecodes, 1, 'written once in full, twice as a back-reference');
  assert.equal((a.first as Again).key, 11);
  assert.equal(a.k16, 16);
  assert.equal(b, a.first);
  assert.equal(d, a.first);
  assert.equal(c.k16, 16);
  assert.equal(a.k3, a.first);
  assert.equal(c.k3, a.first);
  shares.endFrame();
  memo.clear();
});

test('a handle written twice into a frame writer is written the second time as a 5-byte back-reference', () => {
  const h = new Again(7);
  againCalls = 0;
  const w = frameWriter([h, [h, 1], new Again(8)]);
  // REF + id + key (9 bytes); then [REF_AGAIN + offset 0, 1]; then a full REF for another handle.
  assert.equal(w.buf[0], tags.REF);
  assert.equal(w.buf[10], tags.REF_AGAIN);
  assert.equal(w.dv.getUint32(11, true), 0);
  assert.equal(againCalls, 1, 'the codec counted the second send');
  const shares = new FrameShares();
  const memo = new RefMemo(shares);
  againDecodes = 0;
  const [a, [b, one], c] = decodeFrame(w, memo) as [Again, [Again, number], Again];
  assert.equal(againDecodes, 2, 'key 7 decoded once, key 8 once');
  assert.equal(a, b);
  assert.equal(a.key, 7);
  assert.equal(one, 1);
  assert.equal(c.key, 8);
  shares.endFrame();
  memo.clear();
  assert.equal(a.released, 1, 'released once, after the frame');
});

test('without a memo, or once the first handle was dropped, a back-reference decodes the reference again', () => {
  const h = new Again(3);
  const w = frameWriter([h, h]);
  againDecodes = 0;
  const [a, b] = decodeFrame(w, undefined) as [Again, Again];
  assert.notEqual(a, b);
  assert.equal(b.key, 3);
  assert.equal(againDecodes, 2);

  const shares = new FrameShares();
  const memo = new RefMemo(shares);
  const r = new Reader(w.view().slice());
  let mark = openArgScope();
  const first = decodeValue(r, undefined, memo) as Again;
  endArgDecode();
  first.released++; // the AM dropped it
  releaseFrom(mark);
  mark = openArgScope();
  const second = decodeValue(r, undefined, memo) as Again;
  endArgDecode();
  releaseFrom(mark);
  assert.notEqual(second, first);
  assert.equal(second.key, 3);
  shares.endFrame();
});

test('a writer without back-references, a reset or a rewind past the first write writes the handle in full', () => {
  const h = new Again(5);
  const plain = new Writer();
  encodeValue(plain, h);
  encodeValue(plain, h);
  assert.equal(plain.buf[9], tags.REF, 'back-references are off by default');

  const w = frameWriter([h]);
  w.reset();
  encodeValue(w, h);
  assert.equal(w.buf[0], tags.REF);
  assert.equal(w.pos, 9);

  const v = frameWriter([1]);
  const start = v.pos;
  encodeValue(v, h);
  v.rewind(start); // the launch failed after encoding its arguments
  encodeValue(v, 2);
  encodeValue(v, h);
  assert.equal(v.buf[2], tags.REF, 'the rewound bytes are not referred to');
  assert.deepEqual(decodeFrame(v, undefined).map((x) => (x instanceof Again ? x.key : x)), [1, 2, 5]);
});

test('a codec without again is written in full each time; an again that throws is SERIALIZE naming the value', () => {
  class Plain {
    constructor(readonly key: number) {}
  }
  registerRefCodec<Plain>({ name: 'test.slab.Plain', ctor: Plain, encode: (w, v) => w.u32(v.key), decode: (r) => new Plain(r.u32()) });
  const p = new Plain(4);
  const w = frameWriter([p, [p, 1]]);
  assert.equal(w.buf[0], tags.REF);
  assert.equal(w.buf[10], tags.REF, 'no back-reference without again');

  class Dropped {}
  const gone = new Error('the Darc was dropped');
  registerRefCodec<Dropped>({ name: 'test.slab.Dropped', ctor: Dropped, encode: () => undefined, again: () => { throw gone; }, decode: () => new Dropped() });
  const d = new Dropped();
  const x = frameWriter([d]);
  const at = x.pos;
  assert.throws(() => encodeValue(x, { list: [d] }, "argument of AM 'y'"), (err: unknown) => {
    assert.ok(err instanceof LamellarError && err.code === ErrorCode.SERIALIZE);
    assert.equal(err.details?.['path'], 'args.list[0]');
    assert.equal(err.cause, gone);
    return true;
  });
  assert.equal(x.pos, at, 'the writer is rewound');
});

test('a back-reference to a later offset or to something that is not a reference is DESERIALIZE', () => {
  for (const at of [0, 9]) {
    const w = new Writer();
    encodeValue(w, 1);
    w.u8(tags.REF_AGAIN);
    w.u32(at);
    const r = new Reader(w.view().slice());
    decodeValue(r);
    assert.throws(
      () => decodeValue(r),
      (e: unknown) => e instanceof LamellarError && e.code === ErrorCode.DESERIALIZE,
    );
  }
});
