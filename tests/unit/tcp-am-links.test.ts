/**
 * The tcp message links (src/lamellae/tcp/am-links.ts) of two or three PEs in this process, over
 * loopback: frames arrive whole, in order and as they were at the send; the start-up admits
 * only the job's PEs, each from the side that dials; a link that closes on its own fails the job
 * after the grace period; shutdown delivers what was sent before it.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { AmLinks, type AmLinksOwner } from '../../src/lamellae/tcp/am-links.js';
import { acceptPeer, connectPeer } from '../../src/lamellae/tcp/tls.js';
import { rng } from '../helpers/rng.js';

const KEYS = { secret: 'links-secret-0123456789abcdef', jobId: 'links-test' };

interface Pe {
  links: AmLinks;
  port: number;
  got: { src: number; frame: Uint8Array }[];
  fatal: string[];
  refused: string[];
  /** Resolves when `n` frames have arrived in all. */
  frames(n: number): Promise<void>;
  /** Resolves at the next fatal report. */
  nextFatal(): Promise<string>;
}

async function pe(me: number, numPes: number, opts: { maxFrame?: number; lostGraceMs?: number } = {}): Promise<Pe> {
  const got: Pe['got'] = [];
  const fatal: string[] = [];
  const refused: string[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  let fatalWaiter: ((m: string) => void) | undefined;
  const owner: AmLinksOwner = {
    me,
    numPes,
    maxFrame: opts.maxFrame ?? 1 << 24,
    tls: 'off',
    lostGraceMs: opts.lostGraceMs ?? 50,
    onFrame: (src, frame) => {
      got.push({ src, frame: new Uint8Array(frame) });
      if (waiter !== undefined && got.length >= waiter.n) waiter.resolve();
    },
    onFatal: (code, message) => {
      fatal.push(`${code}: ${message}`);
      fatalWaiter?.(`${code}: ${message}`);
    },
    onRefused: (message) => void refused.push(message),
  };
  const links = new AmLinks(owner);
  const port = await links.listen('127.0.0.1');
  return {
    links,
    port,
    got,
    fatal,
    refused,
    frames: (n) => (got.length >= n ? Promise.resolve() : new Promise((resolve) => (waiter = { n, resolve }))),
    nextFatal: () => new Promise((resolve) => (fatalWaiter = resolve)),
  };
}

/** Starts `n` PEs' links and connects them as the tcp lamella does. */
async function job(n: number, opts: { maxFrame?: number; lostGraceMs?: number } = {}): Promise<Pe[]> {
  const pes = await Promise.all(Array.from({ length: n }, (_, i) => pe(i, n, opts)));
  for (const p of pes) p.links.admit(KEYS);
  const hosts = pes.map(() => '127.0.0.1');
  const ports = pes.map((p) => p.port);
  await Promise.all(pes.map((p) => p.links.connect(hosts, ports)));
  return pes;
}

async function dialRaw(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  await once(s, 'connect');
  return s;
}

test('frames of every size, in pieces, arrive whole, in order and as they were at the send', async () => {
  const [a, b, c] = await job(3);
  // Sizes around a batch (64 KiB) and far past it; sends in one turn share writes.
  const SIZES = [0, 1, 7, 4093, 65531, 65532, 65536, 300_000, 3 << 20];
  const frames = (seed: number): { to: number; frame: Uint8Array; cut: number }[] => {
    const r = rng(seed);
    return Array.from({ length: 120 }, (_, i) => {
      const size = SIZES[Math.floor(r() * SIZES.length)]!;
      const frame = new Uint8Array(size);
      let x = Math.floor(r() * 2 ** 32);
      for (let k = 0; k < size; k++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        frame[k] = x >>> 24;
      }
      return { to: 1 + (i % 2), frame, cut: Math.floor(r() * (size + 1)) };
    });
  };
  for (const { to, frame, cut } of frames(17)) {
    a!.links.send(to, [frame.subarray(0, cut), frame.subarray(cut)], frame.length);
    // The caller may reuse its buffers once send returns.
    frame.fill(0xee);
  }
  a!.links.flush();
  const want = frames(17);
  await Promise.all([b!.frames(60), c!.frames(60)]);
  for (const [to, p] of [[1, b!], [2, c!]] as const) {
    const mine = want.filter((w) => w.to === to);
    assert.equal(p.got.length, mine.length);
    p.got.forEach((g, i) => {
      assert.equal(g.src, 0);
      assert.deepEqual(g.frame, mine[i]!.frame, `frame ${i} to PE ${to}`);
    });
  }
  // And back the other way, from the PEs that dialed.
  c!.links.send(0, [Uint8Array.of(1, 2, 3)], 3);
  b!.links.send(0, [Uint8Array.of(4)], 1);
  await a!.frames(2);
  assert.deepEqual(
    a!.got.map((g) => [g.src, [...g.frame]]).sort((x, y) => (x[0] as number) - (y[0] as number)),
    [
      [1, [4]],
      [2, [1, 2, 3]],
    ],
  );
  await Promise.all([a, b, c].map((p) => p!.links.shutdown()));
  for (const p of [a, b, c]) assert.deepEqual(p!.fatal, []);
});

test('frames sent just before shutdown are delivered before the links close', async () => {
  const [a, b] = await job(2);
  for (let i = 0; i < 100; i++) a!.links.send(1, [new Uint8Array([i])], 1);
  await Promise.all([a!.links.shutdown(), b!.links.shutdown()]);
  assert.deepEqual(
    b!.got.map((g) => g.frame[0]),
    Array.from({ length: 100 }, (_, i) => i),
  );
});

test('a frame over the receiver\'s LAMELLAR_MAX_FRAME stops the job with FRAME_TOO_LARGE, and nothing after it is read', async () => {
  const [a, b] = await job(2, { maxFrame: 1000 });
  const fatal = b!.nextFatal();
  a!.links.send(1, [new Uint8Array(10)], 10);
  a!.links.send(1, [new Uint8Array(1001)], 1001);
  a!.links.send(1, [new Uint8Array(20)], 20);
  assert.match(await fatal, /^LAMELLAR_ERR_FRAME_TOO_LARGE: PE 0 sent a frame of 1001 bytes to PE 1, more than LAMELLAR_MAX_FRAME \(1000 bytes\)/);
  assert.deepEqual(
    b!.got.map((g) => g.frame.length),
    [10],
  );
  a!.links.abort();
  b!.links.abort();
});

test('a link that closes on its own fails the job after the grace period, naming the peer', async () => {
  // PE 0 here is the test itself, which accepts PE 1's link and then drops it as a crash would.
  let accepted: Socket | undefined;
  const server = createServer({ pauseOnConnect: true }, (raw) => {
    raw.on('error', () => {});
    void acceptPeer(raw, KEYS, 'off', 2000).then(({ socket }) => (accepted = socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const b = await pe(1, 2, { lostGraceMs: 30 });
  b.links.admit(KEYS);
  await b.links.connect(['127.0.0.1'], [(server.address() as { port: number }).port, b.port]);
  await waitFor(() => accepted !== undefined);
  const fatal = b.nextFatal();
  accepted!.destroy();
  assert.match(await fatal, /^LAMELLAR_ERR_PE_FAILED: the message link to PE 0 closed unexpectedly/);
  b.links.abort();
  server.close();
});

test('a peer that closes its links first at shutdown is not a lost link on a PE whose shutdown has begun', async () => {
  const [a, b] = await job(2, { lostGraceMs: 30 });
  // b has begun its shutdown (it is in the final barrier) but is slow to get past it; a is past
  // it and closes its links.
  b!.links.expectClose();
  await a!.links.shutdown();
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.deepEqual(b!.fatal, []);
  await b!.links.shutdown();
});

test('only the job\'s PEs are admitted, each from the side that dials', async () => {
  const early = await pe(0, 2);
  // Before the job has assembled (no secret yet), every connection is refused.
  const s1 = await dialRaw(early.port);
  await once(s1, 'close');
  assert.match(early.refused[0]!, /^PE 0 refused a message-link connection from 127\.0\.0\.1:\d+: the job is not assembled yet/);
  early.links.admit(KEYS);
  // A stranger without the secret.
  const s2 = await dialRaw(early.port);
  await assert.rejects(connectPeer(s2, { ...KEYS, secret: 'wrong-secret-0123456789abcdef' }, 1, 'off', 2000));
  s2.destroy();
  await waitFor(() => early.refused.length >= 2);
  assert.match(early.refused[1]!, /refused a message-link connection from 127\.0\.0\.1:\d+: /);
  // A member of the job claiming a PE that never dials PE 0: the job stops.
  const fatal = early.nextFatal();
  const s3 = await dialRaw(early.port);
  await connectPeer(s3, KEYS, 0, 'off', 2000).catch(() => undefined);
  assert.match(await fatal, /^LAMELLAR_ERR_PROTOCOL: a process from 127\.0\.0\.1:\d+ with the job secret claimed to be PE 0, which does not open a message link to PE 0 now/);
  s3.destroy();
  early.links.abort();
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond());
}
