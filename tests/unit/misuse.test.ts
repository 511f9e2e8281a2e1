/**
 * Misuse detected at the call (issue #11): configuration values out of their sane range, a frame
 * limit below the aggregation threshold, a short job secret; what an AM may throw, made safe to
 * send; and the launcher's board refusing initWorld() after a PE ended without one.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, parseConfig, PeState, RemoteAmError } from '../../src/core/index.js';
import { cut, cutMiddle, MAX_MESSAGE, MAX_STACK, toWireError } from '../../src/am/thrown.js';
import { boardMonitor, createBoard, markGone } from '../../src/launcher/board.js';
import { defineAm } from '../../src/am/define.js';
import { AmGroup, TaskGroup } from '../../src/am/group.js';
import { TypedAmGroup } from '../../src/am/typed-group.js';

const CONFIG = { code: ErrorCode.CONFIG };

describe('configuration values out of range are refused, with the range in the message', () => {
  const bad: [string, string, RegExp][] = [
    ['LAMELLAR_SPIN_US', '1e12', /LAMELLAR_SPIN_US must be a number in \[0, 100000\], got '1e12'/],
    ['LAMELLAR_SPIN_US', '-1', /\[0, 100000\]/],
    ['LAMELLAR_DEADLOCK_TIMEOUT', '1e9', /LAMELLAR_DEADLOCK_TIMEOUT must be a number in \[0\.001, 2147483\]/],
    ['LAMELLAR_DEADLOCK_TIMEOUT', 'NaN', /LAMELLAR_DEADLOCK_TIMEOUT/],
    ['LAMELLAR_RENDEZVOUS_TIMEOUT', 'Infinity', /LAMELLAR_RENDEZVOUS_TIMEOUT must be a number in \[0\.001, 2147483\]/],
    ['LAMELLAR_PEER_TIMEOUT', '0.5', /LAMELLAR_PEER_TIMEOUT must be a number in \[1, 86400\]/],
    ['LAMELLAR_PEER_TIMEOUT', '1e6', /\[1, 86400\]/],
    ['LAMELLAR_AM_SIZE_THRESHOLD', '12', /LAMELLAR_AM_SIZE_THRESHOLD must be an integer in \[64, 1073741824\]/],
    ['LAMELLAR_HEAP_SIZE', '1e10', /LAMELLAR_HEAP_SIZE must be an integer in \[65536, 4294967296\]/],
    ['LAMELLAR_SHMEM_RING_SIZE', '100', /LAMELLAR_SHMEM_RING_SIZE must be an integer in \[4096, 1073741824\]/],
    ['LAMELLAR_MAX_FRAME', '10', /LAMELLAR_MAX_FRAME must be an integer in \[1024, 2147483647\]/],
    ['LAMELLAR_OUTPUT_PREFIX', 'maybe', /LAMELLAR_OUTPUT_PREFIX must be 1 or 0/],
    ['LAMELLAR_MALLOC_TUNING', '2', /LAMELLAR_MALLOC_TUNING must be 1 or 0/],
    ['LAMELLAR_AM_STACKS', 'sometimes', /LAMELLAR_AM_STACKS must be 1 or 0/],
    ['LAMELLAR_TLS', 'strong', /LAMELLAR_TLS must be 1, 0 or auto/],
    ['LAMELLAR_OUTPUT_PREFIX', 'yes', /LAMELLAR_OUTPUT_PREFIX must be 1 or 0, got 'yes'/],
    ['LAMELLAR_NUM_PES', '70000', /LAMELLAR_NUM_PES must be an integer in \[1, 65535\]/],
  ];
  for (const [name, value, message] of bad) {
    test(`${name}=${value}`, () => {
      assert.throws(() => parseConfig({ [name]: value }), (e: Error & { code?: string; details?: Record<string, unknown> }) => {
        assert.equal(e.code, ErrorCode.CONFIG);
        assert.match(e.message, message);
        assert.equal(e.details?.['variable'], name);
        return true;
      });
    });
  }

  test('values at the ends of each range are accepted', () => {
    const c = parseConfig({ LAMELLAR_SPIN_US: '100000', LAMELLAR_DEADLOCK_TIMEOUT: '2147483', LAMELLAR_PEER_TIMEOUT: '1', LAMELLAR_OUTPUT_PREFIX: '1', LAMELLAR_MALLOC_TUNING: '0' });
    assert.equal(c.spinMicros, 100000);
    assert.equal(c.deadlockTimeoutSecs, 2147483);
    assert.equal(c.peerTimeoutSecs, 1);
    assert.equal(c.outputPrefix, true);
    assert.equal(c.mallocTuning, false);
    assert.equal(parseConfig({}).tls, 'auto');
    assert.equal(parseConfig({ LAMELLAR_TLS: '1' }).tls, 'on');
    assert.equal(parseConfig({ LAMELLAR_TLS: '0' }).tls, 'off');
    assert.equal(parseConfig({ LAMELLAR_TLS: 'auto' }).tls, 'auto');
    assert.equal(parseConfig({ LAMELLAR_AM_STACKS: '1' }).amStacks, true);
  });

  test('LAMELLAR_MAX_FRAME below twice the aggregation threshold is refused at start-up, naming both', () => {
    assert.throws(() => parseConfig({ LAMELLAR_MAX_FRAME: '100000' }), (e: Error & { code?: string }) => {
      assert.equal(e.code, ErrorCode.CONFIG);
      assert.match(e.message, /LAMELLAR_MAX_FRAME \(100000\) must be at least twice LAMELLAR_AM_SIZE_THRESHOLD \(65536\) plus 64, i\.e\. at least 131136/);
      return true;
    });
    assert.equal(parseConfig({ LAMELLAR_MAX_FRAME: '100000', LAMELLAR_AM_SIZE_THRESHOLD: '8192' }).maxFrame, 100000);
    assert.throws(() => parseConfig({ LAMELLAR_MAX_FRAME: '1024', LAMELLAR_AM_SIZE_THRESHOLD: '1024' }), CONFIG);
  });

  test('a job secret shorter than 16 characters is refused; the secret is not echoed', () => {
    for (const s of ['x', 'abc', '0123456789abcde']) {
      assert.throws(() => parseConfig({ LAMELLAR_JOB_SECRET: s }), (e: Error & { code?: string }) => {
        assert.equal(e.code, ErrorCode.CONFIG);
        assert.match(e.message, new RegExp(`LAMELLAR_JOB_SECRET must be at least 16 characters \\(got ${s.length}\\)`));
        assert.ok(!e.message.includes(`'${s}'`));
        return true;
      });
    }
    assert.equal(parseConfig({ LAMELLAR_JOB_SECRET: '0123456789abcdef' }).jobSecret, '0123456789abcdef');
  });
});

describe('toWireError: anything an AM throws becomes a bounded record of strings, and never throws', () => {
  const hostile: [string, () => unknown, RegExp][] = [
    ['null', () => null, /threw null, not an Error: null/],
    ['undefined', () => undefined, /threw undefined, not an Error: undefined/],
    ['a symbol', () => Symbol('s1'), /Symbol\(s1\)/],
    ['a null-prototype object', () => Object.assign(Object.create(null) as object, { k: 1 }), /null prototype.*k: 1/],
    ['a cyclic object', () => { const o: Record<string, unknown> = { k: 2 }; o['me'] = o; return o; }, /Circular/],
    ['a Proxy whose traps throw', () => new Proxy({}, { get() { throw new Error('x'); }, getPrototypeOf() { throw new Error('x'); } }), /Proxy|object/],
    ['an Error whose message is a function', () => Object.defineProperty(new Error('m'), 'message', { value: function hostile() {} }), /its message is a function: \[function hostile\]/],
    ['an Error whose message getter throws', () => Object.defineProperty(new Error('m'), 'message', { get() { throw new Error('g'); } }), /reading its message threw/],
  ];
  for (const [what, make, message] of hostile) {
    test(what, () => {
      const e = toWireError(make());
      assert.equal(typeof e.name, 'string');
      assert.equal(typeof e.stack, 'string');
      assert.match(e.message, message);
    });
  }

  test('an Error whose name is a symbol keeps the symbol as text', () => {
    const e = toWireError(Object.defineProperty(new Error('m'), 'name', { value: Symbol('nm') }));
    assert.match(e.name, /Symbol\(nm\)/);
  });

  test('a code is kept when it is a string', () => {
    assert.equal(toWireError(Object.assign(new Error('m'), { code: 'E_X' })).code, 'E_X');
    assert.equal(toWireError(Object.assign(new Error('m'), { code: 7 })).code, undefined);
  });

  test('huge messages and stacks are cut, saying how much, without splitting a surrogate pair', () => {
    const e = toWireError(new Error('y'.repeat(1 << 20)));
    assert.ok(e.message.length < 17 * 1024);
    assert.match(e.message, / … \[truncated: \d+ more characters\]$/);
    const s = cut(`${'a'.repeat(99)}😀${'b'.repeat(200)}`, 164);
    assert.ok(!/[\ud800-\udbff] …/.test(s), 'no lone high surrogate before the mark');
  });
});

describe('a failure passed up a chain of AMs (am/thrown.ts)', () => {
  /** What the caller of an AM gets when the AM awaited one that failed and let the error through: the chain of `depth` AMs. */
  function chain(depth: number, launched?: string): RemoteAmError {
    let e = new RemoteAmError(0, 'down', 'Error', 'leaf failed', 'Error: leaf failed\n    at leaf (/app/down.ts:3:22)', launched);
    for (let k = 1; k < depth; k++) {
      const w = toWireError(e);
      e = new RemoteAmError(k % 2, 'down', w.name, w.message, w.stack, launched, w.code);
    }
    return e;
  }

  test('each level heads its part with its AM, PE and launch site only; the stack grows linearly and keeps the line that threw', () => {
    const e = chain(4, '    at relay (/app/down.ts:4:30)');
    const lines = e.stack!.split('\n');
    assert.equal(lines.filter((l) => l.includes('leaf failed')).length, 2, 'the message once, the innermost error once');
    assert.deepEqual(lines.slice(1, 6), [
      '    --- remote stack (PE 1) ---',
      "RemoteAmError: active message 'down' failed on PE 0",
      '    --- launched at ---',
      '    at relay (/app/down.ts:4:30)',
      '    --- remote stack (PE 0) ---',
    ]);
    assert.match(e.stack!, /Error: leaf failed\n {4}at leaf \(\/app\/down\.ts:3:22\)/);
    const sizes = [50, 100, 200].map((d) => chain(d).stack!.length);
    assert.ok(sizes[2]! - sizes[1]! < 1.2 * 2 * (sizes[1]! - sizes[0]!), `stack sizes ${sizes.join(', ')} grow linearly`);
  });

  test("a RemoteAmError an AM changed before throwing it on is sent safely: a code that is not a string is left out, a long one cut", () => {
    const e = chain(2);
    (e as unknown as { code: unknown }).code = () => 0;
    const w = toWireError(e);
    assert.equal(w.code, undefined);
    assert.match(w.message, /leaf failed$/);
    (e as unknown as { code: unknown }).code = 'X'.repeat(100_000);
    assert.ok(toWireError(e).code!.length <= 256);
    Object.defineProperty(e, 'amName', { get() { throw new Error('no'); } });
    assert.match(toWireError(e).message, /leaf failed/, 'a field that throws: the plain path, still the message');
  });

  test('past the bounds, the middle is cut: the root cause at the end stays', () => {
    const e = toWireError(chain(700));
    assert.ok(e.message.length <= MAX_MESSAGE && e.stack.length <= MAX_STACK);
    assert.match(e.message, / … \[\d+ characters cut\] … .*Error: leaf failed$/);
    assert.match(e.stack, /characters cut/);
    assert.match(e.stack, /at leaf \(\/app\/down\.ts:3:22\)/);
    const s = cutMiddle(`${'a'.repeat(99)}😀${'b'.repeat(400)}`, 164);
    assert.ok(!/[\ud800-\udbff] …|… [\udc00-\udfff]/.test(s), 'no lone surrogate at either side of the cut');
  });
});

describe("the worker launcher's board (launcher/board.ts)", () => {
  test('initWorld() on a PE fails, naming the PE, once another PE ended without calling it', () => {
    const words = createBoard(3);
    assert.equal(markGone(words, 3, 2, () => true), undefined, 'nobody waits yet');
    const m = boardMonitor({ words, pe: 0, numPes: 3 });
    assert.throws(() => m.state(PeState.WORLD), (e: Error & { code?: string }) => {
      assert.equal(e.code, ErrorCode.PE_FAILED);
      assert.match(e.message, /PE 2 ended without calling initWorld\(\), so initWorld\(\) on PE 0 would wait for it forever/);
      return true;
    });
  });

  test('the launcher names a PE that waits in initWorld() when another ends without it', () => {
    const words = createBoard(2);
    boardMonitor({ words, pe: 0, numPes: 2 }).state(PeState.WORLD);
    assert.equal(markGone(words, 2, 1, () => true), 0);
    assert.equal(markGone(words, 2, 1, () => false), undefined, 'not if PE 0 has ended too');
  });
});

describe("defineAm tags its exec function's name for stack traces (am/define.ts)", () => {
  test('an arrow gets the tag alone, a named function keeps its name before it; one function defined as two AMs names both, once', () => {
    const arrow = (_ctx: unknown, x: number): number => x;
    defineAm('test/tag/arrow', arrow);
    assert.equal(arrow.name, 'arrow [lamellar:am:test/tag/arrow]');
    const anon = [(_ctx: unknown, x: number): number => x][0]!;
    defineAm('test/tag/anon', anon);
    assert.equal(anon.name, '[lamellar:am:test/tag/anon]');
    function shared(_ctx: unknown, x: number): number {
      return x;
    }
    defineAm('test/tag/alpha', shared);
    defineAm('test/tag/beta', shared);
    assert.equal(shared.name, 'shared [lamellar:am:test/tag/alpha, test/tag/beta]');
  });
});

describe('groups are made on a World or a Team (am/group.ts)', () => {
  test('null, undefined, a number or another object is INVALID_ARGUMENT, not a TypeError', () => {
    const Add = defineAm('misuse-test/group-add', (_ctx, x: number) => x + 1);
    for (const [bad, got] of [[null, 'null'], [undefined, 'undefined'], [3, 'number'], [{}, 'another object']] as const) {
      for (const make of [() => new AmGroup(bad as never), () => new TaskGroup(bad as never), () => new TypedAmGroup(bad as never, Add)]) {
        assert.throws(make, { code: ErrorCode.INVALID_ARGUMENT, message: `groups are created on a World or a Team, got ${got}` });
      }
    }
  });
});
