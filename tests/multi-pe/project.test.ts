/**
 * The package in a project of a user's own, as a new user makes one: `npm init -y` (a CommonJS
 * package), this package installed from its path, scripts with top-level await, a helper module,
 * and the tsconfig the README recommends. Runs the installed `lamellar` bin on shmem and tcp.
 *
 * No network: a path install links the package and fetches nothing (`--offline` makes sure).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, runNode } from '../helpers/job.js';

const HELLO_TS = `import { defineAm, initWorld } from 'lamellar';
import { Twice, label } from './lib.js';

const Hello = defineAm('hello', async (ctx, args: { from: number }) => \`PE \${ctx.currentPe} got hello from PE \${args.from}\`);

await using world = await initWorld();
const next = (world.myPe + 1) % world.numPes;
const greeting: string = await world.execAmPe(next, Hello, { from: world.myPe });
const twice: number = await world.execAmPe(next, Twice, world.myPe + 10);
console.log(\`@@project \${label} \${greeting} \${twice}\`);
await world.barrier();
`;

const LIB_TS = `import { defineAm } from 'lamellar';
export const Twice = defineAm('twice', async (_ctx, n: number) => 2 * n);
export const label = 'ts';
`;

/**
 * A helper that throws on PE 1, imported by an entry, next to a helper written as CommonJS
 * (which must keep working as one: it calls require).
 */
const THROWER_TS = `export function check(pe: number): number {
  if (pe === 1) throw new Error(\`helper refused PE \${pe}\`);
  return pe;
}
`;
const PLACE_TS = `export const place: string = require('node:path').basename(__filename);
`;
const FAILS_TS = `import { initWorld } from 'lamellar';
import { check } from './thrower.ts';
import { place } from './place.js';

await using world = await initWorld();
console.log(\`@@place \${place}\`);
await world.barrier();
check(world.myPe);
await world.barrier();
`;

/** The same program in plain JavaScript (Node 20 has no \`await using\`; shutdown is explicit). */
const helloJs = (label: string): string => `import { defineAm, initWorld } from 'lamellar';

const Hello = defineAm('hello', async (ctx, args) => \`PE \${ctx.currentPe} got hello from PE \${args.from}\`);
const Twice = defineAm('twice', async (_ctx, n) => 2 * n);

const world = await initWorld();
const next = (world.myPe + 1) % world.numPes;
const greeting = await world.execAmPe(next, Hello, { from: world.myPe });
const twice = await world.execAmPe(next, Twice, world.myPe + 10);
console.log(\`@@project ${label} \${greeting} \${twice}\`);
await world.shutdown();
`;

/**
 * The JavaScript program in two ES module files, as \`tsc\` emits a project that keeps npm init's
 * CommonJS default: Node alone loads \`./lib2.js\` as CommonJS (\`does not provide an export
 * named 'Twice'\`). Next to a helper written as CommonJS, which stays one.
 */
const TWO_JS = `import { defineAm, initWorld } from 'lamellar';
import { Twice, label } from './lib2.js';
import place from './place2.js';

const Hello = defineAm('hello', async (ctx, args) => \`PE \${ctx.currentPe} got hello from PE \${args.from}\`);

const world = await initWorld();
const next = (world.myPe + 1) % world.numPes;
const greeting = await world.execAmPe(next, Hello, { from: world.myPe });
const twice = await world.execAmPe(next, Twice, world.myPe + 10);
console.log(\`@@project \${label}-\${place} \${greeting} \${twice}\`);
await world.shutdown();
`;
const LIB2_JS = `// An ES module: no require() or module.exports here, unlike __dirname's files.
import { defineAm } from 'lamellar';
export const Twice = defineAm('twice', async (_ctx, n) => 2 * n);
export const label = 'js2';
`;
const PLACE2_JS = `module.exports = require('node:path').basename(__filename, '.js');
`;

/**
 * TypeScript helpers that are ES modules though their text says otherwise: a comment naming
 * CommonJS (it made the helper CommonJS, and its top-level await failed to compile), and the
 * \`createRequire(import.meta.url)\` idiom (its \`require(\` made it CommonJS too).
 */
const LIB3_TS = `// Works like __dirname, but for ES modules: no require() or module.exports here.
export const ready: string = await Promise.resolve('ready');
export function triple(x: number): number {
  return 3 * x;
}
`;
const REQ_TS = `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
export const base: string = require('node:path').basename('/a/b.txt');
`;
const THREE_TS = `import { initWorld } from 'lamellar';
import { ready, triple } from './lib3.ts';
import { base } from './req.ts';

await using world = await initWorld();
console.log(\`@@three \${world.myPe} \${ready} \${triple(14)} \${base}\`);
await world.barrier();
`;

/** The tsconfig the README recommends for a project that keeps npm init's CommonJS default. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023', 'ESNext.Disposable'],
    module: 'preserve',
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
  },
};

/** Each PE greets the next one, which answers with its own PE number, and doubles its PE + 10. */
function expected(label: string, numPes: number): string[] {
  return Array.from({ length: numPes }, (_, pe) => `@@project ${label} PE ${(pe + 1) % numPes} got hello from PE ${pe} ${2 * (pe + 10)}`).sort();
}

let dir = '';
let project = '';
let bare = '';

describe('a project made by npm init -y, with this package installed from its path', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lamellar-project-'));
    project = join(dir, 'app');
    mkdirSync(project);
    const npm = (...args: string[]): string => execFileSync('npm', args, { cwd: project, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    npm('init', '-y');
    npm('install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ROOT);
    const files: Record<string, string> = {
      'hello.ts': HELLO_TS,
      'hello.mts': HELLO_TS,
      'lib.ts': LIB_TS,
      'thrower.ts': THROWER_TS,
      'place.ts': PLACE_TS,
      'fails.ts': FAILS_TS,
      'hello.js': helloJs('js'),
      'hello.mjs': helloJs('mjs'),
      'lib3.ts': LIB3_TS,
      'req.ts': REQ_TS,
      'three.ts': THREE_TS,
      'two.js': TWO_JS,
      'lib2.js': LIB2_JS,
      'place2.js': PLACE2_JS,
      'app.cts': "const { initWorld } = require('lamellar');\n",
      'old.js': "// CommonJS\nconst { initWorld } = require('lamellar');\ninitWorld().then((w) => w.shutdown());\n",
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(project, name), text);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    // A directory with no package.json anywhere above it that matters: only node_modules.
    bare = join(dir, 'bare');
    mkdirSync(join(bare, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(bare, 'node_modules', 'lamellar'), 'dir');
    writeFileSync(join(bare, 'hello.ts'), HELLO_TS.replace("import { Twice, label } from './lib.js';\n", "const label = 'bare';\nconst Twice = defineAm('twice', async (_ctx, n: number) => 2 * n);\n"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('npm init -y made a CommonJS package', () => {
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { type?: string; dependencies?: Record<string, string> };
    assert.notEqual(pkg.type, 'module');
    assert.ok(pkg.dependencies?.['lamellar'], 'lamellar is a dependency');
  });

  const bin = (): string => join(project, 'node_modules/.bin/lamellar');
  const cases: [string, 'shmem' | 'tcp', string][] = [
    ['hello.ts', 'shmem', 'ts'],
    ['hello.ts', 'tcp', 'ts'],
    ['hello.mts', 'shmem', 'ts'],
    ['hello.js', 'shmem', 'js'],
    ['hello.js', 'tcp', 'js'],
    ['hello.mjs', 'shmem', 'mjs'],
    ['two.js', 'shmem', 'js2-place2'],
    ['two.js', 'tcp', 'js2-place2'],
  ];
  for (const [script, backend, label] of cases) {
    test(`the installed bin runs ${script} (top-level await) on 2 ${backend} PEs`, async () => {
      const r = await runNode([bin(), 'run', '-N', '2', '--backend', backend, script], { cwd: project, timeoutMs: 60000 });
      assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('@@project')).sort(), expected(label, 2));
    });
  }

  test('helpers whose comments name CommonJS, or that use createRequire(import.meta.url), load as ES modules', async () => {
    const r = await runNode([bin(), 'run', '-N', '2', 'three.ts'], { cwd: project, timeoutMs: 60000 });
    assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('@@three')).sort(), ['@@three 0 ready 42 b.txt', '@@three 1 ready 42 b.txt']);
  });

  for (const backend of ['shmem', 'tcp'] as const) {
    test(`an error thrown in an imported .ts helper names the helper's file and line (${backend})`, async () => {
      const r = await runNode([bin(), 'run', '-N', '2', '--backend', backend, 'fails.ts'], { cwd: project, timeoutMs: 60000 });
      assert.equal(r.code, 1, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('@@place')), ['@@place place.ts', '@@place place.ts']);
      assert.match(r.stderr, /PE 1 failed:\nError: helper refused PE 1\n {4}at check \(\S*\/thrower\.ts:2:23\)\n {4}at <anonymous> \(\S*\/fails\.ts:8:1\)/);
      assert.doesNotMatch(r.stderr, /data:text/);
    });
  }

  test('a .ts script in a directory with no package.json runs on 2 shmem PEs', async () => {
    const r = await runNode([join(ROOT, 'bin/lamellar.mjs'), 'run', '-N', '2', 'hello.ts'], { cwd: bare, timeoutMs: 60000 });
    assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('@@project')).sort(), expected('bare', 2));
  });

  for (const [script, hint] of [
    ['app.cts', /rename it to app\.mts \(or app\.ts\)/],
    ['old.js', /written as CommonJS/],
  ] as const) {
    test(`a CommonJS entry (${script}) is refused with UNSUPPORTED_SCRIPT before any PE starts`, async () => {
      const r = await runNode([bin(), 'run', '-N', '2', script], { cwd: project, timeoutMs: 30000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /LAMELLAR_ERR_UNSUPPORTED_SCRIPT/);
      assert.match(r.stderr, hint);
      assert.equal(r.stdout, '');
    });
  }

  test('lamellar exec refuses a CommonJS entry the same way', async () => {
    const r = await runNode([bin(), 'exec', 'app.cts'], { cwd: project, env: { LAMELLAR_PE_ID: '0', LAMELLAR_NUM_PES: '1' }, timeoutMs: 30000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /LAMELLAR_ERR_UNSUPPORTED_SCRIPT/);
  });

  test("the README's tsconfig type-checks the scripts against the installed types", () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    let out = '';
    try {
      out = execFileSync(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { encoding: 'utf8' });
    } catch (err) {
      const e = err as { stdout?: string; status?: number };
      assert.fail(`tsc failed (${e.status}):\n${e.stdout}`);
    }
    assert.equal(out, '');
  });
});
