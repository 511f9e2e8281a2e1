/**
 * The tcp lamella beyond the shared conformance suite and its memory contract (tcp-rdma.ts, in
 * conformance-*.test.ts): launches under mpirun, by hand and across two network namespaces, failures (kill -9, a
 * broken link, a rendezvous that never completes) and security (a stranger without the secret,
 * frames over LAMELLAR_MAX_FRAME, a rendezvous directory that is not private). Every wait is for
 * an event (a line, an exit), bounded by the test's timeout; nothing sleeps. The mpirun and
 * two-host tests skip outside CI when mpirun, ip or root is missing (see unless() below).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, watch, writeFileSync,
} from 'node:fs';
import { connect, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/core/config.js';
import { connectPeer } from '../../src/lamellae/tcp/tls.js';
import { parseHostPort } from '../../src/core/config.js';
import { firstSlurmHost, makePlan, portForJob } from '../../src/lamellae/tcp/plan.js';
import { compiledFixture } from '../helpers/compiled.js';
import { freePort, onPath, start, startPe, stopAll, within, type Proc } from '../helpers/procs.js';
import { BIN, caseReports, configName, fixture, ofiMissing, runJob, skipFor, type JobConfig } from '../helpers/job.js';

const JOB_CASES = [
  'every PE has a distinct id in a world of the launched size',
  'an AM travels the ring of PEs and returns its path',
  'put and get reach every other PE',
  'the lamella refuses a frame over LAMELLAR_MAX_FRAME at the caller',
];

/** A process's command line as `ps` shows it (Linux: /proc/<pid>/cmdline, NUL-separated). */
function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').split('\0').join(' ');
}

// Two tests need what `npm install` does not bring: Open MPI's mpirun, and iproute2's `ip` run
// as root (network namespaces need CAP_SYS_ADMIN). Elsewhere they skip and say why; in CI
// (CI=true) they always run, and a missing prerequisite fails them, since .ci/run installs both.
const IN_CI = process.env['CI'] === 'true' || process.env['CI'] === '1';

const MPIRUN_MISSING = onPath('mpirun') ? [] : ['mpirun (install Open MPI: apt-get install openmpi-bin)'];
const NETNS_MISSING = [
  ...(onPath('ip') ? [] : ['the ip command (apt-get install iproute2)']),
  ...(process.getuid?.() === 0 ? [] : ['root, to create network namespaces (run the tests as root)']),
];

/** The `skip` option of a test that needs `missing`: a reason outside CI, never in CI. */
function unless(missing: string[]): string | false {
  return missing.length === 0 || IN_CI ? false : `needs ${missing.join(' and ')}; .ci/run (run as root in CI) installs openmpi-bin and iproute2`;
}

/** In CI the prerequisites must be there: fail with what is missing rather than a spawn error. */
function requirePrerequisites(missing: string[]): void {
  assert.deepEqual(missing, [], `CI=true, so this test must run, but it lacks ${missing.join(' and ')}; .ci/run (run as root) installs openmpi-bin and iproute2`);
}

function assertJobCases(stdout: string, numPes: number, cases = JOB_CASES): void {
  for (const name of cases) {
    const reports = caseReports(stdout).filter((c) => c.case === name);
    assert.equal(reports.length, numPes, `'${name}' reported by ${reports.length} of ${numPes} PEs\n${stdout}`);
    for (const r of reports) assert.ok(r.ok, `PE ${r.pe}: ${r.error}`);
  }
}

const secretEnv = (port: number, jobId: string): Record<string, string> => ({
  LAMELLAR_JOB_ID: jobId,
  LAMELLAR_JOB_SECRET: `secret-of-${jobId}`,
  LAMELLAR_MASTER_ADDR: `127.0.0.1:${port}`,
});

describe('where tcp PEs meet (rendezvous plan)', () => {
  test('the first node of a Slurm node list is PE 0\'s host', () => {
    assert.equal(firstSlurmHost('nid[007-010,012],login1'), 'nid007');
    assert.equal(firstSlurmHost('node3,node4'), 'node3');
    assert.equal(firstSlurmHost('rack[2-3]-n[01-04],x'), 'rack2-n01');
    assert.equal(firstSlurmHost('gpu[0001]x'), 'gpu0001x');
  });

  test('host:port and [v6]:port parse; anything else is a CONFIG error', () => {
    assert.deepEqual(parseHostPort('10.0.0.1:29500', 'X'), { host: '10.0.0.1', port: 29500 });
    assert.deepEqual(parseHostPort('[fd00::2]:80', 'X'), { host: 'fd00::2', port: 80 });
    for (const bad of ['10.0.0.1', 'host:0', 'host:70000', ':80']) {
      assert.throws(() => parseHostPort(bad, 'X'), /LAMELLAR_ERR_CONFIG|must be host:port/);
    }
  });

  test('every launcher variant resolves to one rendezvous, preferring explicit settings', () => {
    const plan = (env: Record<string, string>) => makePlan(parseConfig({ LAMELLAR_JOB_SECRET: 'a-secret-of-16-chars', ...env }));
    assert.deepEqual(plan({ LAMELLAR_MASTER_ADDR: 'h:1', LAMELLAR_RENDEZVOUS_DIR: '/d', LAMELLAR_JOB_ID: 'j' }).rendezvous, { kind: 'master', host: 'h', port: 1 });
    assert.deepEqual(plan({ LAMELLAR_RENDEZVOUS_DIR: '/d', LAMELLAR_JOB_ID: 'j' }).rendezvous, { kind: 'dir', dir: '/d' });
    const slurm = plan({ SLURM_PROCID: '1', SLURM_NTASKS: '4', SLURM_JOB_ID: '77', SLURM_STEP_ID: '0', SLURM_NODELIST: 'cn[5-8]' });
    assert.deepEqual(slurm.rendezvous, { kind: 'master', host: 'cn5', port: portForJob('slurm-77.0') });
    const ompi = plan({ OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '2', OMPI_MCA_ess_base_jobid: '99' });
    assert.deepEqual(ompi.rendezvous, { kind: 'master', host: '127.0.0.1', port: portForJob('ompi-99') });
    assert.throws(() => plan({ LAMELLAR_PE_ID: '0', LAMELLAR_NUM_PES: '2' }), /needs a rendezvous/);
    assert.throws(() => makePlan(parseConfig({ LAMELLAR_MASTER_ADDR: 'h:1' })), /needs a per-job secret/);
    assert.equal(makePlan(parseConfig({ LAMELLAR_RENDEZVOUS_DIR: '/d', LAMELLAR_JOB_ID: 'j' })).secret, undefined);
  });
});

describe('launching tcp jobs', () => {
  test("a rendezvous directory left by a launcher killed with SIGKILL is removed by the next tcp launch; a live launcher's is kept", { timeout: 60000 }, async () => {
    // A pid that no longer runs: a process that has ended.
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => gone.once('exit', r));
    const host = hostname().replace(/[^A-Za-z0-9._]/g, '_').slice(0, 64);
    const stale = join(tmpdir(), `lamellar-${host}-${gone.pid}-Abc123`);
    const live = join(tmpdir(), `lamellar-${host}-${process.pid}-Abc123`);
    // Another host's (a temporary directory shared between hosts): its pid means nothing here.
    const elsewhere = join(tmpdir(), `lamellar-other.host-${gone.pid}-Abc123`);
    // Dead, but touched within the rendezvous timeout: it may be a job still meeting.
    const recent = join(tmpdir(), `lamellar-${host}-${gone.pid}-Def456`);
    const old = new Date(Date.now() - 3600_000);
    for (const d of [stale, live, elsewhere, recent]) mkdirSync(d, { recursive: true });
    writeFileSync(join(stale, 'rendezvous'), '');
    for (const d of [stale, live, elsewhere]) utimesSync(d, old, old);
    try {
      const r = await runJob(compiledFixture('tcp-job.ts'), { backend: 'tcp', numPes: 2, timeoutMs: 45000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(existsSync(stale), false, 'the dead launcher\'s directory is gone');
      assert.equal(existsSync(live), true, 'a running launcher\'s directory stays');
      assert.equal(existsSync(elsewhere), true, 'another host\'s directory stays');
      assert.equal(existsSync(recent), true, 'a directory touched within the rendezvous timeout stays');
    } finally {
      for (const d of [stale, live, elsewhere, recent]) rmSync(d, { recursive: true, force: true });
    }
  });

  test('mpirun -np 2 lamellar exec runs a 2-PE job (rank and size from Open MPI)', { timeout: 60000, skip: unless(MPIRUN_MISSING) }, async () => {
    requirePrerequisites(MPIRUN_MISSING);
    const port = await freePort();
    const p = start(
      'mpirun',
      ['--allow-run-as-root', '--oversubscribe', '-np', '2', '-x', 'LAMELLAR_JOB_SECRET', '-x', 'LAMELLAR_MASTER_ADDR', '-x', 'LAMELLAR_MAX_FRAME',
        process.execPath, BIN, 'exec', compiledFixture('tcp-job.ts')],
      { LAMELLAR_JOB_SECRET: 'mpirun-secret-0123456789', LAMELLAR_MASTER_ADDR: `127.0.0.1:${port}`, LAMELLAR_MAX_FRAME: '1048576' },
    );
    try {
      const { code } = await within(p.exited, 45000, 'mpirun');
      assert.equal(code, 0, p.stderr);
      assertJobCases(p.stdout, 2);
    } finally {
      stopAll([p]);
    }
  });

  test('PEs started by hand meet through a rendezvous directory, with no secret given', { timeout: 60000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamellar-test-'));
    const env = { LAMELLAR_JOB_ID: `dir-${process.pid}`, LAMELLAR_RENDEZVOUS_DIR: dir };
    const procs = [0, 1, 2].map((pe) => startPe('tcp-job.ts', pe, 3, env));
    try {
      const exits = await Promise.all(procs.map((p) => p.exited));
      exits.forEach((e, pe) => assert.equal(e.code, 0, procs[pe]!.stderr));
      assertJobCases(procs.map((p) => p.stdout).join(''), 3);
      assert.deepEqual(readdirSync(dir), [], 'the rendezvous files are removed');
    } finally {
      stopAll(procs);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('two hosts: one PE in each of two network namespaces joined by a veth pair', { timeout: 90000, skip: unless(NETNS_MISSING) }, async () => {
    requirePrerequisites(NETNS_MISSING);
    const tag = String(process.pid % 100000);
    const [nsA, nsB, vA, vB] = [`lmA${tag}`, `lmB${tag}`, `lmva${tag}`, `lmvb${tag}`];
    const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: 'pipe' });
    const procs: Proc[] = [];
    try {
      ip('netns', 'add', nsA);
      ip('netns', 'add', nsB);
      ip('link', 'add', vA, 'type', 'veth', 'peer', 'name', vB);
      ip('link', 'set', vA, 'netns', nsA);
      ip('link', 'set', vB, 'netns', nsB);
      ip('-n', nsA, 'addr', 'add', '10.213.0.1/24', 'dev', vA);
      ip('-n', nsB, 'addr', 'add', '10.213.0.2/24', 'dev', vB);
      for (const [ns, dev] of [[nsA, vA], [nsB, vB]] as const) {
        ip('-n', ns, 'link', 'set', 'lo', 'up');
        ip('-n', ns, 'link', 'set', dev, 'up');
      }
      const env = { LAMELLAR_JOB_ID: `netns-${tag}`, LAMELLAR_JOB_SECRET: 'two-hosts-secret-0123456789', LAMELLAR_MASTER_ADDR: '10.213.0.1:29500' };
      // NODE_DEBUG shows each link's encryption: on by default between hosts (LAMELLAR_TLS=auto).
      procs.push(startPe('tcp-job.ts', 0, 2, { ...env, LAMELLAR_BIND_ADDR: '10.213.0.1', NODE_DEBUG: 'lamellar' }, [], nsA));
      procs.push(startPe('tcp-job.ts', 1, 2, { ...env, LAMELLAR_BIND_ADDR: '10.213.0.2', NODE_DEBUG: 'lamellar' }, [], nsB));
      const exits = await within(Promise.all(procs.map((p) => p.exited)), 30000, 'the two-host job');
      exits.forEach((e, pe) => assert.equal(e.code, 0, procs[pe]!.stderr));
      assertJobCases(procs.map((p) => p.stdout).join(''), 2);
      assert.match(procs[0]!.stderr, /PE 0: link from PE 1 is encrypted \(TLS 1\.3\)/);
      assert.match(procs[1]!.stderr, /PE 1: link to PE 0 is encrypted \(TLS 1\.3\)/);

      // PE 1's host left LAMELLAR_BIND_ADDR at its loopback default, and PE 2 (on PE 0's host)
      // must dial it: PE 0 refuses PE 1 at the rendezvous naming the variable, where PE 2 could
      // only fail to reach 127.0.0.1.
      const loop = [
        startPe('tcp-job.ts', 0, 3, { ...env, LAMELLAR_JOB_ID: `netns-lo-${tag}`, LAMELLAR_BIND_ADDR: '10.213.0.1' }, [], nsA),
        startPe('tcp-job.ts', 1, 3, { ...env, LAMELLAR_JOB_ID: `netns-lo-${tag}` }, [], nsB),
        startPe('tcp-job.ts', 2, 3, { ...env, LAMELLAR_JOB_ID: `netns-lo-${tag}`, LAMELLAR_BIND_ADDR: '10.213.0.1' }, [], nsA),
      ];
      procs.push(...loop);
      const refused = await within(Promise.all(loop.map((p) => p.exited)), 20000, 'the job with a loopback PE');
      refused.forEach((e, pe) => assert.equal(e.code, 1, loop[pe]!.stderr));
      assert.match(loop[0]!.stderr, /PE 1 advertised 127\.0\.0\.1:\d+ \(LAMELLAR_BIND_ADDR on its host\) but reached PE 0 from 10\.213\.0\.2, another host/);
      for (const pe of [1, 2]) assert.match(loop[pe]!.stderr, /PE 0 stopped the job: [^\n]*LAMELLAR_BIND_ADDR/, loop[pe]!.stderr);

      // The same two hosts, and then the link between them goes down: no FIN, no RST, only
      // silence, which the heartbeats turn into an error naming the other PE on both sides,
      // within 10 s with the default LAMELLAR_PEER_TIMEOUT.
      const held = [
        startPe('tcp-job.ts', 0, 2, { ...env, LAMELLAR_JOB_ID: `netns2-${tag}`, LAMELLAR_BIND_ADDR: '10.213.0.1' }, ['--hold'], nsA),
        startPe('tcp-job.ts', 1, 2, { ...env, LAMELLAR_JOB_ID: `netns2-${tag}`, LAMELLAR_BIND_ADDR: '10.213.0.2' }, ['--hold'], nsB),
      ];
      procs.push(...held);
      await within(Promise.all(held.map((p) => p.waitFor(/@@pid/))), 20000, 'the held job\'s start-up');
      const down = performance.now();
      ip('-n', nsA, 'link', 'set', vA, 'down');
      const gone = await within(Promise.all(held.map((p) => p.exited)), 20000, 'stopping after the link went down');
      gone.forEach((e, pe) => {
        // Exit code 1, the failure's, not SIGKILL: told of the silent peer only after the abort's
        // linger, exec's held exit outlived the network thread's grace and every PE died of it.
        assert.equal(e.signal, null, held[pe]!.stderr);
        assert.equal(e.code, 1, held[pe]!.stderr);
        assert.ok(e.at - down < 10000, `PE ${pe} took ${Math.round(e.at - down)} ms to stop`);
        assert.match(held[pe]!.stderr, new RegExp(`PE ${1 - pe} was lost`));
      });
    } finally {
      // Runs even if a PE hangs: every wait above is bounded. Kill what we started and anything
      // else still inside the namespaces, wait a bounded time, then delete them (which deletes
      // the veth ends inside; the first is deleted by hand in case it never left this one).
      stopAll(procs);
      for (const ns of [nsA, nsB]) {
        let pids: string[] = [];
        try {
          pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: 'pipe' }).split(/\s+/).filter((x) => x !== '');
        } catch {}
        for (const pid of pids) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {}
        }
      }
      await within(Promise.all(procs.map((p) => p.exited)), 5000, 'the killed PEs').catch(() => {});
      for (const args of [['netns', 'del', nsA], ['netns', 'del', nsB], ['link', 'del', vA]]) {
        try {
          ip(...args);
        } catch {}
      }
    }
  });
});

describe('a flood of large AMs both ways at once', () => {
  // The same flood as the ofi test (whose progress thread once lost receive buffers under it),
  // on the other process and thread lamellae: about 100 MB each way, unawaited, then waitAll.
  for (const backend of ['tcp', 'shmem'] as const) {
    test(`${backend}/2: every AM is delivered`, { timeout: 90000 }, async () => {
      const r = await runJob(compiledFixture('tcp-job.ts'), { backend, numPes: 2, args: ['--flood', '2000', '10000'], timeoutMs: 60000 });
      assert.equal(r.signal, null, `killed by the test's time limit (a hang):\n${r.stderr}`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /@@flood 20000000,20000000\n/);
    });
  }
});

describe('a small LAMELLAR_MAX_FRAME', () => {
  // The runtime's batch ops sent a slice of 1M indices per PE as one AM (2 MB for u64 adds),
  // refused with FRAME_TOO_LARGE under a 1 MiB frame: their slices now fit the frame.
  for (const c of [{ backend: 'tcp', numPes: 2 }, { backend: 'ofi', numPes: 2, provider: 'shm' }] satisfies JobConfig[]) {
    test(`${configName(c)}: 2M-index batch ops and a 16 MB put and get fit 1 MiB frames`, { skip: skipFor(c) }, async () => {
      const r = await runJob(fixture('max-frame-batch.ts'), { ...c, env: { LAMELLAR_MAX_FRAME: '1048576' }, timeoutMs: 90000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal([...r.stdout.matchAll(/@@max-frame \d ok/g)].length, 2);
    });
  }
});

describe('tcp failures', () => {
  test('under lamellar exec (no launcher), every PE reports its failure itself, under its number, without a raw Node stack', { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `throw-${process.pid}`);
    const procs = [0, 1, 2].map((pe) => startPe('tcp-job.ts', pe, 3, env, ['--throw']));
    try {
      // When each ended: mpirun and srun name the first rank to exit non-zero as the failing one.
      const exits = await within(Promise.all(procs.map((p) => p.exited.then((e) => ({ ...e, at: performance.now() })))), 30000, 'the PEs');
      exits.forEach((e, pe) => assert.equal(e.code, 1, `PE ${pe}: ${procs[pe]!.stderr}`));
      assert.match(procs[1]!.stderr, /^lamellar: PE 1 failed:\nError: deliberate failure on PE 1\n\s+at [^\n]*tcp-job\.(ts|js):\d+:\d+/m, procs[1]!.stderr);
      for (const pe of [0, 2]) {
        const err = procs[pe]!.stderr;
        // One line: the failure only follows from PE 1's, whose own report has the stack. It
        // says what PE 1 failed with (PE 1 told them: it said only "lost" when PE 1 just went).
        assert.match(err, new RegExp(`^lamellar: PE ${pe} failed:\\nLamellarError \\[LAMELLAR_ERR_PE_FAILED\\]: [^\\n]*PE 1 stopped the job: PE 1 aborted: deliberate failure on PE 1\\n(?!\\s+at |\\s+code:)`, 'm'), err);
        assert.ok(exits[pe]!.at > exits[1]!.at, `PE ${pe} ended after PE 1, whose failure it follows`);
        assert.doesNotMatch(err, /throw err;|Node\.js v\d/, err);
        assert.doesNotMatch(procs[pe]!.stdout, /passed a barrier/);
      }
    } finally {
      stopAll(procs);
    }
  });

  test('under lamellar exec, a PE that finds a collective mismatch ends before the PEs it stopped, so mpirun names it', { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `mismatch-${process.pid}`);
    const procs = [0, 1, 2].map((pe) => startPe('collective-mismatch.ts', pe, 3, env, ['barrier-vs-allReduce']));
    try {
      const exits = await within(Promise.all(procs.map((p) => p.exited)), 30000, 'the PEs');
      exits.forEach((e, pe) => assert.equal(e.code, 1, `PE ${pe}: ${procs[pe]!.stderr}`));
      // A finder reports the mismatch as its own error; the others relay it ("PE n stopped the job").
      const finders = [0, 1, 2].filter((pe) => /^LamellarError: collective mismatch on the world: world PE \d called (barrier|allReduce)\(\)/m.test(procs[pe]!.stderr));
      const relayed = [0, 1, 2].filter((pe) => /^LamellarError \[LAMELLAR_ERR_COLLECTIVE_MISMATCH\]: PE \d: PE \d stopped the job/m.test(procs[pe]!.stderr));
      assert.ok(finders.length >= 1 && finders.length + relayed.length === 3, procs.map((p) => p.stderr).join('\n---\n'));
      // With equal holds, a PE that only heard of it ended first in 1 run of 6 under mpirun.
      for (const r of relayed) for (const f of finders) assert.ok(exits[r]!.at > exits[f]!.at, `PE ${r} (relayed) ended after PE ${f}, which found the mismatch`);
    } finally {
      stopAll(procs);
    }
  });

  test('under lamellar exec, a PE that throws while its puts push back stops the others with its error, cut to a length any frame carries', { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `behind-${process.pid}`);
    const procs = [0, 1].map((pe) => startPe('tcp-job.ts', pe, 2, env, ['--throw-behind-puts']));
    try {
      const exits = await within(Promise.all(procs.map((p) => p.exited)), 30000, 'the PEs');
      exits.forEach((e, pe) => assert.equal(e.code, 1, `PE ${pe}: ${procs[pe]!.stderr.slice(0, 2000)}`));
      const err = procs[0]!.stderr;
      // It read "PE 1 was lost: its connection ... closed without a goodbye" when the ABORT sat
      // behind the puts, and FRAME_TOO_LARGE for the message's length.
      assert.match(err, /^LamellarError \[LAMELLAR_ERR_PE_FAILED\]: [^\n]*PE 1 stopped the job: PE 1 aborted: deliberate failure on PE 1: x{16000,}\.\.\. \(\d+ more characters\)$/m, err.slice(0, 2000));
      assert.doesNotMatch(procs[0]!.stdout, /passed a barrier/);
    } finally {
      stopAll(procs);
    }
  });

  test("under lamellar exec, the PEs a failed distIter callback stopped print one line each, the failing PE the stack", { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `iter-throw-${process.pid}`);
    const procs = [0, 1, 2].map((pe) => startPe('tcp-job.ts', pe, 3, env, ['--iter-throw']));
    try {
      const exits = await within(Promise.all(procs.map((p) => p.exited)), 30000, 'the PEs');
      exits.forEach((e, pe) => assert.equal(e.code, 1, `PE ${pe}: ${procs[pe]!.stderr}`));
      assert.match(procs[1]!.stderr, /^lamellar: PE 1 failed:\nError: deliberate callback failure on PE 1\n\s+at [^\n]*tcp-job\.(ts|js):\d+:\d+/m, procs[1]!.stderr);
      for (const pe of [0, 2]) {
        const err = procs[pe]!.stderr;
        assert.match(
          err,
          new RegExp(`^lamellar: PE ${pe} failed:\\n(LamellarError \\[LAMELLAR_ERR_ITER_FAILED\\]: DistIter\\.forEach failed on PE 1: deliberate callback failure on PE 1 \\(Error thrown at [^\\n]*tcp-job\\.(ts|js):\\d+:\\d+\\)|LamellarError \\[LAMELLAR_ERR_PE_FAILED\\]: [^\\n]*PE 1 (was lost|stopped the job)[^\\n]*)\\n`, 'm'),
          err,
        );
        assert.doesNotMatch(err, /details:|\[cause\]|^\s+at /m, err);
        assert.doesNotMatch(procs[pe]!.stdout, /passed a consumer/);
      }
    } finally {
      stopAll(procs);
    }
  });

  for (const code of [0, 3]) {
  test(`under lamellar exec, a PE that calls process.exit(${code}) mid-run says so itself; the others report it lost`, { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `exit${code}-${process.pid}`);
    const procs = [0, 1].map((pe) => startPe('tcp-job.ts', pe, 2, env, ['--exit0', String(code)]));
    try {
      const exits = await within(Promise.all(procs.map((p) => p.exited)), 30000, 'the PEs');
      assert.equal(exits[1]!.code, code, procs[1]!.stderr);
      // It names the line of the call too (the fixture runs as its compiled copy, tcp-job.js).
      assert.equal(
        procs[1]!.stderr.replace(/ was called at \/\S+\/tcp-job\.js:\d+:\d+, /, ' was called at <line>, '),
        `lamellar: PE 1 exited before shutdown (exit code ${code}): a PE must not end (for example with process.exit()) before its world has shut down; the other 1 PE(s) will report it as lost\n` +
          `lamellar: PE 1: process.exit(${code}) was called at <line>, before its world shut down\n`,
      );
      assert.equal(exits[0]!.code, 1, procs[0]!.stderr);
      assert.match(procs[0]!.stderr, /^lamellar: PE 0 failed:\n[^\n]*PE 1 was lost/m, procs[0]!.stderr);
      assert.doesNotMatch(procs[0]!.stdout, /passed a barrier/);
    } finally {
      stopAll(procs);
    }
  });
  }

  test('under lamellar exec, a PE that ends before initWorld() tells PE 0, and the job stops at once, not at the rendezvous timeout', { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `early-${process.pid}`);
    const procs = [0, 1, 2].map((pe) => startPe('tcp-job.ts', pe, 3, env, ['--exit-before-init']));
    try {
      // Within 30 s, where the rendezvous timeout is 60 s: mpirun leaves such a job waiting for it.
      const exits = await within(Promise.all(procs.map((p) => p.exited)), 30000, 'the PEs');
      assert.equal(exits[1]!.code, 0, procs[1]!.stderr);
      assert.equal(procs[1]!.stderr, 'lamellar: PE 1 ended without calling initWorld(); it told PE 0, which stops the job\n');
      for (const pe of [0, 2]) {
        assert.equal(exits[pe]!.code, 1, procs[pe]!.stderr);
        assert.match(procs[pe]!.stderr, new RegExp(`^lamellar: PE ${pe} failed:\\nLamellarError \\[LAMELLAR_ERR_PE_FAILED\\]: PE ${pe}: PE 1 stopped the job: PE 1 ended without calling initWorld\\(\\)$`, 'm'), procs[pe]!.stderr);
        assert.doesNotMatch(procs[pe]!.stdout, /passed a barrier/);
      }
    } finally {
      stopAll(procs);
    }
  });

  test('under lamellar exec, a PE whose initWorld() fails on its own (a bind address its host lacks) tells PE 0, and the job stops at once', { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `bad-bind-${process.pid}`);
    const procs = [0, 1, 2].map((pe) => startPe('tcp-job.ts', pe, 3, pe === 1 ? { ...env, LAMELLAR_BIND_ADDR: '10.9.9.9' } : env));
    try {
      // Within 30 s, where the rendezvous timeout is 60 s: the others waited for it that long.
      const exits = await within(Promise.all(procs.map((p) => p.exited)), 30000, 'the PEs');
      exits.forEach((e, pe) => assert.equal(e.code, 1, procs[pe]!.stderr));
      assert.match(procs[1]!.stderr, /PE 1: cannot listen on 10\.9\.9\.9:0 \(LAMELLAR_BIND_ADDR=10\.9\.9\.9\)/);
      for (const pe of [0, 2]) {
        assert.match(procs[pe]!.stderr, new RegExp(`^LamellarError \\[LAMELLAR_ERR_PE_FAILED\\]: PE ${pe}: PE 1 stopped the job: PE 1 failed before its world started: [^\\n]*LAMELLAR_BIND_ADDR=10\\.9\\.9\\.9`, 'm'), procs[pe]!.stderr);
      }
    } finally {
      stopAll(procs);
    }
  });

  test('under lamellar exec, a PE that dials PE 0 after PE 0 refused another at the rendezvous learns why at once', { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `late-${process.pid}`);
    const procs = [startPe('tcp-job.ts', 0, 3, env), startPe('tcp-job.ts', 1, 3, { ...env, LAMELLAR_BACKEND: 'ofi' })];
    try {
      // PE 0 refuses PE 1 (another lamella) and stops the job; only then does PE 2 start.
      const refused = /PE 1 runs on the ofi lamella and PE 0 on tcp/;
      await within(
        new Promise<void>((resolve) => {
          const check = (): void => void (refused.test(procs[0]!.stderr) && resolve());
          procs[0]!.child.stderr!.on('data', check);
          check();
        }),
        20000,
        "PE 0's refusal",
      );
      procs.push(startPe('tcp-job.ts', 2, 3, env));
      // Within 20 s, where its rendezvous timeout is 60 s: PE 0 ended at once and PE 2 found
      // nobody to tell it ("connect ECONNREFUSED" until the timeout).
      const exits = await within(Promise.all(procs.map((p) => p.exited)), 20000, 'the PEs');
      exits.forEach((e, pe) => assert.equal(e.code, 1, procs[pe]!.stderr));
      assert.match(procs[2]!.stderr, /PE 2: PE 0 stopped the job: PE 1 runs on the ofi lamella and PE 0 on tcp/, procs[2]!.stderr);
    } finally {
      stopAll(procs);
    }
  });

  test('under lamellar exec, PEs given different PE counts or lamellae are refused at the rendezvous, naming the setting', { timeout: 60000 }, async () => {
    const cases: { what: string; env: (pe: number) => Record<string, string>; numPes: (pe: number) => number; line: RegExp }[] = [
      {
        what: 'PE 1 told 3 PEs, PE 0 told 2',
        env: () => ({}),
        numPes: (pe) => (pe === 0 ? 2 : 3),
        line: /PE 1 was started for a job of 3 PEs and PE 0 for 2 \(LAMELLAR_NUM_PES, or the launcher's rank count\): every PE of a job must be given the same count/,
      },
      {
        what: 'PE 0 told 3 PEs, PE 1 told 2',
        env: () => ({}),
        numPes: (pe) => (pe === 0 ? 3 : 2),
        line: /PE 1 was started for a job of 2 PEs and PE 0 for 3 \(LAMELLAR_NUM_PES/,
      },
    ];
    if (ofiMissing().length === 0) {
      cases.push({
        what: 'PE 1 on ofi, PE 0 on tcp',
        env: (pe) => ({ LAMELLAR_BACKEND: pe === 0 ? 'tcp' : 'ofi', LAMELLAR_OFI_PROVIDER: 'tcp;ofi_rxm' }),
        numPes: () => 2,
        line: /PE 1 runs on the ofi lamella and PE 0 on tcp \(LAMELLAR_BACKEND\): every PE of a job must use the same one/,
      });
    }
    for (const c of cases) {
      const env = secretEnv(await freePort(), `shape-${process.pid}`);
      const procs = [0, 1].map((pe) => {
        const id = { LAMELLAR_PE_ID: String(pe), LAMELLAR_NUM_PES: String(c.numPes(pe)), ...env, ...c.env(pe) };
        return start(process.execPath, [BIN, 'exec', compiledFixture('tcp-job.ts')], id);
      });
      try {
        // Within 20 s: the rendezvous timeout (60 s) is what a mismatch waited for, or a frame it could not read.
        const exits = await within(Promise.all(procs.map((p) => p.exited)), 20000, `the PEs (${c.what})`);
        for (const pe of [0, 1]) {
          assert.notEqual(exits[pe]!.code, 0, `${c.what}: PE ${pe}\n${procs[pe]!.stderr}`);
          assert.match(procs[pe]!.stderr, c.line, `${c.what}: PE ${pe}`);
          assert.match(procs[pe]!.stderr, /LAMELLAR_ERR_CONFIG/, `${c.what}: PE ${pe}`);
        }
      } finally {
        stopAll(procs);
      }
    }
  });

  test('kill -9 of one PE stops every other PE within 10 s with an error naming it', { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `kill-${process.pid}`);
    const procs = [0, 1, 2].map((pe) => startPe('tcp-job.ts', pe, 3, env, ['--hold']));
    try {
      const pid = Number((await procs[1]!.waitFor(/@@pid 1 (\d+)/))[1]);
      await Promise.all([procs[0]!.waitFor(/@@pid/), procs[2]!.waitFor(/@@pid/)]);
      // What ps shows: each PE process says which PE it is.
      assert.equal(commandLine(pid), 'lamellar PE 1 of 3: tcp-job.js');
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
    }
  });

  test('a PE stuck in synchronous code still stops within 10 s when another PE is killed', { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `busy-${process.pid}`);
    const procs = [0, 1, 2].map((pe) => startPe('tcp-job.ts', pe, 3, env, ['--busy']));
    try {
      const pid = Number((await procs[1]!.waitFor(/@@pid 1 (\d+)/))[1]);
      await Promise.all([procs[0]!.waitFor(/@@pid/), procs[2]!.waitFor(/@@pid/)]);
      const killed = performance.now();
      process.kill(pid, 'SIGKILL');
      const e = await procs[0]!.exited;
      assert.notEqual(e.code, 0);
      assert.ok(e.at - killed < 10000, `the busy PE took ${Math.round(e.at - killed)} ms to stop`);
      assert.match(procs[0]!.stderr, /lamellar: PE 0: .*PE 1 was lost.*the main thread did not stop, killing the process/);
      assert.notEqual((await procs[2]!.exited).code, 0);
    } finally {
      stopAll(procs);
    }
  });

  test('kill -9 of one PE makes lamellar run exit non-zero naming it', { timeout: 60000 }, async () => {
    const p = start(process.execPath, [BIN, 'run', '-N', '3', '--backend', 'tcp', compiledFixture('tcp-job.ts'), '--hold'], {});
    try {
      const pid = Number((await p.waitFor(/@@pid 1 (\d+)/))[1]);
      await p.waitFor(/@@pid 0[^]*@@pid 2|@@pid 2[^]*@@pid 0/);
      assert.equal(commandLine(pid), 'lamellar PE 1 of 3: tcp-job.js');
      const killed = performance.now();
      process.kill(pid, 'SIGKILL');
      const e = await p.exited;
      assert.notEqual(e.code, 0);
      assert.ok(e.at - killed < 10000, `the launcher took ${Math.round(e.at - killed)} ms to stop`);
      assert.match(p.stderr, /PE 1 was killed by SIGKILL/);
    } finally {
      stopAll([p]);
    }
  });

  test('a PE that aborts its lamella stops the others with its reason, and exits itself', { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `abort-${process.pid}`);
    const procs = [0, 1, 2].map((pe) => startPe('tcp-job.ts', pe, 3, env, ['--abort']));
    try {
      const exits = await Promise.all(procs.map((p) => p.exited));
      assert.match(procs[2]!.stdout, /@@aborted/);
      for (const pe of [0, 1]) {
        assert.notEqual(exits[pe]!.code, 0);
        assert.match(procs[pe]!.stderr, /PE 2 stopped the job: PE 2 aborted: the model diverged/);
        assert.doesNotMatch(procs[pe]!.stdout, /passed a barrier/);
      }
    } finally {
      stopAll(procs);
    }
  });

  test('a rendezvous that never completes fails with RENDEZVOUS_TIMEOUT on both sides', { timeout: 60000 }, async () => {
    const port = await freePort();
    const env = { ...secretEnv(port, `timeout-${process.pid}`), LAMELLAR_RENDEZVOUS_TIMEOUT: '2' };
    // PE 0 of 3 waits at the master address for PEs that never come; PE 2 of a different
    // 3-PE job dials a master address where nobody listens.
    const alone = [startPe('tcp-job.ts', 0, 3, env), startPe('tcp-job.ts', 2, 3, { ...env, LAMELLAR_MASTER_ADDR: `127.0.0.1:${await freePort()}` })];
    try {
      const exits = await Promise.all(alone.map((p) => p.exited));
      exits.forEach((e, i) => {
        assert.notEqual(e.code, 0);
        assert.match(alone[i]!.stderr, /LAMELLAR_ERR_RENDEZVOUS_TIMEOUT/);
        assert.match(alone[i]!.stderr, /LAMELLAR_RENDEZVOUS_TIMEOUT/);
      });
      assert.match(alone[0]!.stderr, /not connected to PE\(s\) 1, 2/);
      assert.match(alone[1]!.stderr, /dialing PE 0/);
    } finally {
      stopAll(alone);
    }
  });
});

describe('tcp security', () => {
  test('strangers without the job secret are refused and logged, and the job completes', { timeout: 60000 }, async () => {
    const port = await freePort();
    const jobId = `stranger-${process.pid}`;
    const p = start(process.execPath, [BIN, 'run', '-N', '3', '--backend', 'tcp', compiledFixture('tcp-job.ts'), '--await-stranger', '2'], {
      ...secretEnv(port, jobId),
      LAMELLAR_MAX_FRAME: '1048576',
    });
    try {
      await p.waitFor(/@@ready/);
      // A client that speaks the protocol but holds the wrong secret...
      const s1 = await dial(port);
      await assert.rejects(connectPeer(s1, { secret: 'not-the-secret-at-all', jobId }, 1, 'off', 10000), /it refused this PE's proof/);
      s1.destroy();
      // ...and one that speaks something else entirely.
      const s2 = await dial(port);
      const closed = new Promise<void>((resolve) => s2.once('close', () => resolve()));
      s2.on('error', () => {});
      s2.resume(); // read (and drop) the challenge, so the server's close is seen
      s2.end('GET / HTTP/1.0\r\n\r\n'.padEnd(120, ' '));
      await closed;
      const e = await p.exited;
      assert.equal(e.code, 0, p.stderr);
      assertJobCases(p.stdout, 3);
      assert.match(p.stderr, /LAMELLAR_W_UNAUTHENTICATED_PEER/);
      assert.match(p.stdout, /@@refused PE 0 refused a connection from 127\.0\.0\.1:\d+: it claimed to be PE 1 but did not prove the job secret/);
      assert.match(p.stdout, /@@refused PE 0 refused a connection from 127\.0\.0\.1:\d+: it does not speak the lamellar protocol/);
    } finally {
      stopAll([p]);
    }
  });

  for (const tls of ['0', '1'] as const) {
    test(`a PE started with another job secret fails at once with AUTH saying why, not at the rendezvous timeout (LAMELLAR_TLS=${tls})`, { timeout: 60000 }, async () => {
      // PE 1's rendezvous timeout is long: an AUTH failure shows it did not wait it out. PE 0
      // (which only sees a refused stranger) ends at its own, short one.
      const env = { ...secretEnv(await freePort(), `wrong-secret-${tls}-${process.pid}`), LAMELLAR_TLS: tls };
      const procs = [startPe('tcp-job.ts', 0, 2, { ...env, LAMELLAR_RENDEZVOUS_TIMEOUT: '3' }), startPe('tcp-job.ts', 1, 2, { ...env, LAMELLAR_JOB_SECRET: 'some-other-secret', LAMELLAR_RENDEZVOUS_TIMEOUT: '600' })];
      try {
        const exits = await within(Promise.all(procs.map((q) => q.exited)), 30000, 'the PEs');
        exits.forEach((e) => assert.notEqual(e.code, 0));
        // In the clear the acceptor says why; over TLS the pre-shared key (made from the secret)
        // fails first.
        const why =
          tls === '0'
            ? "it refused this PE's proof: the two hold different job secrets or job ids"
            : 'the TLS handshake failed \\([^)]*\\); every PE must use the same LAMELLAR_TLS and job secret';
        assert.match(procs[1]!.stderr, new RegExp(`PE 1: cannot join the job: PE 0 at 127\\.0\\.0\\.1:\\d+: ${why}[^\\n]*LAMELLAR_ERR_AUTH`), procs[1]!.stderr);
        assert.doesNotMatch(procs[1]!.stderr, /RENDEZVOUS_TIMEOUT/);
        assert.match(procs[0]!.stderr, tls === '0' ? /it claimed to be PE 1 but did not prove the job secret/ : /refused a connection from [^:]+:\d+: the TLS handshake failed/, procs[0]!.stderr);
      } finally {
        stopAll(procs);
      }
    });
  }

  test('a frame over the receiver\'s LAMELLAR_MAX_FRAME aborts the job with FRAME_TOO_LARGE', { timeout: 60000 }, async () => {
    const env = secretEnv(await freePort(), `oversize-${process.pid}`);
    const procs = [startPe('tcp-job.ts', 0, 2, env, ['--big-am', String(2 << 20)]), startPe('tcp-job.ts', 1, 2, { ...env, LAMELLAR_MAX_FRAME: String(1 << 20) }, ['--big-am', '0'])];
    try {
      const exits = await Promise.all(procs.map((q) => q.exited));
      exits.forEach((e) => assert.notEqual(e.code, 0));
      assert.match(procs[1]!.stderr, /LAMELLAR_ERR_FRAME_TOO_LARGE/);
      assert.match(procs[1]!.stderr, /PE 0 sent a frame of \d+ bytes to PE 1, more than LAMELLAR_MAX_FRAME \(1048576 bytes\)/);
      assert.match(procs[0]!.stderr, /PE 1 stopped the job: PE 0 sent a frame/);
      assert.doesNotMatch(procs[0]!.stdout, /@@sent/);
    } finally {
      stopAll(procs);
    }
  });
});

describe('a rendezvous directory that is not private', () => {
  // What another local user could leave in a shared /tmp before the job starts. The PEs run
  // without LAMELLAR_JOB_SECRET, so they would take the secret from the directory.
  const setups: [string, (jobDir: string, dir: string) => void, RegExp][] = [
    ['a job directory with mode 0777', (jobDir) => {
      mkdirSync(jobDir);
      chmodSync(jobDir, 0o777);
    }, /the rendezvous directory \S+ has mode 0777, which lets group or others in \(it must be 0700\)/],
    ['a planted secret file with mode 0644', (jobDir) => {
      mkdirSync(jobDir, { mode: 0o700 });
      writeFileSync(join(jobDir, 'secret'), 'chosen-by-someone-else');
      chmodSync(join(jobDir, 'secret'), 0o644);
    }, /the rendezvous file \S+secret has mode 0644, which lets group or others in \(it must be 0600\)/],
    ['a job directory that is a symbolic link', (jobDir, dir) => {
      mkdirSync(join(dir, 'elsewhere'), { mode: 0o700 });
      symlinkSync(join(dir, 'elsewhere'), jobDir);
    }, /the rendezvous directory \S+ is a symbolic link/],
  ];
  for (const [what, plant, message] of setups) {
    test(`${what} makes every PE fail with LAMELLAR_ERR_AUTH naming the path`, { timeout: 60000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lamellar-test-'));
      const jobId = `private-${process.pid}`;
      plant(join(dir, jobId), dir);
      const procs = [0, 1].map((pe) => startPe('tcp-job.ts', pe, 2, { LAMELLAR_JOB_ID: jobId, LAMELLAR_RENDEZVOUS_DIR: dir, LAMELLAR_RENDEZVOUS_TIMEOUT: '20' }));
      try {
        const exits = await Promise.all(procs.map((p) => p.exited));
        exits.forEach((e, pe) => {
          const err = procs[pe]!.stderr;
          assert.notEqual(e.code, 0, `PE ${pe} exited 0`);
          assert.match(err, /LAMELLAR_ERR_AUTH/);
          assert.match(err, message);
          assert.ok(err.includes(join(dir, jobId)), `the error names the path:\n${err}`);
          assert.doesNotMatch(err, /RENDEZVOUS_TIMEOUT/);
          assert.equal(caseReports(procs[pe]!.stdout).length, 0, 'no PE ran the job');
        });
      } finally {
        stopAll(procs);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('malformed messages from a job member', () => {
  // The test process proves the secret as PE 1 of a 2-PE job, so PE 0 takes it for a member,
  // and then sends one bad header. PE 0 must stop with a clear error and tell its peer why.
  const bad: [string, (h: Buffer) => void, RegExp, string][] = [
    ['a message of unknown type', (h) => h.writeUInt8(99, 4), /PE 1 sent a message of unknown type 99/, 'LAMELLAR_ERR_PROTOCOL'],
    ['a length prefix of 2 GiB', (h) => h.writeUInt32LE(2 ** 31, 0), /PE 1 sent a message of 2147483648 bytes, more than the \d+ bytes any message may carry/, 'LAMELLAR_ERR_FRAME_TOO_LARGE'],
    ['a header that claims another sender', (h) => h.writeUInt32LE(0, 8), /PE 1 sent a message that claims to come from PE 0/, 'LAMELLAR_ERR_PROTOCOL'],
  ];
  for (const [what, corrupt, message, code] of bad) {
    test(`${what} stops the job with ${code}`, { timeout: 60000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lamellar-test-'));
      const jobId = `malformed-${process.pid}`;
      mkdirSync(join(dir, jobId), { mode: 0o700 });
      const pe0 = startPe('tcp-job.ts', 0, 2, { LAMELLAR_JOB_ID: jobId, LAMELLAR_JOB_SECRET: `secret-of-${jobId}`, LAMELLAR_RENDEZVOUS_DIR: dir });
      try {
        // PE 0 publishes where it listens; the test dials it there as PE 1 would.
        const { port } = JSON.parse(await fileAppears(join(dir, jobId), 'pe-0.json')) as { port: number };
        const s = await dial(port);
        const { rest } = await connectPeer(s, { secret: `secret-of-${jobId}`, jobId }, 1, 'off', 10000);
        assert.equal(rest.length, 0);
        const header = Buffer.alloc(24);
        header.writeUInt8(12, 4); // a PING from PE 1 ...
        header.writeUInt32LE(1, 8);
        corrupt(header); // ... made invalid
        const told = new Promise<string>((resolve) => {
          let got = '';
          s.on('data', (d: Buffer) => (got += d.toString('latin1')));
          s.once('close', () => resolve(got));
        });
        s.on('error', () => {});
        s.resume();
        s.write(header);
        const e = await pe0.exited;
        assert.notEqual(e.code, 0);
        assert.match(pe0.stderr, message);
        assert.match(pe0.stderr, new RegExp(code));
        assert.match(await told, message, 'PE 0 told its peer why it stopped');
        s.destroy();
      } finally {
        stopAll([pe0]);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

/** Resolves with the contents of `dir/name` once it exists (renamed into place whole). */
function fileAppears(dir: string, name: string): Promise<string> {
  return new Promise((resolve) => {
    const w = watch(dir, () => tryRead());
    const tryRead = (): void => {
      if (!existsSync(join(dir, name))) return;
      w.close();
      resolve(readFileSync(join(dir, name), 'utf8'));
    };
    tryRead();
  });
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

describe('frame size limit at the API', () => {
  test('with a small LAMELLAR_MAX_FRAME, oversize AM arguments and results fail cleanly', async () => {
    const r = await runJob(compiledFixture('frame-limit.ts'), { numPes: 2, backend: 'tcp', env: { LAMELLAR_MAX_FRAME: '150000' }, timeoutMs: 60000 });
    assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    const reports = caseReports(r.stdout);
    assert.equal(reports.length, 4, r.stdout);
    for (const rep of reports) assert.ok(rep.ok, `PE ${rep.pe} ${rep.case}: ${rep.error}`);
  });
});
