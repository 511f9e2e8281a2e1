/**
 * Encrypted links for the tcp lamella: TLS 1.3 with a pre-shared key derived from the job secret
 * (no certificates: a peer that knows the secret is a member of the job, and only one that does
 * can complete the TLS handshake). TLS 1.3 mixes an ephemeral (EC)DHE exchange into a PSK
 * handshake, so each connection has its own keys and a recorded session stays sealed even if the
 * secret leaks later. After TLS is up, the usual HMAC handshake (auth.ts) runs inside it and
 * binds the connection to the PE the dialling side claims to be.
 *
 * Whether a link is encrypted is settled by one byte each way before anything else: each side
 * says whether it wants TLS (LAMELLAR_TLS: 1 always, 0 never, auto for a peer that is not on
 * loopback), and the link is encrypted if either does. The bytes are not authenticated, but a
 * side that wants TLS uses it whatever its peer said, so changing them in flight can only break
 * the connection, never turn encryption off. With TLS, the acceptor sends READY once it has read
 * the dialler's byte; only then does the dialler start TLS, so no TLS byte is ever read as part
 * of the negotiation.
 *
 *   acceptor → dialler   MODE  'T' or 'P'
 *   dialler  → acceptor  MODE  'T' or 'P'
 *   (TLS:) acceptor → dialler  'R', then the TLS handshake, then auth.ts inside it
 *   (plain:) auth.ts in the clear
 */
import { createHmac } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket, type ConnectionOptions, type TlsOptions } from 'node:tls';
import type { TlsMode } from '../../core/config.js';
import { acceptHandshake, connectHandshake, HandshakeError, readExactly, type AuthKeys } from './auth.js';

const WANT = 0x54; // 'T'
const PLAIN = 0x50; // 'P'
const READY = 0x52; // 'R'
const PSK_IDENTITY = 'lamellar';

const TLS_VERSIONS = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256' } as const;

/** A loopback address (the kernel never sends such traffic off the host). */
export function isLoopback(addr: string | undefined): boolean {
  if (addr === undefined) return false;
  return addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.');
}

/** Whether this side asks for TLS on a link to `remote`. */
export function wantsTls(mode: TlsMode, remote: string | undefined): boolean {
  return mode === 'on' || (mode === 'auto' && !isLoopback(remote));
}

function pskFor(keys: AuthKeys): Buffer {
  return createHmac('sha256', keys.secret).update(`lamellar-tls\0${keys.jobId}`).digest();
}

function secured<S extends TLSSocket>(s: S, event: 'secure' | 'secureConnect', deadline: number): Promise<S> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer);
      s.off(event, onSecure);
      s.off('error', done);
      s.off('close', onClose);
      if (err !== undefined) reject(err);
      else {
        s.pause();
        resolve(s);
      }
    };
    const onSecure = (): void => done();
    const onClose = (): void => done(new HandshakeError('the connection closed during the TLS handshake', true));
    const timer = setTimeout(() => done(new HandshakeError('the TLS handshake timed out', true)), Math.max(1, deadline - Date.now()));
    s.once(event, onSecure);
    // OpenSSL's text ends in a newline and may hold more: one line, for reports and warnings.
    s.once('error', (e: Error) => done(new HandshakeError(`the TLS handshake failed (${e.message.trim().replace(/\s*\n\s*/g, ' ')}); every PE must use the same LAMELLAR_TLS and job secret`)));
    s.once('close', onClose);
  });
}

function mode(byte: number | undefined): boolean {
  if (byte === WANT) return true;
  if (byte === PLAIN) return false;
  throw new HandshakeError('it does not speak the lamellar protocol (bad greeting)');
}

/** The acceptor's side of a new connection: resolves with the proven PE and the socket to use. */
export async function acceptPeer(raw: Socket, keys: AuthKeys, tls: TlsMode, timeoutMs: number): Promise<{ pe: number; socket: Socket; rest: Buffer; encrypted: boolean }> {
  const deadline = Date.now() + timeoutMs;
  raw.setNoDelay(true);
  const mine = wantsTls(tls, raw.remoteAddress);
  raw.write(Buffer.of(mine ? WANT : PLAIN));
  const theirs = await readExactly(raw, 1, deadline);
  const encrypted = mode(theirs.bytes[0]) || mine;
  if (!encrypted) {
    const { pe, rest } = await acceptHandshake(raw, keys, Math.max(1, deadline - Date.now()), theirs.rest);
    return { pe, socket: raw, rest, encrypted };
  }
  if (theirs.rest.length > 0) throw new HandshakeError('it sent data before the link was encrypted');
  raw.write(Buffer.of(READY));
  const psk = pskFor(keys);
  const options: TlsOptions & { isServer: true } = { isServer: true, ...TLS_VERSIONS, pskCallback: (_s, identity) => (identity === PSK_IDENTITY ? psk : null) };
  const s = new TLSSocket(raw, options);
  s.on('error', () => {});
  await secured(s, 'secure', deadline);
  const { pe, rest } = await acceptHandshake(s, keys, Math.max(1, deadline - Date.now()));
  return { pe, socket: s, rest, encrypted };
}

/** The dialler's side: proves this process is PE `pe` and checks the acceptor. */
export async function connectPeer(raw: Socket, keys: AuthKeys, pe: number, tls: TlsMode, timeoutMs: number): Promise<{ socket: Socket; rest: Buffer; encrypted: boolean }> {
  const deadline = Date.now() + timeoutMs;
  raw.setNoDelay(true);
  const mine = wantsTls(tls, raw.remoteAddress);
  raw.write(Buffer.of(mine ? WANT : PLAIN));
  const theirs = await readExactly(raw, 1, deadline);
  const encrypted = mode(theirs.bytes[0]) || mine;
  if (!encrypted) {
    const rest = await connectHandshake(raw, keys, pe, Math.max(1, deadline - Date.now()), theirs.rest);
    return { socket: raw, rest, encrypted };
  }
  const ready = await readExactly(raw, 1, deadline, theirs.rest);
  if (ready.bytes[0] !== READY || ready.rest.length > 0) throw new HandshakeError('the listener did not start TLS as agreed');
  const psk = pskFor(keys);
  const options: ConnectionOptions = {
    socket: raw,
    ...TLS_VERSIONS,
    pskCallback: () => ({ psk, identity: PSK_IDENTITY }),
    // No certificates: the PSK authenticates the acceptor (and auth.ts checks it again).
    checkServerIdentity: () => undefined,
  };
  const s = tlsConnect(options);
  s.on('error', () => {});
  await secured(s, 'secureConnect', deadline);
  const rest = await connectHandshake(s, keys, pe, Math.max(1, deadline - Date.now()));
  return { socket: s, rest, encrypted };
}
