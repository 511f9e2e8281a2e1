/** Unit tests of the Darc building blocks: the async reader-writer lock and its guards. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/core/index.js';
import { DarcReadGuard, newDarcReadGuard, newDarcWriteGuard, RwLock } from '../../src/darc/rwlock.js';
import { fixture, runNode } from '../helpers/job.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('readers share the lock and a writer waits for all of them', async () => {
  const l = new RwLock();
  await l.read();
  await l.read();
  assert.equal(l.readers, 2);
  let wrote = false;
  const w = l.write().then(() => (wrote = true));
  await turn();
  assert.equal(wrote, false);
  l.releaseRead();
  await turn();
  assert.equal(wrote, false);
  l.releaseRead();
  await w;
  assert.ok(l.writer);
  l.releaseWrite();
  assert.ok(l.idle);
});

test('a waiting writer is not starved by readers that arrive after it', async () => {
  const l = new RwLock();
  const order: string[] = [];
  await l.read();
  const w = l.write().then(() => order.push('w'));
  const r = l.read().then(() => order.push('r'));
  await turn();
  assert.deepEqual(order, [], 'the late reader queues behind the writer');
  l.releaseRead();
  await w;
  await turn();
  assert.deepEqual(order, ['w']);
  l.releaseWrite();
  await r;
  assert.deepEqual(order, ['w', 'r']);
  l.releaseRead();
  assert.ok(l.idle);
});

test('waiters are served in arrival order, consecutive readers together', async () => {
  const l = new RwLock();
  await l.write();
  const order: string[] = [];
  const all = [
    l.read().then(() => order.push('r1')),
    l.read().then(() => order.push('r2')),
    l.write().then(() => order.push('w1')),
    l.read().then(() => order.push('r3')),
  ];
  l.releaseWrite();
  await Promise.all(all.slice(0, 2));
  assert.equal(l.readers, 2);
  l.releaseRead();
  l.releaseRead();
  await all[2];
  assert.deepEqual(order, ['r1', 'r2', 'w1']);
  l.releaseWrite();
  await all[3];
  assert.deepEqual(order, ['r1', 'r2', 'w1', 'r3']);
});

test('a guard releases once and throws USE_AFTER_RELEASE afterwards', () => {
  let released = 0;
  let v = 1;
  const r = newDarcReadGuard(() => v, () => released++);
  assert.equal(r.value, 1);
  r[Symbol.dispose]();
  r[Symbol.dispose]();
  assert.equal(released, 1);
  assert.throws(() => r.value, (e: { code?: string }) => e.code === ErrorCode.USE_AFTER_RELEASE);
  {
    using w = newDarcWriteGuard(() => v, (x: number) => (v = x), () => released++);
    w.value += 41;
  }
  assert.equal(v, 42);
  assert.equal(released, 2);
});

test('guards have no public constructor: new DarcReadGuard() from JavaScript is INVALID_ARGUMENT', () => {
  const Ctor = DarcReadGuard as unknown as new (...args: unknown[]) => unknown;
  assert.throws(() => new Ctor(() => 1, () => {}), (e: { code?: string; message?: string }) => e.code === ErrorCode.INVALID_ARGUMENT && /DarcReadGuard has no public constructor/.test(e.message ?? ''));
});

test('handles collected without drop() warn LAMELLAR_W_UNRELEASED_HANDLE and are still freed', async () => {
  const r = await runNode(['--expose-gc', '--import', 'tsx', fixture('darc-gc.ts')], { timeoutMs: 60000 });
  assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stdout, /made 17, freed after GC/);
  assert.match(r.stderr, /LAMELLAR_W_UNRELEASED_HANDLE/);
  assert.match(r.stderr, /a Darc handle on PE 0 was garbage-collected without drop\(\)/);
  assert.match(r.stderr, /a LocalRwDarc handle on PE 0 was garbage-collected without drop\(\)/);
  assert.match(r.stderr, /a GlobalRwDarc handle on PE 0 was garbage-collected without drop\(\)/);
  // A region's warning says which region, and which window of it for a sub-region.
  assert.ok(
    r.stderr.includes('a shared memory region handle (a sub-region: elements [0, 4) of 16 u8 per PE) on PE 0 was garbage-collected without drop(); call drop() or use `await using`'),
    r.stderr,
  );
  assert.ok(r.stderr.includes('an UnsafeArray handle (a sub-array: elements [2, 5) of 10 i32) on PE 0 was garbage-collected without drop()'), r.stderr);
  const regions = r.stderr.match(/a one-sided memory region handle \(u8, 64 elements\) on PE 0 was garbage-collected/g) ?? [];
  assert.equal(regions.length, 5, 'five warnings of one kind, then none');
  assert.match(r.stderr, /\(5 reported; further one-sided memory region handles released this way on this PE are not\)/);
});
