/**
 * The tcp network thread serves a large get a slice per pass of its loop, and only while the
 * requester keeps up. Served in one go, a 1 GiB get copied the whole range into socket buffers
 * in one synchronous turn: on a busy machine nothing reached the requester for seconds, and its
 * heartbeat check declared the serving PE lost.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { createHeap } from '../../src/lamellae/common/index.js';
import { Conn } from '../../src/lamellae/tcp/conn.js';
import { createLink } from '../../src/lamellae/tcp/link.js';
import { NetNode, type NetBoot } from '../../src/lamellae/tcp/node.js';
import { FLAG_LAST, H_ARG, H_FLAGS, H_ID, H_LEN, H_TYPE, HDR, Header, maxBody, T } from '../../src/lamellae/tcp/wire.js';

const MIB = 1 << 20;
const SLICE = 8 * MIB;

/** PE 0 of 2 with a 20 MiB heap holding a pattern, a Conn to PE 1 over a socket that records writes. */
function serving(): { node: NetNode; written: Buffer[]; socket: { writableLength: number }; heap: Uint8Array; conn: Conn } {
  const written: Buffer[] = [];
  const socket = { writableLength: 0 } as unknown as Socket & { writableLength: number };
  for (const m of ['setNoDelay', 'on', 'once', 'off', 'resume', 'pause', 'end', 'destroy']) (socket as unknown as Record<string, unknown>)[m] = () => socket;
  (socket as unknown as Record<string, unknown>)['write'] = (b: Buffer): boolean => {
    written.push(Buffer.from(b));
    return true;
  };
  const sab = createHeap(32 * MIB, false) as SharedArrayBuffer;
  sab.grow(20 * MIB);
  const heap = new Uint8Array(sab);
  for (let i = 0; i < heap.length; i += 4096) heap[i] = (i >>> 12) & 0xff;
  const boot: NetBoot = {
    pe: 0, numPes: 2, backend: 'tcp', jobId: 'slices', secret: 'slices-secret-0123456789', heap: sab, link: createLink(1 << 20),
    rendezvous: { kind: 'dir', dir: '/nonexistent' }, bindAddr: '127.0.0.1', maxFrame: 1 << 20,
    rendezvousTimeoutSecs: 60, deadlockTimeoutSecs: 10, peerTimeoutSecs: 5, tls: 'off', launcherPid: undefined,
  };
  const node = new NetNode(boot, { postMessage: () => {} } as never);
  const conn = new Conn(1, socket, node, maxBody(2));
  node.conns[1] = conn;
  return { node, written, socket, heap, conn };
}

/** Bytes of GET_DATA for request `id` in `written`, placed at their offsets; and whether the last part came. */
function gathered(written: Buffer[], id: number, len: number): { data: Uint8Array; bytes: number; last: boolean } {
  const all = Buffer.concat(written);
  const data = new Uint8Array(len);
  let bytes = 0;
  let last = false;
  for (let p = 0; p < all.length; ) {
    const n = all.readUInt32LE(p + H_LEN);
    if (all[p + H_TYPE] === T.GET_DATA && all.readUInt32LE(p + H_ID) === id) {
      data.set(all.subarray(p + HDR, p + HDR + n), all.readUInt32LE(p + H_ARG));
      bytes += n;
      last ||= (all.readUInt16LE(p + H_FLAGS) & FLAG_LAST) !== 0;
    }
    p += HDR + n;
  }
  return { data, bytes, last };
}

test('a 20 MiB get goes out 8 MiB per pass, whole and in order of offsets, and waits while the requester is behind', () => {
  const { node, written, socket, heap, conn } = serving();
  const len = 20 * MIB;
  conn.start(Buffer.from(new Header().set(T.GET, 1, 0, 42, 0, len)));
  node.flushDirty();
  assert.equal(gathered(written, 42, len).bytes, SLICE, 'the first slice, at the request');
  assert.equal(node.pendingGets, 1);

  socket.writableLength = 64 * MIB;
  assert.equal(node.serveGets(), 0, 'nothing more while 64 MiB wait unsent');
  assert.equal(gathered(written, 42, len).bytes, SLICE);

  socket.writableLength = 0;
  assert.equal(node.serveGets(), 1);
  assert.equal(gathered(written, 42, len).bytes, 2 * SLICE);
  assert.equal(gathered(written, 42, len).last, false);
  assert.equal(node.serveGets(), 1);
  assert.equal(node.pendingGets, 0);
  assert.equal(node.serveGets(), 0);

  const got = gathered(written, 42, len);
  assert.equal(got.bytes, len);
  assert.ok(got.last);
  assert.ok(Buffer.from(got.data).equals(Buffer.from(heap.subarray(0, len))), 'the bytes of the heap');
});

test('a get of a slice or less, and an empty one, are served at the request', () => {
  const { node, written, heap, conn } = serving();
  conn.start(Buffer.from(new Header().set(T.GET, 1, 0, 7, 4096, SLICE)));
  conn.start(Buffer.from(new Header().set(T.GET, 1, 0, 8, 100, 0)));
  node.flushDirty();
  assert.equal(node.pendingGets, 0);
  const one = gathered(written, 7, SLICE);
  assert.ok(one.last && Buffer.from(one.data).equals(Buffer.from(heap.subarray(4096, 4096 + SLICE))));
  const none = gathered(written, 8, 0);
  assert.ok(none.last);
  assert.equal(none.bytes, 0);
});

test('gets that arrive while the requester is behind wait in the queue, and go out in order once it keeps up', () => {
  const { node, written, socket, heap, conn } = serving();
  socket.writableLength = 64 * MIB;
  for (let id = 1; id <= 5; id++) conn.start(Buffer.from(new Header().set(T.GET, 1, 0, id, id * MIB, 2 * MIB)));
  node.flushDirty();
  assert.equal(node.pendingGets, 5, 'none served while 64 MiB wait unsent');
  assert.equal(written.filter((b) => b.length > HDR).length, 0);
  socket.writableLength = 0;
  assert.equal(node.serveGets(), 5);
  assert.equal(node.pendingGets, 0);
  const all = Buffer.concat(written);
  const order: number[] = [];
  for (let p = 0; p < all.length; p += HDR + all.readUInt32LE(p + H_LEN)) if (all[p + H_TYPE] === T.GET_DATA && (all.readUInt16LE(p + H_FLAGS) & FLAG_LAST) !== 0) order.push(all.readUInt32LE(p + H_ID));
  assert.deepEqual(order, [1, 2, 3, 4, 5]);
  for (let id = 1; id <= 5; id++) {
    const got = gathered(written, id, 2 * MIB);
    assert.ok(got.last && Buffer.from(got.data).equals(Buffer.from(heap.subarray(id * MIB, (id + 2) * MIB))), `get ${id}`);
  }
});
