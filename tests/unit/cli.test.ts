/** `lamellar run`'s argument parser: every mistake is a coded LamellarError, never a raw TypeError. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { numPesOf, parseRunArgs } from '../../src/cli/args.js';
import { causeOf, describeError } from '../../src/launcher/report.js';
import { ErrorCode, isLamellarError } from '../../src/core/index.js';

const fails = (fn: () => unknown, code: string, message: RegExp): void => {
  assert.throws(fn, (e: unknown) => isLamellarError(e) && e.code === code && message.test(e.message));
};

describe('parseRunArgs', () => {
  test('options before the script, everything after it belongs to the script', () => {
    const a = parseRunArgs(['-N', '4', '--backend', 'tcp', '-p', 'app.ts', '-N', '9', '--foo']);
    assert.deepEqual(a, { numPes: '4', backend: 'tcp', prefix: true, help: false, stats: false, script: 'app.ts', args: ['-N', '9', '--foo'] });
  });

  test('attached values: -N4, --num-pes=4, -btcp, --backend=tcp', () => {
    assert.equal(parseRunArgs(['-N4', 'x.ts']).numPes, '4');
    assert.equal(parseRunArgs(['--num-pes=4', 'x.ts']).numPes, '4');
    assert.equal(parseRunArgs(['-btcp', 'x.ts']).backend, 'tcp');
    assert.equal(parseRunArgs(['--backend=tcp', 'x.ts']).backend, 'tcp');
  });

  test('--stats alone, and --stats=file.json', () => {
    assert.equal(parseRunArgs(['--stats', 'x.ts']).stats, true);
    assert.equal(parseRunArgs(['--stats=out/s.json', 'x.ts']).stats, 'out/s.json');
    assert.equal(parseRunArgs(['x.ts']).stats, false);
  });

  test('-- ends the options', () => {
    const a = parseRunArgs(['-N', '2', '--', '-weird.ts', 'a']);
    assert.equal(a.script, '-weird.ts');
    assert.deepEqual(a.args, ['a']);
  });

  test('no script', () => {
    assert.equal(parseRunArgs(['-N', '2']).script, undefined);
  });

  test('an unknown option is INVALID_ARGUMENT naming it', () => {
    fails(() => parseRunArgs(['--foo', 'x.ts']), ErrorCode.INVALID_ARGUMENT, /unknown option '--foo' for lamellar run/);
    fails(() => parseRunArgs(['-x', 'x.ts']), ErrorCode.INVALID_ARGUMENT, /unknown option '-x'/);
  });

  test('a missing value is INVALID_ARGUMENT naming the option', () => {
    fails(() => parseRunArgs(['-N']), ErrorCode.INVALID_ARGUMENT, /option '-N' needs a value/);
    fails(() => parseRunArgs(['--backend']), ErrorCode.INVALID_ARGUMENT, /option '--backend' needs a value/);
    fails(() => parseRunArgs(['--stats=', 'x.ts']), ErrorCode.INVALID_ARGUMENT, /needs a file name/);
  });

  test('a value given to a flag is INVALID_ARGUMENT', () => {
    fails(() => parseRunArgs(['--prefix=yes', 'x.ts']), ErrorCode.INVALID_ARGUMENT, /takes no value/);
  });

  test('-N -1 takes -1 as the value (then refused by numPesOf), not as an option', () => {
    assert.equal(parseRunArgs(['-N', '-1', 'x.ts']).numPes, '-1');
  });
});

describe('numPesOf', () => {
  test('whole numbers from 1 to 65535', () => {
    assert.equal(numPesOf('1'), 1);
    assert.equal(numPesOf(' 4 '), 4);
    assert.equal(numPesOf('65535'), 65535);
  });

  for (const raw of ['-1', '0', '1.5', 'abc', '65536', '1e3', '0x10', '']) {
    test(`'${raw}' is INVALID_NUM_PES quoting what was given`, () => {
      fails(() => numPesOf(raw), ErrorCode.INVALID_NUM_PES, new RegExp(`must be a whole number from 1 to 65535, got '${raw.replace('.', '\\.')}'`));
    });
  }
});

describe("a failing PE's report (launcher/report.ts)", () => {
  test("a SuppressedError from an `await using` clean-up puts the script's own error first", () => {
    const own = new Error('PE 1 blew up mid-way');
    const cleanup = Object.assign(new Error('collective mismatch in team.drop()'), { code: 'LAMELLAR_ERR_COLLECTIVE_MISMATCH' });
    // The shape TypeScript's `await using` helper builds where SuppressedError is not a global.
    const e = Object.assign(new Error('An error was suppressed during disposal.'), { name: 'SuppressedError', error: cleanup, suppressed: own });
    const text = describeError(e);
    const at = (s: string): number => text.indexOf(s);
    assert.ok(at('PE 1 blew up mid-way') >= 0 && at('collective mismatch') > at('PE 1 blew up mid-way'), text);
    assert.match(text, /cleaning up an `await using` scope while that error unwound it/);
    assert.match(text, /LAMELLAR_ERR_COLLECTIVE_MISMATCH/);
    assert.doesNotMatch(text, /An error was suppressed during disposal/);
  });

  test('any other thrown value is described as it is', () => {
    assert.match(describeError(new RangeError('plain')), /RangeError: plain/);
    assert.equal(describeError('a string'), "'a string'");
  });

  test('an error rebuilt by a worker-thread hand-off is named as the PE threw it, as on tcp', () => {
    // A shmem PE's error reaches the host as a plain Error keeping the original name and stack,
    // which inspect prints as `Error [LamellarError]: ...`.
    const e = new Error('index 9 is outside the array');
    e.stack = 'LamellarError: index 9 is outside the array\n    at main (/app/x.ts:3:9)';
    Object.defineProperty(e, 'name', { value: 'LamellarError', enumerable: false });
    assert.match(describeError(e), /^LamellarError: index 9 is outside the array\n {4}at main/);
    assert.match(describeError(Object.assign(new Error('own'), { code: 'X' })), /^Error: own/);
  });

  test('causeOf names the PE a failure follows from: a relayed origin, or the peer of a collective mismatch', () => {
    const err = (code: string, details: unknown): Error => Object.assign(new Error('x'), { code, details });
    assert.equal(causeOf(err(ErrorCode.PE_FAILED, { origin: 2 })), 2);
    assert.equal(causeOf(err(ErrorCode.COLLECTIVE_MISMATCH, { origin: 3, peer: 1 })), 3);
    assert.equal(causeOf(err(ErrorCode.COLLECTIVE_MISMATCH, { seq: 5, peer: 1 })), 1);
    // A mismatch of arguments within one kind names no single peer; other codes' peers are no cause.
    assert.equal(causeOf(err(ErrorCode.COLLECTIVE_MISMATCH, { desc: 'sum', pes: [1] })), undefined);
    assert.equal(causeOf(err(ErrorCode.INVALID_ARGUMENT, { peer: 1 })), undefined);
    assert.equal(causeOf(new Error('plain')), undefined);
    assert.equal(causeOf(undefined), undefined);
    assert.equal(causeOf('a string'), undefined);
    const hostile = Object.defineProperty(Object.assign(new Error('x'), { code: ErrorCode.COLLECTIVE_MISMATCH }), 'details', {
      get() {
        throw new Error('getter');
      },
    });
    assert.equal(causeOf(hostile), undefined);
  });
});
