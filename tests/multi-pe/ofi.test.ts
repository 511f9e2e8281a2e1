/**
 * The ofi lamella beyond the shared conformance suite (which runs every fixture on ofi with 2 and
 * 4 PEs on the tcp and shm providers): the memory contract on both providers and with atomics
 * forced onto the runtime path, launches under mpirun and across two network namespaces,
 * failures (kill -9), security (a stranger without the job secret, a frame over the receiver's
 * limit) and bad inputs (an unknown provider, a missing addon). Outside CI, tests that need the
 * addon, mpirun or root skip and say what is missing; in CI (CI=true) they always run.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { connectPeer } from '../../src/lamellae/tcp/tls.js';
import { compiledFixture } from '../helpers/compiled.js';
import { BIN, caseReports, fixture, IN_CI, ofiMissing, ROOT, runJob, runNode } from '../helpers/job.js';
import { RDMA_CASES } from '../helpers/suites.js';
import { assertCases, freePort, onPath, start, startPe, stopAll, within, type Proc } from '../helpers/procs.js';

const JOB_CASES = [
  'every PE has a distinct id in a world of the launched size',
  'an AM travels the ring of PEs and returns its path',
  'put and get reach every other PE',
  'the lamella refuses a frame over LAMELLAR_MAX_FRAME at the caller',
];
const TCP_PROVIDER = 'tcp;ofi_rxm';

const OFI_MISSING = ofiMissing(TCP_PROVIDER);
const MPIRUN_MISSING = onPath('mpirun') ? [] : ['mpirun (install Open MPI: apt-get install openmpi-bin)'];
const NETNS_MISSING = [
  ...(onPath('ip') ? [] : ['the ip command (apt-get install iproute2)']),
  ...(process.getuid?.() === 0 ? [] : ['root, to create network namespaces']),
];

/** The `skip` option of a test that needs `missing`: a reason outside CI, never in CI. */
function unless(...missing: string[][]): string | false {
  const all = missing.flat();
  return all.length === 0 || IN_CI ? false : `needs ${all.join(' and ')}; .ci/run (run as root in CI) installs them`;
}

/** In CI the prerequisites must be there: fail with what is missing rather than a spawn error. */
function requirePrerequisites(...missing: string[][]): void {
  const all = missing.flat();
  assert.deepEqual(all, [], `CI=true, so this test must run, but it lacks ${all.join(' and ')}`);
}

const ofiEnv = (jobId: string, port: number, provider = TCP_PROVIDER): Record<string, string> => ({
  LAMELLAR_BACKEND: 'ofi',
  LAMELLAR_OFI_PROVIDER: provider,
  LAMELLAR_JOB_ID: jobId,
  LAMELLAR_JOB_SECRET: `secret-of-${jobId}`,
  LAMELLAR_MASTER_ADDR: `127.0.0.1:${port}`,
});

describe('ofi atomics', () => {
  test('LAMELLAR_DEBUG=ofi names the provider and the atomics the provider performs', { timeout: 90000, skip: unless(ofiMissing('shm')) }, async () => {
    requirePrerequisites(ofiMissing('shm'));
    const r = await runJob(compiledFixture('tcp-job.ts'), { numPes: 2, backend: 'ofi', provider: 'shm', env: { LAMELLAR_DEBUG: 'ofi' }, timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    for (const pe of [0, 1]) {
      assert.match(r.stderr, new RegExp(`lamellar: PE ${pe}: ofi provider shm \\(fabric shm, domain shm, libfabric \\d`));
    }
    assert.match(r.stderr, /atomics through the provider: .*add \(every word type\).*cas \(every word type\); through the runtime: none/);
  });

  test('with LAMELLAR_OFI_ATOMICS=runtime every atomic goes to the target\'s progress thread and the memory contract holds', { timeout: 120000, skip: unless(OFI_MISSING) }, async () => {
    requirePrerequisites(OFI_MISSING);
    const r = await runJob(compiledFixture('tcp-rdma.ts'), {
      numPes: 2, backend: 'ofi', provider: TCP_PROVIDER, env: { LAMELLAR_OFI_ATOMICS: 'runtime', LAMELLAR_DEBUG: 'ofi' }, timeoutMs: 100000,
    });
    assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.match(r.stderr, /atomics through the provider: none; through the runtime: load \(every word type\)/);
    assertCases(r.stdout, 2, RDMA_CASES);
  });

  test('with LAMELLAR_OFI_ATOMICS=runtime on the shm provider the memory contract holds (replies that wait are not applied again)', { timeout: 120000, skip: unless(ofiMissing('shm')) }, async () => {
    requirePrerequisites(ofiMissing('shm'));
    const r = await runJob(compiledFixture('tcp-rdma.ts'), { numPes: 2, backend: 'ofi', provider: 'shm', env: { LAMELLAR_OFI_ATOMICS: 'runtime' }, timeoutMs: 100000 });
    assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assertCases(r.stdout, 2, RDMA_CASES);
  });
});

describe('launching ofi jobs', () => {
  test('mpirun -np 2 lamellar exec runs a 2-PE ofi job on the tcp provider', { timeout: 90000, skip: unless(MPIRUN_MISSING, OFI_MISSING) }, async () => {
    requirePrerequisites(MPIRUN_MISSING, OFI_MISSING);
    const port = await freePort();
    const env = { ...ofiEnv(`mpi-${process.pid}`, port), LAMELLAR_MAX_FRAME: '1048576' };
    const p = start(
      'mpirun',
      ['--allow-run-as-root', '--oversubscribe', '-np', '2', ...Object.keys(env).flatMap((k) => ['-x', k]), process.execPath, BIN, 'exec', compiledFixture('tcp-job.ts')],
      env,
    );
    try {
      const { code } = await within(p.exited, 60000, 'mpirun');
      assert.equal(code, 0, p.stderr);
      assertCases(p.stdout, 2, JOB_CASES);
    } finally {
      stopAll([p]);
    }
  });

  test('two hosts: one ofi PE (tcp provider) in each of two network namespaces, bound to 0.0.0.0', { timeout: 90000, skip: unless(NETNS_MISSING, OFI_MISSING) }, async () => {
    requirePrerequisites(NETNS_MISSING, OFI_MISSING);
    const tag = String(process.pid % 100000);
    const [nsA, nsB, vA, vB] = [`loA${tag}`, `loB${tag}`, `lova${tag}`, `lovb${tag}`];
    const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: 'pipe' });
    const procs: Proc[] = [];
    try {
      ip('netns', 'add', nsA);
      ip('netns', 'add', nsB);
      ip('link', 'add', vA, 'type', 'veth', 'peer', 'name', vB);
      ip('link', 'set', vA, 'netns', nsA);
      ip('link', 'set', vB, 'netns', nsB);
      ip('-n', nsA, 'addr', 'add', '10.214.0.1/24', 'dev', vA);
      ip('-n', nsB, 'addr', 'add', '10.214.0.2/24', 'dev', vB);
      for (const [ns, dev] of [[nsA, vA], [nsB, vB]] as const) {
        ip('-n', ns, 'link', 'set', 'lo', 'up');
        ip('-n', ns, 'link', 'set', dev, 'up');
      }
      const env = { ...ofiEnv(`netns-${tag}`, 0), LAMELLAR_MASTER_ADDR: '10.214.0.1:29500', LAMELLAR_DEBUG: 'ofi' };
      // Bound to every interface, as docs/ofi.md's cluster examples are: each PE's fabric
      // endpoint opens on the address the bootstrap advertised (PE 0 the master address's host,
      // PE 1 its address on the route to PE 0). Opened on 0.0.0.0, no peer could insert it.
      procs.push(startPe('tcp-job.ts', 0, 2, { ...env, LAMELLAR_BIND_ADDR: '0.0.0.0' }, [], nsA));
      procs.push(startPe('tcp-job.ts', 1, 2, { ...env, LAMELLAR_BIND_ADDR: '0.0.0.0' }, [], nsB));
      const exits = await within(Promise.all(procs.map((p) => p.exited)), 45000, 'the two-host job');
      exits.forEach((e, pe) => assert.equal(e.code, 0, procs[pe]!.stderr));
      assertCases(procs.map((p) => p.stdout).join(''), 2, JOB_CASES);
      // Each PE's fabric endpoint sits on its own host's interface.
      assert.match(procs[0]!.stderr, /ofi provider tcp;ofi_rxm \(fabric 10\.214\.0\.0\/24/);
      assert.match(procs[1]!.stderr, /ofi provider tcp;ofi_rxm \(fabric 10\.214\.0\.0\/24/);
    } finally {
      stopAll(procs);
      await within(Promise.all(procs.map((p) => p.exited)), 5000, 'the killed PEs').catch(() => {});
      for (const args of [['netns', 'del', nsA], ['netns', 'del', nsB], ['link', 'del', vA]]) {
        try {
          ip(...args);
        } catch {}
      }
    }
  });
});

describe('ofi failures', () => {
  test("a shm region and a doorbell page a killed process left under this PE's pid are removed, and the endpoint opens", { timeout: 60000, skip: unless(ofiMissing('shm')) }, async () => {
    // The kill -9 tests below leave such regions; a later PE given the same pid failed with
    // 'cannot enable the endpoint: Device or resource busy'.
    requirePrerequisites(ofiMissing('shm'));
    const r = await runJob(fixture('ofi-stale-shm.ts'), { backend: 'ofi', provider: 'shm', numPes: 2, timeoutMs: 45000 });
    assert.equal(r.code, 0, r.stderr);
    // Its shm region comes back as the endpoint opens; the stale doorbell page does not.
    assert.equal([...r.stdout.matchAll(/@@stale-shm \d ok 1\n/g)].length, 2, r.stdout);
  });

  for (const provider of [TCP_PROVIDER, 'shm']) {
    test(`kill -9 of one PE stops every other PE within 10 s with an error naming it (${provider})`, { timeout: 60000, skip: unless(ofiMissing(provider)) }, async () => {
      requirePrerequisites(ofiMissing(provider));
      const env = ofiEnv(`kill-${provider.length}-${process.pid}`, await freePort(), provider);
      const procs = [0, 1, 2].map((pe) => startPe('tcp-job.ts', pe, 3, env, ['--hold']));
      let pid = 0;
      try {
        pid = Number((await procs[1]!.waitFor(/@@pid 1 (\d+)/))[1]);
        await Promise.all([procs[0]!.waitFor(/@@pid/), procs[2]!.waitFor(/@@pid/)]);
        const killed = performance.now();
        process.kill(pid, 'SIGKILL');
        for (const pe of [0, 2]) {
          const e = await procs[pe]!.exited;
          assert.notEqual(e.code, 0, `PE ${pe} exited 0`);
          assert.ok(e.at - killed < 10000, `PE ${pe} took ${Math.round(e.at - killed)} ms to stop`);
          assert.match(procs[pe]!.stderr, /PE 1 was lost/);
          assert.match(procs[pe]!.stderr, /LAMELLAR_ERR_PE_FAILED/);
          assert.doesNotMatch(procs[pe]!.stdout, /held to the end/);
        }
      } finally {
        stopAll(procs);
        // No launcher saw PE 1 die: its shm provider region (16 MiB of /dev/shm) is this test's to remove.
        if (pid > 0) for (const name of readdirSync('/dev/shm')) if (name.startsWith(`${pid}:`)) rmSync(`/dev/shm/${name}`, { force: true });
      }
    });
  }

  for (const provider of [TCP_PROVIDER, 'shm']) {
    test(`a flood of large AMs both ways at once is delivered whole (the receivers pause and resume; ${provider})`, { timeout: 90000, skip: unless(ofiMissing(provider)) }, async () => {
      requirePrerequisites(ofiMissing(provider));
      // 2,000 AMs of 10,000 numbers each way, about 100 MB: an earlier progress thread leaked
      // receive buffers whenever it paused, and this job then hung for good.
      const r = await runJob(compiledFixture('tcp-job.ts'), { backend: 'ofi', numPes: 2, provider, args: ['--flood', '2000', '10000'], timeoutMs: 60000 });
      assert.equal(r.signal, null, `killed by the test's time limit (a hang):\n${r.stderr}`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /@@flood 20000000,20000000\n/);
    });
  }

  for (const provider of [TCP_PROVIDER, 'shm']) {
    test(`puts and gets from outside the heap, and later regions, never fail for want of a staging block (${provider})`, { timeout: 60000, skip: unless(ofiMissing(provider)) }, async () => {
      requirePrerequisites(ofiMissing(provider));
      // A 600 KB put staged in a 1 MiB block of a 1 MiB heap that holds a 900 KB region failed
      // with OUT_OF_MEMORY, and so did a 200 KB get (a 256 KiB block); both go through a
      // registration now. A 600 KB region failed after a 300 KB put, whose block was kept for
      // reuse; kept blocks are given back when an allocation needs their space.
      const r = await runJob(compiledFixture('ofi-staging.ts'), { backend: 'ofi', numPes: 2, provider, env: { LAMELLAR_HEAP_SIZE: '1048576' }, timeoutMs: 45000 });
      assert.equal(r.code, 0, r.stderr);
      for (const pe of [0, 1]) {
        assert.match(r.stdout, new RegExp(`@@staged ${pe} 0\\n`));
        assert.match(r.stdout, new RegExp(`@@got ${pe} 0\\n`));
        assert.match(r.stdout, new RegExp(`@@concurrent ${pe} 0\\n`));
        assert.match(r.stdout, new RegExp(`@@region ${pe} 600000\\n`));
      }
    });
  }

  for (const provider of [TCP_PROVIDER, 'shm']) {
    test(`with LAMELLAR_OFI_MAX_RMA=4096 puts and gets go as 4 KiB parts and arrive whole, from and into the heap, staging blocks and registered arrays (${provider})`, { timeout: 60000, skip: unless(ofiMissing(provider)) }, async () => {
      requirePrerequisites(ofiMissing(provider));
      // A provider's max_msg_size bounds one fabric write or read (verbs: the port's, 1-2 GiB);
      // the lamella splits larger ones. The variable lowers the part size so the parts run here.
      const r = await runJob(compiledFixture('ofi-parts.ts'), { backend: 'ofi', numPes: 2, provider, env: { LAMELLAR_OFI_MAX_RMA: '4096', LAMELLAR_DEBUG: 'ofi' }, timeoutMs: 45000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /PE 0: ofi provider .*puts and gets in parts of up to 4096 bytes/);
      for (const pe of [0, 1]) {
        for (const c of ['heap', 'heap-get', 'staged', 'registered', 'concurrent']) assert.match(r.stdout, new RegExp(`@@${c} ${pe} 0\\n`));
      }
    });
  }

  for (const provider of [TCP_PROVIDER, 'shm']) {
    test(`an abort while a large get starts rejects the get with its reason and fails the job with it, no crash (${provider})`, { timeout: 60000, skip: unless(ofiMissing(provider)) }, async () => {
      requirePrerequisites(ofiMissing(provider));
      const r = await runJob(compiledFixture('ofi-abort-get.ts'), { backend: 'ofi', numPes: 2, provider, timeoutMs: 45000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout, /@@rejected aborted while a get was starting\n/);
      assert.match(r.stderr, /aborted while a get was starting/);
      assert.doesNotMatch(r.stderr, /SIGSEGV|killed by/);
    });
  }

  for (const provider of [undefined, 'shm']) {
    test(`Ctrl-C on lamellar run --backend ofi stops every PE without a crash report (${provider ?? 'libfabric\'s choice'})`, { timeout: 60000, skip: unless(ofiMissing(provider)) }, async () => {
      requirePrerequisites(ofiMissing(provider));
      // libinfinipath, linked into Debian's libfabric, replaced the PEs' signal handlers with one
      // that crashed on SIGINT and printed "terminated with signal 11" and a backtrace. A Ctrl-C
      // signals the terminal's whole process group: the launcher and every PE.
      const env = { ...process.env, ...(provider === undefined ? {} : { LAMELLAR_OFI_PROVIDER: provider }) };
      const child = spawn(process.execPath, [BIN, 'run', '-N', '2', '--backend', 'ofi', compiledFixture('tcp-job.ts'), '--hold'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
      try {
        const up = async (): Promise<void> => {
          while (!/@@pid 0[^]*@@pid 1|@@pid 1[^]*@@pid 0/.test(out)) await new Promise((r) => child.stdout.once('data', r));
        };
        await within(up(), 30000, 'both PEs up');
        process.kill(-child.pid!, 'SIGINT');
        assert.deepEqual(await within(exited, 30000, 'the job to stop'), [null, 'SIGINT'], err);
        assert.match(err, /stopped by SIGINT/);
        assert.doesNotMatch(err, /signal 11|Backtrace|SIGSEGV/, err);
        assert.doesNotMatch(out, /held to the end/);
      } finally {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {}
      }
    });
  }

  for (const provider of [TCP_PROVIDER, 'shm']) {
  test(`kill -9 of one PE makes lamellar run --backend ofi exit non-zero naming it, and removes what it left in /dev/shm (${provider})`, { timeout: 60000, skip: unless(ofiMissing(provider)) }, async () => {
    requirePrerequisites(ofiMissing(provider));
    const p = start(process.execPath, [BIN, 'run', '-N', '3', '--backend', 'ofi', compiledFixture('tcp-job.ts'), '--hold'], { LAMELLAR_OFI_PROVIDER: provider });
    try {
      const pid = Number((await p.waitFor(/@@pid 1 (\d+)/))[1]);
      await p.waitFor(/@@pid 0[^]*@@pid 2|@@pid 2[^]*@@pid 0/);
      const killed = performance.now();
      process.kill(pid, 'SIGKILL');
      const e = await p.exited;
      assert.notEqual(e.code, 0);
      assert.ok(e.at - killed < 10000, `the launcher took ${Math.round(e.at - killed)} ms to stop`);
      assert.match(p.stderr, /PE 1 was killed by SIGKILL/);
      // The shm provider's region of the killed PE (/dev/shm/<pid>:0:0) is gone with the job.
      assert.deepEqual(readdirSync('/dev/shm').filter((n) => n.startsWith(`${pid}:`)), []);
    } finally {
      stopAll([p]);
    }
  });
  }
});

describe('ofi security', () => {
  test('a stranger without the job secret never joins, and the job completes', { timeout: 60000, skip: unless(OFI_MISSING) }, async () => {
    requirePrerequisites(OFI_MISSING);
    const port = await freePort();
    const jobId = `stranger-${process.pid}`;
    const p = start(process.execPath, [BIN, 'run', '-N', '2', '--backend', 'ofi', compiledFixture('tcp-job.ts'), '--await-stranger', '1'], {
      ...ofiEnv(jobId, port),
      LAMELLAR_MAX_FRAME: '1048576',
    });
    try {
      await p.waitFor(/@@ready/);
      const s = await dial(port);
      await assert.rejects(connectPeer(s, { secret: 'not-the-secret-at-all', jobId }, 1, 'off', 10000), /it refused this PE's proof/);
      s.destroy();
      const e = await p.exited;
      assert.equal(e.code, 0, p.stderr);
      assertCases(p.stdout, 2, JOB_CASES);
      assert.match(p.stdout, /@@refused PE 0 refused a connection from 127\.0\.0\.1:\d+: it claimed to be PE 1 but did not prove the job secret/);
    } finally {
      stopAll([p]);
    }
  });

  test('a frame over the receiver\'s LAMELLAR_MAX_FRAME stops the job with FRAME_TOO_LARGE', { timeout: 60000, skip: unless(OFI_MISSING) }, async () => {
    requirePrerequisites(OFI_MISSING);
    const env = ofiEnv(`oversize-${process.pid}`, await freePort());
    const procs = [
      startPe('tcp-job.ts', 0, 2, env, ['--big-am', String(2 << 20)]),
      startPe('tcp-job.ts', 1, 2, { ...env, LAMELLAR_MAX_FRAME: String(1 << 20) }, ['--big-am', '0']),
    ];
    try {
      const exits = await within(Promise.all(procs.map((q) => q.exited)), 30000, 'the oversize job');
      exits.forEach((e) => assert.notEqual(e.code, 0));
      assert.match(procs[1]!.stderr, /LAMELLAR_ERR_FRAME_TOO_LARGE/);
      assert.match(procs[1]!.stderr, /PE 0 sent a frame of \d+ bytes to PE 1, more than LAMELLAR_MAX_FRAME \(1048576 bytes\)/);
      assert.match(procs[0]!.stderr, /PE 1 stopped the job: PE 1 aborted: PE 0 sent a frame/);
      assert.doesNotMatch(procs[0]!.stdout, /@@sent/);
    } finally {
      stopAll(procs);
    }
  });
});

describe('ofi bad inputs', () => {
  test('an unknown provider fails at once with OFI_PROVIDER naming it and what exists', { timeout: 30000, skip: unless(OFI_MISSING) }, async () => {
    requirePrerequisites(OFI_MISSING);
    const r = await runJob(compiledFixture('tcp-job.ts'), { numPes: 2, backend: 'ofi', provider: 'no-such-fabric', timeoutMs: 20000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the libfabric provider 'no-such-fabric' \(LAMELLAR_OFI_PROVIDER\) is not available here/);
    assert.match(r.stderr, /providers that offer reliable datagram endpoints with RMA here: .*tcp;ofi_rxm/);
    assert.match(r.stderr, /LAMELLAR_ERR_OFI_PROVIDER/);
    assert.equal(caseReports(r.stdout).length, 0, 'no PE ran');
    // One PE started by hand (as under mpirun) fails the same way at initWorld.
    const p = startPe('tcp-job.ts', 0, 1, { LAMELLAR_BACKEND: 'ofi', LAMELLAR_OFI_PROVIDER: 'no-such-fabric' });
    assert.notEqual((await p.exited).code, 0);
    assert.match(p.stderr, /LAMELLAR_ERR_OFI_PROVIDER/);
  });

  test("a failed open() gives back the heap and ring buffers it was handed: they are collected once the program lets them go", { timeout: 30000, skip: unless(OFI_MISSING) }, async () => {
    requirePrerequisites(OFI_MISSING);
    const r = await runNode(['--import', 'tsx', fixture('ofi-open-fail.ts')], { timeoutMs: 20000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /@@code LAMELLAR_ERR_OFI_PROVIDER/);
    assert.match(r.stdout, /@@collected 3 of 3/);
  });

  test('PEs started with different providers all fail at once with OFI_PROVIDER naming both', { timeout: 30000, skip: unless(ofiMissing('shm')) }, async () => {
    requirePrerequisites(ofiMissing('shm'));
    const port = await freePort();
    const procs = [TCP_PROVIDER, 'shm'].map((provider, pe) => startPe('tcp-job.ts', pe, 2, ofiEnv(`mixed-${process.pid}`, port, provider)));
    try {
      const exits = await within(Promise.all(procs.map((p) => p.exited)), 20000, 'the PEs');
      exits.forEach((e, pe) => assert.equal(e.code, 1, procs[pe]!.stderr));
      assert.match(procs[0]!.stderr, /PE 1 opened the libfabric provider 'shm' but PE 0 opened 'tcp;ofi_rxm': set LAMELLAR_OFI_PROVIDER/);
      assert.match(procs[1]!.stderr, /PE 0 opened the libfabric provider 'tcp;ofi_rxm' but PE 1 opened 'shm': set LAMELLAR_OFI_PROVIDER/);
      for (const p of procs) assert.equal(caseReports(p.stdout).length, 0, 'no PE ran');
    } finally {
      stopAll(procs);
    }
  });

  test("libfabric's FI_PROVIDER hiding every provider fails at once with OFI_PROVIDER naming that variable", { timeout: 30000, skip: unless(OFI_MISSING) }, async () => {
    requirePrerequisites(OFI_MISSING);
    // Set but empty, libfabric hides them all too.
    for (const fi of ['no-such-fabric', '']) {
      const r = await runJob(compiledFixture('tcp-job.ts'), { numPes: 2, backend: 'ofi', env: { FI_PROVIDER: fi }, timeoutMs: 20000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`no libfabric provider offers [^\\n]*\\(libfabric's FI_PROVIDER is set to '${fi}', which hides every provider it does not name; unset it to see them all\\)`), r.stderr);
      assert.match(r.stderr, /LAMELLAR_ERR_OFI_PROVIDER/);
      assert.equal(caseReports(r.stdout).length, 0, 'no PE ran');
    }
  });

  test('without the addon, --backend ofi fails at once with OFI_UNAVAILABLE saying what to install', { timeout: 30000 }, async (t) => {
    // A copy of the package without native/: an install where the optional build did not run.
    const copy = mkdtempSync(join(tmpdir(), 'lamellar-no-addon-'));
    t.after(() => rmSync(copy, { recursive: true, force: true }));
    for (const part of ['dist', 'bin', 'package.json']) cpSync(join(ROOT, part), join(copy, part), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const r = await runNode([join(copy, 'bin/lamellar.mjs'), 'run', '-N', '2', '-b', 'ofi', compiledFixture('tcp-job.ts')], { timeoutMs: 20000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /LAMELLAR_ERR_OFI_UNAVAILABLE/);
    assert.match(r.stderr, new RegExp(`the ofi backend needs its native addon \\(${copy}/native/ofi/build/lamellar_ofi\\.node\\), and it was not built`));
    assert.match(r.stderr, /apt-get install libfabric-dev gcc\), then run `npx lamellar build-ofi`/);
  });

  test('LAMELLAR_OFI_ADDON naming a missing file fails at once with OFI_UNAVAILABLE naming the variable', { timeout: 30000 }, async () => {
    const missing = { LAMELLAR_OFI_ADDON: '/nonexistent/lamellar_ofi.node' };
    const r = await runJob(compiledFixture('tcp-job.ts'), { numPes: 2, backend: 'ofi', env: missing, timeoutMs: 20000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /LAMELLAR_ERR_OFI_UNAVAILABLE/);
    assert.match(r.stderr, /LAMELLAR_OFI_ADDON names \/nonexistent\/lamellar_ofi\.node, which does not exist; point it at a built lamellar_ofi\.node, or unset it/);
    assert.doesNotMatch(r.stderr, /it was not built/);
    const p = startPe('tcp-job.ts', 0, 1, { LAMELLAR_BACKEND: 'ofi', ...missing });
    assert.notEqual((await p.exited).code, 0);
    assert.match(p.stderr, /LAMELLAR_ERR_OFI_UNAVAILABLE/);
    assert.match(p.stderr, /LAMELLAR_OFI_ADDON names \/nonexistent\/lamellar_ofi\.node, which does not exist/);
  });
});

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}
