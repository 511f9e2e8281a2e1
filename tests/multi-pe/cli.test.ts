/** The `lamellar` command line: argument errors and a reader that closes the output early. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { BIN, fixture, runNode } from '../helpers/job.js';

describe('argument errors are coded LamellarErrors, without a stack trace', () => {
  const cases: [string, string[], string, RegExp][] = [
    ['-N -1 world.ts', ['-N', '-1', fixture('world.ts')], 'LAMELLAR_ERR_INVALID_NUM_PES', /whole number from 1 to 65535, got '-1'/],
    ['-N 1.5 world.ts', ['-N', '1.5', fixture('world.ts')], 'LAMELLAR_ERR_INVALID_NUM_PES', /got '1\.5'/],
    ['--foo world.ts', ['--foo', fixture('world.ts')], 'LAMELLAR_ERR_INVALID_ARGUMENT', /unknown option '--foo' for lamellar run/],
    ['-N', ['-N'], 'LAMELLAR_ERR_INVALID_ARGUMENT', /option '-N' needs a value/],
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
      const child = spawn(process.execPath, [BIN, 'run', '-N', '2', '--backend', backend, fixture('endless-output.ts')], {
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
