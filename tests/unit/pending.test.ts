/** The pending-request table: ids, out-of-order settling, growth, straggler eviction. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingTable } from '../../src/am/pending.js';

test('entries come back by id, in any order', () => {
  const t = new PendingTable<string>(4);
  const ids = Array.from({ length: 10 }, (_, i) => t.add(`r${i}`));
  assert.deepEqual(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  for (const i of [3, 0, 9, 5, 1, 2, 4, 6, 8, 7]) assert.equal(t.take(ids[i]!), `r${i}`);
  assert.equal(t.size, 0);
  assert.equal(t.take(ids[0]!), undefined, 'an id is taken once');
});

test('a straggler does not make the table grow with every later request', () => {
  const t = new PendingTable<number>(16);
  const straggler = t.add(-1);
  for (let i = 0; i < 100_000; i++) assert.equal(t.take(t.add(i)), i);
  assert.equal(t.size, 1);
  assert.equal(t.peek(straggler), -1);
  assert.equal(t.take(straggler), -1);
  assert.equal(t.size, 0);
});

test('many pending at once, settled in reverse', () => {
  const t = new PendingTable<number>(8);
  const ids = Array.from({ length: 5000 }, (_, i) => t.add(i));
  for (let i = ids.length - 1; i >= 0; i--) assert.equal(t.take(ids[i]!), i);
  assert.equal(t.size, 0);
});

test('wire ids wrap at 2^32 and still resolve', () => {
  const t = new PendingTable<number>(4, 2 ** 32 - 3);
  const ids = Array.from({ length: 8 }, (_, i) => t.add(i));
  assert.deepEqual(ids, [2 ** 32 - 3, 2 ** 32 - 2, 2 ** 32 - 1, 0, 1, 2, 3, 4]);
  for (const i of [4, 0, 7, 2, 3, 1, 6, 5]) assert.equal(t.take(ids[i]!), i);
  assert.equal(t.size, 0);
});

test('oldestId and get follow the oldest live entry, also once it has moved to the map', () => {
  const t = new PendingTable<string>(8);
  assert.equal(t.oldestId(), undefined);
  const ids = Array.from({ length: 6 }, (_, i) => t.add(`e${i}`));
  assert.equal(t.oldestId(), ids[0]);
  t.take(ids[0]!);
  t.take(ids[2]!);
  assert.equal(t.oldestId(), ids[1]);
  assert.equal(t.get(ids[1]!), 'e1');
  assert.equal(t.get(ids[2]!), undefined);
  // Many later entries settle while e1 stays: it moves to the map and is still the oldest.
  for (let i = 0; i < 40; i++) t.take(t.add('x'));
  assert.equal(t.oldestId(), ids[1]);
  assert.equal(t.get(ids[1]!), 'e1');
  for (const id of [1, 3, 4, 5]) t.take(ids[id]!);
  assert.equal(t.oldestId(), undefined);
});

test('a ring grown by a burst goes back to its first size once nothing has been pending for a second, and ids go on', (ctx) => {
  ctx.mock.timers.enable({ apis: ['setTimeout'] });
  // A newcomer's ten million unawaited AMs left 128 MB of empty ring for the life of the world.
  const t = new PendingTable<number>(16);
  const n = 200_000;
  const ids = Array.from({ length: n }, (_, i) => t.add(i));
  assert.ok(t.capacity >= n, `grew to ${t.capacity}`);
  for (let i = 0; i < n - 1; i++) assert.equal(t.take(ids[i]!), i);
  assert.ok(t.capacity >= n, 'kept while one is pending');
  assert.equal(t.take(ids[n - 1]!), n - 1);
  assert.ok(t.capacity >= n, 'kept while a next burst may come');
  ctx.mock.timers.tick(999);
  assert.ok(t.capacity >= n, 'kept for a second');
  ctx.mock.timers.tick(1);
  assert.equal(t.capacity, 16);
  assert.equal(t.size, 0);
  const next = t.add(7);
  assert.equal(next, n + 1, 'ids continue after the shrink');
  assert.equal(t.take(next), 7);
  // A burst that starts again within the second keeps the ring.
  const again = Array.from({ length: n }, (_, i) => t.add(i));
  for (const id of again) t.take(id);
  const cap = t.capacity;
  const busy = t.add(1);
  ctx.mock.timers.tick(1000);
  assert.equal(t.capacity, cap, 'not shrunk while an entry is pending');
  t.take(busy);
  // A ring that never grew past the threshold is left as it is.
  const small = new PendingTable<number>(16);
  const few = Array.from({ length: 1000 }, (_, i) => small.add(i));
  for (const id of few) small.take(id);
  assert.equal(small.capacity, 1024);
});
