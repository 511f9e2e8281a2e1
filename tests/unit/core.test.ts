/** core: config parsing, error brands, the heap allocator. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { ErrorCode, fnv1a32, hash53, isLamellarError, KNOWN_ENV_NAMES, LamellarError, launchBackend, parseConfig, RemoteAmError, semiSpaceOfFlags, unknownEnvNames } from '../../src/core/index.js';
import { HeapAllocator } from '../../src/lamellae/common/index.js';
import { zeroUsed } from '../../src/lamellae/common/zero.js';
import { wasm } from '../../src/core/wasm.js';
import * as dist from '../../dist/index.js';
import { HandshakeError } from '../../src/lamellae/tcp/auth.js';

describe('config', () => {
  test('ofi variables: provider, atomics path, RMA part size, addon path and debug topics; a bad atomics path or part size is a CONFIG error', () => {
    const c = parseConfig({ LAMELLAR_BACKEND: 'ofi', LAMELLAR_OFI_PROVIDER: 'tcp;ofi_rxm', LAMELLAR_OFI_ATOMICS: 'runtime', LAMELLAR_OFI_ADDON: '/x.node', LAMELLAR_DEBUG: 'ofi, GC' });
    assert.equal(c.backend, 'ofi');
    assert.equal(c.ofiProvider, 'tcp;ofi_rxm');
    assert.equal(c.ofiAtomics, 'runtime');
    assert.equal(c.ofiAddon, '/x.node');
    assert.deepEqual(c.debugTopics, ['ofi', 'gc']);
    assert.deepEqual(parseConfig({ LAMELLAR_DEBUG: '1' }).debugTopics, ['all']);
    assert.deepEqual(parseConfig({}).debugTopics, []);
    assert.equal(parseConfig({}).ofiAtomics, 'auto');
    assert.throws(() => parseConfig({ LAMELLAR_OFI_ATOMICS: 'nic' }), (e: unknown) => isLamellarError(e, ErrorCode.CONFIG) && /LAMELLAR_OFI_ATOMICS must be auto or runtime, got 'nic'/.test((e as Error).message));
    assert.equal(parseConfig({}).ofiMaxRma, 0);
    assert.equal(parseConfig({ LAMELLAR_OFI_MAX_RMA: '65536' }).ofiMaxRma, 65536);
    for (const bad of ['100', '4095', '1.5', 'big', String(2 ** 31 + 1)]) {
      assert.throws(() => parseConfig({ LAMELLAR_OFI_MAX_RMA: bad }), (e: unknown) => isLamellarError(e, ErrorCode.CONFIG) && /LAMELLAR_OFI_MAX_RMA must be an integer in \[4096, 2147483648\]/.test((e as Error).message));
    }
  });

  test('tcp addresses: MASTER_ADDR is host:port and BIND_ADDR a host, checked when read, with the variable in details', () => {
    assert.equal(parseConfig({ LAMELLAR_MASTER_ADDR: ' node1.cluster:29500 ' }).masterAddr, 'node1.cluster:29500');
    assert.equal(parseConfig({ LAMELLAR_MASTER_ADDR: '[fd00::2]:80' }).masterAddr, '[fd00::2]:80');
    assert.equal(parseConfig({ LAMELLAR_BIND_ADDR: '::' }).bindAddr, '::');
    assert.equal(parseConfig({ LAMELLAR_BIND_ADDR: 'n-01.local' }).bindAddr, 'n-01.local');
    assert.equal(parseConfig({}).bindAddr, '127.0.0.1');
    const refused = (variable: string, value: string) =>
      assert.throws(
        () => parseConfig({ [variable]: value }),
        (e: unknown) => isLamellarError(e, ErrorCode.CONFIG) && e.details?.variable === variable && e.details.value === value && e.message.includes(`'${value}'`),
      );
    for (const bad of ['nohostport', '10.0.0.1', 'host:0', 'host:70000', ':80', 'a b:80', 'fd00::2:80', 'http://h:80']) refused('LAMELLAR_MASTER_ADDR', bad);
    for (const bad of ['1.2.3.4:80', 'not an ip', '[::1]', 'h_ost', '-h']) refused('LAMELLAR_BIND_ADDR', bad);
  });

  test('defaults: local backend, one PE', () => {
    const c = parseConfig({});
    assert.equal(c.backend, 'local');
    assert.equal(c.backendFromEnv, false);
    assert.equal(c.numPes, 1);
    assert.equal(c.peId, 0);
    assert.equal(c.rankSource, 'default');
    assert.equal(c.amSizeThreshold, 65536);
    assert.equal(c.deadlockTimeoutSecs, 10);
    assert.equal(c.deadlockTimeoutAction, 'warn');
    assert.equal(c.collectiveSites, false);
  });

  test('the deadlock action, collective sites and guard sites are read', () => {
    const c = parseConfig({ LAMELLAR_DEADLOCK_TIMEOUT: '2.5', LAMELLAR_DEADLOCK_TIMEOUT_ACTION: 'abort', LAMELLAR_COLLECTIVE_SITES: '1', LAMELLAR_GUARD_SITES: '1' });
    assert.deepEqual([c.deadlockTimeoutSecs, c.deadlockTimeoutAction, c.collectiveSites, c.guardSites], [2.5, 'abort', true, true]);
    assert.equal(parseConfig({}).guardSites, false);
  });

  test('LAMELLAR_* variables are honoured', () => {
    const c = parseConfig({ LAMELLAR_BACKEND: 'shmem', LAMELLAR_NUM_PES: '4', LAMELLAR_PE_ID: '3', LAMELLAR_JOB_ID: 'j1', LAMELLAR_AM_SIZE_THRESHOLD: '1024' });
    assert.deepEqual([c.backend, c.numPes, c.peId, c.jobId, c.amSizeThreshold, c.rankSource], ['shmem', 4, 3, 'j1', 1024, 'lamellar']);
  });

  test('cluster launcher ranks are used when LAMELLAR_PE_ID is absent, in a fixed order', () => {
    assert.deepEqual(
      (({ peId, numPes, rankSource }) => ({ peId, numPes, rankSource }))(parseConfig({ OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '2', SLURM_PROCID: '5', SLURM_NTASKS: '8' })),
      { peId: 1, numPes: 2, rankSource: 'ompi' },
    );
    assert.equal(parseConfig({ SLURM_PROCID: '5', SLURM_NTASKS: '8' }).rankSource, 'slurm');
    assert.equal(parseConfig({ PMI_RANK: '0', PMI_SIZE: '3' }).numPes, 3);
    assert.equal(parseConfig({ LAMELLAR_PE_ID: '0', LAMELLAR_NUM_PES: '2', OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '2' }).rankSource, 'lamellar');
  });

  test('LAMELLAR_NUM_PES alone (exported for lamellar run) leaves the rank to a cluster launcher, and is kept as the size run starts', () => {
    const pick = (env: Record<string, string>) => (({ peId, numPes, rankSource, numPesVar }) => ({ peId, numPes, rankSource, numPesVar }))(parseConfig(env));
    assert.deepEqual(pick({ LAMELLAR_NUM_PES: '2', OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '2' }), { peId: 1, numPes: 2, rankSource: 'ompi', numPesVar: 2 });
    assert.deepEqual(pick({ LAMELLAR_NUM_PES: '2', SLURM_PROCID: '1', SLURM_NTASKS: '2' }), { peId: 1, numPes: 2, rankSource: 'slurm', numPesVar: 2 });
    // Alone, it is a job of that size whose PE this is, 0 (as before).
    assert.deepEqual(pick({ LAMELLAR_NUM_PES: '3' }), { peId: 0, numPes: 3, rankSource: 'lamellar', numPesVar: 3 });
    assert.deepEqual(pick({}), { peId: 0, numPes: 1, rankSource: 'default', numPesVar: undefined });
  });

  test('PMI ranks win over Slurm\'s: mpiexec (MPICH, Intel MPI) inside an allocation gives every rank its proxy\'s SLURM_PROCID', () => {
    const c = parseConfig({ PMI_RANK: '1', PMI_SIZE: '2', SLURM_PROCID: '0', SLURM_NTASKS: '1', SLURM_JOB_ID: '77' });
    assert.deepEqual([c.peId, c.numPes, c.rankSource], [1, 2, 'pmi']);
  });

  test('launchBackend: a PE started as one of N > 1 joins them; options win only in a job of 1 PE', () => {
    const is = (code: string, re: RegExp) => (e: unknown): boolean => isLamellarError(e) && e.code === code && re.test(e.message);
    // No launcher, or a job of 1: the option wins over LAMELLAR_BACKEND.
    assert.equal(launchBackend(parseConfig({}), 'local'), 'local');
    assert.equal(launchBackend(parseConfig({ LAMELLAR_BACKEND: 'shmem' }), 'local'), 'local');
    assert.equal(launchBackend(parseConfig({ LAMELLAR_BACKEND: 'shmem', LAMELLAR_PE_ID: '0', LAMELLAR_NUM_PES: '1' }), 'tcp'), 'tcp');
    // Launched as PE 1 of 2: the same backend is fine, none given takes the launched one.
    const shmem = parseConfig({ LAMELLAR_BACKEND: 'shmem', LAMELLAR_PE_ID: '1', LAMELLAR_NUM_PES: '2' });
    assert.equal(launchBackend(shmem, 'shmem'), 'shmem');
    assert.equal(launchBackend(shmem, undefined), 'shmem');
    assert.throws(() => launchBackend(shmem, 'local'), is(ErrorCode.INVALID_NUM_PES, /^PE 1 of a job of 2 PEs \(LAMELLAR_NUM_PES=2\), launched for the shmem backend .*initWorld\(\{ backend: 'local' \}\)/));
    assert.throws(() => launchBackend(shmem, 'tcp'), is(ErrorCode.CONFIG, /initWorld\(\{ backend: 'tcp' \}\) asks for another backend/));
    // An mpirun rank with no LAMELLAR_BACKEND: tcp by option is fine, the local default is not.
    const ompi = parseConfig({ OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '3' });
    assert.equal(launchBackend(ompi, 'tcp'), 'tcp');
    assert.throws(() => launchBackend(ompi, undefined), is(ErrorCode.INVALID_NUM_PES, /^PE 1 of a job of 3 PEs \(OMPI_COMM_WORLD_SIZE=3\).*no backend option it would start on the local backend/));
    assert.throws(() => launchBackend(ompi, 'local'), is(ErrorCode.INVALID_NUM_PES, /initWorld\(\{ backend: 'local' \}\)/));
  });

  test('PEs poll briefly after activity, and only 5 µs when they outnumber the cores', () => {
    assert.equal(parseConfig({}).spinMicros, 50);
    assert.equal(parseConfig({ LAMELLAR_NUM_PES: '65535', LAMELLAR_PE_ID: '0' }).spinMicros, 5);
    assert.equal(parseConfig({ OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '65535', OMPI_COMM_WORLD_LOCAL_SIZE: '1' }).spinMicros, 50, 'PEs per host count, not PEs in the job');
    assert.equal(parseConfig({ LAMELLAR_NUM_PES: '65535', LAMELLAR_PE_ID: '0', LAMELLAR_SPIN_US: '20' }).spinMicros, 20, 'an explicit value wins');
  });

  const bad: [string, Record<string, string>, string][] = [
    ['an unknown backend', { LAMELLAR_BACKEND: 'pigeon' }, ErrorCode.UNKNOWN_BACKEND],
    ['a non-numeric PE count', { LAMELLAR_NUM_PES: 'four', LAMELLAR_PE_ID: '0' }, ErrorCode.CONFIG],
    ['a PE id beyond the count', { LAMELLAR_NUM_PES: '2', LAMELLAR_PE_ID: '2' }, ErrorCode.CONFIG],
    ['zero PEs', { LAMELLAR_NUM_PES: '0', LAMELLAR_PE_ID: '0' }, ErrorCode.CONFIG],
    ['an unknown deadlock action', { LAMELLAR_DEADLOCK_TIMEOUT_ACTION: 'explode' }, ErrorCode.CONFIG],
    ['a collective-sites value other than 0 or 1', { LAMELLAR_COLLECTIVE_SITES: 'yes' }, ErrorCode.CONFIG],
    ['a guard-sites value other than 0 or 1', { LAMELLAR_GUARD_SITES: 'on' }, ErrorCode.CONFIG],
    ['a tiny AM threshold', { LAMELLAR_AM_SIZE_THRESHOLD: '1' }, ErrorCode.CONFIG],
    ['a negative deadlock timeout', { LAMELLAR_DEADLOCK_TIMEOUT: '-1' }, ErrorCode.CONFIG],
    ['a batch slice that is not a whole number', { LAMELLAR_BATCH_SLICE: '1.5' }, ErrorCode.CONFIG],
    ['a negative batch slice', { LAMELLAR_BATCH_SLICE: '-1' }, ErrorCode.CONFIG],
  ];
  for (const [what, env, code] of bad) {
    test(`${what} is a coded error naming the variable`, () => {
      assert.throws(() => parseConfig(env), (e: unknown) => isLamellarError(e) && e.code === code && /LAMELLAR_/.test(e.message));
    });
  }
});

describe('semi-space flags (core/gc.ts)', () => {
  test('found in NODE_OPTIONS and the V8 flags, in either form, the last one winning', () => {
    assert.equal(semiSpaceOfFlags([], undefined), undefined);
    assert.equal(semiSpaceOfFlags(['--max-old-space-size=4096'], '--enable-source-maps'), undefined);
    assert.equal(semiSpaceOfFlags([], '--max-semi-space-size=32'), 32);
    assert.equal(semiSpaceOfFlags([], ' --max_semi_space_size 48  --inspect'), 48);
    assert.equal(semiSpaceOfFlags(['--max-semi-space-size=8'], '--max-semi-space-size=32'), 8);
    assert.equal(semiSpaceOfFlags(['--max-semi-space-size=abc', '--max-semi-space-size'], undefined), undefined);
    // Node takes a quoted value in NODE_OPTIONS; 0 is V8's own default, still the user's choice.
    assert.equal(semiSpaceOfFlags([], '--max-semi-space-size="128"'), 128);
    assert.equal(semiSpaceOfFlags([], "--max-semi-space-size='2'"), 2);
    assert.equal(semiSpaceOfFlags([], '--max-semi-space-size=0'), 0);
  });
});

describe('errors', () => {
  test('LamellarError carries a code, details and a cause', () => {
    const cause = new Error('root');
    const e = new LamellarError(ErrorCode.PE_OUT_OF_RANGE, 'bad pe', { cause, details: { pe: 9 } });
    assert.equal(e.code, 'LAMELLAR_ERR_PE_OUT_OF_RANGE');
    assert.equal(e.name, 'LamellarError');
    assert.equal(e.cause, cause);
    assert.deepEqual(e.details, { pe: 9 });
    assert.ok(e instanceof Error);
  });

  test('an error without details prints no `details: undefined` line', () => {
    const bare = new LamellarError(ErrorCode.INTERNAL, 'x');
    assert.equal(bare.details, undefined);
    assert.doesNotMatch(inspect(bare), /details/);
    assert.match(inspect(new LamellarError(ErrorCode.INTERNAL, 'y', { details: { pe: 2 } })), /details: \{ pe: 2 \}/);
  });

  test('instanceof holds across two copies of the module (the Symbol.for brand)', () => {
    const fromDist = new dist.LamellarError(dist.ErrorCode.INTERNAL, 'x');
    assert.notEqual(dist.LamellarError, LamellarError, 'two distinct classes');
    assert.ok(fromDist instanceof LamellarError);
    assert.ok(new LamellarError(ErrorCode.INTERNAL, 'y') instanceof dist.LamellarError);
    assert.ok(!(new Error('plain') instanceof LamellarError));
    assert.ok(!({ code: 'LAMELLAR_ERR_INTERNAL' } instanceof LamellarError));
  });

  test('a subclass without a brand of its own (HandshakeError) answers instanceof by its prototype chain', () => {
    const h = new HandshakeError('bad greeting');
    assert.ok(h instanceof HandshakeError && h instanceof LamellarError);
    assert.equal(h.code, ErrorCode.AUTH);
    assert.ok(!(new LamellarError(ErrorCode.AUTH, 'other') instanceof HandshakeError), 'a plain LamellarError is not a HandshakeError');
    assert.ok(!(new RemoteAmError(0, 'a', 'Error', 'm', '') instanceof HandshakeError));
  });

  test('RemoteAmError names the PE and AM and keeps the remote stack', () => {
    const e = new RemoteAmError(3, 'my-am', 'TypeError', 'bad thing', 'TypeError: bad thing\n    at remoteFn');
    assert.ok(e instanceof LamellarError && e instanceof RemoteAmError && e instanceof dist.RemoteAmError);
    assert.ok(!(new LamellarError(ErrorCode.INTERNAL, 'z') instanceof RemoteAmError));
    assert.equal(e.code, ErrorCode.REMOTE_AM);
    assert.match(e.message, /'my-am' failed on PE 3: TypeError: bad thing/);
    assert.match(e.stack!, /remote stack \(PE 3\)[\s\S]*remoteFn/);
  });
});

describe('HeapAllocator', () => {
  test('allocates aligned, non-overlapping blocks and reuses freed space', () => {
    let grown = 0;
    const h = new HeapAllocator(1 << 20, (n) => (grown = Math.max(grown, n)));
    const a = h.alloc(10);
    const b = h.alloc(100);
    const c = h.alloc(64);
    assert.ok(a > 0 && a % 64 === 0 && b % 64 === 0 && c % 64 === 0);
    assert.ok(b >= a + 64 && c >= b + 128);
    assert.ok(grown >= c + 64);
    h.free(b);
    assert.equal(h.alloc(128), b, 'first fit reuses the hole');
    h.free(a);
    h.free(c);
    assert.equal(h.sizeOf(b), 128);
  });

  test('merges neighbouring free blocks', () => {
    const h = new HeapAllocator(1 << 20, () => {});
    const blocks = [h.alloc(64), h.alloc(64), h.alloc(64), h.alloc(64)];
    h.free(blocks[1]!);
    h.free(blocks[2]!);
    assert.equal(h.alloc(128), blocks[1], 'two freed neighbours serve one larger block');
  });

  test('running out is OUT_OF_MEMORY naming LAMELLAR_HEAP_SIZE; freeing an unknown address is INTERNAL', () => {
    const h = new HeapAllocator(4096, () => {});
    h.alloc(2048);
    assert.throws(() => h.alloc(4096), (e: unknown) => isLamellarError(e, ErrorCode.OUT_OF_MEMORY) && /LAMELLAR_HEAP_SIZE/.test((e as Error).message));
    assert.throws(() => h.free(12345), (e: unknown) => isLamellarError(e, ErrorCode.INTERNAL));
  });

  test('the OUT_OF_MEMORY advice fits the request: beyond the 4 GiB cap it says to use more PEs, not to raise LAMELLAR_HEAP_SIZE', () => {
    const GiB = 1024 ** 3;
    const oom = (f: () => unknown): LamellarError => {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      assert.ok(isLamellarError(err, ErrorCode.OUT_OF_MEMORY), String(err));
      return err as LamellarError;
    };
    // Larger than any heap: raising the setting cannot help, whatever it is now.
    for (const limit of [1 << 20, 4 * GiB]) {
      const e = oom(() => new HeapAllocator(limit, () => {}).alloc(6 * GiB));
      assert.equal(
        e.message,
        `${6 * GiB} bytes requested on this PE, more than one PE's memory-region heap can hold (LAMELLAR_HEAP_SIZE is at most 4294967296 bytes (4 GiB)): spread the data over more PEs, or make it smaller`,
      );
      assert.doesNotMatch(e.message, /raise/);
      assert.deepEqual(e.details, { requested: 6 * GiB, limit, inUse: 0, max: 4 * GiB });
    }
    // Larger than this heap but under the cap: raise it.
    assert.match(oom(() => new HeapAllocator(1 << 20, () => {}).alloc(2 << 20)).message, /^2097152 bytes requested on this PE, more than its memory-region heap of 1048576 bytes \(raise LAMELLAR_HEAP_SIZE; LAMELLAR_HEAP_SIZE is at most 4294967296 bytes/);
    // Fits the heap, not what is left: free, or raise below the cap; at the cap, more PEs.
    const small = new HeapAllocator(1 << 20, () => {});
    small.alloc(1 << 19);
    // The heap's capacity is its own: the reserved bytes below its first block are not in it.
    assert.equal(small.alloc((1 << 19) - 64) > 0, true);
    assert.match(oom(() => small.alloc(128)).message, /^memory-region heap exhausted: 128 bytes requested, 1048512 of 1048576 in use \(drop regions and arrays no longer needed, or raise LAMELLAR_HEAP_SIZE/);
    // At the default (the cap), the reserved scratch below the first block leaves less than 4 GiB
    // for blocks: the advice is still that the setting is at its cap, not to raise it.
    const reserved = new HeapAllocator(4 * GiB - 163904, () => {}, 163904, 4 * GiB);
    reserved.alloc(3 * GiB);
    assert.match(oom(() => reserved.alloc(2 * GiB)).message, /LAMELLAR_HEAP_SIZE is already at its 4294967296-byte \(4 GiB\) cap/);
    assert.match(oom(() => reserved.alloc(4 * GiB - 1)).message, /more than one PE's memory-region heap can hold/);
    const full = new HeapAllocator(4 * GiB, () => {});
    full.alloc(3 * GiB);
    const e = oom(() => full.alloc(2 * GiB));
    assert.match(e.message, /in use \(drop regions and arrays no longer needed, or LAMELLAR_HEAP_SIZE is already at its 4294967296-byte \(4 GiB\) cap: use more PEs or smaller arrays\)$/);
  });
});

describe('zeroing a freed heap block (lamellae/common/zero.ts)', () => {
  test('every byte in the range is zero after it, every byte outside it unchanged, small and large', () => {
    for (const [size, at, len] of [[1 << 20, 100, 1000], [1 << 20, 4093, 300000], [1 << 20, 0, 1 << 20], [1 << 20, 65536, 65536 * 3 + 5]] as const) {
      const bytes = new Uint8Array(new SharedArrayBuffer(size));
      // Scattered data: some pages written, most not, a byte at each edge of the range.
      for (let i = 0; i < size; i += 12289) bytes[i] = (i % 251) + 1;
      for (const i of [at - 1, at, at + len - 1, at + len]) if (i >= 0 && i < size) bytes[i] = 7;
      const before = bytes.slice();
      zeroUsed(bytes, at, len);
      for (let i = 0; i < size; i++) {
        const want = i >= at && i < at + len ? 0 : before[i];
        if (bytes[i] !== want) assert.fail(`size ${size}, range [${at}, ${at + len}): byte ${i} is ${bytes[i]}, want ${want}`);
      }
    }
  });

  test('only pages holding data are written: zeroing 256 MiB of a heap with two written bytes fills their two pages', () => {
    const pages = 4096; // 256 MiB of WebAssembly pages, mapped whole as a heap is
    const mem = new wasm!.Memory({ initial: pages, maximum: pages, shared: true });
    const bytes = new Uint8Array(mem.buffer);
    bytes[12345] = 1;
    bytes[200 << 20] = 2;
    // What is written is counted through the view's fill (the only writes zeroUsed makes), not
    // through resident memory: on some kernels (Linux 6.18 with transparent huge pages) reading
    // an untouched page commits it as well, so memory cannot tell a read from a write there.
    let filled = 0;
    const fill = bytes.fill;
    bytes.fill = function (this: typeof bytes, v: number, s?: number, e?: number) {
      filled += (e ?? this.length) - (s ?? 0);
      return fill.call(this, v, s, e);
    };
    zeroUsed(bytes, 0, bytes.length);
    assert.equal(bytes[12345], 0);
    assert.equal(bytes[200 << 20], 0);
    // A fill of the whole block would have written all 256 MiB.
    assert.equal(filled, 2 * 4096, `${filled} bytes written`);
  });
});

describe('hashes (core/hash.ts)', () => {
  test('fnv1a32 matches the FNV-1a reference values', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  });

  test('hash53 is a non-negative safe integer, stable, and tells close strings apart', () => {
    const a = hash53('0,1,2');
    assert.ok(Number.isSafeInteger(a) && a >= 0);
    assert.equal(hash53('0,1,2'), a);
    assert.notEqual(hash53('0,1,3'), a);
    assert.notEqual(hash53(''), hash53('\0'));
  });
});

describe('unknown LAMELLAR_* variables (core/env-names.ts)', () => {
  test('a near miss gets the name it is close to, a Rust setting says so, known names and code names pass', () => {
    const lines = unknownEnvNames({
      LAMELLAR_BACKNED: 'tcp',
      LAMELLAR_THREADS: '4',
      LAMELLAR_ROFI_PROVIDER: 'verbs',
      LAMELLAR_FROBNICATE: '1',
      LAMELLAR_SPIN_US: '10',
      LAMELLAR_ERR_CONFIG: 'x',
      HOME: '/root',
    });
    assert.deepEqual(lines, [
      'LAMELLAR_BACKNED (not a Lamellar setting; did you mean LAMELLAR_BACKEND?)',
      'LAMELLAR_FROBNICATE (not a Lamellar setting)',
      "LAMELLAR_ROFI_PROVIDER (Rust Lamellar's; here it is LAMELLAR_OFI_PROVIDER)",
      'LAMELLAR_THREADS (a Rust Lamellar setting with no effect here)',
    ]);
    assert.deepEqual(unknownEnvNames({ LAMELLAR_BACKEND: 'tcp', LAMELLAR_DEBUG: 'gc' }), []);
  });

  test('the known names are exactly those config.ts reads and docs/env.md lists', () => {
    const inConfig = new Set(readFileSync(new URL('../../src/core/config.ts', import.meta.url), 'utf8').match(/'LAMELLAR_[A-Z_0-9]+'/g)!.map((s) => s.slice(1, -1)));
    const inDocs = new Set([...readFileSync(new URL('../../docs/env.md', import.meta.url), 'utf8').matchAll(/^\| `(LAMELLAR_[A-Z_0-9]+)`/gm)].map((m) => m[1]!));
    const known = new Set(KNOWN_ENV_NAMES);
    // Read outside config.ts: by the install script, before any of the runtime loads.
    known.delete('LAMELLAR_SKIP_OFI_BUILD');
    assert.deepEqual([...inConfig].sort(), [...known].sort());
    assert.deepEqual([...inDocs].sort(), [...known].sort());
  });
});
