/**
 * Matched collectives and diagnosed waits (tests/fixtures/collectives.ts, the conformance cases of
 * collectives and team collectives, runs in conformance-*.test.ts on every lamella):
 * - tests/fixtures/collective-mismatch.ts: PEs that pair different collectives fail the job at
 *   once with COLLECTIVE_MISMATCH naming both calls and their lines;
 * - tests/fixtures/team-vs-shutdown.ts: so does a team collective whose other members went on to
 *   the world's shutdown;
 * - tests/fixtures/deadlock-status.ts and deadlock-waitall.ts: a stuck wait is reported with
 *   what each missing PE is doing, and the abort action fails the job;
 * - tests/fixtures/deadlock-conversion.ts: a conversion this PE holds up with its own clone is
 *   reported as such.
 *
 * Those reports name the user's lines. The first configuration of each runs the `.ts` fixture
 * through tsx, so the lines are found through its source maps; the others run the fixture's
 * JavaScript copy (helpers/compiled.ts), which saves loading tsx in each PE, and find the lines
 * in that copy.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { compiledFixture } from '../helpers/compiled.js';
import { configName, fixture, runJob, skipFor, type JobConfig, type JobResult } from '../helpers/job.js';

/** `file:line` of the call marked `// @@line <tag>` in a fixture script (`.ts` or its copy). */
function line(script: string, tag: string): string {
  const lines = readFileSync(script, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`// @@line ${tag}`));
  assert.ok(i >= 0, `no @@line ${tag} in ${script}`);
  return `${basename(script)}:${i + 1}:`;
}

/** The fixture through tsx for the first configuration of a group, its JavaScript copy for the rest. */
const scriptFor = (name: string, first: boolean): string => (first ? fixture(name) : compiledFixture(name));

const MULTI = [
  { backend: 'shmem', numPes: 2 },
  { backend: 'shmem', numPes: 3 },
  { backend: 'tcp', numPes: 2 },
] as const;

const SCENARIOS: [string, string, string, string, string][] = [
  // scenario, kind on one side, its line tag, kind on the other, its line tag
  ['barrier-vs-shutdown', 'barrier()', 'barrier', 'shutdown()', 'shutdown'],
  ['barrier-vs-using', 'barrier()', 'barrier', 'shutdown()', 'using'],
  ['barrier-vs-create', 'barrier()', 'barrier', 'array creation', 'create'],
  ['allReduce-vs-refused-create', 'allReduce()', 'allReduce', 'AtomicArray.create(bad options)', 'create'],
  ['allReduce-early-vs-refused-create', 'allReduce()', 'allReduce', 'AtomicArray.create(bad options)', 'create'],
  ['skip-barrier', 'barrier()', 'barrier', 'allReduce()', 'allReduce'],
  ['concurrent', 'barrier()', 'barrier', 'allGather()', 'allGather'],
  ['concurrent-ahead', 'barrier()', 'barrier', 'allGather()', 'allGather'],
  // A distributed iterator's consumer is a collective of its own, named as the user called it.
  ['consumer-vs-shutdown', 'DistIter.count', 'consumer', 'shutdown()', 'shutdown'],
  ['consumer-vs-barrier', 'DistIter.count', 'consumer', 'barrier()', 'barrier'],
  // So is an array's print(): its barriers are named by it, not "barrier()", and never pair with one.
  ['print-vs-barrier', 'AtomicArray.print()', 'print', 'barrier()', 'barrier'],
  ['collective-write-vs-barrier', 'GlobalLockArray.collectiveWriteLocalData()', 'cw', 'barrier()', 'barrier'],
  ['print-vs-consumer', 'AtomicArray.print()', 'print', 'DistIter.count', 'consumer'],
  // A PE past a shutdown's number never made the shutdown: that PE would wait forever.
  ['exchange-vs-shutdown', 'allGather()', 'allGather', 'shutdown()', 'shutdown'],
];

/** Scenarios that used to hang (or to pair wrong calls): checked for the exact exit and code too. */
const STRICT = new Set(['consumer-vs-shutdown', 'consumer-vs-barrier', 'exchange-vs-shutdown']);

MULTI.forEach((cfg, c) => {
  const script = scriptFor('collective-mismatch.ts', c === 0);
  // Two jobs at a time: a mismatch job spends a third of its time waiting for its PEs to stop.
  describe(`collective mismatches on ${cfg.backend} with ${cfg.numPes} PEs`, { concurrency: 2 }, () => {
    SCENARIOS.forEach(([scenario, k1, l1, k2, l2], i) => {
      // Each scenario on two of the three configurations, in turn (every job is a whole launch);
      // those that used to hang on all three.
      const skip = !STRICT.has(scenario) && i % MULTI.length === c;
      test(`${scenario}: the job fails at once with COLLECTIVE_MISMATCH naming both calls and lines`, { skip }, async () => {
        const r = await runJob(script, { ...cfg, args: [scenario], timeoutMs: 30000 });
        assert.notEqual(r.code, 0, `exit ${r.code}\n${r.stderr}`);
        assert.equal(r.stdout.includes('@@not-reached'), false, r.stdout);
        // A print() paired with another call must not print (it went on to print, once).
        if (scenario.startsWith('print-')) assert.doesNotMatch(r.stdout, /\[pe \d+ data\]/, r.stdout);
        const first = /collective mismatch on the world: [^\n]*/.exec(r.stderr)?.[0];
        assert.ok(first !== undefined, `no mismatch report in:\n${r.stderr}`);
        assert.ok(first.includes(k1) && first.includes(k2), `both kinds in: ${first}`);
        assert.ok(first.includes(line(script, `${scenario}/${l1}`)), `the ${l1} line in: ${first}`);
        // tsc's lowering of `await using` (the JavaScript copy) calls the disposer from the scope's
        // finally block, a few lines above the tagged closing brace: the file is named all the same.
        const lowered = scenario === 'barrier-vs-using' && script.endsWith('.js') && /shutdown\(\) at [^,]*collective-mismatch\.js:\d+:\d+/.test(first);
        assert.ok(first.includes(line(script, `${scenario}/${l2}`)) || scenario.startsWith('concurrent') || lowered, `the ${l2} line in: ${first}`);
        assert.match(r.stderr, /LamellarError|LAMELLAR_ERR_COLLECTIVE_MISMATCH/);
        if (STRICT.has(scenario)) {
          assert.equal(r.code, 1, `exit ${r.code}: ${r.stderr}`);
          assert.match(r.stderr, /code: 'LAMELLAR_ERR_COLLECTIVE_MISMATCH'/);
          assert.equal(r.stderr.includes('has waited'), false, `no deadlock report: ${r.stderr}`);
          assert.doesNotMatch(r.stderr, /used after shutdown|LAMELLAR_ERR_WORLD_SHUT_DOWN/, 'the mismatch is the job\'s failure');
        }
        assert.ok(r.ms < 20000, 'failed at once, not by a timeout');
      });
    });

    test('a mismatch every PE catches before its next collective: the job is still reported as the mismatch', async () => {
      const r = await runJob(script, { ...cfg, args: ['caught-then-barrier'], timeoutMs: 30000 });
      assert.equal(r.code, 1, r.stderr);
      // A PE the launcher stops first may not get to its catch.
      assert.ok([...r.stdout.matchAll(/@@caught \d+ LAMELLAR_ERR_COLLECTIVE_MISMATCH/g)].length >= 1, r.stdout);
      assert.match(r.stderr, /collective mismatch on the world: [^\n]*DistIter\.count/);
      assert.doesNotMatch(r.stderr, /used after shutdown|LAMELLAR_ERR_WORLD_SHUT_DOWN/, r.stderr);
    });
  });
});

// Above the lamella, but a board is read remotely on tcp and ofi, and each lamella shuts down
// its own way: on every one.
const EVERY: JobConfig[] = [
  { backend: 'shmem', numPes: 2 },
  { backend: 'tcp', numPes: 2 },
  { backend: 'ofi', numPes: 2, provider: 'shm' },
];
for (const cfg of EVERY) {
  test(`${configName(cfg)}/2: a barrier after the world's await-using scope ended is WORLD_SHUT_DOWN at the call, naming where the shutdown began`, { skip: skipFor(cfg) }, async () => {
    const script = compiledFixture('collective-mismatch.ts');
    const r = await runJob(script, { ...cfg, args: ['barrier-after-using'], timeoutMs: 30000 });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout.includes('@@not-reached'), false, r.stdout);
    // It went through, or met the other PE's shutdown as a mismatch, by timing.
    assert.ok(r.stderr.includes(`barrier() after the world's shutdown began at `) && r.stderr.includes(line(script, 'barrier-after-using/barrier')), r.stderr);
    assert.match(r.stderr, /code: 'LAMELLAR_ERR_WORLD_SHUT_DOWN'/);
    assert.doesNotMatch(r.stderr, /collective mismatch/);
  });

  test(`${configName(cfg)}/2: a collect, or a print, left running when the world's scope ends finishes before its shutdown`, { skip: skipFor(cfg) }, async () => {
    for (const what of ['collect', 'print']) {
      const r = await runJob(compiledFixture('collective-mismatch.ts'), { ...cfg, args: ['left-running', what], timeoutMs: 30000 });
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      if (what === 'collect') for (let pe = 0; pe < 2; pe++) assert.match(r.stdout, new RegExp(`@@collected ${pe} 8`));
      else assert.match(r.stdout, /\[pe 1 data\] \[1, 1, 1, 1\]/);
    }
  });

  test(`${configName(cfg)}/2: a mismatch on a team whose id is 2^31 or more names both calls and their lines`, { skip: skipFor(cfg) }, async () => {
    const script = compiledFixture('collective-mismatch.ts');
    const r = await runJob(script, { ...cfg, args: ['fifth-team'], timeoutMs: 30000 });
    assert.equal(r.code, 1, r.stderr);
    const first = /collective mismatch on team \d+ \(world PEs \[0, 1\]\): [^\n]*/.exec(r.stderr)?.[0] ?? '';
    assert.ok(first.includes('barrier()') && first.includes('allReduce()'), `both calls in: ${first || r.stderr}`);
    assert.ok(first.includes(line(script, 'fifth-team/barrier')) && first.includes(line(script, 'fifth-team/allReduce')), `both lines in: ${first}`);
  });
}

// The same on ofi, whose lamella throws on use after its abort as tcp's did.
const OFI_SHM: JobConfig = { backend: 'ofi', numPes: 2, provider: 'shm' };
test('ofi/shm: a mismatch every PE catches before its next collective is still reported as the mismatch', { skip: skipFor(OFI_SHM) }, async () => {
  const r = await runJob(compiledFixture('collective-mismatch.ts'), { ...OFI_SHM, args: ['caught-then-barrier'], timeoutMs: 30000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /collective mismatch on the world: [^\n]*DistIter\.count/);
  assert.doesNotMatch(r.stderr, /used after shutdown|LAMELLAR_ERR_WORLD_SHUT_DOWN/, r.stderr);
});

test('ofi/shm: a mismatch with a creation refused for its bad options names that call and its line', { skip: skipFor(OFI_SHM) }, async () => {
  const script = compiledFixture('collective-mismatch.ts');
  const r = await runJob(script, { ...OFI_SHM, args: ['allReduce-vs-refused-create'], timeoutMs: 30000 });
  assert.notEqual(r.code, 0, r.stderr);
  const first = /collective mismatch on the world: [^\n]*/.exec(r.stderr)?.[0] ?? '';
  assert.ok(first.includes('AtomicArray.create(bad options)') && first.includes('allReduce()'), first);
  assert.ok(first.includes(line(script, 'allReduce-vs-refused-create/create')) && first.includes(line(script, 'allReduce-vs-refused-create/allReduce')), first);
});

// A value only one PE cannot send (its frame over LAMELLAR_MAX_FRAME) is refused on every PE: that
// PE alone rejected, and the others waited in the call for ever. One case per configuration: a
// broadcast root's large array and a gather sender's (the array path), an object (encoded bytes).
const FRAME_CASES: [JobConfig, string][] = [
  [{ backend: 'tcp', numPes: 2 }, 'broadcast'],
  [{ backend: 'tcp', numPes: 3 }, 'allgather'],
  [{ backend: 'ofi', numPes: 3, provider: 'tcp;ofi_rxm' }, 'gather'],
  [OFI_SHM, 'broadcast'],
];
for (const [cfg, kind] of FRAME_CASES) {
  test(`${configName(cfg)}/${cfg.numPes}: a ${kind} value too large for one PE's frame is refused on every PE, and the world goes on`, { skip: skipFor(cfg) }, async () => {
    const r = await runJob(compiledFixture('collective-frame.ts'), { ...cfg, args: [kind], env: { LAMELLAR_MAX_FRAME: String(1 << 20) }, timeoutMs: 30000 });
    assert.equal(r.code, 0, r.stderr);
    const sender = kind === 'broadcast' ? cfg.numPes - 1 : 0;
    const rejected = [...r.stdout.matchAll(/@@rejected (\d) (\S+) ?(.*)$/gm)].map((m) => [Number(m[1]), m[2], m[3]]).sort();
    const call = { broadcast: `broadcast(root ${cfg.numPes - 1})`, gather: `gather(root ${cfg.numPes - 1})`, allgather: 'allGather()' }[kind];
    assert.deepEqual(rejected, Array.from({ length: cfg.numPes }, (_, pe) => [pe, 'LAMELLAR_ERR_FRAME_TOO_LARGE', pe === sender ? call : '']), r.stdout);
    const sum = (cfg.numPes * (cfg.numPes + 1)) / 2;
    assert.deepEqual([...r.stdout.matchAll(/@@after (\d) (\d+)/g)].map((m) => `${m[1]} ${m[2]}`).sort(), Array.from({ length: cfg.numPes }, (_, pe) => `${pe} ${sum}`));
  });
}

// A team collective that only some members call while the others go on to the world's shutdown:
// the world holds every member of every team, so its shutdown is the last collective of every team
// too, and the job fails at once naming both calls (it used to wait forever, reporting the wait).
// allReduce (the case found) both ways on every lamella; the other team collectives each on one
// lamella, in turn, before or after (every job is a whole launch: all of them everywhere took
// three minutes of the suite).
const TEAM_SHUTDOWN_CONFIGS: JobConfig[] = [
  { backend: 'shmem', numPes: 2 },
  { backend: 'tcp', numPes: 2 },
  { backend: 'ofi', numPes: 2, provider: 'shm' },
];
const TEAM_CALLS: [string, string][] = [
  // the fixture's argument, the call's name in the report
  ['allReduce', 'allReduce()'],
  ['broadcast', 'broadcast()'],
  ['allGather', 'allGather()'],
  ['gather', 'gather()'],
  ['exclusiveScan', 'exclusiveScan()'],
  ['inclusiveScan', 'inclusiveScan()'],
  ['barrier', 'barrier()'],
  ['create', 'team creation'],
];
TEAM_SHUTDOWN_CONFIGS.forEach((cfg, c) => {
  const script = scriptFor('team-vs-shutdown.ts', c === 0);
  const cases = TEAM_CALLS.flatMap(([call, name], i) =>
    call === 'allReduce'
      ? (['before', 'after'] as const).map((order) => [call, name, order] as const)
      : i % TEAM_SHUTDOWN_CONFIGS.length === c
        ? [[call, name, (i + c) % 2 === 0 ? 'before' : 'after'] as const]
        : [],
  );
  describe(`a team collective some members skip for the world's shutdown, on ${configName(cfg)} with ${cfg.numPes} PEs`, { skip: skipFor(cfg), concurrency: 2 }, () => {
    for (const [call, name, order] of cases) {
      test(`${call}, called ${order} the others shut down: the job fails at once with COLLECTIVE_MISMATCH naming both calls`, async () => {
        const r = await runJob(script, { ...cfg, args: [call, order], timeoutMs: 30000 });
        assert.equal(r.signal, null, `killed by the test's time limit:\n${r.stderr}`);
        assert.equal(r.code, 1, `exit ${r.code}\n${r.stderr}`);
        assert.equal(r.stdout.includes('@@not-reached'), false, r.stdout);
        const first = /collective mismatch on team \d+ \(world PEs \[0, 1\]\): [^\n]*/.exec(r.stderr)?.[0];
        assert.ok(first !== undefined, `no mismatch report in:\n${r.stderr}`);
        assert.ok(first.includes(name) && first.includes('shutdown()'), `both calls in: ${first}`);
        assert.ok(first.includes(line(script, `call/${call}`)), `the ${call} line in: ${first}`);
        assert.ok(first.includes(line(script, 'shutdown')), `the shutdown line in: ${first}`);
        assert.match(r.stderr, /code: 'LAMELLAR_ERR_COLLECTIVE_MISMATCH'/);
        assert.equal(r.stderr.includes('has waited'), false, `no deadlock report: ${r.stderr}`);
        assert.ok(r.ms < 20000, `failed at once, not by a timeout (${Math.round(r.ms)} ms)`);
      });
    }
  });
});

const STATUS_CONFIGS: JobConfig[] = [
  { backend: 'shmem', numPes: 3 },
  { backend: 'tcp', numPes: 2 },
  { backend: 'ofi', numPes: 2, provider: 'shm' },
];
// A PE whose thread is held by the script's own synchronous loop: its heartbeat stands still.
const HELD = 'its thread has not returned to the event loop for at least [\\d.]+ s \\(synchronous code outside any active message, such as a loop that never awaits I/O or a timer\\)';

for (const cfg of STATUS_CONFIGS) {
  const script = scriptFor('deadlock-status.ts', cfg === STATUS_CONFIGS[0]);
  describe(`deadlock reports on ${configName(cfg)}`, { skip: skipFor(cfg) }, () => {
    test('a stuck barrier names the missing PEs and what each is doing, even a PE busy in a synchronous loop', async () => {
      const r = await runJob(script, { ...cfg, env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5' }, timeoutMs: 60000 });
      assert.equal(r.code, 0, r.stderr);
      const w = /@@warning (.*)/.exec(r.stdout)?.[1] ?? '';
      assert.match(w, /^PE 0 has waited [\d.]+ s in barrier\(\) #\d+ on the world at \S*deadlock-status\.[jt]s:\d+:\d+ for PE\(s\) 1/);
      assert.ok(w.includes(line(script, 'world-barrier')), w);
      assert.match(w, new RegExp(`PE 1 is running, not in a collective; ${HELD}`));
      if (cfg.numPes > 2) {
        assert.match(w, /PE 2 is in barrier\(\) #1 on team \d+ \(world PEs \[1, 2\]\)/);
        assert.ok(w.includes(line(script, 'pair-barrier')), w);
      }
      for (let pe = 0; pe < cfg.numPes; pe++) assert.match(r.stdout, new RegExp(`@@passed ${pe}`));
    });

    test('LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort fails the job with DEADLOCK_TIMEOUT', async () => {
      const r = await runJob(script, {
        ...cfg,
        env: { LAMELLAR_DEADLOCK_TIMEOUT: '2', LAMELLAR_DEADLOCK_TIMEOUT_ACTION: 'abort' },
        timeoutMs: 60000,
      });
      assert.notEqual(r.code, 0, r.stderr);
      // Normally the stuck world barrier; on a heavily loaded machine possibly a slow start-up step.
      assert.match(r.stderr, new RegExp(`has waited [\\d.]+ s in [^\\n]*PE 1 is running, not in a collective; ${HELD}[^\\n]*\\(LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort\\)`));
      // Its frame is the waiting call's line, not the watch's timer (the only frame it showed).
      if (/in barrier\(\) #\d+ on the world at /.test(r.stderr)) {
        const frame = `\n    at ${line(script, 'world-barrier')}`;
        assert.ok(r.stderr.replace(/\n {4}at \S*\//g, '\n    at ').includes(frame), `${frame} in: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /Watch\.#report|coll\/watch\./, r.stderr);
      }
      assert.equal(r.stdout.includes('@@passed 1'), false);
    });
  });
}

describe('LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort: the PE that holds the others up is reported', { concurrency: 2 }, () => {
  // PE 1's barrier report names only PE 0 (details.causedBy); PE 0's names the guard it keeps.
  for (const backend of ['shmem', 'tcp'] as const) {
    test(`${backend}/2: a guard kept on PE 0, PE 1 in a barrier: PE 0's lock wait is printed, 2 runs`, async () => {
      for (let run = 0; run < 2; run++) {
        const script = scriptFor('deadlock-abort-guard.ts', run === 0);
        const r = await runJob(script, { backend, numPes: 2, env: { LAMELLAR_DEADLOCK_TIMEOUT: '1', LAMELLAR_DEADLOCK_TIMEOUT_ACTION: 'abort', LAMELLAR_GUARD_SITES: '1' }, timeoutMs: 60000 });
        assert.equal(r.code, 1, r.stderr);
        const first = /^lamellar: PE (\d+) failed:\n(.*)$/m.exec(r.stderr);
        assert.ok(first, r.stderr);
        assert.equal(first[1], '0', r.stderr);
        assert.match(first[2]!, new RegExp(`LocalRwDarc\\.read\\(\\), queued behind a write guard taken at \\S*${line(script, 'kept guard').replace(/[.]/g, '[.]')}\\d+ and not yet released`), r.stderr);
        assert.doesNotMatch(r.stdout, /@@unreachable/);
      }
    });
  }
});

const AM_WAIT_CONFIGS = [
  { backend: 'shmem', numPes: 2 },
  { backend: 'tcp', numPes: 3 },
] as const;
for (const cfg of AM_WAIT_CONFIGS) {
  const script = scriptFor('deadlock-am.ts', cfg === AM_WAIT_CONFIGS[0]);
  test(`a PE kept from a barrier by an AM result it awaits is reported with that AM, on ${cfg.backend} with ${cfg.numPes} PEs`, async () => {
    const r = await runJob(script, { ...cfg, env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5', LAMELLAR_AM_STACKS: '1' }, timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    const w = /@@warning (.*)/.exec(r.stdout)?.[1] ?? '';
    assert.match(w, /^PE 0 has waited [\d.]+ s in barrier\(\) #\d+ on the world at \S*deadlock-am\.[jt]s:\d+:\d+ for PE\(s\) 1: /);
    assert.match(w, /PE 1 is running, not in a collective; the result of active message 'deadlock-test\/hold' on PE 0 is outstanding \(launched at \S*deadlock-am\.[jt]s:\d+:\d+\)/);
    assert.ok(w.includes(line(script, 'hold-launch')), w);
    for (let pe = 0; pe < cfg.numPes; pe++) assert.match(r.stdout, new RegExp(`@@passed ${pe}`));
  });
}
test('a PE kept from a barrier by an execAmAll result it awaits is reported with that AM, on shmem with 2 PEs', async () => {
  const script = compiledFixture('deadlock-am.ts');
  const r = await runJob(script, { numPes: 2, args: ['all'], env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5', LAMELLAR_AM_STACKS: '1' }, timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  const w = /@@warning (.*)/.exec(r.stdout)?.[1] ?? '';
  assert.match(w, /PE 1 is running, not in a collective; a result of execAmAll\(deadlock-test\/hold\) is outstanding \(launched at \S*deadlock-am\.js:\d+:\d+\)/);
  assert.ok(w.includes(line(script, 'all-launch')), w);
  for (let pe = 0; pe < 2; pe++) assert.match(r.stdout, new RegExp(`@@passed ${pe}`));
});

// A PE stuck in an AM's synchronous code: an awaited AM result is a diagnosed wait, and reports
// name the AM the target runs (not the collective its board showed last).
const BUSY_CONFIGS: JobConfig[] = [
  { backend: 'shmem', numPes: 2 },
  { backend: 'tcp', numPes: 2 },
  { backend: 'ofi', numPes: 2, provider: 'shm' },
];
for (const cfg of BUSY_CONFIGS) {
  const script = scriptFor('deadlock-busy-am.ts', cfg === BUSY_CONFIGS[0]);
  const BUSY = "PE 1 is running active message 'deadlock-busy/spin' \\(its thread is in the AM's synchronous code and runs nothing else until it returns\\)";
  describe(`an AM that keeps its target busy, on ${configName(cfg)}`, { skip: skipFor(cfg) }, () => {
    test('an awaited AM result is reported after the timeout, naming the AM, its target and that the target runs it', async () => {
      const r = await runJob(script, { ...cfg, args: ['await'], env: { LAMELLAR_DEADLOCK_TIMEOUT: '1' }, timeoutMs: 60000 });
      assert.equal(r.code, 0, r.stderr);
      const w = /@@warning (.*)/.exec(r.stdout)?.[1] ?? '';
      assert.match(w, new RegExp(`^PE 0 has waited [\\d.]+ s for the result of active message 'deadlock-busy/spin' on PE 1: ${BUSY}; next report in `));
      assert.match(r.stdout, /@@result 1/);
      for (let pe = 0; pe < cfg.numPes; pe++) assert.match(r.stdout, new RegExp(`@@passed ${pe}`));
    });

    test('with LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort the awaiting PE fails the job with DEADLOCK_TIMEOUT', async () => {
      const r = await runJob(script, { ...cfg, args: ['await'], env: { LAMELLAR_DEADLOCK_TIMEOUT: '1', LAMELLAR_DEADLOCK_TIMEOUT_ACTION: 'abort' }, timeoutMs: 60000 });
      assert.equal(r.signal, null, `killed by the test's time limit:\n${r.stderr}`);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^lamellar: PE 0 failed:\\nLamellarError: PE 0 has waited [\\d.]+ s for the result of active message 'deadlock-busy/spin' on PE 1: ${BUSY} \\(LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort\\)`, 'm'));
      assert.match(r.stderr, /code: 'LAMELLAR_ERR_DEADLOCK_TIMEOUT'/);
      assert.doesNotMatch(r.stdout, /@@passed/);
    });

    // On one lamella: whether a wait that keeps moving is reported is decided above the lamella,
    // and each run takes 5 to 9 s.
    test('a slow group of awaited AMs that keeps finishing is not reported, even with abort', { skip: cfg !== BUSY_CONFIGS[0] }, async () => {
      // 1 s: the group takes 3 s or more. A shorter timeout also caught, on a loaded machine, a
      // PE still starting (a start-up wait only warns) or still allocating (a collective: with
      // abort it fails the job), which is not what this case is about.
      const r = await runJob(script, { ...cfg, args: ['progress'], env: { LAMELLAR_DEADLOCK_TIMEOUT: '1', LAMELLAR_DEADLOCK_TIMEOUT_ACTION: 'abort' }, timeoutMs: 60000 });
      assert.equal(r.code, 0, r.stderr);
      const reports = r.stderr.split('\n').filter((l) => /has waited/.test(l) && !/for the job to assemble/.test(l));
      assert.deepEqual(reports, []);
      for (let pe = 0; pe < cfg.numPes; pe++) assert.match(r.stdout, new RegExp(`@@progress ${pe} 10000 9999 `));
    });

    test("waitAll()'s report says the target runs the AM, not that it is in a collective", async () => {
      const r = await runJob(script, { ...cfg, args: ['waitall'], env: { LAMELLAR_DEADLOCK_TIMEOUT: '1' }, timeoutMs: 60000 });
      assert.equal(r.code, 0, r.stderr);
      const w = /@@warning (.*)/.exec(r.stdout)?.[1] ?? '';
      assert.match(w, new RegExp(`^PE 0 has waited [\\d.]+ s in waitAll\\(\\) on the world .* for PE\\(s\\) 1: ${BUSY}; next report in `));
      for (let pe = 0; pe < cfg.numPes; pe++) assert.match(r.stdout, new RegExp(`@@passed ${pe}`));
    });
  });
}

// The jobs below mostly wait for LAMELLAR_DEADLOCK_TIMEOUT to pass (about a third of their time on
// a core): two at a time, they take half the suite's time, at the same CPU.
describe('waits reported after LAMELLAR_DEADLOCK_TIMEOUT', { concurrency: 2 }, () => {
  const WAITALL_CONFIGS = [{ backend: 'local', numPes: 1 }, { backend: 'shmem', numPes: 2 }, { backend: 'tcp', numPes: 2 }] as const;
  for (const cfg of WAITALL_CONFIGS) {
    const script = scriptFor('deadlock-waitall.ts', cfg === WAITALL_CONFIGS[0]);
    test(`a stuck waitAll() is reported on ${cfg.backend} with ${cfg.numPes} PE(s)`, async () => {
      const r = await runJob(script, { ...cfg, env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5' }, timeoutMs: 60000 });
      assert.equal(r.code, 0, r.stderr);
      // AMs that keep finishing are progress, not a deadlock: the first waitAll() is not reported.
      assert.match(r.stdout, /@@progress waitAll reports 0/);
      assert.match(r.stderr, /PE 0 has waited [\d.]+ s in waitAll\(\) on the world \(none of the work it waits for finished in the last 0\.5 s\) at \S*deadlock-waitall\.[jt]s:\d+:\d+/);
      assert.ok(r.stderr.includes(line(script, 'waitAll')), r.stderr);
      for (let pe = 0; pe < cfg.numPes; pe++) assert.match(r.stdout, new RegExp(`@@passed ${pe}`));
    });
  }

  const CONVERSION_CONFIGS = [{ backend: 'local', numPes: 1 }, { backend: 'shmem', numPes: 2 }] as const;
  for (const cfg of CONVERSION_CONFIGS) {
    const script = scriptFor('deadlock-conversion.ts', cfg === CONVERSION_CONFIGS[0]);
    test(`a conversion held up by this PE's own clone says so, not "for other PEs", on ${cfg.backend} with ${cfg.numPes} PE(s)`, async () => {
      const r = await runJob(script, { ...cfg, env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5' }, timeoutMs: 60000 });
      assert.equal(r.code, 0, r.stderr);
      const w = /@@warning (.*)/.exec(r.stdout)?.[1] ?? '';
      assert.match(
        w,
        /^PE 0 has waited [\d.]+ s in converting a Darc to LocalRwDarc \(every PE must convert, and drop every other handle to it: clones, guards\) at \S*deadlock-conversion\.[jt]s:\d+:\d+ for this PE, which still holds 1 other handle to it \(clones, guards, AMs or operations using it\): drop it; next report in /,
      );
      assert.ok(w.includes(line(script, 'convert')), w);
      for (let pe = 0; pe < cfg.numPes; pe++) assert.match(r.stdout, new RegExp(`@@passed ${pe} ${pe}`));
    });
  }

  for (const cfg of EVERY) {
    test(`${configName(cfg)}/3: a conversion held up by another PE's clone names that PE in the coordinator's report`, { skip: skipFor(cfg) }, async () => {
      const script = compiledFixture('deadlock-conversion.ts');
      const r = await runJob(script, { ...cfg, numPes: 3, args: ['other'], env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5' }, timeoutMs: 60000 });
      assert.equal(r.code, 0, r.stderr);
      const w = /@@warning (.*)/.exec(r.stdout)?.[1] ?? '';
      // PE 2 shows on its board as converting, as PE 1 does: only the coordinator knows it holds a clone.
      assert.match(w, /^PE 0 has waited [\d.]+ s in converting a Darc to LocalRwDarc [^\n]* for PE\(s\) 2: PE 2 is in a conversion/);
      for (let pe = 0; pe < 3; pe++) assert.match(r.stdout, new RegExp(`@@passed ${pe} ${pe}`));
    });
  }

  test('a slow tcp rendezvous is reported, naming the PEs not yet connected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamellar-rdv-'));
    try {
      const r = await runJob(compiledFixture('rendezvous-slow.ts'), { backend: 'tcp', numPes: 2, args: [dir], env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5' }, timeoutMs: 60000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /@@warning PE 0 has waited [\d.]+ s for the job to assemble: it is [^;]+; not yet connected to PE\(s\) 1/);
      assert.match(r.stdout, /@@passed 0/);
      assert.match(r.stdout, /@@passed 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const cfg of [{ backend: 'shmem', numPes: 2 }, { backend: 'tcp', numPes: 2 }] as const) {
    const script = scriptFor('deadlock-blocked.ts', cfg.backend === 'shmem');
    test(`a PE blocked by its own synchronous AM does not report the wait it was in on ${cfg.backend} (twice)`, async () => {
      for (let run = 0; run < 2; run++) {
        const r = await runJob(script, { ...cfg, env: { LAMELLAR_DEADLOCK_TIMEOUT: '1' }, args: ['3000'], timeoutMs: 60000 });
        assert.equal(r.code, 0, r.stderr);
        for (let pe = 0; pe < cfg.numPes; pe++) assert.match(r.stdout, new RegExp(`@@passed ${pe}`));
        // PE 0's reports of waiting for the blocked PE are right; the blocked PE's own are not.
        assert.doesNotMatch(r.stdout, /@@warning PE 1 has waited/);
      }
    });
  }

  // Lock waits: a queue that keeps making progress past the timeout is not reported; a guard kept
  // while the same PE asks again is, with the call's line, the line that took the guard (a lock
  // array's always, a Darc's with LAMELLAR_GUARD_SITES=1, else how to have it recorded) and, for a
  // GlobalRwDarc, by its host. On one PE nothing else keeps the process alive (a lock wait holds no
  // timer): its event loop runs empty first, and the report of what it waited for names the same
  // waits (exit 13).
  const GUARD_HINT = '; LAMELLAR_GUARD_SITES=1 records where guards are taken';
  const LOCK_WAITS = {
    local: (_pe: number, taken: string | undefined) =>
      taken === undefined
        ? `LocalRwDarc\\.read\\(\\), queued behind a write guard not yet released \\(1 request queued${GUARD_HINT}\\)`
        : `LocalRwDarc\\.read\\(\\), queued behind a write guard taken at ${taken} and not yet released \\(1 request queued\\)`,
    larr: (pe: number, taken: string | undefined) => `a queue for the LocalLockArray lock of team PE ${pe}'s part \\(1 op or guard request queued here, the first a read; the lock is held by a writer, a guard this PE took at ${taken} and has not released \\(a guard holds the lock until it is released: bind each guard with \`using\`, or call its release\\(\\)\\)\\)`,
  } as const;
  for (const cfg of EVERY) {
    test(`${configName(cfg)}/2, abort action: a write guard kept across a barrier a reader must pass first is blamed on its holder`, { skip: skipFor(cfg) }, async () => {
      const r = await runJob(compiledFixture('deadlock-lock.ts'), { ...cfg, env: { LAMELLAR_DEADLOCK_TIMEOUT: '1', LAMELLAR_DEADLOCK_TIMEOUT_ACTION: 'abort' }, args: ['across'], timeoutMs: 60000 });
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotMatch(r.stdout, /@@not-reached/);
      // PE 0's barrier report ends the job (the reader asked late): it names the guard PE 0 holds.
      assert.match(r.stderr, /PE 0 has waited [\d.]+ s in barrier\(\)[^\n]*this PE keeps a GlobalRwDarc's lock, where a request has waited [\d.]+ s: [^\n]*held by PE 0 \(write/, r.stderr);
      assert.match(r.stderr, /code: 'LAMELLAR_ERR_DEADLOCK_TIMEOUT'/);
    });

    test(`${configName(cfg)}/3: a collectiveWrite() a PE has not called is reported by the lock's host, naming that PE`, { skip: skipFor(cfg) }, async () => {
      const r = await runJob(compiledFixture('deadlock-lock.ts'), { ...cfg, numPes: 3, env: { LAMELLAR_DEADLOCK_TIMEOUT: '0.5' }, args: ['cw'], timeoutMs: 60000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /@@warning PE 0 keeps a GlobalRwDarc's lock, where collectiveWrite\(\) #0 has waited [\d.]+ s for PE\(s\) (1, )?2 to call it \(PE\(s\) [\d, ]+ have\); every team PE calls collectiveWrite\(\) the same number of times/);
      // The last PE calls it only once told of the report (the host's warning handler); PE 1's
      // request may not have reached the host yet on a loaded machine.
      for (let pe = 0; pe < 3; pe++) assert.match(r.stdout, new RegExp(`@@wrote ${pe}$`, 'm'));
    });
  }

  for (const cfg of [{ backend: 'local', numPes: 1 }, { backend: 'shmem', numPes: 2 }, { backend: 'tcp', numPes: 2 }, { backend: 'ofi', numPes: 2, provider: 'shm' }] as const) {
    const script = scriptFor('deadlock-lock.ts', cfg.backend === 'local');
    const env = { LAMELLAR_DEADLOCK_TIMEOUT: '0.5' };
    const sitesEnv = { ...env, LAMELLAR_GUARD_SITES: '1' };
    const one = cfg.numPes === 1;
    const at = (tag: string): string => `\\S*${line(script, tag).replace(/[.]/g, '[.]')}\\d+`;
    /** PE `pe` reported waiting in `what` (at `site`): a warning, or on one PE the drain report. */
    const reported = (r: { stdout: string; stderr: string }, pe: number, what: string, site?: string): void => {
      const where = site === undefined ? '' : ` at ${site}`;
      if (one) assert.match(r.stderr, new RegExp(`\\n  - ${what}${where}\\n`), r.stderr);
      else assert.match(r.stdout, new RegExp(`@@warning PE ${pe} has waited [\\d.]+ s in ${what}${where}; next report`), r.stdout);
    };
    const ended = (r: { code: number | null; stderr: string }): void => assert.equal(r.code, one ? 13 : 0, r.stderr);
    // With several PEs a job runs its cases one after another (one job per LAMELLAR_GUARD_SITES
    // setting: a job costs its PEs' start-up), each case's lines tagged with its kind; a case's
    // view of the job is its own lines, untagged. One PE ends at its first wait (exit 13).
    const jobs = new Map<boolean, Promise<JobResult>>();
    const runCase = async (kind: 'local' | 'larr' | 'global' | 'garr' | 'drop', sites: boolean): Promise<JobResult> => {
      const e = sites ? sitesEnv : env;
      if (one) return runJob(script, { ...cfg, env: e, args: [kind, '100', '12'], timeoutMs: 60000 });
      let job = jobs.get(sites);
      if (job === undefined) {
        job = runJob(script, { ...cfg, env: e, args: [sites ? 'local,global' : 'local,larr,global,garr,drop', '100', '12'], timeoutMs: 120000 });
        jobs.set(sites, job);
      }
      const r = await job;
      const tag = `@@${kind}:`;
      const own = r.stdout.split('\n').filter((l) => l.startsWith(tag)).map((l) => `@@${l.slice(tag.length)}`);
      return { ...r, stdout: `${own.join('\n')}\n` };
    };
    for (const [kind, sites] of [['local', false], ['local', true], ['larr', false]] as const) {
      const what = kind === 'local' ? 'LocalRwDarc' : 'LocalLockArray';
      const named = kind === 'larr' || sites;
      test(`a ${what} lock asked for again while this PE holds it is a reported wait on ${cfg.backend}${sites ? ', naming where the guard was taken (LAMELLAR_GUARD_SITES=1)' : ''}`, async () => {
        const r = await runCase(kind, sites);
        ended(r);
        const taken = named ? at(kind === 'local' ? 'darc write' : 'array write') : undefined;
        for (let pe = 0; pe < cfg.numPes; pe++) {
          assert.match(r.stdout, new RegExp(`@@progress ${pe} lock warnings 0`));
          reported(r, pe, LOCK_WAITS[kind](pe, taken), at(kind === 'local' ? 'darc read' : 'array read'));
          if (!one) assert.match(r.stdout, new RegExp(`@@read ${pe} 13 after the report`));
        }
      });
    }
    for (const sites of [false, true]) {
      test(`a GlobalRwDarc lock asked for again while this PE holds it is reported by the PE and the lock's host on ${cfg.backend}${sites ? ', naming where the guard was taken (LAMELLAR_GUARD_SITES=1)' : ''}`, async () => {
        const r = await runCase('global', sites);
        ended(r);
        const asker = cfg.numPes - 1;
        for (let pe = 0; pe < cfg.numPes; pe++) assert.match(r.stdout, new RegExp(`@@progress ${pe} lock warnings 0`));
        const holds = sites ? `1 write guard of it, taken at ${at('darc write')}, and has 1 request pending` : `1 write guard of it and has 1 request pending${GUARD_HINT}`;
        const none = `no guard of it and has 1 request pending${sites ? '' : GUARD_HINT}`;
        reported(r, asker, `GlobalRwDarc\\.read\\(\\) \\(the lock is kept on PE 0; this PE holds (${holds}|${none})\\)`, at('darc read'));
        // The host names the holder's line too, which the holder sent with its request.
        const held = sites ? `write, taken at ${at('darc write')}` : `write${GUARD_HINT}`;
        const served = `read\\(\\) asked by PE ${asker}, queued behind a write guard not yet released \\(1 request queued\\); held by PE ${asker} \\(${held}\\)`;
        // The host keeps the lock: its report says a request waits there, not that PE 0 waits.
        if (one) assert.match(r.stderr, new RegExp(`\\n  - a GlobalRwDarc's lock kept on this PE: ${served}\\n`), r.stderr);
        else assert.match(r.stdout, new RegExp(`@@warning PE 0 keeps a GlobalRwDarc's lock, where a request has waited [\\d.]+ s: ${served}; next report`), r.stdout);
        if (!one) assert.match(r.stdout, new RegExp(`@@read ${asker} 1 after the report`));
      });
    }
    test(`a GlobalLockArray lock asked for again while this PE holds it is a reported wait on ${cfg.backend}`, async () => {
      const r = await runCase('garr', false);
      ended(r);
      const asker = cfg.numPes - 1;
      for (let pe = 0; pe < cfg.numPes; pe++) assert.match(r.stdout, new RegExp(`@@progress ${pe} lock warnings 0`));
      // Where the lock word is mapped the asker's own queue waits; on tcp and ofi its request does.
      const wait = cfg.backend === 'tcp' || cfg.backend === 'ofi'
        ? `GlobalLockArray\\.read guard \\(the lock is kept on team PE 0; this PE holds 1 guard of it, taken at ${at('array write')}\\)`
        : `a queue for the GlobalLockArray lock \\(kept on team PE 0\\) \\(1 op or guard request queued here, the first a read; the lock is held by a writer, a guard this PE took at ${at('array write')} and has not released \\(a guard holds the lock until it is released: bind each guard with \`using\`, or call its release\\(\\)\\)\\)`;
      reported(r, asker, wait, at('array read'));
      if (!one) assert.match(r.stdout, new RegExp(`@@read ${asker} 1 after the report`));
    });
    test(`an array drop() waiting for a consumer that does not settle is a reported wait on ${cfg.backend}`, async () => {
      const r = await runCase('drop', false);
      assert.equal(r.code, 0, r.stderr);
      for (let pe = 0; pe < cfg.numPes; pe++) {
        assert.match(r.stdout, new RegExp(`@@warning PE ${pe} has waited [\\d.]+ s in UnsafeArray\\.drop\\(\\) \\(it waits for the iterator consumers started through this handle to settle\\) at ${at('drop')}; next report`));
        assert.match(r.stdout, new RegExp(`@@dropped ${pe} after the report with 4 items done`));
      }
    });
  }
});
