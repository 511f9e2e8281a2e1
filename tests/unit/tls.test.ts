/**
 * tcp links: encrypted with TLS (PSK from the job secret) when either side asks for it, in the
 * clear otherwise; what crosses the wire is checked through a recording proxy between the PEs.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import type { TlsMode } from '../../src/core/config.js';
import { acceptPeer, connectPeer, isLoopback, wantsTls } from '../../src/lamellae/tcp/tls.js';

const KEYS = { secret: 'a-job-secret-of-some-length', jobId: 'tls-test' };
const MARKER = 'plain-text-marker-0123456789';

/** Everything a link opened, closed when the file's tests end (a failed handshake included). */
const opened: { destroy?: () => void; close?: () => void }[] = [];
after(() => {
  for (const o of opened) {
    o.destroy?.();
    o.close?.();
  }
});

interface Link {
  a: Socket;
  b: Socket;
  encrypted: boolean;
  wire: () => string;
  close: () => void;
}

/** An acceptor and a dialler (PE 1) through a proxy that records every byte the dialler sends. */
async function link(acceptorMode: TlsMode, diallerMode: TlsMode, keys = KEYS): Promise<Link> {
  let accepted!: Promise<{ pe: number; socket: Socket; rest: Buffer; encrypted: boolean }>;
  let server!: Server;
  const got = new Promise<void>((resolve) => {
    server = createServer((raw) => {
      opened.push(raw);
      raw.on('error', () => {});
      accepted = acceptPeer(raw, KEYS, acceptorMode, 5000);
      resolve();
    });
  });
  opened.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const recorded: Buffer[] = [];
  const proxy = createServer((inbound) => {
    const out = connect((server.address() as { port: number }).port, '127.0.0.1');
    opened.push(inbound, out);
    inbound.on('data', (d: Buffer) => {
      recorded.push(Buffer.from(d));
      out.write(d);
    });
    out.on('data', (d: Buffer) => inbound.write(d));
    inbound.on('error', () => {});
    out.on('error', () => {});
    inbound.on('close', () => out.destroy());
    out.on('close', () => inbound.destroy());
  });
  opened.push(proxy);
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const raw = connect((proxy.address() as { port: number }).port, '127.0.0.1');
  opened.push(raw);
  raw.on('error', () => {});
  await new Promise<void>((r) => raw.once('connect', () => r()));
  const dialled = connectPeer(raw, keys, 1, diallerMode, 5000);
  await got;
  const [acc, dial] = await Promise.all([accepted, dialled]);
  assert.equal(acc.pe, 1);
  assert.equal(acc.encrypted, dial.encrypted);
  return {
    a: acc.socket,
    b: dial.socket,
    encrypted: dial.encrypted,
    wire: () => Buffer.concat(recorded).toString('latin1'),
    close: () => {
      acc.socket.destroy();
      dial.socket.destroy();
      proxy.close();
      server.close();
    },
  };
}

async function roundTrip(l: Link): Promise<void> {
  const received = new Promise<string>((resolve) => {
    let text = '';
    l.a.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes(MARKER)) resolve(text);
    });
    l.a.resume();
  });
  l.b.write(`${MARKER}\n`);
  assert.match(await received, new RegExp(MARKER));
}

describe('tcp link encryption (LAMELLAR_TLS)', () => {
  const cases: [TlsMode, TlsMode, boolean][] = [
    ['off', 'off', false],
    ['auto', 'auto', false],
    ['on', 'on', true],
    ['on', 'off', true],
    ['off', 'on', true],
    ['auto', 'on', true],
  ];
  for (const [acceptor, dialler, encrypted] of cases) {
    test(`acceptor ${acceptor}, dialler ${dialler} over loopback: ${encrypted ? 'encrypted, nothing readable on the wire' : 'in the clear'}`, async () => {
      const l = await link(acceptor, dialler);
      try {
        assert.equal(l.encrypted, encrypted);
        await roundTrip(l);
        assert.equal(l.wire().includes(MARKER), !encrypted, 'what the proxy saw');
        if (encrypted) assert.ok(!l.wire().includes('LMLR'), 'the handshake itself runs inside TLS');
      } finally {
        l.close();
      }
    });
  }

  test('a dialler with the wrong secret cannot complete an encrypted link', async () => {
    await assert.rejects(link('on', 'on', { ...KEYS, secret: 'another-secret-entirely' }), /TLS handshake failed|closed during/);
  });

  test('auto asks for TLS exactly for peers that are not on loopback', () => {
    for (const a of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1']) {
      assert.ok(isLoopback(a), a);
      assert.equal(wantsTls('auto', a), false);
    }
    for (const a of ['10.0.0.2', '192.168.1.5', '::ffff:10.0.0.2', 'fe80::1', undefined]) {
      assert.equal(wantsTls('auto', a), true, String(a));
      assert.equal(wantsTls('off', a), false);
    }
    assert.equal(wantsTls('on', '127.0.0.1'), true);
  });
});
