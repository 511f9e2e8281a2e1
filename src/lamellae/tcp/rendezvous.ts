/**
 * How the network threads of a tcp job find each other and build the full mesh of connections
 * (one per PE pair; PE k dials every PE below it and accepts from every PE above it, so each PE
 * makes at most N-1 connections and start-up grows linearly with N).
 *
 * Master mode: PE 0 listens at LAMELLAR_MASTER_ADDR. Every other PE listens on its bind address
 * (port chosen by the kernel), dials PE 0, and says where it listens (HELLO); once all have, PE 0
 * sends everyone the address table (TABLE) and PE k dials PEs 1..k-1.
 * Directory mode: every PE writes dir/<job>/pe-<n>.json ({host, port}) atomically and dials the
 * PEs below it as their files appear; stale files from an earlier run with the same job id are
 * harmless because a dial that fails re-reads the file. The job directory (and the secret file
 * in it, if PE 0 makes one) must belong to this user alone, or the job refuses to start.
 * Either way the job is up once every PE has its N-1 connections and PE 0 has gathered a
 * "mesh ready" from all (a network-thread barrier). Every dial is authenticated (auth.ts).
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { debug } from '../../core/debug.js';
import { ErrorCode, LamellarError } from '../../core/errors.js';
import { acceptPeer, connectPeer } from './tls.js';
import { HandshakeError } from './auth.js';
import { isWildcardHost } from '../common/hosts.js';
import type { NetNode } from './node.js';
import { jsonBody, parseJson, T } from './wire.js';

const HANDSHAKE_MS = 5000;

interface Addr {
  host: string;
  port: number;
}

/** What the rendezvous is waiting for, for the timeout message. */
export interface RendezvousState {
  phase: string;
  lastError: string | undefined;
  /** The PE `lastError` was about: a later success with that PE makes it stale. */
  lastErrorPe?: number | undefined;
  /**
   * The first attempt a peer answered and refused (another secret, not a PE of ours): kept for
   * the reports, since later attempts may only find the refusing process gone (ECONNREFUSED).
   */
  refused: string | undefined;
}

/** `lastError`, and the refusal too when the last attempt failed otherwise, for the reports. */
export function attempts(st: RendezvousState): string {
  if (st.lastError === undefined) return '';
  const refused = st.refused !== undefined && st.refused !== st.lastError ? `; refused earlier: ${st.refused}` : '';
  return `; last attempt: ${st.lastError}${refused}`;
}

/** 127.0.0.0/8, ::1 (and IPv4-mapped loopback), or localhost. */
const isLoopback = (host: string): boolean => /^(127\.|::ffff:127\.)/.test(host) || host === '::1' || host === 'localhost';

function asAddr(v: unknown): Addr | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const { host, port } = v as Record<string, unknown>;
  return typeof host === 'string' && host.length > 0 && Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536
    ? { host, port: port as number }
    : undefined;
}

/** Listens at host:port, which `variable` set (its name goes into the error). */
function listen(node: NetNode, host: string, port: number, variable: string): Promise<number> {
  const server = createServer({ pauseOnConnect: true }, (socket) => accept(node, socket));
  node.server = server;
  return new Promise((resolve, reject) => {
    server.once('error', (e) => {
      const value = port === 0 ? host : `${host}:${port}`;
      reject(
        new LamellarError(ErrorCode.CONFIG, `cannot listen on ${host}:${port} (${variable}=${value}): ${e.message}`, {
          details: { variable, value },
        }),
      );
    });
    server.listen({ host, port }, () => resolve((server.address() as { port: number }).port));
  });
}

function accept(node: NetNode, socket: Socket): void {
  // Errors surface as 'close' to whoever owns the socket by then; never as an uncaught event.
  socket.on('error', () => {});
  if ((node.failed && node.abortFrame === undefined) || node.closing || node.keys === undefined) {
    socket.destroy();
    return;
  }
  const who = `${socket.remoteAddress}:${socket.remotePort}`;
  acceptPeer(socket, node.keys, node.boot.tls, HANDSHAKE_MS).then(
    ({ pe, socket: link, rest, encrypted }) => {
      debug('PE %d: link from PE %d is %s', node.me, pe, encrypted ? 'encrypted (TLS 1.3)' : 'not encrypted');
      if (node.failed && !node.closing && node.abortFrame !== undefined) {
        // A PE that arrives after this one stopped the job (it started late): it learns why now,
        // where a closed socket would have it dial again until its rendezvous timeout.
        link.end(node.abortFrame);
        return;
      }
      if (node.failed || node.closing) {
        link.destroy();
        return;
      }
      if (pe <= node.me || pe >= node.numPes) {
        link.destroy();
        node.fatal(
          ErrorCode.PROTOCOL,
          `a process from ${who} with the job secret claimed to be PE ${pe}, which never dials PE ${node.me} in a job of ${node.numPes} PEs ` +
            "(check LAMELLAR_PE_ID and the launcher's rank variables)",
        );
        return;
      }
      node.attach(pe, link, rest);
    },
    (e: Error) => {
      socket.destroy();
      node.refused(`PE ${node.me} refused a connection from ${who}: ${e.message}`);
    },
  );
}

/**
 * Connects to host:port; the socket comes back paused, for the handshake to read. With
 * `timeoutMs`, a dial that has had no answer by then fails (an address that drops packets would
 * otherwise hold it for the kernel's connect timeout, minutes).
 */
export function dial(host: string, port: number, timeoutMs?: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            s.destroy();
            reject(new Error(`no answer within ${timeoutMs} ms`));
          }, timeoutMs);
    const onError = (e: Error): void => {
      clearTimeout(timer);
      reject(e);
    };
    s.once('connect', () => {
      clearTimeout(timer);
      s.off('error', onError);
      s.on('error', () => {});
      s.pause();
      resolve(s);
    });
    s.once('error', onError);
  });
}

/**
 * Dials PE `pe` until it answers and proves the secret; the address is looked up each try.
 * `known`: the address is the job's own (LAMELLAR_MASTER_ADDR, or PE 0's table), not a file
 * that a crashed earlier job may have left: a peer there that answers and refuses is the job's
 * own PE, so the job cannot assemble and this PE fails at once (AUTH) instead of waiting out
 * LAMELLAR_RENDEZVOUS_TIMEOUT. (No other process can hold that address while our PE 0 listens.)
 */
async function dialPe(node: NetNode, pe: number, addrOf: () => Promise<Addr | undefined>, st: RendezvousState, known = false): Promise<void> {
  let delay = 10;
  let refusedBy = false;
  while (!node.failed) {
    const a = await addrOf();
    if (a !== undefined) {
      try {
        // Bounded: a host that drops the SYN (a firewall) would hold this dial for the kernel's two
        // minutes, and the rendezvous report could not say how the last attempt failed.
        const s = await dial(a.host, a.port, HANDSHAKE_MS);
        try {
          const { socket: link, rest, encrypted } = await connectPeer(s, node.keys!, node.me, node.boot.tls, HANDSHAKE_MS);
          debug('PE %d: link to PE %d is %s', node.me, pe, encrypted ? 'encrypted (TLS 1.3)' : 'not encrypted');
          if (pe === 0) node.addressToMaster = s.localAddress;
          node.dialedHosts[pe] = a.host;
          // An attempt that failed before this one (PE 0 not listening yet) no longer says how
          // the rendezvous stands: a timeout report named it as the last attempt, connected or not.
          if (st.lastErrorPe === pe) st.lastError = st.lastErrorPe = undefined;
          node.attach(pe, link, rest);
          return;
        } catch (e) {
          s.destroy();
          throw e;
        }
      } catch (e) {
        // One line: OpenSSL's messages (a failed TLS handshake) carry newlines of their own.
        st.lastError = `PE ${pe} at ${a.host}:${a.port}: ${(e as Error).message.trim().replace(/\s*\n\s*/g, ' ')}`;
        st.lastErrorPe = pe;
        // Said at once, not only when the rendezvous times out: the peer answered and refused
        // (another secret or job id: the refusal, or an encrypted link's failed handshake) or
        // is not a PE of ours. Such a job cannot assemble unless that process goes away (a stale
        // one at an address from a file may), so there this PE still tries until then.
        if (e instanceof HandshakeError && !e.transient && known) {
          node.fatal(ErrorCode.AUTH, `cannot join the job: ${st.lastError}`, undefined, undefined, { pe });
          return;
        }
        if (e instanceof HandshakeError && !e.transient && !refusedBy) {
          refusedBy = true;
          st.refused ??= st.lastError;
          node.refused(`PE ${node.me} cannot join yet: ${st.lastError}; it keeps trying until LAMELLAR_RENDEZVOUS_TIMEOUT`);
        }
      }
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 250);
  }
}

function meshComplete(node: NetNode): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (node.connected === node.numPes - 1) {
        node.onConnChange = undefined;
        resolve();
      }
    };
    node.onConnChange = check;
    check();
  });
}

/** PE `pe` and PE 0 were given different PE counts (`ofPe`, `ofPe0`). */
function countMismatch(pe: number, ofPe: unknown, ofPe0: number): string {
  return `PE ${pe} was started for a job of ${String(ofPe)} PEs and PE 0 for ${ofPe0} (LAMELLAR_NUM_PES, or the launcher's rank count): every PE of a job must be given the same count`;
}

async function master(node: NetNode, host: string, port: number, st: RendezvousState): Promise<void> {
  const n = node.numPes;
  if (node.me === 0) {
    const table: Addr[] = new Array<Addr>(n);
    table[0] = { host, port };
    node.advertisedHost = host;
    let arrived = 0;
    const tableSent = new Promise<void>((resolve) => {
      node.onHello = (c, body) => {
        const hello = parseJson(body);
        const a = asAddr(hello);
        if (a === undefined || table[c.peer] !== undefined) {
          node.onMalformed(c, ErrorCode.PROTOCOL, `PE ${c.peer} sent a malformed or repeated rendezvous greeting`);
          return;
        }
        // Processes started by hand (lamellar exec) may disagree on the job's shape: said now,
        // where the table or the first frames would only look malformed.
        const { numPes, backend } = hello as { numPes?: unknown; backend?: unknown };
        if (numPes !== n) {
          node.fatal(ErrorCode.CONFIG, countMismatch(c.peer, numPes, n));
          return;
        }
        if (backend !== node.boot.backend) {
          node.fatal(
            ErrorCode.CONFIG,
            `PE ${c.peer} runs on the ${String(backend)} lamella and PE 0 on ${node.boot.backend} (LAMELLAR_BACKEND): every PE of a job must use the same one`,
          );
          return;
        }
        // A PE on another host that advertises a loopback address (LAMELLAR_BIND_ADDR left at its
        // default there) cannot be reached by the PEs that dial it: said now, naming the
        // variable, where they would each fail to connect to 127.0.0.1 and the job wait out its
        // rendezvous. The last PE is dialed by nobody on tcp (PE k dials the PEs below it), so a
        // job that worked that way still does; an ofi endpoint there is reached by every PE.
        const from = c.socket.remoteAddress;
        const dialed = c.peer < n - 1 || node.boot.backend === 'ofi';
        if (dialed && isLoopback(a.host) && from !== undefined && !isLoopback(from) && from !== c.socket.localAddress) {
          node.fatal(
            ErrorCode.CONFIG,
            `PE ${c.peer} advertised ${a.host}:${a.port} (LAMELLAR_BIND_ADDR on its host) but reached PE 0 from ${from}, another host: ` +
              'the other PEs cannot reach it there; set LAMELLAR_BIND_ADDR to each host\'s address, or 0.0.0.0, on every host',
            undefined,
            undefined,
            { variable: 'LAMELLAR_BIND_ADDR', pe: c.peer },
          );
          return;
        }
        table[c.peer] = a;
        if (++arrived < n - 1) return;
        node.onHello = undefined;
        const t = jsonBody(table);
        for (const peer of node.conns) if (peer !== undefined) node.sendTo(peer, T.TABLE, t.length, t);
        resolve();
      };
    });
    st.phase = `waiting at ${host}:${port} for the other PEs to arrive`;
    await listen(node, host, port, 'LAMELLAR_MASTER_ADDR');
    await tableSent;
    return;
  }
  const bind = node.boot.bindAddr;
  const myPort = await listen(node, bind, 0, 'LAMELLAR_BIND_ADDR');
  const table = new Promise<Addr[]>((resolve) => {
    node.onTable = (body) => {
      node.onTable = undefined;
      const t = parseJson(body);
      if (Array.isArray(t) && t.length !== n && t.length > 1 && t.every((a) => asAddr(a) !== undefined)) {
        node.fatal(ErrorCode.CONFIG, countMismatch(node.me, n, t.length));
        return;
      }
      const addrs = Array.isArray(t) && t.length === n ? t.map(asAddr) : [];
      if (addrs.length !== n || addrs.some((a) => a === undefined)) {
        node.fatal(ErrorCode.PROTOCOL, 'PE 0 sent a malformed address table');
        return;
      }
      resolve(addrs as Addr[]);
    };
  });
  st.phase = `dialing PE 0 at ${host}:${port}`;
  await dialPe(node, 0, async () => ({ host, port }), st, true);
  if (node.failed) return;
  const advertised = isWildcardHost(bind) ? node.addressToMaster! : bind;
  node.advertisedHost = advertised;
  const hello = jsonBody({ host: advertised, port: myPort, numPes: n, backend: node.boot.backend });
  node.sendTo(node.conns[0]!, T.HELLO, hello.length, hello);
  st.phase = 'waiting for the address table from PE 0';
  const addrs = await table;
  st.phase = 'connecting to the other PEs';
  await Promise.all(Array.from({ length: node.me - 1 }, (_, i) => dialPe(node, i + 1, async () => addrs[i + 1], st, true)));
}

/**
 * Fails with AUTH unless `path` is a `kind` (not a symlink to one) owned by this user that group
 * and others cannot access. mkdir's mode applies only to a directory it creates, so in a shared
 * /tmp another local user could make the job directory first, world-writable, and plant a
 * secret of their own choosing (or read ours). Windows has no such owner and mode bits.
 */
async function checkPrivate(path: string, kind: 'directory' | 'file'): Promise<void> {
  if (process.platform === 'win32') return;
  const st = await lstat(path);
  const uid = process.getuid!();
  const want = kind === 'directory' ? 0o700 : 0o600;
  let problem: string | undefined;
  if (st.isSymbolicLink()) problem = 'is a symbolic link';
  else if (kind === 'directory' ? !st.isDirectory() : !st.isFile()) problem = `is not a ${kind === 'file' ? 'regular file' : kind}`;
  else if (st.uid !== uid) problem = `is owned by uid ${st.uid}, not by this user (uid ${uid})`;
  else if ((st.mode & 0o077) !== 0) problem = `has mode 0${(st.mode & 0o777).toString(8)}, which lets group or others in (it must be 0${want.toString(8)})`;
  if (problem === undefined) return;
  throw new LamellarError(
    ErrorCode.AUTH,
    `the rendezvous ${kind} ${path} ${problem}, so another user could read or plant the job secret; ` +
      'remove it, or set LAMELLAR_RENDEZVOUS_DIR to a directory only you can write to',
    { details: { path } },
  );
}

/** Refuses a LAMELLAR_RENDEZVOUS_DIR that is not an existing directory (CONFIG); `lamellar run` checks it before any PE starts. */
export async function checkRendezvousDir(dir: string): Promise<void> {
  const found = await stat(dir).catch(() => undefined);
  if (found === undefined || !found.isDirectory()) {
    throw new LamellarError(
      ErrorCode.CONFIG,
      `LAMELLAR_RENDEZVOUS_DIR=${dir} ${found === undefined ? 'does not exist' : 'is not a directory'}: give a directory every PE can reach (a shared file system across hosts)`,
      { details: { variable: 'LAMELLAR_RENDEZVOUS_DIR', value: dir } },
    );
  }
}

/**
 * Makes dir/<job id> (mode 0700) if it does not exist, and checks that it is ours alone. `dir`
 * itself must exist: made here, a mistyped path on a cluster's shared file system would become a
 * private directory on each host, and the PEs would wait for each other there until the
 * rendezvous timeout.
 */
async function privateJobDir(node: NetNode, dir: string): Promise<string> {
  const jobDir = join(dir, node.boot.jobId.replace(/[^A-Za-z0-9._-]/g, '_'));
  await checkRendezvousDir(dir);
  await mkdir(jobDir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  await checkPrivate(jobDir, 'directory');
  return jobDir;
}

async function directory(node: NetNode, jobDir: string, st: RendezvousState): Promise<() => Promise<void>> {
  const bind = node.boot.bindAddr;
  const myPort = await listen(node, bind, 0, 'LAMELLAR_BIND_ADDR');
  const mine = join(jobDir, `pe-${node.me}.json`);
  node.advertisedHost = isWildcardHost(bind) ? hostname() : bind;
  await writeFile(`${mine}.${process.pid}.tmp`, JSON.stringify({ host: node.advertisedHost, port: myPort }));
  await rename(`${mine}.${process.pid}.tmp`, mine);
  st.phase = `waiting for the address files of PEs below ${node.me} in ${jobDir}`;
  const addrOf = (pe: number) => async (): Promise<Addr | undefined> =>
    asAddr(parseJson(await readFile(join(jobDir, `pe-${pe}.json`)).catch(() => new Uint8Array())));
  await Promise.all(Array.from({ length: node.me }, (_, pe) => dialPe(node, pe, addrOf(pe), st)));
  return async () => {
    await unlink(mine).catch(() => {});
    if (node.me === 0 && node.boot.secret === undefined) await unlink(join(jobDir, 'secret')).catch(() => {});
    await rmdir(jobDir).catch(() => {});
  };
}

/** The job secret in directory mode without LAMELLAR_JOB_SECRET: PE 0 makes it, the others read it. */
async function dirSecret(node: NetNode, jobDir: string, st: RendezvousState): Promise<string> {
  const file = join(jobDir, 'secret');
  if (node.me === 0) {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, randomBytes(32).toString('hex'), { mode: 0o600 });
    // link() is atomic and fails if the file exists, so readers never see half a secret. An
    // existing file is a secret left by a crashed earlier run with this job id: every PE reads
    // the file, so all agree on it, and it is checked below like any other.
    try {
      await link(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      await unlink(tmp).catch(() => {});
    }
  }
  st.phase = `waiting for PE 0 to write the job secret to ${file}`;
  for (let delay = 10; !node.failed; delay = Math.min(delay * 2, 250)) {
    const exists = await lstat(file).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return false;
        throw e;
      },
    );
    if (exists) {
      await checkPrivate(file, 'file');
      const s = (await readFile(file, 'utf8')).trim();
      if (s.length > 0) return s;
    }
    await sleep(delay);
  }
  return '';
}

/** Builds the mesh; resolves once every PE of the job is connected to every other. */
export async function assemble(node: NetNode, st: RendezvousState): Promise<void> {
  const r = node.boot.rendezvous;
  const jobDir = r.kind === 'dir' ? await privateJobDir(node, r.dir) : undefined;
  const secret = node.boot.secret ?? (jobDir !== undefined ? await dirSecret(node, jobDir, st) : undefined);
  node.keys = { secret: secret!, jobId: node.boot.jobId };
  let cleanup: (() => Promise<void>) | undefined;
  if (r.kind === 'master') await master(node, r.host, r.port, st);
  else cleanup = await directory(node, jobDir!, st);
  st.phase = 'waiting for the PEs above this one to connect';
  await meshComplete(node);
  st.phase = 'waiting for every PE to finish connecting';
  await node.netBarrier(0);
  await cleanup?.();
}
