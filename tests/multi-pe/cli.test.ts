/**
 * The `lamellar` command line: argument errors, a reader that closes the output early, and what a
 * newcomer meets in a project of their own (`npm init -y`, CommonJS by default): .mjs entries,
 * syntax errors, inherited variables, signals, help and version.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tunedEnv } from '../../src/launcher/malloc.js';
import { compiledFixture } from '../helpers/compiled.js';
import { BIN, fixture, ROOT, runNode, type JobOptions, type JobResult } from '../helpers/job.js';

describe('argument errors are coded LamellarErrors, without a stack trace', () => {
  const cases: [string, string[], string, RegExp][] = [
    ['-N -1 world.ts', ['-N', '-1', fixture('world.ts')], 'LAMELLAR_ERR_INVALID_NUM_PES', /whole number from 1 to 65535, got '-1'/],
    ['-N 1.5 world.ts', ['-N', '1.5', fixture('world.ts')], 'LAMELLAR_ERR_INVALID_NUM_PES', /got '1\.5'/],
    ['--foo world.ts', ['--foo', fixture('world.ts')], 'LAMELLAR_ERR_INVALID_ARGUMENT', /unknown option '--foo' for lamellar run/],
    ['-N', ['-N'], 'LAMELLAR_ERR_INVALID_ARGUMENT', /option '-N' needs a value/],
    ['-N 2 --num-pes 3 world.ts', ['-N', '2', '--num-pes', '3', fixture('world.ts')], 'LAMELLAR_ERR_INVALID_ARGUMENT', /option '--num-pes' was given twice, as '2' \(-N\) and as '3'/],
  ];
  for (const [what, flags, code, message] of cases) {
    test(`lamellar run ${what}`, async () => {
      const r = await runNode([BIN, 'run', ...flags], { timeoutMs: 20000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`\\(${code}\\)`));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /ERR_PARSE_ARGS|\n\s+at /, 'no raw parseArgs error or stack trace');
      assert.equal(r.stdout, '');
    });
  }
});

describe('a reader that closes the output (lamellar run … | head -1)', () => {
  for (const backend of ['shmem', 'tcp'] as const) {
    test(`stops the job quietly with exit code 141, and no ${backend} PE is left running`, async () => {
      const child = spawn(process.execPath, [BIN, 'run', '-N', '2', '--backend', backend, compiledFixture('endless-output.ts')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
      // Read the first line, then close the pipe as `head -1` does.
      const first = await new Promise<string>((resolve) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const nl = out.indexOf('\n');
          if (nl >= 0) {
            child.stdout.destroy();
            resolve(out.slice(0, nl));
          }
        });
      });
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (c, s) => resolve([c, s])));
      clearTimeout(timer);
      assert.match(first, /^PE \d line 0$/);
      assert.equal(signal, null, `killed by the test's time limit:\n${stderr}`);
      assert.equal(code, 141, stderr);
      const pids = [...stderr.matchAll(/@@pid (\d) (\d+)/g)].map((m) => Number(m[2]));
      assert.equal(pids.length, 2, stderr);
      assert.equal(stderr.replace(/@@pid \d \d+\n/g, ''), '', 'nothing but the PEs own lines on stderr');
      for (const pid of pids) {
        assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `PE process ${pid} still runs`);
      }
    });
  }
});

/** A project as `npm init -y` makes it (CommonJS), with this package linked as `lamellar`. */
describe("in a newcomer's project", () => {
  let dir = '';
  const FILES: Record<string, string> = {
    'package.json': '{ "name": "proj", "version": "1.0.0", "type": "commonjs" }\n',
    // The dynamic import and the string that mentions require( made it look like CommonJS.
    'app.mjs': `const { initWorld } = await import('lamellar');\nconst msg = "you should not require('x') here";\nconst world = await initWorld();\nconsole.log(\`@@app \${world.myPe}/\${world.numPes} \${msg.length}\`);\nawait world.shutdown();\n`,
    // TypeScript in a file without an extension: Node loads it as JavaScript.
    'syn-noext': "import { initWorld } from 'lamellar';\nconst x: number = ;\nawait initWorld();\n",
    'syn.mjs': 'import { initWorld } from "lamellar";\nconst w = await initWorld();\nconst x = ;\n',
    'syn-ts.ts': 'import { initWorld } from "lamellar";\nconst w = await initWorld();\nconst x: number = ;\n',
    'lib-bad.mjs': 'export const a = 1;\nconst y = ;\n',
    'imports-bad.js': "import { initWorld } from 'lamellar';\nimport { a } from './lib-bad.mjs';\nconst w = await initWorld();\nconsole.log(a);\nawait w.shutdown();\n",
    'using.mjs': "import { initWorld } from 'lamellar';\nawait using world = await initWorld();\nawait world.barrier();\n",
    'no-world.mjs': "console.log('@@usage only');\n",
    'gc.mjs': "import { initWorld } from 'lamellar';\nconst world = await initWorld();\nconsole.log(`@@gc ${world.myPe} ${typeof globalThis.gc}`);\nawait world.shutdown();\n",
    'exit-code.mjs':
      "import { initWorld } from 'lamellar';\nconst world = await initWorld();\nconsole.log(`@@pe ${world.myPe}/${world.numPes}`);\nawait world.shutdown();\nif (process.argv[2] === 'fail') process.exitCode = 4;\n",
    'hold.mjs': "import { initWorld } from 'lamellar';\nconst world = await initWorld();\nconsole.log(`@@ready ${world.myPe}`);\nawait new Promise((r) => setTimeout(r, 60000));\nawait world.shutdown();\n",
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lamellar-newcomer-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'lamellar'), 'dir');
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const lamellar = (args: string[], o: JobOptions = {}): Promise<JobResult> => runNode([BIN, ...args], { timeoutMs: 30000, ...o, cwd: dir });
  const sorted = (r: JobResult, tag: string): string[] => r.stdout.split('\n').filter((l) => l.startsWith(`@@${tag} `)).sort();

  test("the launcher's Node flags reach its PEs on every lamella (node --expose-gc lamellar run)", async () => {
    for (const backend of ['shmem', 'tcp'] as const) {
      const r = await runNode(['--expose-gc', BIN, 'run', '-N', '2', '-b', backend, 'gc.mjs'], { timeoutMs: 30000, cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sorted(r, 'gc'), ['@@gc 0 function', '@@gc 1 function'], `${backend}: ${r.stdout}`);
    }
  });

  test('an .mjs entry with a dynamic import and require( in a string runs', async () => {
    const r = await lamellar(['run', '-N', '2', 'app.mjs']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(sorted(r, 'app'), ['@@app 0/2 32', '@@app 1/2 32']);
  });

  describe('a syntax error in a JavaScript entry or a module it imports names its file, line and column', () => {
    const at = (file: string, line: number, col: number, text: string): RegExp =>
      new RegExp(`SyntaxError: Unexpected token ';'\\n {4}at ${join(dir, file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:${col}\\n\\n {4}${line} \\| ${text}\\n {4} {${String(line).length}} \\| {${col}}\\^`);
    test('the entry, on shmem', async () => {
      const r = await lamellar(['run', '-N', '2', 'syn.mjs']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^lamellar: PE [01] failed:\n/);
      assert.match(r.stderr, at('syn.mjs', 3, 11, 'const x = ;'));
    });
    test('a module the entry imports, on tcp', async () => {
      const r = await lamellar(['run', '-N', '2', '--backend', 'tcp', 'imports-bad.js']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, at('lib-bad.mjs', 2, 11, 'const y = ;'));
    });
    test('an entry without an extension, loaded as JavaScript', async () => {
      const r = await lamellar(['run', '-N', '2', 'syn-noext']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`SyntaxError: Missing initializer in const declaration\\n {4}at ${join(dir, 'syn-noext').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:8\\n`));
    });
    test('the entry of lamellar exec', async () => {
      const r = await lamellar(['exec', 'syn.mjs'], { env: { LAMELLAR_PE_ID: '0', LAMELLAR_NUM_PES: '1' } });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^lamellar: PE 0 failed:\n/);
      assert.match(r.stderr, at('syn.mjs', 3, 11, 'const x = ;'));
    });
    test('a .ts entry (compiled by tsx) gets the line and a caret too, without the compiler\'s frames, on shmem and tcp', async () => {
      for (const backend of ['shmem', 'tcp']) {
        const r = await lamellar(['run', '-N', '2', '-b', backend, 'syn-ts.ts']);
        assert.equal(r.code, 1, r.stderr);
        const file = join(dir, 'syn-ts.ts').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        assert.match(r.stderr, new RegExp(`SyntaxError: Transform failed with 1 error:\\n${file}:3:18: ERROR: Unexpected ";"\\n {4}at ${file}:3:19\\n\\n {4}3 \\| const x: number = ;\\n {6}\\| {19}\\^ Unexpected ";"`));
        assert.doesNotMatch(r.stderr, /esbuild|TransformError/);
      }
    });
    test('`await using` in .mjs says Node 20 does not parse it, and what to do instead', { skip: !process.version.startsWith('v20.') && 'Node 20 only' }, async () => {
      const r = await lamellar(['run', '-N', '2', 'using.mjs']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`at ${join(dir, 'using.mjs').replace(/[.]/g, '\\.')}:2:1\\n\\n {4}2 \\| await using world = await initWorld\\(\\);`));
      assert.match(r.stderr, /Node v20\.\d+\.\d+ does not parse `using` declarations in JavaScript: write the script as \.ts .*or call world\.shutdown\(\)/);
    });
  });

  describe('lamellar run numbers its PEs itself', () => {
    test('an inherited LAMELLAR_PE_ID is ignored, on shmem and tcp', async () => {
      const shmem = await lamellar(['run', '-N', '2', 'app.mjs'], { env: { LAMELLAR_PE_ID: '1' } });
      assert.equal(shmem.code, 0, shmem.stderr);
      assert.deepEqual(sorted(shmem, 'app'), ['@@app 0/2 32', '@@app 1/2 32']);
      const tcp = await lamellar(['run', '-N', '2', '-b', 'tcp', 'app.mjs'], { env: { LAMELLAR_PE_ID: '1', LAMELLAR_NUM_PES: '1' } });
      assert.equal(tcp.code, 0, tcp.stderr);
      assert.deepEqual(sorted(tcp, 'app'), ['@@app 0/2 32', '@@app 1/2 32']);
    });
    test('-N wins over a LAMELLAR_NUM_PES it would not accept', async () => {
      const r = await lamellar(['run', '-N', '2', 'app.mjs'], { env: { LAMELLAR_NUM_PES: 'many', LAMELLAR_PE_ID: '7' } });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sorted(r, 'app'), ['@@app 0/2 32', '@@app 1/2 32']);
    });
    test('lamellar exec still reads both', async () => {
      const r = await lamellar(['exec', 'app.mjs'], { env: { LAMELLAR_PE_ID: '1', LAMELLAR_NUM_PES: '1' } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /LAMELLAR_PE_ID=1 is not below LAMELLAR_NUM_PES=1 \(LAMELLAR_ERR_CONFIG\)/);
    });
  });

  describe('bad settings are refused before any PE starts', () => {
    test('--stats=<file> in a directory that does not exist is INVALID_ARGUMENT', async () => {
      const r = await lamellar(['run', '-N', '2', `--stats=${join(dir, 'missing', 'st.json')}`, 'app.mjs']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(
        r.stderr,
        `lamellar: --stats=${join(dir, 'missing', 'st.json')}: PE 0 could not write its stats there when the job ends: the directory ${join(dir, 'missing')} does not exist (LAMELLAR_ERR_INVALID_ARGUMENT)\n`,
      );
      assert.equal(r.stdout, '');
    });
    test('LAMELLAR_STATS=<file> naming a directory is CONFIG', async () => {
      const r = await lamellar(['run', '-N', '2', 'app.mjs'], { env: { LAMELLAR_STATS: dir } });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `lamellar: LAMELLAR_STATS=${dir}: PE 0 could not write its stats there when the job ends: ${dir} is a directory (LAMELLAR_ERR_CONFIG)\n`);
      assert.equal(r.stdout, '');
    });
    test('LAMELLAR_DEBUG=bogus is CONFIG, naming the token and the allowed ones', async () => {
      const r = await lamellar(['run', '-N', '2', 'app.mjs'], { env: { LAMELLAR_DEBUG: 'gc,bogus' } });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, "lamellar: LAMELLAR_DEBUG must be a comma list of ofi, gc, malloc, stacks, 1, all (or 0 for none), got 'gc,bogus': 'bogus' is not one of them (LAMELLAR_ERR_CONFIG)\n");
      assert.equal(r.stdout, '');
    });
  });

  describe('tcp addresses are refused before any PE starts', () => {
    const cases = [
      ['LAMELLAR_MASTER_ADDR', 'nohostport', "lamellar: LAMELLAR_MASTER_ADDR must be host:port (e.g. 10.0.0.1:29500 or [fd00::1]:29500), got 'nohostport' (LAMELLAR_ERR_CONFIG)\n"],
      ['LAMELLAR_BIND_ADDR', '127.0.0.1:80', "lamellar: LAMELLAR_BIND_ADDR must be an address or host name of this host (no port), e.g. 0.0.0.0, 10.0.0.2 or ::, got '127.0.0.1:80' (LAMELLAR_ERR_CONFIG)\n"],
      // TEST-NET-1 (RFC 5737): never an address of this host.
      ['LAMELLAR_BIND_ADDR', '192.0.2.1', /^lamellar: LAMELLAR_BIND_ADDR=192\.0\.2\.1: the PEs cannot listen there on this host: listen EADDRNOTAVAIL.* \(LAMELLAR_ERR_CONFIG\)\n$/],
      ['LAMELLAR_BIND_ADDR', 'no-such-host.invalid', /^lamellar: LAMELLAR_BIND_ADDR=no-such-host\.invalid: the PEs cannot listen there on this host: getaddrinfo (ENOTFOUND|EAI_AGAIN).* \(LAMELLAR_ERR_CONFIG\)\n$/],
    ] as const;
    for (const backend of ['tcp', 'ofi'] as const) {
      for (const [variable, value, message] of cases) {
        test(`${backend}: ${variable}=${value}`, async () => {
          const r = await lamellar(['run', '-N', '2', '-b', backend, 'app.mjs'], { env: { [variable]: value } });
          assert.equal(r.code, 2, r.stderr);
          if (typeof message === 'string') assert.equal(r.stderr, message);
          else assert.match(r.stderr, message);
          assert.equal(r.stdout, '');
        });
      }
    }
    test('lamellar exec: a PE of a multi-PE job that ends without initWorld() says the others wait for it; alone it says nothing', async () => {
      const r = await lamellar(['exec', 'no-world.mjs'], { env: { LAMELLAR_PE_ID: '1', LAMELLAR_NUM_PES: '3', LAMELLAR_RENDEZVOUS_TIMEOUT: '45' } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '@@usage only\n');
      assert.equal(r.stderr, 'lamellar: PE 1 ended without calling initWorld(); the other 2 PE(s) of this job, if they call it, wait for this one until LAMELLAR_RENDEZVOUS_TIMEOUT (45 s)\n');
      const alone = await lamellar(['exec', 'no-world.mjs'], { env: { LAMELLAR_PE_ID: '0', LAMELLAR_NUM_PES: '1' } });
      assert.deepEqual([alone.code, alone.stdout, alone.stderr], [0, '@@usage only\n', '']);
    });
    test('lamellar exec: the script\'s process.exitCode is the exit code, as under lamellar run; `--` before the script is taken', async () => {
      const env = { LAMELLAR_PE_ID: '0', LAMELLAR_NUM_PES: '1' };
      const failed = await lamellar(['exec', 'exit-code.mjs', 'fail'], { env });
      assert.deepEqual([failed.code, failed.stdout], [4, '@@pe 0/1\n'], failed.stderr);
      const run = await lamellar(['run', '-N', '1', 'exit-code.mjs', 'fail']);
      assert.equal(run.code, 4, run.stderr);
      const ok = await lamellar(['exec', '--', 'exit-code.mjs'], { env });
      assert.deepEqual([ok.code, ok.stdout], [0, '@@pe 0/1\n'], ok.stderr);
    });
    test('lamellar exec: an exported LAMELLAR_NUM_PES does not make a cluster launcher\'s rank PE 0; if it disagrees with the launcher\'s size it is CONFIG', async () => {
      const mpi = { OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '2' };
      const bad = await lamellar(['exec', 'exit-code.mjs'], { env: { ...mpi, LAMELLAR_NUM_PES: '3' } });
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /LAMELLAR_NUM_PES=3 disagrees with the 2 ranks the cluster launcher started \(OMPI_COMM_WORLD_SIZE\); unset LAMELLAR_NUM_PES.*\(LAMELLAR_ERR_CONFIG\)/);
      assert.equal(bad.stdout, '');
    });
    test('a LAMELLAR_RENDEZVOUS_DIR that does not exist is CONFIG, and nothing is made there', async () => {
      const missing = join(dir, 'no-such-dir', 'shared');
      const env = { LAMELLAR_PE_ID: '1', LAMELLAR_NUM_PES: '2', LAMELLAR_JOB_ID: 'dir-by-hand', LAMELLAR_JOB_SECRET: 'dir-by-hand-secret-0123', LAMELLAR_RENDEZVOUS_DIR: missing };
      const r = await lamellar(['exec', 'app.mjs'], { env });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`LAMELLAR_RENDEZVOUS_DIR=${missing.replace(/[.]/g, '\\.')} does not exist: give a directory every PE can reach \\(a shared file system across hosts\\)`));
      assert.match(r.stderr, /LAMELLAR_ERR_CONFIG/);
      assert.equal(existsSync(join(dir, 'no-such-dir')), false);
    });
    test('a PE started by hand that cannot listen names the variable in its error and in details', async () => {
      const env = { LAMELLAR_PE_ID: '1', LAMELLAR_NUM_PES: '2', LAMELLAR_JOB_ID: 'bind-by-hand', LAMELLAR_JOB_SECRET: 'bind-by-hand-secret-0123', LAMELLAR_BIND_ADDR: '192.0.2.1' };
      const r = await lamellar(['exec', 'app.mjs'], { env });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^lamellar: PE 1 failed:\nLamellarError: PE 1: cannot listen on 192\.0\.2\.1:0 \(LAMELLAR_BIND_ADDR=192\.0\.2\.1\): listen EADDRNOTAVAIL/);
      assert.match(r.stderr, /details: \{ variable: 'LAMELLAR_BIND_ADDR', value: '192\.0\.2\.1' \}/);
    });
  });

  describe('a signal to the launcher of a shmem job', () => {
    for (const [signal, code, preset] of [['SIGINT', 130, false], ['SIGTERM', 143, true], ['SIGHUP', 129, true]] as const) {
      test(`${signal} stops every PE, says so, and ends by ${signal} (code ${code} in a shell)${preset ? '' : ' (through the process started for malloc settings)'}`, async () => {
        const env = { ...process.env, LAMELLAR_BACKEND: 'shmem' };
        const child = spawn(process.execPath, [BIN, 'run', '-N', '2', 'hold.mjs'], {
          cwd: dir,
          env: preset ? (tunedEnv(env, true, true) ?? env) : env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
        await new Promise<void>((resolve) => {
          child.stdout.setEncoding('utf8').on('data', (d: string) => {
            stdout += d;
            if ((stdout.match(/@@ready/g) ?? []).length === 2) resolve();
          });
          child.once('close', () => resolve());
        });
        child.kill(signal);
        const [c, s] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (cc, ss) => resolve([cc, ss])));
        clearTimeout(timer);
        // Ended by the signal itself once the PEs are stopped, as a shell expects of a command it
        // interrupted (a script's loop stops); the shell shows it as `code`.
        assert.deepEqual([c, s], [null, signal], `a shell would show ${code}: ${stderr}`);
        assert.equal(stderr, `lamellar: stopped by ${signal}\nlamellar: stopping its 2 PE(s)\n`);
      });
    }
  });
});

describe('commands, help and version', () => {
  test('lamellar with no command is a usage error: the usage on stderr, exit 2; help on an unknown topic says so', async () => {
    const r = await runNode([BIN], { timeoutMs: 20000 });
    assert.deepEqual([r.code, r.stdout], [2, ''], r.stderr);
    assert.match(r.stderr, /^usage: lamellar /m);
    const h = await runNode([BIN, 'help', 'bogus'], { timeoutMs: 20000 });
    assert.deepEqual([h.code, h.stdout], [2, '']);
    assert.equal(h.stderr, "lamellar: no help for 'bogus': the topics are run, exec, build-ofi (LAMELLAR_ERR_INVALID_ARGUMENT)\n");
  });

  test('a bad LAMELLAR_RENDEZVOUS_DIR or TMPDIR for a tcp job is CONFIG from the launcher, before any PE starts', async () => {
    const missing = join(tmpdir(), `lamellar-no-such-dir-${process.pid}`);
    const r = await runNode([BIN, 'run', '-N', '2', '-b', 'tcp', fixture('am.ts')], { timeoutMs: 20000, env: { LAMELLAR_RENDEZVOUS_DIR: missing } });
    assert.deepEqual([r.code, r.stdout], [2, ''], r.stderr);
    assert.equal(r.stderr, `lamellar: LAMELLAR_RENDEZVOUS_DIR=${missing} does not exist: give a directory every PE can reach (a shared file system across hosts) (LAMELLAR_ERR_CONFIG)\n`);
    const t = await runNode([BIN, 'run', '-N', '2', '-b', 'tcp', fixture('am.ts')], { timeoutMs: 20000, env: { TMPDIR: missing } });
    assert.deepEqual([t.code, t.stdout], [2, ''], t.stderr);
    assert.match(t.stderr, new RegExp(`^lamellar: cannot make the job's rendezvous directory in ${missing} \\(TMPDIR\\): .*ENOENT.*\\(LAMELLAR_ERR_CONFIG\\)\n$`));
  });
  test('lamellar exec without a script names exec, not run', async () => {
    const r = await runNode([BIN, 'exec'], { timeoutMs: 20000 });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, 'lamellar: no script given: lamellar exec <script> [args...] (LAMELLAR_ERR_SCRIPT_NOT_FOUND)\n');
  });

  test("lamellar exec with run's options says exec takes none, and where the PE count comes from", async () => {
    const r = await runNode([BIN, 'exec', '-N', '2', 'app.ts'], { timeoutMs: 20000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^lamellar: exec takes no option -N: lamellar exec <script> \[args\.\.\.\]\. The PE count and this PE's number come from mpirun or srun/);
    assert.match(r.stderr, /\(LAMELLAR_ERR_INVALID_ARGUMENT\)\n$/);
  });

  const rankOf = { OMPI_COMM_WORLD_SIZE: 'OMPI_COMM_WORLD_RANK', PMI_SIZE: 'PMI_RANK', SLURM_STEP_NUM_TASKS: 'SLURM_PROCID' } as const;
  for (const [variable, by] of [
    ['OMPI_COMM_WORLD_SIZE', 'mpirun \\(Open MPI\\)'],
    ['PMI_SIZE', 'mpirun \\(MPICH, Hydra\\)'],
    ['SLURM_STEP_NUM_TASKS', 'srun \\(Slurm\\)'],
  ] as const) {
    test(`lamellar run as one of ${by.split(' ')[0]}'s ranks (${variable}=2) is refused before anything starts, pointing to lamellar exec`, async () => {
      const r = await runNode([BIN, 'run', '-N', '2', fixture('am.ts')], { timeoutMs: 20000, env: { [variable]: '2', [rankOf[variable]]: '0' } });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^lamellar: lamellar run is one of 2 ranks that ${by} started \\(${variable}=2\\), and each would start a job of its own; under mpirun or srun every rank is one PE: run \`lamellar exec <script>\` instead \\(LAMELLAR_ERR_INVALID_ARGUMENT\\)\n$`));
    });
  }

  const slurmShells = [
    ["a Slurm batch script's own shell (the job's SLURM_NTASKS=4, no step)", { SLURM_JOB_ID: '77', SLURM_NTASKS: '4', SLURM_NPROCS: '4' }],
    ["the one shell of `srun -n 4 --pty bash` (SLURM_STEP_NUM_TASKS=4, SLURM_PTY_PORT)", { SLURM_JOB_ID: '78', SLURM_NTASKS: '4', SLURM_STEP_NUM_TASKS: '4', SLURM_PROCID: '0', SLURM_PTY_PORT: '40123' }],
  ] as const;
  for (const [where, env] of slurmShells) test(`lamellar run in ${where} runs its job`, async () => {
    const r = await runNode([BIN, 'run', '-N', '2', fixture('plain-js.js')], { timeoutMs: 60000, env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').filter((l) => l.includes('@@plain')).map((l) => l.replace(/^\[PE \d\] /, '')).sort(), [
      '@@plain shmem 0/2: PE 1 greeted by PE 0',
      '@@plain shmem 1/2: PE 0 greeted by PE 1',
    ]);
  });

  test("`--stats out.json app.ts` says --stats takes its file with '='; a directory given as the script is named as one", async () => {
    const r = await runNode([BIN, 'run', '-N', '2', '--stats', 'out.json', fixture('am.ts')], { timeoutMs: 20000 });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, "lamellar: --stats takes its file with '=': --stats=out.json (the script out.json does not exist) (LAMELLAR_ERR_INVALID_ARGUMENT)\n");
    const d = await runNode([BIN, 'run', '-N', '2', 'tests'], { timeoutMs: 20000, cwd: ROOT });
    assert.equal(d.code, 2, d.stderr);
    assert.equal(d.stderr, 'lamellar: tests is a directory, not a script (LAMELLAR_ERR_SCRIPT_NOT_FOUND)\n');
  });

  for (const backend of ['shmem', 'local']) {
    test(`lamellar exec refuses LAMELLAR_BACKEND=${backend} instead of running tcp`, async () => {
      const r = await runNode([BIN, 'exec', 'app.ts'], { timeoutMs: 20000, env: { LAMELLAR_BACKEND: backend } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^lamellar: LAMELLAR_BACKEND=${backend} cannot run under exec, which makes this process one PE of a job of processes: use tcp \\(the default for exec\\) or ofi \\(LAMELLAR_ERR_CONFIG\\)\\n$`));
    });
  }

  for (const command of ['run', 'exec', 'build-ofi']) {
    for (const flag of ['--help', '-h']) {
      test(`lamellar ${command} ${flag} shows ${command}'s help and does nothing else`, async () => {
        const r = await runNode([BIN, command, flag], { timeoutMs: 20000, env: { LAMELLAR_SKIP_OFI_BUILD: '1' } });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        assert.match(r.stdout, new RegExp(`^usage: lamellar ${command} `.replace('build-ofi ', 'build-ofi\n')));
        for (const other of ['run', 'exec', 'build-ofi'].filter((c) => c !== command)) assert.doesNotMatch(r.stdout, new RegExp(`lamellar ${other}\\b`));
      });
    }
  }

  // LAMELLAR_SKIP_OFI_BUILD=1: were the command to build after all, it would stop at once and build nothing.
  test('lamellar build-ofi with an argument is INVALID_ARGUMENT and builds nothing', async () => {
    const r = await runNode([BIN, 'build-ofi', '--fast'], { timeoutMs: 20000, env: { LAMELLAR_SKIP_OFI_BUILD: '1' } });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, "lamellar: lamellar build-ofi takes no arguments, got '--fast' (see lamellar build-ofi --help) (LAMELLAR_ERR_INVALID_ARGUMENT)\n");
    assert.equal(r.stdout, '');
  });

  test('lamellar --version and -v print the package version', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-v']) {
      const r = await runNode([BIN, flag], { timeoutMs: 20000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
    }
    const help = await runNode([BIN, '--help'], { timeoutMs: 20000 });
    assert.match(help.stdout, /lamellar --version/);
    assert.match(help.stdout, /-v, --version/);
  });

  test("the help's exit codes: usage and configuration errors, a PE's own code, signals", async () => {
    const r = await runNode([BIN, '--help'], { timeoutMs: 20000 });
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.replace(/\s+/g, ' ');
    assert.match(text, /a failing PE's own non-zero exit code passed through/);
    assert.match(text, /2 for a usage or configuration error/);
    assert.match(text, /stopped by SIGINT,\s+SIGTERM or SIGHUP, it stops every PE and then ends by that signal \(a shell shows 130, 143 or 129\)/);
  });

  test('an unknown command: the coded error first, then the usage', async () => {
    const r = await runNode([BIN, 'launch', 'x.ts'], { timeoutMs: 20000 });
    assert.equal(r.code, 2, r.stderr);
    const [first, second] = r.stderr.split('\n');
    assert.equal(first, "lamellar: unknown command 'launch' (LAMELLAR_ERR_INVALID_ARGUMENT)");
    assert.match(second ?? '', /^usage: lamellar run /);
    assert.doesNotMatch(r.stderr, /\[args\.\.\.\] \(LAMELLAR_ERR/);
  });
});
