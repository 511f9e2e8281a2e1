/**
 * Connection handshake of the tcp lamella: both ends prove they know the job secret without
 * sending it (HMAC-SHA256 challenge/response over fresh nonces, bound to the job id and to the
 * PE the connecting side claims to be). It runs inside TLS when the link is encrypted (tls.ts
 * decides that first), in the clear otherwise.
 *
 *   acceptor  → connector  CHALLENGE  "LMLR" ver 0 0 0 | nonceA[32]                  40 bytes
 *   connector → acceptor   PROOF      "LMLR" ver 0 0 0 | pe u32 | 0 u32 | nonceB[32]
 *                                     | HMAC(k, "c" jobId nonceA nonceB pe)[32]      80 bytes
 *   acceptor  → connector  ANSWER     HMAC(k, "s" jobId nonceA nonceB pe)[32]        32 bytes
 *                          or REFUSAL    "LMLR refused: not the job secret"  (then closes)
 *
 * The acceptor checks PROOF before it sends a byte of job data, so a stranger learns nothing but
 * a nonce; the connector checks ANSWER, so it never talks to an impostor listening at a stale
 * address. Everything has a fixed size and a deadline: a silent or slow stranger is dropped.
 *
 * REFUSAL tells a PE that was started with another secret (or job id) why it cannot join, which a
 * bare close would not. It proves nothing, so it changes only the connector's message, never
 * what the connector trusts; a real ANSWER equals it with probability 2^-256.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { ErrorCode, LamellarError } from '../../core/errors.js';

const MAGIC = 0x524c4d4c; // "LMLR" read as a little-endian u32
/**
 * Raised when what PEs exchange changes shape: 3 added the PE count and lamella to the
 * rendezvous greeting and the idle word to the status board, which peers read.
 */
const VERSION = 3;
const NONCE = 32;
const MAC = 32;
const CHALLENGE_BYTES = 8 + NONCE;
const PROOF_BYTES = 16 + NONCE + MAC;
const REFUSAL = Buffer.from('LMLR refused: not the job secret');

export interface AuthKeys {
  secret: string;
  jobId: string;
}

/**
 * Why a handshake failed, phrased for the log line that reports it. `transient`: the connection
 * closed, failed or went silent before the peer said anything wrong (trying again may work);
 * otherwise the peer answered and was refused.
 */
export class HandshakeError extends LamellarError {
  readonly transient: boolean;
  /** The acceptor said this process does not hold its job secret (or job id). */
  readonly refusedUs: boolean;
  constructor(message: string, transient = false, refusedUs = false) {
    super(ErrorCode.AUTH, message);
    this.transient = transient;
    this.refusedUs = refusedUs;
  }
}

function mac(keys: AuthKeys, label: string, nonceA: Uint8Array, nonceB: Uint8Array, pe: number): Buffer {
  const peBytes = Buffer.alloc(4);
  peBytes.writeUInt32LE(pe);
  return createHmac('sha256', keys.secret)
    .update(`lamellar-${label}\0${keys.jobId}\0`)
    .update(nonceA)
    .update(nonceB)
    .update(peBytes)
    .digest();
}

/**
 * Reads exactly `n` bytes (counting `initial`, bytes an earlier read got past its own), then
 * pauses the socket so nothing is lost before the next reader attaches. Resolves with the bytes
 * and whatever arrived after them.
 */
export function readExactly(socket: Socket, n: number, deadline: number, initial?: Buffer): Promise<{ bytes: Buffer; rest: Buffer }> {
  if (initial !== undefined && initial.length >= n) return Promise.resolve({ bytes: initial.subarray(0, n), rest: initial.subarray(n) });
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = initial !== undefined && initial.length > 0 ? [initial] : [];
    let have = initial?.length ?? 0;
    const done = (err?: Error, value?: { bytes: Buffer; rest: Buffer }): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      socket.pause();
      if (err !== undefined) reject(err);
      else resolve(value!);
    };
    const onData = (chunk: Buffer): void => {
      parts.push(chunk);
      have += chunk.length;
      if (have >= n) {
        const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        done(undefined, { bytes: all.subarray(0, n), rest: all.subarray(n) });
      }
    };
    const onClose = (): void => done(new HandshakeError(`the connection closed during the handshake after ${have} of ${n} bytes`, true));
    const onError = (e: Error): void => done(new HandshakeError(`the connection failed during the handshake: ${e.message}`, true));
    const timer = setTimeout(() => done(new HandshakeError(`the handshake timed out after ${have} of ${n} bytes`, true)), Math.max(1, deadline - Date.now()));
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
    socket.resume();
  });
}

/** Acceptor side. Resolves with the PE the peer proved to be; rejects with a HandshakeError. */
export async function acceptHandshake(socket: Socket, keys: AuthKeys, timeoutMs: number, initial?: Buffer): Promise<{ pe: number; rest: Buffer }> {
  const deadline = Date.now() + timeoutMs;
  const nonceA = randomBytes(NONCE);
  const challenge = Buffer.alloc(CHALLENGE_BYTES);
  challenge.writeUInt32LE(MAGIC, 0);
  challenge.writeUInt8(VERSION, 4);
  nonceA.copy(challenge, 8);
  socket.write(challenge);
  const { bytes, rest } = await readExactly(socket, PROOF_BYTES, deadline, initial);
  if (bytes.readUInt32LE(0) !== MAGIC) throw new HandshakeError('it does not speak the lamellar protocol (bad greeting)');
  if (bytes.readUInt8(4) !== VERSION) throw new HandshakeError(otherVersion(bytes.readUInt8(4)));
  const pe = bytes.readUInt32LE(8);
  const nonceB = bytes.subarray(16, 16 + NONCE);
  const proof = bytes.subarray(16 + NONCE, PROOF_BYTES);
  if (!timingSafeEqual(proof, mac(keys, 'c', nonceA, nonceB, pe))) {
    socket.write(REFUSAL);
    throw new HandshakeError(`it claimed to be PE ${pe} but did not prove the job secret`);
  }
  socket.write(mac(keys, 's', nonceA, nonceB, pe));
  return { pe, rest };
}

/** A peer of another lamellar release: every PE of a job must run the same one. */
function otherVersion(theirs: number): string {
  return `it speaks version ${theirs} of the lamellar protocol and this PE version ${VERSION}: every PE of a job must run the same lamellar release`;
}

/** Connector side: proves that this process is PE `pe` of the job and checks the acceptor. */
export async function connectHandshake(socket: Socket, keys: AuthKeys, pe: number, timeoutMs: number, initial?: Buffer): Promise<Buffer> {
  const deadline = Date.now() + timeoutMs;
  const first = await readExactly(socket, CHALLENGE_BYTES, deadline, initial);
  const c = first.bytes;
  if (c.readUInt32LE(0) !== MAGIC) throw new HandshakeError('the listener does not speak the lamellar protocol');
  if (c.readUInt8(4) !== VERSION) throw new HandshakeError(otherVersion(c.readUInt8(4)));
  const nonceA = c.subarray(8, 8 + NONCE);
  const nonceB = randomBytes(NONCE);
  const proof = Buffer.alloc(PROOF_BYTES);
  proof.writeUInt32LE(MAGIC, 0);
  proof.writeUInt8(VERSION, 4);
  proof.writeUInt32LE(pe, 8);
  nonceB.copy(proof, 16);
  mac(keys, 'c', nonceA, nonceB, pe).copy(proof, 16 + NONCE);
  socket.write(proof);
  const second = await readExactly(socket, MAC, deadline);
  if (second.bytes.equals(REFUSAL)) {
    throw new HandshakeError(
      "it refused this PE's proof: the two hold different job secrets or job ids (LAMELLAR_JOB_SECRET and LAMELLAR_JOB_ID must be the same in every PE of a job)",
      false,
      true,
    );
  }
  if (!timingSafeEqual(second.bytes, mac(keys, 's', nonceA, nonceB, pe))) {
    throw new HandshakeError('the listener did not prove the job secret');
  }
  return second.rest;
}
