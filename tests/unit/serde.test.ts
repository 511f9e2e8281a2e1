import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, LamellarError } from '../../src/core/index.js';
import {
  checkValue,
  decodeFromBytes,
  decodeValue,
  encodeToBytes,
  encodeValue,
  Reader,
  refCodecId,
  registerRefCodec,
  tags,
  Writer,
} from '../../src/serde/index.js';

function roundTrip<T>(v: T): T {
  return decodeFromBytes(encodeToBytes(v)) as T;
}

function same(v: unknown): void {
  assert.deepStrictEqual(roundTrip(v), v);
}

/** Asserts `fn` throws a LamellarError with `code`; returns it for further checks. */
function throwsCode(fn: () => unknown, code: string): LamellarError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof LamellarError, `expected a LamellarError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

function serializeError(value: unknown, label = "argument of AM 'hello'"): LamellarError {
  return throwsCode(() => encodeToBytes(value, label), ErrorCode.SERIALIZE);
}

/** Deterministic PRNG for the fuzz tests. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// ---------------------------------------------------------------- primitives

test('undefined, null and booleans round-trip as one tag byte', () => {
  for (const v of [undefined, null, true, false]) {
    const bytes = encodeToBytes(v);
    assert.equal(bytes.length, 1);
    assert.equal(roundTrip(v), v);
  }
});

test('numbers round-trip, with -0, NaN and infinities preserved', () => {
  const values = [0, 1, 42, 127, 128, 255, 256, -1, -32, -33, -128, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32, 2 ** 53,
    -(2 ** 53), 3.14159, -2.5, 1e-300, Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, Infinity, -Infinity];
  for (const v of values) assert.equal(roundTrip(v), v);
  assert.ok(Object.is(roundTrip(-0), -0));
  assert.ok(Number.isNaN(roundTrip(NaN)));
});

test('small integers take the short encodings', () => {
  assert.equal(encodeToBytes(0).length, 1);
  assert.equal(encodeToBytes(127).length, 1);
  assert.equal(encodeToBytes(-32).length, 1);
  assert.equal(encodeToBytes(128).length, 5);
  assert.equal(encodeToBytes(-33).length, 5);
  assert.equal(encodeToBytes(2 ** 31).length, 9);
  assert.equal(encodeToBytes(0.5).length, 9);
  assert.equal(encodeToBytes(-0).length, 9);
  assert.deepStrictEqual([...encodeToBytes(5)], [5]);
  assert.deepStrictEqual([...encodeToBytes(-1)], [0xff]);
});

test('strings round-trip: empty, ASCII, non-ASCII, astral, NUL and long', () => {
  const values = ['', 'a', 'hello', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(85), 'x'.repeat(86), 'x'.repeat(255),
    'x'.repeat(256), 'héllo wörld', 'é'.repeat(20), '日本語', '😀', 'a😀b🎉c', 'nul\u0000byte', '\u007f\u0080\u07ff\u0800\uffff',
    'ü'.repeat(100), 'long '.repeat(40_000), '😀'.repeat(5000)];
  for (const v of values) assert.equal(roundTrip(v), v, `length ${v.length}`);
});

test('string headers depend only on the UTF-8 byte length', () => {
  assert.equal(encodeToBytes('x'.repeat(31))[0], tags.FIXSTR | 31);
  assert.equal(encodeToBytes('x'.repeat(32))[0], tags.STR8);
  assert.equal(encodeToBytes('x'.repeat(255))[0], tags.STR8);
  assert.equal(encodeToBytes('x'.repeat(256))[0], tags.STR32);
  assert.equal(encodeToBytes('é'.repeat(15))[0], tags.FIXSTR | 30); // 15 units, 30 bytes
  assert.equal(encodeToBytes('é'.repeat(16))[0], tags.STR8); // 32 bytes
  assert.equal(encodeToBytes('x'.repeat(100)).length, 102); // header shrunk from the 3-bytes-per-unit guess
});

test('lone surrogates become U+FFFD (documented UTF-8 limitation)', () => {
  assert.equal(roundTrip('a\ud800b'), 'a\ufffdb');
  assert.equal(roundTrip('x'.repeat(5000) + '\udc00'), 'x'.repeat(5000) + '\ufffd');
  const w = new Writer(16);
  w.str('y'.repeat(9000) + '\ud800');
  assert.equal(new Reader(w.view()).str(), 'y'.repeat(9000) + '\ufffd');
});

test('bigints of any size and sign round-trip', () => {
  const values = [0n, 1n, -1n, 42n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, -(2n ** 63n) - 1n, 2n ** 64n, -(2n ** 64n),
    2n ** 200n + 12345n, -(3n ** 100n), (1n << 10_000n) - 1n, 0xffff_ffffn << 96n];
  for (const v of values) assert.equal(roundTrip(v), v);
  assert.equal(encodeToBytes(2n ** 63n - 1n)[0], tags.BIGINT64);
  assert.equal(encodeToBytes(2n ** 63n)[0], tags.BIGINT_BIG);
});

// ---------------------------------------------------------------- containers

test('plain objects round-trip with key order and prototype', () => {
  same({});
  same({ from: 3, idx: 42, val: 3.14159, tag: 'hello' });
  same({ 'a-b': 1, 'with space': 2, '': 3, 'ключ': 4, '😀': 5, '10': 6, '2': 7, x: { y: { z: [1] } } });
  const wide: Record<string, number> = {};
  for (let i = 0; i < 100; i++) wide[`k${i}`] = i;
  const back = roundTrip(wide);
  assert.deepStrictEqual(back, wide);
  assert.deepStrictEqual(Object.keys(back), Object.keys(wide));
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
});

test('an object with exactly 15 and 16 keys takes the short and long headers', () => {
  const make = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
  assert.equal(encodeToBytes(make(15))[0], tags.FIXOBJ | 15);
  assert.equal(encodeToBytes(make(16))[0], tags.OBJ32);
  same(make(15));
  same(make(16));
});

test('null-prototype objects decode with a null prototype', () => {
  const o = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, b: 'two' });
  const back = roundTrip(o);
  assert.equal(Object.getPrototypeOf(back), null);
  assert.deepStrictEqual(back, o);
});

test('an own "__proto__" key stays an own key and never sets the prototype', () => {
  const o = JSON.parse('{"a": 1, "__proto__": {"polluted": true}}') as Record<string, unknown>;
  // Repeat past the shape cache's compile threshold: both decode paths must get it right.
  for (let i = 0; i < 20; i++) {
    const back = roundTrip(o);
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.ok(Object.hasOwn(back, '__proto__'));
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, { polluted: true });
    assert.equal((back as { polluted?: unknown }).polluted, undefined);
  }
});

test('an Error field named "__proto__" travels as a field and never sets a prototype', () => {
  for (const value of [{ polluted: 1 }, 'str']) {
    const e = new Error('p');
    Object.defineProperty(e, '__proto__', { value, enumerable: true, configurable: true, writable: true });
    const back = roundTrip(e);
    assert.equal(Object.getPrototypeOf(back), Error.prototype);
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, value);
    assert.equal((back as { polluted?: unknown }).polluted, undefined);
  }
});

test('repeated shapes decode correctly once the shape cache compiles them', () => {
  for (let i = 0; i < 50; i++) {
    same({ from: i, idx: i * 2, val: i / 3, tag: `t${i}` });
    same({ idx: i, from: -i }); // same keys, other order
    same({ from: { from: i, idx: [i] }, idx: i });
  }
});

test('arrays round-trip; holes decode as undefined', () => {
  same([]);
  same([1, 'two', null, undefined, [3, [4]], { five: 5 }]);
  same(Array.from({ length: 15 }, (_, i) => i));
  same(Array.from({ length: 16 }, (_, i) => i));
  same(Array.from({ length: 10_000 }, (_, i) => i * 1.5));
  // eslint-disable-next-line no-sparse-arrays
  assert.deepStrictEqual(roundTrip([1, , 3]), [1, undefined, 3]);
});

test('Map decodes as a real Map with keys of any supported type', () => {
  const objKey = { id: 1 };
  const m = new Map<unknown, unknown>([
    ['k', 'v'],
    [1, 'one'],
    [NaN, 'nan'],
    [2n ** 70n, 'big'],
    [objKey, [1, 2]],
    [[1, 2], new Set([3])],
    [null, undefined],
  ]);
  const back = roundTrip(m);
  assert.ok(back instanceof Map);
  assert.deepStrictEqual(back, m);
  assert.deepStrictEqual([...back.keys()].slice(0, 4), ['k', 1, NaN, 2n ** 70n]);
  assert.ok(roundTrip(new Map()) instanceof Map);
});

test('Set decodes as a real Set', () => {
  const s = new Set<unknown>([1, 'a', { b: 2 }, [3], null]);
  const back = roundTrip(s);
  assert.ok(back instanceof Set);
  assert.deepStrictEqual(back, s);
});

test('Errors round-trip as their built-in class, with name, message, stack, cause and own fields', () => {
  class AppError extends RangeError {
    constructor(readonly code: string) {
      super(`app failed: ${code}`, { cause: new TypeError('inner', { cause: 7 }) });
      this.name = 'AppError';
    }
  }
  const sent = new AppError('E42');
  const got = roundTrip(sent) as RangeError & { code?: string };
  assert.ok(got instanceof RangeError && Object.getPrototypeOf(got) === RangeError.prototype, 'a subclass of the program arrives as the built-in it extends');
  assert.deepEqual([got.name, got.message, got.code, got.stack], ['AppError', 'app failed: E42', 'E42', sent.stack]);
  const cause = got.cause as TypeError;
  assert.ok(cause instanceof TypeError);
  assert.deepEqual([cause.message, cause.cause], ['inner', 7]);
  assert.deepEqual(Object.keys(got), ['code'], 'name, stack and cause are not enumerable, as on a new Error');
  const plain = roundTrip({ err: new Error('plain') }).err as Error;
  assert.ok(plain instanceof Error && !Object.hasOwn(plain, 'cause') && !Object.hasOwn(plain, 'name'));
  assert.equal(plain.message, 'plain');
  const lam = roundTrip(new LamellarError(ErrorCode.INVALID_ARGUMENT, 'bad', { details: { pe: 1 } })) as Error & { code?: string; details?: unknown };
  assert.deepEqual([lam.name, lam.code, lam.details], ['LamellarError', ErrorCode.INVALID_ARGUMENT, { pe: 1 }]);
  assert.equal(checkValue([new SyntaxError('s')]), undefined);
});

test('an Error value from the wire is refused unless its fields are a plain object, and fields never replace its members', () => {
  /** An ERROR value of kind 0 whose fields are `fields`. */
  const forged = (fields: unknown): Uint8Array => {
    const head = encodeToBytes(['n', 'm', undefined, false]);
    const tail = encodeToBytes(fields);
    // The array's header byte (0x94) is dropped: its four values follow the kind byte directly.
    return Uint8Array.from([tags.ERROR, 0, ...head.subarray(1), ...tail]);
  };
  throwsCode(() => decodeFromBytes(forged(new Uint8Array(1000))), ErrorCode.DESERIALIZE);
  throwsCode(() => decodeFromBytes(forged([1, 2])), ErrorCode.DESERIALIZE);
  const e = decodeFromBytes(forged({ toString: 1, message: { x: 1 }, code: 'C' })) as Error & { code?: string };
  assert.deepEqual([String(e), e.message, e.code], ['n: m', 'm', 'C']);
});

test('Date round-trips, including an invalid Date', () => {
  for (const d of [new Date(0), new Date('2026-11-23T12:34:56.789Z'), new Date(-1e12), new Date(8.64e15)]) {
    const back = roundTrip(d);
    assert.ok(back instanceof Date);
    assert.equal(back.getTime(), d.getTime());
  }
  const bad = roundTrip(new Date(NaN));
  assert.ok(bad instanceof Date);
  assert.ok(Number.isNaN(bad.getTime()));
});

// ---------------------------------------------------------------- binary data

const TYPED_SAMPLES = [
  new Int8Array([0, 1, -1, 127, -128]),
  new Uint8Array([0, 1, 255]),
  new Uint8ClampedArray([0, 128, 255]),
  new Int16Array([0, -1, 32767, -32768]),
  new Uint16Array([0, 65535]),
  new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31)]),
  new Uint32Array([0, 2 ** 32 - 1]),
  new Float32Array([0, -0, 1.5, NaN, Infinity, -Infinity]),
  new Float64Array([0, -0, Math.PI, NaN, -Infinity, Number.MIN_VALUE]),
  new BigInt64Array([0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]),
  new BigUint64Array([0n, 2n ** 64n - 1n]),
];

test('every typed array kind decodes as the same kind with its own ArrayBuffer', () => {
  for (const ta of TYPED_SAMPLES) {
    const back = roundTrip(ta);
    assert.equal(back.constructor, ta.constructor);
    assert.deepStrictEqual(back, ta);
    assert.ok(back.buffer instanceof ArrayBuffer);
    assert.equal(back.byteOffset, 0);
    assert.equal(back.buffer.byteLength, ta.byteLength);
    const empty = roundTrip(new (ta.constructor as new (n: number) => typeof ta)(0));
    assert.equal(empty.constructor, ta.constructor);
    assert.equal(empty.length, 0);
  }
});

test('typed array views with a nonzero byteOffset send only their own bytes', () => {
  const base = new Float64Array(100).map((_, i) => i);
  const view = base.subarray(10, 20);
  const back = roundTrip(view);
  assert.ok(back instanceof Float64Array);
  assert.deepStrictEqual([...back], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  assert.equal(back.buffer.byteLength, 80);
  const odd = new Uint16Array(new Uint8Array(64).fill(7).buffer, 6, 5);
  assert.deepStrictEqual(roundTrip(odd), odd);
});

test('typed arrays on a SharedArrayBuffer decode onto a normal ArrayBuffer', () => {
  const sab = new SharedArrayBuffer(64);
  const view = new Int32Array(sab, 8, 4);
  view.set([1, -2, 3, -4]);
  const back = roundTrip(view);
  assert.ok(back instanceof Int32Array);
  assert.ok(back.buffer instanceof ArrayBuffer);
  assert.deepStrictEqual([...back], [1, -2, 3, -4]);
});

test('a Node Buffer is sent as its bytes and decodes as a Uint8Array', () => {
  const back = roundTrip(Buffer.from('hi there'));
  assert.equal(Object.getPrototypeOf(back), Uint8Array.prototype);
  assert.deepStrictEqual([...back], [...Buffer.from('hi there')]);
});

test('ArrayBuffer and DataView round-trip as copies', () => {
  const ab = new Uint8Array([1, 2, 3, 4, 5]).buffer;
  const abBack = roundTrip(ab);
  assert.ok(abBack instanceof ArrayBuffer);
  assert.deepStrictEqual(new Uint8Array(abBack), new Uint8Array(ab));
  const dv = new DataView(new Uint8Array([9, 8, 7, 6, 5, 4]).buffer, 1, 3);
  const dvBack = roundTrip(dv);
  assert.ok(dvBack instanceof DataView);
  assert.equal(dvBack.byteOffset, 0);
  assert.deepStrictEqual([...new Uint8Array(dvBack.buffer)], [8, 7, 6]);
});

test('everything nests', () => {
  same({
    a: [new Map<unknown, unknown>([['m', new Set([new Date(5), 1n << 80n])]]), new Float32Array([1, 2])],
    b: { c: { d: [null, undefined, true, -0.5, 'ß', new Uint8Array([1])] } },
    e: new Map([[{ k: [1] }, { v: new BigInt64Array([5n]) }]]),
  });
});

// ---------------------------------------------------------------- Writer, Reader, frames

test('Writer.shrink gives back a grown buffer only when empty, and the Writer still works after', () => {
  const w = new Writer(64);
  w.bytes(new Uint8Array(10_000).fill(7));
  assert.ok(w.capacity >= 10_000);
  w.shrink(64);
  assert.ok(w.capacity >= 10_000, 'not while it holds bytes');
  w.reset();
  w.shrink(64);
  assert.equal(w.capacity, 64);
  w.str('after');
  w.bytes(new Uint8Array(200).fill(3));
  const r = new Reader(w.view());
  assert.equal(r.str(), 'after');
  assert.deepEqual([...r.bytes(200)], new Array(200).fill(3));
});

test('Writer and Reader primitives round-trip', () => {
  const w = new Writer(16);
  w.u8(200);
  w.u16(60_000);
  w.u32(4_000_000_000);
  w.i32(-5);
  w.f64(-1.25);
  w.bytes(new Uint8Array([1, 2, 3]));
  w.str('héllo');
  w.str('');
  const at = w.reserveU32();
  w.u8(9);
  w.patchU32(at, 1234);
  const r = new Reader(w.view());
  assert.equal(r.u8(), 200);
  assert.equal(r.u16(), 60_000);
  assert.equal(r.u32(), 4_000_000_000);
  assert.equal(r.i32(), -5);
  assert.equal(r.f64(), -1.25);
  assert.deepStrictEqual([...r.bytes(3)], [1, 2, 3]);
  assert.equal(r.str(), 'héllo');
  assert.equal(r.str(), '');
  assert.equal(r.u32(), 1234);
  assert.equal(r.u8(), 9);
  assert.equal(r.pos, r.end);
  w.reset();
  assert.equal(w.pos, 0);
  assert.equal(w.view().length, 0);
});

test('Reader.bytes returns a copy, not a view on the frame', () => {
  const frame = new Uint8Array([1, 2, 3, 4]);
  const r = new Reader(frame, 1, 3);
  const b = r.bytes(2);
  frame.fill(0);
  assert.deepStrictEqual([...b], [2, 3]);
  assert.ok(!(b.buffer instanceof SharedArrayBuffer));
});

test('Writer grows far past its initial capacity and keeps earlier bytes', () => {
  const w = new Writer(16);
  w.u32(0xdeadbeef);
  const big = { data: new Float64Array(200_000).map((_, i) => i), text: 'y'.repeat(100_000), list: Array.from({ length: 5000 }, (_, i) => ({ i })) };
  encodeValue(w, big);
  assert.ok(w.buf.length >= w.pos && w.pos > 1_700_000);
  const r = new Reader(w.view());
  assert.equal(r.u32(), 0xdeadbeef);
  assert.deepStrictEqual(decodeValue(r), big);
  assert.equal(r.pos, r.end);
});

test('many values back to back in one Writer decode in order (aggregated frame)', () => {
  const w = new Writer(64);
  const values = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? { from: i % 8, idx: i } : i % 3 === 1 ? `s${i}` : [i, -i]));
  for (const v of values) encodeValue(w, v);
  const r = new Reader(w.view());
  const out: unknown[] = [];
  while (r.pos < r.end) out.push(decodeValue(r));
  assert.deepStrictEqual(out, values);
});

test('frames are decoded straight out of a SharedArrayBuffer, at an unaligned offset', () => {
  const value = {
    short: 'abc',
    long: 'a fairly long ASCII string, longer than the short path',
    utf: 'ünïcödé ✓ 😀',
    nums: new Float64Array([1.5, 2.5]),
    ints: new Int16Array([-1, 2]),
    nested: [{ k: 'v' }],
  };
  const bytes = encodeToBytes(value);
  const sab = new SharedArrayBuffer(bytes.length + 16);
  const ring = new Uint8Array(sab);
  ring.set(bytes, 7);
  const r = new Reader(ring, 7, 7 + bytes.length);
  const back = decodeValue(r) as typeof value;
  assert.deepStrictEqual(back, value);
  assert.ok(back.nums.buffer instanceof ArrayBuffer);
  assert.ok(back.ints.buffer instanceof ArrayBuffer);
  ring.fill(0);
  assert.deepStrictEqual(back, value);
  const w = new Writer();
  w.str('Grüße aus dem Ring, long enough to go native');
  w.str('ok');
  const sab2 = new SharedArrayBuffer(w.pos);
  new Uint8Array(sab2).set(w.view());
  const r2 = new Reader(new Uint8Array(sab2));
  assert.equal(r2.str(), 'Grüße aus dem Ring, long enough to go native');
  assert.equal(r2.str(), 'ok');
});

test('Reader accepts a Buffer and still copies', () => {
  const buf = Buffer.from(encodeToBytes(new Uint8Array([5, 6])));
  const back = new Reader(buf);
  const u = decodeValue(back) as Uint8Array;
  buf.fill(0);
  assert.deepStrictEqual([...u], [5, 6]);
});

test('encoding is deterministic', () => {
  const make = (): unknown => ({ a: [1, 2.5, 'x', 10n ** 30n], m: new Map([['k', new Set([1])]]), d: new Date(7) });
  assert.deepStrictEqual(encodeToBytes(make()), encodeToBytes(make()));
  const nan1 = new Float64Array([NaN]);
  new DataView(nan1.buffer).setUint32(0, 0x12345, true); // a different NaN payload
  assert.ok(Number.isNaN(nan1[0]!));
  assert.deepStrictEqual(encodeToBytes(nan1[0]), encodeToBytes(NaN));
});

test('Reader rejects a range outside its buffer', () => {
  throwsCode(() => new Reader(new Uint8Array(4), 2, 8), ErrorCode.INVALID_ARGUMENT);
  throwsCode(() => new Reader(new Uint8Array(4), 3, 2), ErrorCode.INVALID_ARGUMENT);
});

// ---------------------------------------------------------------- ref codecs

class Handle {
  constructor(readonly id: number, readonly owner: string) {}
}

interface FakeRuntime {
  pe: string;
  handles: Map<number, Handle>;
}

registerRefCodec<Handle>({
  name: 'test.Handle',
  ctor: Handle,
  encode(w, h) {
    w.u32(h.id);
  },
  decode(r, ctx) {
    const rt = ctx as FakeRuntime;
    const id = r.u32();
    let h = rt.handles.get(id);
    if (h === undefined) rt.handles.set(id, (h = new Handle(id, rt.pe)));
    return h;
  },
});

/** A codec whose payload is itself a serde value: decoding re-enters decodeValue mid-object. */
class Tagged {
  constructor(readonly meta: Record<string, unknown>) {}
}
registerRefCodec<Tagged>({
  name: 'test.Tagged',
  ctor: Tagged,
  encode(w, t) {
    encodeValue(w, t.meta, 'Tagged meta', 'meta');
  },
  decode(r, ctx) {
    return new Tagged(decodeValue(r, ctx) as Record<string, unknown>);
  },
});

test('a registered class is encoded by its codec and decoded through ctx to the receiver handle', () => {
  const rt: FakeRuntime = { pe: 'receiver', handles: new Map() };
  const bytes = encodeToBytes({ region: new Handle(7, 'sender'), list: [new Handle(8, 'sender')] });
  const back = decodeFromBytes(bytes, rt) as { region: Handle; list: Handle[] };
  assert.ok(back.region instanceof Handle);
  assert.equal(back.region.id, 7);
  assert.equal(back.region.owner, 'receiver');
  assert.equal(back.region, rt.handles.get(7));
  assert.equal(back.list[0], rt.handles.get(8));
  // Wire layout: REF tag, then the id (a hash of the name, equal on every PE), then the payload.
  const one = encodeToBytes(new Handle(3, 'x'));
  assert.equal(one[0], tags.REF);
  assert.equal(new DataView(one.buffer).getUint32(1, true), refCodecId('test.Handle'));
  assert.equal(one.length, 9);
});

test('ctx reaches ref codecs through decodeValue on a Reader, and nested decodes keep their place', () => {
  const rt: FakeRuntime = { pe: 'r2', handles: new Map() };
  const w = new Writer();
  for (let i = 0; i < 30; i++) {
    encodeValue(w, { before: i, t: new Tagged({ x: i, h: new Handle(i, 's') }), after: `a${i}` });
  }
  const r = new Reader(w.view());
  for (let i = 0; i < 30; i++) {
    const v = decodeValue(r, rt) as { before: number; t: Tagged; after: string };
    assert.equal(v.before, i);
    assert.equal(v.after, `a${i}`);
    assert.ok(v.t instanceof Tagged);
    assert.equal(v.t.meta.x, i);
    assert.equal(v.t.meta.h, rt.handles.get(i));
  }
});

test('registering a duplicate name, a taken class or a built-in is INVALID_ARGUMENT', () => {
  class Other {}
  const codec = { encode() {}, decode: () => new Other() };
  throwsCode(() => registerRefCodec({ name: 'test.Handle', ctor: Other, ...codec }), ErrorCode.INVALID_ARGUMENT);
  throwsCode(() => registerRefCodec({ name: 'test.Handle2', ctor: Handle, encode() {}, decode: () => new Handle(0, '') }), ErrorCode.INVALID_ARGUMENT);
  throwsCode(() => registerRefCodec({ name: 'test.Map', ctor: Map, encode() {}, decode: () => new Map() }), ErrorCode.INVALID_ARGUMENT);
  throwsCode(() => registerRefCodec({ name: '', ctor: Other, ...codec }), ErrorCode.INVALID_ARGUMENT);
});

test('a subclass of a registered class is not matched (exact constructor)', () => {
  class SubHandle extends Handle {}
  const e = serializeError({ h: new SubHandle(1, 'x') });
  assert.equal(e.details?.path, 'args.h');
  assert.match(e.message, /an instance of class SubHandle/);
});

test('a ref codec that throws while encoding becomes SERIALIZE with the path and the cause', () => {
  class Fragile {}
  const boom = new Error('region was freed');
  registerRefCodec<Fragile>({
    name: 'test.Fragile',
    ctor: Fragile,
    encode() {
      throw boom;
    },
    decode: () => new Fragile(),
  });
  const w = new Writer();
  w.u8(1);
  const e = throwsCode(() => encodeValue(w, { ok: 1, f: new Fragile() }, 'result of AM x', 'result'), ErrorCode.SERIALIZE);
  assert.equal(e.details?.path, 'result.f');
  assert.match(e.message, /result of AM x/);
  assert.match(e.message, /region was freed/);
  assert.equal(e.cause, boom);
  assert.equal(w.pos, 1);
});

test("a ref codec's coded error (a released handle) keeps its code, gains the path, and lists nothing sendable", () => {
  class Released {}
  const gone = new LamellarError(ErrorCode.USE_AFTER_RELEASE, 'this Darc handle was released', { details: { label: 'Darc' } });
  registerRefCodec<Released>({
    name: 'test.Released',
    ctor: Released,
    encode() {
      throw gone;
    },
    decode: () => new Released(),
  });
  const w = new Writer();
  w.u8(1);
  const e = throwsCode(() => encodeValue(w, { ok: 1, list: [2, new Released()] }, "argument of AM 'hello'"), ErrorCode.USE_AFTER_RELEASE);
  assert.equal(e.message, "cannot send argument of AM 'hello': args.list[1]: this Darc handle was released");
  assert.deepEqual(e.details, { label: 'Darc', path: 'args.list[1]' });
  assert.equal(e.cause, gone);
  assert.equal(w.pos, 1, 'the writer is rewound');
  // A plain Error from a codec is still SERIALIZE, without the list of sendable classes.
  class Broken {}
  registerRefCodec<Broken>({
    name: 'test.Broken',
    ctor: Broken,
    encode() {
      throw new Error('disk on fire');
    },
    decode: () => new Broken(),
  });
  const s = throwsCode(() => encodeToBytes({ b: new Broken() }), ErrorCode.SERIALIZE);
  assert.match(s.message, /args\.b is an instance of class Broken whose ref codec 'test\.Broken' failed: disk on fire$/);
});

test('an Array subclass is refused and an array with its own constructor key is still an array', () => {
  class Pair extends Array<number> {}
  const e = serializeError([Pair.from([1, 2])]);
  assert.equal(e.details?.path, 'args[0]');
  const odd = Object.assign([1, 2], { constructor: 'x' });
  assert.deepEqual(decodeFromBytes(encodeToBytes(odd)), [1, 2]);
});

test('an unknown ref codec id is DESERIALIZE', () => {
  const bytes = new Uint8Array([tags.REF, 0x78, 0x56, 0x34, 0x12]);
  const e = throwsCode(() => decodeFromBytes(bytes), ErrorCode.DESERIALIZE);
  assert.match(e.message, /unknown ref codec id 0x12345678/);
});

// ---------------------------------------------------------------- encode errors

test('a function names the label, the JS path and what it is', () => {
  const e = serializeError({ items: [1, 2, { cb: () => 1 }] });
  assert.equal(e.details?.path, 'args.items[2].cb');
  assert.equal(e.details?.label, "argument of AM 'hello'");
  assert.match(e.message, /argument of AM 'hello'/);
  assert.match(e.message, /args\.items\[2\]\.cb is a function/);
});

test('unsupported values are refused with a description', () => {
  class Foo {}
  const cases: [unknown, string, RegExp][] = [
    [Symbol('s'), 'args', /a symbol \(Symbol\(s\)\)/],
    [{ w: new WeakMap() }, 'args.w', /an instance of class WeakMap/],
    [[Promise.resolve(1)], 'args[0]', /an instance of class Promise/],
    [{ 'odd key': new Foo() }, 'args["odd key"]', /an instance of class Foo/],
    [{ re: /x/ }, 'args.re', /an instance of class RegExp/],
    [{ e: Object.assign(new Error('x'), { f: () => 1 }) }, 'args.e.f', /a function/],
    [{ e: new Error('x', { cause: new WeakMap() }) }, 'args.e.cause', /an instance of class WeakMap/],
    [{ n: Object(1) as unknown }, 'args.n', /an instance of class Number/],
    [{ s: new SharedArrayBuffer(8) }, 'args.s', /a SharedArrayBuffer/],
    [{ t: new (class MyF64 extends Float64Array {})(2) }, 'args.t', /an instance of class MyF64/],
    [{ o: Object.create({ inherited: 1 }) as unknown }, 'args.o', /non-plain prototype/],
    [new Set([1, () => 2]), 'args.<Set element #1>', /a function/],
    [new Map([['k', Symbol('v')]]), 'args.<Map value for key "k">', /a symbol/],
    [new Map([[2, () => 0]]), 'args.<Map value for key 2>', /a function/],
    [new Map([[{}, () => 0]]), 'args.<Map value #0>', /a function/],
    [new Map([[() => 0, 1]]), 'args.<Map key #0>', /a function/],
  ];
  for (const [value, path, what] of cases) {
    const e = serializeError(value);
    assert.equal(e.details?.path, path, e.message);
    assert.match(e.message, what);
  }
});

test('checkValue accepts exactly what the encoder accepts, and refuses with the same error', () => {
  class Foo {}
  const cyclic: unknown[] = [1];
  cyclic.push(cyclic);
  let deep: unknown = 0;
  for (let i = 0; i < tags.MAX_DEPTH + 1; i++) deep = [deep];
  let deepest: unknown = 0;
  for (let i = 0; i < tags.MAX_DEPTH; i++) deepest = { x: deepest };
  const values: unknown[] = [
    1, -0, NaN, 'text', true, undefined, null, 12n, 2n ** 100n,
    { a: [1, { b: 'c' }] }, Object.create(null) as unknown, new Array<unknown>(3), new Date(0), new ArrayBuffer(4),
    new DataView(new ArrayBuffer(2)), new Float64Array(new SharedArrayBuffer(16)), Buffer.from('ab'),
    new Map<unknown, unknown>([[{ k: 1 }, new Set([1n, 'x'])]]), deepest,
    Symbol('s'), () => 1, { f: () => 1 }, [new Foo()], new WeakMap(), new SharedArrayBuffer(8), /x/,
    new (class MyF64 extends Float64Array {})(2), new (class MyArray extends Array {})(), Object.create({ inherited: 1 }) as unknown,
    new Map([[1, () => 0]]), new Set([Symbol('t')]), cyclic, deep,
    { list: [1, { get x(): number { throw new Error('getter exploded'); } }] },
  ];
  for (const v of values) {
    let encoded: unknown;
    try {
      encodeToBytes(v, 'x');
    } catch (e) {
      encoded = e;
    }
    let checked: unknown;
    try {
      checkValue(v, 'x');
    } catch (e) {
      checked = e;
    }
    assert.equal(checked === undefined, encoded === undefined, `${String(encoded ?? checked)}`);
    if (encoded !== undefined) {
      assert.equal((checked as LamellarError).code, ErrorCode.SERIALIZE);
      assert.equal((checked as LamellarError).message, (encoded as LamellarError).message);
    }
  }
});

test('the root name of the path can be chosen (e.g. result)', () => {
  const w = new Writer();
  const e = throwsCode(() => encodeValue(w, { a: [() => 0] }, "result of AM 'hello'", 'result'), ErrorCode.SERIALIZE);
  assert.equal(e.details?.path, 'result.a[0]');
});

test('circular references are SERIALIZE naming the path, not a stack overflow', () => {
  const o: Record<string, unknown> = { a: { b: {} } };
  (o.a as { b: Record<string, unknown> }).b.back = o.a;
  const e1 = serializeError(o);
  assert.equal(e1.details?.path, 'args.a.b.back');
  assert.match(e1.message, /circular reference \(back to args\.a\)/);
  const arr: unknown[] = [1];
  arr.push(arr);
  assert.equal(serializeError(arr).details?.path, 'args[1]');
  const m = new Map<string, unknown>();
  m.set('self', { m });
  assert.equal(serializeError(m).details?.path, 'args.<Map value for key "self">.m');
});

test('nesting deeper than MAX_DEPTH without a cycle is SERIALIZE', () => {
  let deep: unknown = 0;
  for (let i = 0; i < tags.MAX_DEPTH + 5; i++) deep = [deep];
  const e = serializeError(deep);
  assert.match(e.message, /nested more than 1000 levels deep/);
  let ok: unknown = 0;
  for (let i = 0; i < tags.MAX_DEPTH; i++) ok = { x: ok };
  assert.deepStrictEqual(roundTrip(ok), ok);
});

test('a failed encode restores Writer.pos so earlier values in the buffer stay intact', () => {
  const w = new Writer(32);
  encodeValue(w, { first: 1 });
  const before = w.pos;
  const big = 'x'.repeat(5000);
  throwsCode(() => encodeValue(w, { big, list: [1, 2, 3], bad: [new WeakSet()] }), ErrorCode.SERIALIZE);
  assert.equal(w.pos, before);
  encodeValue(w, { second: 2 });
  const r = new Reader(w.view());
  assert.deepStrictEqual(decodeValue(r), { first: 1 });
  assert.deepStrictEqual(decodeValue(r), { second: 2 });
  assert.equal(r.pos, r.end);
});

test('a getter that throws is reported as SERIALIZE with the original error as cause', () => {
  const boom = new Error('getter exploded');
  const o = {
    get x(): number {
      throw boom;
    },
  };
  const e = serializeError(o);
  assert.equal(e.cause, boom);
  assert.match(e.message, /getter exploded/);
  // Named at its own path, with what, as any other problem (it said only "args").
  const nested = serializeError({ list: [1, o] });
  assert.equal(nested.cause, boom);
  assert.match(nested.message, /args\.list\[1\]\.x is a property whose getter threw \(getter exploded\)/);
  assert.equal((nested.details as { path?: string }).path, 'args.list[1].x');
  assert.equal((nested.details as { what?: string }).what, 'a property whose getter threw (getter exploded)');
});

// ---------------------------------------------------------------- decode errors

const CORPUS: unknown[] = [
  0, -5, 1000, -0, 3.5, 'hi', 'x'.repeat(40), 'é'.repeat(200), 2n ** 100n, -7n, true, null, undefined,
  { from: 3, idx: 42, val: 3.14159, tag: 'hello' }, [1, [2, [3]]], new Map([[1, { a: 'b' }]]), new Set(['s']),
  new Date(1), new Float64Array([1, 2]), new Uint8Array([1]).buffer, new DataView(new ArrayBuffer(3)),
  Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])), Object.create(null) as unknown,
  new Handle(1, 'x'),
];

test('every truncation of a valid encoding is DESERIALIZE', () => {
  const rt: FakeRuntime = { pe: 'p', handles: new Map() };
  for (const v of CORPUS) {
    const bytes = encodeToBytes(v);
    for (let n = 0; n < bytes.length; n++) {
      throwsCode(() => decodeFromBytes(bytes.subarray(0, n), rt), ErrorCode.DESERIALIZE);
    }
  }
});

test('reserved tags, bad counts, bad kinds and bad keys are DESERIALIZE', () => {
  const bad: number[][] = [
    [0xd4],
    [0xdf],
    [tags.ARR32, 0xff, 0xff, 0xff, 0xff], // 4 billion elements in 0 bytes: refused before allocating
    [tags.MAP, 0xff, 0xff, 0xff, 0x0f, 0, 0],
    [tags.STR32, 0xff, 0xff, 0xff, 0xff, 0x41],
    [tags.TYPED_ARRAY, 99, 0, 0, 0, 0],
    [tags.TYPED_ARRAY, 8, 7, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7], // 7 bytes is not whole Float64 elements
    [tags.FIXOBJ | 1, 0x01, 0x01], // key is not a string
    [tags.BIGINT_BIG, 2, 0, 0, 0, 0],
    [tags.FIXARR | 2, 1], // truncated inside a container
  ];
  for (const bytes of bad) {
    throwsCode(() => decodeFromBytes(new Uint8Array(bytes)), ErrorCode.DESERIALIZE);
  }
});

test('trailing bytes after the value are DESERIALIZE in decodeFromBytes', () => {
  const e = throwsCode(() => decodeFromBytes(new Uint8Array([1, 2])), ErrorCode.DESERIALIZE);
  assert.match(e.message, /1 trailing byte/);
  assert.equal(e.details?.offset, 1);
});

test('deeply nested input is DESERIALIZE, not a stack overflow', () => {
  const bytes = new Uint8Array(100_001).fill(tags.FIXARR | 1);
  bytes[100_000] = 0;
  throwsCode(() => decodeFromBytes(bytes), ErrorCode.DESERIALIZE);
});

test('a RangeError inside a ref codec decode is wrapped as DESERIALIZE', () => {
  class Raw {}
  registerRefCodec<Raw>({
    name: 'test.Raw',
    ctor: Raw,
    encode(w) {
      w.u8(1);
    },
    decode(r) {
      r.dv.getFloat64(r.buf.length + 8);
      return new Raw();
    },
  });
  const e = throwsCode(() => decodeFromBytes(encodeToBytes(new Raw())), ErrorCode.DESERIALIZE);
  assert.ok(e.cause instanceof RangeError);
});

test('random and bit-flipped input never escapes as anything but DESERIALIZE', () => {
  const rand = rng(12345);
  const rt: FakeRuntime = { pe: 'p', handles: new Map() };
  const check = (bytes: Uint8Array): void => {
    try {
      decodeFromBytes(bytes, rt);
    } catch (e) {
      assert.ok(e instanceof LamellarError && e.code === ErrorCode.DESERIALIZE, `unexpected ${String(e)}`);
    }
  };
  for (let i = 0; i < 3000; i++) {
    const bytes = new Uint8Array(1 + Math.floor(rand() * 40));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
    check(bytes);
  }
  for (const v of CORPUS) {
    const good = encodeToBytes(v);
    for (let i = 0; i < 50; i++) {
      const bytes = good.slice();
      const at = Math.floor(rand() * bytes.length);
      bytes[at] = bytes[at]! ^ (1 << Math.floor(rand() * 8));
      check(bytes);
    }
  }
});

test('a failure inside a nested ref codec encode reports both paths and calls no codec twice', () => {
  let calls = 0;
  class Counted {
    constructor(readonly inner: unknown) {}
  }
  registerRefCodec<Counted>({
    name: 'test.Counted',
    ctor: Counted,
    encode(w, c) {
      calls++;
      encodeValue(w, c.inner, 'Counted payload', 'inner');
    },
    decode: (r, ctx) => new Counted(decodeValue(r, ctx)),
  });
  const e = serializeError({ list: [new Counted(1), new Counted({ f: () => 0 })] });
  assert.equal(e.details?.path, 'args.list[1]');
  assert.match(e.message, /ref codec 'test.Counted' failed: cannot serialize Counted payload: inner\.f is a function/);
  assert.equal(calls, 2);
  assert.deepStrictEqual((roundTrip(new Counted([1, 'x'])) as Counted).inner, [1, 'x']);
});

test('keys that share a key-cache slot, and thousands of distinct keys, decode correctly', () => {
  // Same length and same sampled bytes (ends, quarters, middle): only byte 2 differs.
  const w = new Writer();
  const values: unknown[] = [];
  for (let i = 0; i < 40; i++) {
    values.push({ abcdef: i }, { abXdef: -i }, { ['ключ' + (i % 3)]: i, '😀': [i] });
  }
  for (let i = 0; i < 5000; i++) values.push({ [`key_${i}`]: i, [`other_${i % 7}`]: 'v' });
  for (const v of values) encodeValue(w, v);
  const r = new Reader(w.view());
  for (const v of values) assert.deepStrictEqual(decodeValue(r), v);
});

test('a Writer with gatherMin keeps large byte runs by reference, and its parts decode like a copied encoding', () => {
  const big = new Float64Array(10_000).map((_, i) => i / 3);
  const shared = new Uint8Array(new SharedArrayBuffer(70_000), 0, 70_000).fill(9);
  const value = { a: 'x', big, small: new Uint8Array([1, 2, 3]), buf: new ArrayBuffer(5000), shared: shared.subarray(100) };
  const w = new Writer(64);
  w.gatherMin = 4096;
  w.u8(0xee);
  encodeValue(w, value);
  // Three runs at least 4096 bytes (big, buf, shared) are referenced; the small array is copied.
  assert.equal(w.gathered.length, 6);
  const parts = w.parts();
  assert.equal(parts.reduce((n, p) => n + p.length, 0), w.pos);
  assert.ok(parts.some((p) => p.buffer === big.buffer), 'the Float64Array went by reference');
  assert.ok(parts.some((p) => p.buffer === shared.buffer), 'the shared view went by reference');
  const joined = Buffer.concat(parts);
  const plain = new Writer(64);
  plain.u8(0xee);
  encodeValue(plain, value);
  assert.equal(plain.gathered.length, 0);
  assert.deepEqual(new Uint8Array(joined), plain.view(), 'same bytes as a Writer that copies');
  const r = new Reader(new Uint8Array(joined), 1);
  const back = decodeValue(r) as typeof value;
  assert.deepEqual(back.big, big);
  assert.deepEqual(back.small, value.small);
  assert.equal(back.buf.byteLength, 5000);
  assert.ok(back.shared.length === 69_900 && back.shared.every((b) => b === 9) && !(back.shared.buffer instanceof SharedArrayBuffer));
});

test('rewinding or resetting a gathering Writer forgets the runs it cuts off', () => {
  const w = new Writer(64);
  w.gatherMin = 1000;
  encodeValue(w, new Uint8Array(2000));
  const mark = w.pos;
  encodeValue(w, new Uint8Array(3000));
  assert.equal(w.gathered.length, 4);
  w.rewind(mark);
  assert.equal(w.gathered.length, 2);
  assert.deepEqual(w.parts().map((p) => p.length), [6, 2000]);
  assert.deepEqual(decodeValue(new Reader(new Uint8Array(Buffer.concat(w.parts())))), new Uint8Array(2000));
  // A failed encode rewinds too: nothing of it is left referenced.
  throwsCode(() => encodeValue(w, { data: new Uint8Array(5000), cb: () => 1 }), ErrorCode.SERIALIZE);
  assert.equal(w.pos, mark);
  assert.equal(w.gathered.length, 2);
  w.reset();
  assert.equal(w.gathered.length, 0);
  assert.deepEqual(w.parts(), []);
});

test('an object of 16 keys and more keeps the runs a gathering Writer holds by reference in place', () => {
  for (const keys of [15, 16, 40]) {
    const value: Record<string, unknown> = {};
    for (let i = 0; i < keys; i++) value[`k${i}`] = i;
    value.k3 = new Float64Array(10_000).map((_, i) => i / 7);
    value[`k${keys - 1}`] = new Uint8Array(70_000).fill(5);
    // Nested: the inner object's shift, then the outer one's, both move the runs.
    const outer: Record<string, unknown> = { inner: value, tail: new Uint32Array(5000).fill(3) };
    for (let i = 0; i < 20; i++) outer[`o${i}`] = `v${i}`;
    const w = new Writer(64);
    w.gatherMin = 4096;
    encodeValue(w, [outer, 'after']);
    assert.equal(w.gathered.length, 6, `${keys} keys: three runs by reference`);
    const back = decodeFromBytes(new Uint8Array(Buffer.concat(w.parts())));
    assert.deepStrictEqual(back, [outer, 'after'], `${keys} keys`);
  }
});
