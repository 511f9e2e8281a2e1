/** `lamellar run`'s argument parser: every mistake is a coded LamellarError, never a raw TypeError. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { numPesOf, parseRunArgs } from '../../src/cli/args.js';
import { causeOf, describeError } from '../../src/launcher/report.js';
import { checkEntryScript } from '../../src/launcher/script.js';
import { moduleMarkers } from '../../src/launcher/markers.js';
import { checkStatsFile } from '../../src/launcher/index.js';
import { ErrorCode, isLamellarError, LamellarError, parseConfig, runtimeCodePlaces } from '../../src/core/index.js';

const fails = (fn: () => unknown, code: string, message: RegExp): void => {
  assert.throws(fn, (e: unknown) => isLamellarError(e) && e.code === code && message.test(e.message));
};

describe('parseRunArgs', () => {
  test('options before the script, everything after it belongs to the script', () => {
    const a = parseRunArgs(['-N', '4', '--backend', 'tcp', '-p', 'app.ts', '-N', '9', '--foo']);
    assert.deepEqual(a, { numPes: '4', backend: 'tcp', prefix: true, help: false, stats: false, script: 'app.ts', args: ['-N', '9', '--foo'], misplaced: undefined });
  });

  test("a launcher option after the script that was not given before it is the script's, and noted", () => {
    assert.equal(parseRunArgs(['app.ts', '-N', '2']).misplaced, '-N');
    assert.equal(parseRunArgs(['-N', '2', 'app.ts', '--backend=tcp']).misplaced, '--backend=tcp');
    assert.equal(parseRunArgs(['app.ts', 'x', '-N4']).misplaced, '-N4');
    assert.equal(parseRunArgs(['app.ts', '-p', '8080', '-bar', '--stats']).misplaced, undefined, "a script's own flags");
    assert.equal(parseRunArgs(['-N', '2', 'app.ts', '-N', '3']).misplaced, undefined, 'given before: the script means its own');
    assert.equal(parseRunArgs(['app.ts', '--', '-N', '2']).misplaced, undefined, 'after --: the script\'s own');
    assert.equal(parseRunArgs(['app.ts', '--size', '4']).misplaced, undefined);
  });

  test('attached values: -N4, --num-pes=4, -btcp, --backend=tcp', () => {
    assert.equal(parseRunArgs(['-N4', 'x.ts']).numPes, '4');
    assert.equal(parseRunArgs(['--num-pes=4', 'x.ts']).numPes, '4');
    assert.equal(parseRunArgs(['-btcp', 'x.ts']).backend, 'tcp');
    assert.equal(parseRunArgs(['--backend=tcp', 'x.ts']).backend, 'tcp');
    // As the long options are written: the '=' is not part of the value (it gave "got '=2'").
    assert.equal(parseRunArgs(['-N=4', 'x.ts']).numPes, '4');
    assert.equal(parseRunArgs(['-b=tcp', 'x.ts']).backend, 'tcp');
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

  test('a value option given twice with different values is INVALID_ARGUMENT; the same value twice is fine', () => {
    fails(() => parseRunArgs(['-N', '2', '-N', '3', 'x.ts']), ErrorCode.INVALID_ARGUMENT, /option '-N' was given twice, as '2' \(-N\) and as '3'/);
    fails(() => parseRunArgs(['-b', 'tcp', '--backend=shmem', 'x.ts']), ErrorCode.INVALID_ARGUMENT, /option '--backend' was given twice, as 'tcp' \(-b\) and as 'shmem'/);
    fails(() => parseRunArgs(['--stats=a.json', '--stats=b.json', 'x.ts']), ErrorCode.INVALID_ARGUMENT, /'--stats' was given twice/);
    assert.equal(parseRunArgs(['-N', '2', '--num-pes=2', 'x.ts']).numPes, '2');
    assert.equal(parseRunArgs(['--stats', '--stats=b.json', 'x.ts']).stats, 'b.json');
    assert.equal(parseRunArgs(['-p', '-p', 'x.ts']).prefix, true);
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

  test("Promise.any's AggregateError, which has no frames of its own, shows each error it holds with its line", async () => {
    const e = await Promise.any([Promise.reject(new Error('a failed')), Promise.reject(new TypeError('b failed'))]).catch((x: unknown) => x);
    const text = describeError(e);
    assert.match(text, /^AggregateError: All promises were rejected/);
    assert.match(text, /\[errors\]\[0\]: Error: a failed\n {6}at .*cli\.test\.ts:\d+:\d+/);
    assert.match(text, /\[errors\]\[1\]: TypeError: b failed/);
  });

  test('an AggregateError that holds itself is described at once, the cycle shown as [Circular]', async () => {
    const e = (await Promise.any([Promise.reject(new Error('a failed'))]).catch((x: unknown) => x)) as AggregateError;
    (e as unknown as { errors: unknown[] }).errors = [e, e, new Error('b failed')];
    const t0 = performance.now();
    const text = describeError(e);
    assert.ok(performance.now() - t0 < 1000);
    assert.match(text, /\[errors\]\[0\]: \[Circular\]/);
    assert.match(text, /\[errors\]\[2\]: Error: b failed/);
  });

  test("an error of another kind with a `remoteStack` field keeps its fields (only a RemoteAmError's are not repeated)", () => {
    const e = Object.assign(new Error('rpc failed'), { remoteStack: 'Server: boom\n    at handler', remoteMessage: 'boom' });
    const text = describeError(e);
    assert.match(text, /remoteStack: 'Server: boom/);
    assert.match(text, /remoteMessage: 'boom'/);
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

  test("a run of the runtime's frames folds into one line that keeps the brace opening the error's own fields", () => {
    // util.inspect writes ` {` after the last frame; folded away, `code: …` followed a line without it.
    const dist = runtimeCodePlaces()[0]!;
    const e = new LamellarError(ErrorCode.UNKNOWN_AM, "active message 'hello' is not defined on PE 1");
    e.stack = `LamellarError: ${e.message}\n    at main (/app/x.ts:3:9)\n    at a (${dist}a.js:1:1)\n    at b (${dist}b.js:2:2)`;
    const text = describeError(e);
    assert.match(text, /\n {4}\.\.\. 2 frames inside lamellar \(LAMELLAR_DEBUG=stacks shows them\) \{\n {2}code: 'LAMELLAR_ERR_UNKNOWN_AM'/, text);
    assert.match(text, /\n\}$/, text);
  });

  test('an error rebuilt without a stack prints as `Name: message` with its code, and details only when defined', () => {
    // tcp's rendezvous timeout is rebuilt from the network thread's message with a frameless stack.
    const e = new LamellarError(ErrorCode.RENDEZVOUS_TIMEOUT, 'PE 0: the job did not assemble within 1 s');
    e.stack = `${e.name}: ${e.message}`;
    assert.equal(describeError(e), "LamellarError: PE 0: the job did not assemble within 1 s { code: 'LAMELLAR_ERR_RENDEZVOUS_TIMEOUT' }");
    const d = new LamellarError(ErrorCode.CONFIG, 'bad', { details: { variable: 'X' } });
    d.stack = undefined;
    assert.equal(describeError(d), "LamellarError: bad { code: 'LAMELLAR_ERR_CONFIG', details: { variable: 'X' } }");
    // A frameless stack that says more than the message keeps it.
    const r = Object.assign(new Error('m'), { code: 'C' });
    r.stack = 'Error: m\n    --- remote stack (PE 1) ---\nTypeError: x';
    assert.equal(describeError(r), "Error: m\n    --- remote stack (PE 1) ---\nTypeError: x { code: 'C' }");
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

/** The entry rule's two markers of `source`. */
const esmCjs = (source: string): { esm: boolean; cjs: boolean } => {
  const { esm, cjs } = moduleMarkers(source);
  return { esm, cjs };
};

describe('which entry scripts are refused as CommonJS (launcher/script.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lamellar-entry-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  /** Writes `source` to `name` and checks it as an entry: undefined if accepted, else the error's code and message. */
  const check = (name: string, source: string): string | undefined => {
    const file = join(dir, name);
    writeFileSync(file, source);
    try {
      checkEntryScript(file);
      return undefined;
    } catch (e) {
      return isLamellarError(e) ? `${e.code}: ${e.message}` : String(e);
    }
  };
  const DYNAMIC = `const { initWorld } = await import('lamellar');\n`;
  const IN_STRING = `${DYNAMIC}const msg = "you should not require('x') here";\nconst world = await initWorld(); await world.shutdown();\n`;

  test('a file that is not a script (tsconfig.json, README.md) is refused before any PE starts', () => {
    assert.match(check('tsconfig.json', '{ "compilerOptions": {} }') ?? '', /^LAMELLAR_ERR_UNSUPPORTED_SCRIPT: tsconfig\.json is not a script/);
    assert.match(check('README.md', '# hi') ?? '', /UNSUPPORTED_SCRIPT/);
    assert.equal(check('runme', 'console.log(1);\n'), undefined, 'a file without an extension is left to Node');
  });

  test('an .mjs or .mts entry is an ES module whatever it contains', () => {
    assert.equal(check('app.mjs', IN_STRING), undefined);
    assert.equal(check('cjs-looking.mjs', `const fs = require('node:fs');\nmodule.exports = fs;\n`), undefined);
    assert.equal(check('cjs-looking.mts', `const fs = require('node:fs');\n`), undefined);
  });

  test('require( inside a string, a template or a comment is not CommonJS', () => {
    assert.equal(check('in-string.js', `const msg = "do not require('x') here";\nconsole.log(msg);\n`), undefined);
    assert.equal(check('in-single.ts', `const msg = 'module.exports = require("y")';\nconsole.log(msg);\n`), undefined);
    assert.equal(check('in-template.js', 'const who = 1;\nconst t = `a ${who} require(\'x\') ${"b"} exports.x = 1`;\nconsole.log(t);\n'), undefined);
    assert.equal(check('in-regexp.js', `const re = /require\\(['"]/;\nconsole.log(re.test('x'));\n`), undefined);
    assert.equal(check('in-comment.js', `// require('x')\n/* module.exports = 1 */\nconsole.log(1);\n`), undefined);
  });

  test('createRequire with top-level await or import.meta, and no static import, is an ES module', () => {
    const withMeta = `const { createRequire } = await import('node:module');\nconst require = createRequire(import.meta.url);\nconst os = require('node:os');\n`;
    assert.equal(check('create-require.js', withMeta), undefined);
    assert.equal(check('meta-only.ts', `const require = globalThis.process.getBuiltinModule?.('module').createRequire(import.meta.url);\nrequire('node:os');\n`), undefined);
    assert.equal(check('tla-only.js', `const os = require('node:os');\nawait Promise.resolve(os);\n`), undefined);
  });

  test('CommonJS with await only inside functions is still refused, naming the file', () => {
    const cjs = `const { initWorld } = require('lamellar');\nasync function main() {\n  const world = await initWorld();\n  await world.shutdown();\n}\nconst go = async () => { await main(); };\ngo();\n`;
    const r = check('main.js', cjs);
    assert.match(r ?? '', /^LAMELLAR_ERR_UNSUPPORTED_SCRIPT: main\.js is written as CommonJS \(require, module\.exports or exports, and no import, export, import\.meta or top-level await\)/);
    assert.match(check('exports.ts', `exports.x = 1;\n`) ?? '', /LAMELLAR_ERR_UNSUPPORTED_SCRIPT: exports\.ts is written as CommonJS/);
    assert.match(check('module.js', `module.exports = { a: 1 };\nfor (const k of [1]) { if (k) { console.log(k); } }\n`) ?? '', /UNSUPPORTED_SCRIPT: module\.js/);
    assert.match(check('old.cjs', `require('x');\n`) ?? '', /UNSUPPORTED_SCRIPT: old\.cjs is CommonJS; rename it to old\.mjs/);
  });

  test('moduleMarkers: await in a block, an object or a for-await loop at top level is top-level await', () => {
    assert.deepEqual(esmCjs(`require('a');\nif (x) { await y; }\n`), { esm: true, cjs: true });
    assert.deepEqual(esmCjs(`require('a');\nconst o = { v: await y };\n`), { esm: true, cjs: true });
    assert.deepEqual(esmCjs(`require('a');\nfor await (const v of s) { f(v); }\n`), { esm: true, cjs: true });
    assert.deepEqual(esmCjs(`require('a');\nclass A { async m() { await y; } }\n`), { esm: false, cjs: true });
    assert.deepEqual(esmCjs(`x.require('a'); const o = { import: 1, export: 2 };\n`), { esm: false, cjs: false });
    assert.deepEqual(esmCjs(`const a = b / 2; const c = d / 3; require('e');\n`), { esm: false, cjs: true });
    // What the module hooks read besides: import.meta (an ES module's createRequire), and
    // __dirname/__filename in code, not in a comment or a string.
    assert.deepEqual(moduleMarkers(`const require = createRequire(import.meta.url);\nrequire('x');\n`), { esm: true, cjs: true, importMeta: true, cjsGlobals: false });
    assert.deepEqual(moduleMarkers(`// unlike __dirname and require()\nconst s = '__filename';\nexport const a = 1;\n`), { esm: true, cjs: false, importMeta: false, cjsGlobals: false });
    assert.deepEqual(moduleMarkers(`const here = __dirname;\nexport const a = o.__filename;\n`), { esm: true, cjs: false, importMeta: false, cjsGlobals: true });
  });
});

describe('variables and files the launcher checks before any PE starts', () => {
  test('LAMELLAR_DEBUG takes ofi, gc, malloc, stacks, 1 and all; an unknown token is CONFIG naming it and the allowed ones', () => {
    assert.deepEqual(parseConfig({ LAMELLAR_DEBUG: 'OFI, gc,malloc,Stacks' }).debugTopics, ['ofi', 'gc', 'malloc', 'stacks']);
    assert.deepEqual(parseConfig({ LAMELLAR_DEBUG: 'gc,all' }).debugTopics, ['all']);
    assert.deepEqual(parseConfig({ LAMELLAR_DEBUG: '0' }).debugTopics, []);
    assert.throws(
      () => parseConfig({ LAMELLAR_DEBUG: 'bogus' }),
      (e: unknown) =>
        isLamellarError(e, ErrorCode.CONFIG) &&
        e.message === "LAMELLAR_DEBUG must be a comma list of ofi, gc, malloc, stacks, 1, all (or 0 for none), got 'bogus': 'bogus' is not one of them" &&
        (e.details as { variable?: unknown }).variable === 'LAMELLAR_DEBUG',
    );
    fails(() => parseConfig({ LAMELLAR_DEBUG: 'gc,tcp,x' }), ErrorCode.CONFIG, /got 'gc,tcp,x': 'tcp', 'x' are not one of them/);
  });

  test("LAMELLAR_TLS's error names all three values", () => {
    fails(() => parseConfig({ LAMELLAR_TLS: 'yes' }), ErrorCode.CONFIG, /^LAMELLAR_TLS must be 1, 0 or auto, got 'yes'$/);
    assert.equal(parseConfig({ LAMELLAR_TLS: 'auto' }).tls, 'auto');
  });

  describe('checkStatsFile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamellar-stats-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    test('a file in an existing directory, new or there already, is accepted', () => {
      checkStatsFile(join(dir, 'st.json'), '--stats');
      writeFileSync(join(dir, 'old.json'), '{}');
      checkStatsFile(join(dir, 'old.json'), 'LAMELLAR_STATS');
    });
    test('a directory that does not exist: INVALID_ARGUMENT for --stats, CONFIG for LAMELLAR_STATS', () => {
      const file = join(dir, 'no', 'such', 'st.json');
      fails(() => checkStatsFile(file, '--stats'), ErrorCode.INVALID_ARGUMENT, new RegExp(`^--stats=${file}: PE 0 could not write its stats there when the job ends: the directory ${join(dir, 'no', 'such')} does not exist$`));
      fails(() => checkStatsFile(file, 'LAMELLAR_STATS'), ErrorCode.CONFIG, /^LAMELLAR_STATS=.*does not exist$/);
    });
    test('a path that is a directory, or below a file, is refused', () => {
      fails(() => checkStatsFile(dir, '--stats'), ErrorCode.INVALID_ARGUMENT, / is a directory$/);
      writeFileSync(join(dir, 'plain'), '');
      fails(() => checkStatsFile(join(dir, 'plain', 'st.json'), '--stats'), ErrorCode.INVALID_ARGUMENT, /plain is not a directory$/);
    });
  });
});
