/**
 * Entry point of a tcp PE's network thread (a worker_thread started by the tcp lamella): builds
 * the mesh, then pumps the main thread's ring to the sockets, keeps heartbeats, and closes
 * cleanly on shutdown. The per-message work is in node.ts.
 */
import { writeSync } from 'node:fs';
import { setImmediate as immediate } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { ErrorCode, isLamellarError, type ErrorCodeValue } from '../../core/errors.js';
import { NET_BELL, NET_DONE, NET_SLEEP, ringBell, sleepOnBell } from './link.js';
import { NetNode, type NetBoot } from './node.js';
import { assemble, attempts, type RendezvousState } from './rendezvous.js';
import { T } from './wire.js';

/** Messages the main thread posts to its network thread. */
export type NetCommand =
  | { type: 'shutdown' }
  | { type: 'abort'; code: string; message: string }
  /** The main thread found the job unable to go on (its message links): stop it as this thread would. */
  | { type: 'fatal'; code: ErrorCodeValue; message: string; origin?: number; details?: Record<string, unknown> };

const HEARTBEAT_MS = 1000;
const CLOSE_WAIT_MS = 2000;
/** How often a PE process checks that its launcher is still there. */
const LAUNCHER_CHECK_MS = 250;

const boot = (workerData as { lamellarNet: NetBoot }).lamellarNet;
const node = new NetNode(boot, parentPort!);
let stopped = false;

async function pump(): Promise<void> {
  const ctl = node.ctl;
  while (!stopped) {
    const seq = Atomics.load(ctl, NET_BELL);
    if (node.drainOut() + node.retryIn() + node.serveGets() > 0) {
      // Let socket events in between passes: replies and incoming frames keep flowing.
      await immediate();
      continue;
    }
    await sleepOnBell(ctl, NET_BELL, NET_SLEEP, seq);
  }
}

/** Pings idle connections and declares a peer lost after LAMELLAR_PEER_TIMEOUT of silence. */
let lastBeat = Date.now();
let skipped = false;
const heartbeat = setInterval(() => {
  const now = Date.now();
  const limit = boot.peerTimeoutSecs * 1000;
  // A beat this late means this thread itself was held up (a long synchronous copy, a starved
  // core): what the peers sent meanwhile waits unread in the sockets, and timers run before the
  // reads. Judge silence from the next beat, after those reads; but never skip two in a row, so
  // a thread held up at every beat still finds a dead peer.
  const late = !skipped && now - lastBeat > 2 * HEARTBEAT_MS;
  skipped = late;
  lastBeat = now;
  for (const c of node.conns) {
    if (c === undefined || c.closed) continue;
    if (now - c.lastSend >= HEARTBEAT_MS) node.sendTo(c, T.PING, 0);
    if (!late && !c.paused && now - c.lastRecv > limit) {
      c.silent = true;
      node.fatal(ErrorCode.PE_FAILED, `PE ${c.peer} was lost: PE ${node.me} heard nothing from it for ${boot.peerTimeoutSecs} s (LAMELLAR_PEER_TIMEOUT)`, undefined, c.peer);
      return;
    }
  }
}, HEARTBEAT_MS);

/**
 * Ends this PE process once its launcher is gone (killed with SIGKILL, say): the PE would
 * otherwise run on as an orphan, and its main thread, which hears of the lost launcher only when
 * it yields, may never yield. From this thread, which the PE has for its connections anyway, not
 * from one of its own: a thread costs a PE process a seventh of a second of CPU to start.
 */
const launcherCheck =
  boot.launcherPid === undefined
    ? undefined
    : setInterval(() => {
        if (process.ppid === boot.launcherPid) return;
        try {
          writeSync(2, `lamellar: PE ${boot.pe}: the launcher (pid ${boot.launcherPid}) went away; stopping this PE\n`);
        } catch {
          // stderr may have gone with the launcher.
        }
        process.kill(process.pid, 'SIGKILL');
      }, LAUNCHER_CHECK_MS);

/** Says goodbye on every connection, closes them, and reports when all are closed. */
async function close(): Promise<void> {
  node.drainOut();
  // Gets still being served go out before the goodbye (bounded like the close itself).
  const until = Date.now() + CLOSE_WAIT_MS;
  while (node.pendingGets > 0 && Date.now() < until) {
    node.serveGets();
    await immediate();
  }
  node.closing = true;
  clearInterval(heartbeat);
  clearInterval(launcherCheck);
  for (const c of node.conns) if (c !== undefined && !c.closed) node.sendTo(c, T.BYE, 0);
  node.flushDirty();
  const closed = node.conns.map((c) =>
    c === undefined || c.closed ? Promise.resolve() : new Promise<void>((resolve) => c.socket.once('close', () => resolve())),
  );
  for (const c of node.conns) c?.endAfterQueue();
  // A failed PE keeps answering late arrivals with its abort for as long as its process lasts
  // (accept in rendezvous.ts), without keeping it alive.
  if (node.failed && node.abortFrame !== undefined) node.server?.unref();
  else node.server?.close();
  const timer = setTimeout(() => {
    for (const c of node.conns) c?.socket.destroy();
  }, CLOSE_WAIT_MS);
  await Promise.all(closed);
  clearTimeout(timer);
  Atomics.store(node.ctl, NET_DONE, 1);
  Atomics.notify(node.ctl, NET_DONE);
  stopped = true;
  ringBell(node.ctl, NET_BELL, NET_SLEEP);
  node.post({ type: 'closed' });
}

parentPort!.on('message', (m: NetCommand) => {
  if (m.type === 'shutdown') {
    void close();
  } else if (m.type === 'fatal') {
    node.fatal(m.code, m.message, undefined, m.origin, m.details);
  } else if (m.type === 'abort') {
    node.abort(m.code, m.message);
    void close();
  }
});

const st: RendezvousState = { phase: 'starting', lastError: undefined, refused: undefined };
const notConnected = (): number[] => node.conns.flatMap((c, pe) => (pe !== node.me && (c === undefined || c.closed) ? [pe] : []));
// A slow rendezvous is diagnosed like a stuck collective: after LAMELLAR_DEADLOCK_TIMEOUT, then
// at 2x, 4x, ... as long, until the job assembles or LAMELLAR_RENDEZVOUS_TIMEOUT fails it.
const started = performance.now();
let slowReports = 0;
let slowTimer: ReturnType<typeof setTimeout> | undefined;
const reportSlow = (): void => {
  slowReports++;
  const secs = Math.round((performance.now() - started) / 100) / 10;
  node.post({
    type: 'warn',
    deadlock: true,
    message:
      `PE ${node.me} has waited ${secs} s for the job to assemble: it is ${st.phase}; not yet connected to PE(s) ${notConnected().join(', ') || 'none'}` +
      attempts(st),
  });
  slowTimer = setTimeout(reportSlow, boot.deadlockTimeoutSecs * 1000 * 2 ** slowReports);
};
if (boot.deadlockTimeoutSecs < boot.rendezvousTimeoutSecs) slowTimer = setTimeout(reportSlow, boot.deadlockTimeoutSecs * 1000);
const timeout = setTimeout(() => {
  const missing = notConnected();
  node.fatal(
    ErrorCode.RENDEZVOUS_TIMEOUT,
    `the job did not assemble within ${boot.rendezvousTimeoutSecs} s (LAMELLAR_RENDEZVOUS_TIMEOUT): PE ${node.me} was ${st.phase}; ` +
      `not connected to PE(s) ${missing.join(', ') || 'none'}` +
      attempts(st),
  );
}, boot.rendezvousTimeoutSecs * 1000);

try {
  await assemble(node, st);
  clearTimeout(timeout);
  clearTimeout(slowTimer);
  if (!node.failed) {
    void pump();
    node.post({ type: 'ready', secret: node.keys!.secret, hosts: node.dialedHosts, host: node.advertisedHost });
  }
} catch (e) {
  clearTimeout(timeout);
  clearTimeout(slowTimer);
  const code: ErrorCodeValue = isLamellarError(e) ? e.code : ErrorCode.INTERNAL;
  node.fatal(code, (e as Error).message, undefined, undefined, isLamellarError(e) ? e.details : undefined);
}
