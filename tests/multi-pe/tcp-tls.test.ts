/**
 * tcp confidentiality and noise (issue #11): LAMELLAR_TLS=1 runs the whole tcp job over
 * encrypted links; over loopback the default leaves them in the clear (they never leave the
 * host; the two-host test in tcp.test.ts checks that links between hosts are encrypted by
 * default); and a flood of strangers gets a bounded number of warnings.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { compiledFixture } from '../helpers/compiled.js';
import { BIN, caseReports, runJob } from '../helpers/job.js';
import { freePort } from '../helpers/procs.js';

const JOB_CASES = ['every PE has a distinct id in a world of the launched size', 'an AM travels the ring of PEs and returns its path', 'put and get reach every other PE'];

describe('encrypted tcp links (LAMELLAR_TLS)', () => {
  for (const [tls, encrypted] of [['1', true], [undefined, false]] as const) {
    test(`LAMELLAR_TLS=${tls ?? '(unset)'} over loopback: every case passes, and every link is ${encrypted ? '' : 'not '}encrypted`, async () => {
      const env: Record<string, string> = { NODE_DEBUG: 'lamellar', ...(tls === undefined ? {} : { LAMELLAR_TLS: tls }) };
      const r = await runJob(compiledFixture('tcp-job.ts'), { backend: 'tcp', numPes: 3, env, timeoutMs: 60000 });
      assert.equal(r.code, 0, r.stderr);
      for (const name of JOB_CASES) {
        const reps = caseReports(r.stdout).filter((c) => c.case === name);
        assert.equal(reps.length, 3, name);
        for (const rep of reps) assert.ok(rep.ok, `PE ${rep.pe} ${name}: ${rep.error}`);
      }
      // Three links (1-0, 2-0, 2-1), each reported by both ends.
      const lines = r.stderr.match(/PE \d: link (to|from) PE \d is (encrypted \(TLS 1\.3\)|not encrypted)/g) ?? [];
      assert.equal(lines.length, 6, r.stderr);
      for (const l of lines) assert.equal(l.endsWith('encrypted (TLS 1.3)'), encrypted, l);
    });
  }
});

describe('refused connections are reported in bounded numbers', () => {
  test('60 strangers at once give 5 warnings and one summary of the other 55, and the job completes', async () => {
    const port = await freePort();
    const jobId = `flood-${process.pid}`;
    const child = spawn(process.execPath, [BIN, 'run', '-N', '2', '--backend', 'tcp', compiledFixture('tcp-job.ts'), '--await-stranger', '6'], {
      env: { ...process.env, LAMELLAR_JOB_ID: jobId, LAMELLAR_JOB_SECRET: `secret-of-${jobId}`, LAMELLAR_MASTER_ADDR: `127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const ready = new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if (stdout.includes('@@ready')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40000);
    try {
      await ready;
      await Promise.all(
        Array.from({ length: 60 }, () =>
          new Promise<void>((resolve) => {
            const s = connect({ host: '127.0.0.1', port }, () => s.end('GET / HTTP/1.0\r\n\r\n'));
            s.on('error', () => resolve());
            s.on('close', () => resolve());
            s.resume();
          }),
        ),
      );
      const code = await exited;
      assert.equal(code, 0, stderr);
      const one = stdout.match(/@@refused PE 0 refused a connection from 127\.0\.0\.1:\d+: it does not speak the lamellar protocol/g) ?? [];
      assert.equal(one.length, 5, stdout);
      assert.match(stdout, /@@refused PE 0 refused 55 more connection\(s\) within 5 s \(at most 5 are reported one by one\); the last: PE 0 refused a connection from 127\.0\.0\.1:\d+/);
      assert.equal((stderr.match(/LAMELLAR_W_UNAUTHENTICATED_PEER/g) ?? []).length, 6, stderr);
    } finally {
      clearTimeout(timer);
      child.kill('SIGKILL');
    }
  });
});
