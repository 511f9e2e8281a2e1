/**
 * The process launcher: `lamellar run -N <n> --backend tcp|ofi` starts n PE processes on this host and
 * supervises them as the worker-thread launcher does (forwards output, optionally prefixed; the
 * first PE that fails stops the rest; the exit code is non-zero if any PE failed).
 *
 * Each PE reports over its IPC channel (pe-process.ts): its state as it changes, and its error
 * if it fails, which is printed here under its number. A PE that ends with code 0 while its
 * world is up, or without ever calling initWorld() while another PE waits for it there, stops
 * the job too. A failure that names another PE as its cause (that PE was lost, or stopped the
 * job) waits briefly for that PE's own report, so the job is reported by the PE that started it.
 * SIGINT and SIGTERM sent to the launcher go on to every PE; a PE that has not ended
 * KILL_AFTER_MS later is killed.
 *
 * The PEs meet through a fresh private rendezvous directory (no port to pick, so no race with
 * other jobs) unless LAMELLAR_MASTER_ADDR or LAMELLAR_RENDEZVOUS_DIR is set, and share a random
 * job secret unless LAMELLAR_JOB_SECRET is set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { constants as osConstants, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { config, ErrorCode, LamellarError, packagePath, parseHostPort, PeState, processEnv, type PeStateValue } from '../core/index.js';
import { checkRendezvousDir } from '../lamellae/index.js';
import { endBySignal, exitedAfterShutdown, exitedBeforeShutdown, exitReason } from './exit.js';
import { tunedEnv } from './malloc.js';
import { peProcessEnv } from './young-gen.js';
import { EXIT_CLOSED_OUTPUT, forward, watchClosed } from './output.js';
import { firstFollowOn, isPeReport, mutualReport } from './report.js';

export interface TcpRunOptions {
  /** tcp, or ofi (whose PEs are processes that meet the same way). */
  backend: 'tcp' | 'ofi';
  numPes: number;
  script: string;
  args: string[];
  prefix: boolean;
  env: Record<string, string> | undefined;
  stdout: Writable;
  stderr: Writable;
}

/** How long stopped PEs get to exit on SIGTERM before they are killed. */
const KILL_AFTER_MS = 3000;
/** How long a PE that reported its own failure has to run its exit handlers before the stop signal. */
const SELF_END_GRACE_MS = 300;
/**
 * How long a failure caused by another PE waits for that PE's own report (here and in the
 * worker-thread launcher). That PE may hold a relayed failure for a moment first (pe-process.ts),
 * or have to find the same mismatch itself before its script's error comes out (its disposal
 * waits for a collective the others left), which under load has taken over half a second.
 */
export const ORIGIN_WAIT_MS = 1000;

/**
 * Every PE this launcher starts listens on this host: at LAMELLAR_BIND_ADDR, and PE 0 at
 * LAMELLAR_MASTER_ADDR if it is set. An address this host does not have, a name that does not
 * resolve or a port already taken is refused here, before any PE starts, rather than failing
 * in every PE's initWorld().
 */
function checkListen(host: string, port: number, variable: string, value: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (e) =>
      reject(
        new LamellarError(ErrorCode.CONFIG, `${variable}=${value}: the PEs cannot listen there on this host: ${e.message}`, {
          details: { variable, value },
        }),
      ),
    );
    server.listen({ host, port }, () => server.close(() => resolve()));
  });
}

export async function runTcp(o: TcpRunOptions): Promise<number> {
  const cfg = config();
  await checkListen(cfg.bindAddr, 0, 'LAMELLAR_BIND_ADDR', cfg.bindAddr);
  if (cfg.masterAddr !== undefined) {
    const { host, port } = parseHostPort(cfg.masterAddr, 'LAMELLAR_MASTER_ADDR');
    await checkListen(host, port, 'LAMELLAR_MASTER_ADDR', cfg.masterAddr);
  }
  const jobId = cfg.jobId ?? randomUUID();
  const secret = cfg.jobSecret ?? randomBytes(32).toString('hex');
  if (cfg.masterAddr === undefined && cfg.rendezvousDir !== undefined) await checkRendezvousDir(cfg.rendezvousDir);
  let ownDir: string | undefined;
  if (cfg.masterAddr === undefined && cfg.rendezvousDir === undefined) {
    await removeStaleDirs();
    const base = join(tmpdir(), `lamellar-${dirHost()}-${process.pid}-`);
    ownDir = await mkdtemp(base).catch((e: Error) => {
      throw new LamellarError(ErrorCode.CONFIG, `cannot make the job's rendezvous directory in ${tmpdir()} (TMPDIR): ${e.message}; set TMPDIR to a writable directory, or LAMELLAR_RENDEZVOUS_DIR`, {
        details: { variable: 'TMPDIR', value: tmpdir() },
      });
    });
  }
  const entry = packagePath('dist/launcher/pe-process.js');
  const children: ChildProcess[] = [];
  const states = new Array<PeStateValue>(o.numPes).fill(PeState.NONE);
  const alive = new Array<boolean>(o.numPes).fill(true);
  /** PEs that ended without calling initWorld(). */
  const gone = new Set<number>();
  let failure: { pe: number; code: number } | undefined;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  /** Failures that name another PE as their cause, waiting for that PE's own report. */
  const followOns: { pe: number; cause: number; message: string; relayed: boolean }[] = [];
  let originTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * PEs that reported their own failure: each is ending by itself once its report is out, and
   * runs its process's 'exit' handlers first (a program's last log lines, a checkpoint), which
   * the stop signal would cut short. It gets the signal SELF_END_GRACE_MS later (its lamella's
   * own exit wait for the network thread can take seconds), and SIGKILL after KILL_AFTER_MS.
   */
  const selfEnding = new Set<number>();
  const live = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;
  const stopAll = (signal: NodeJS.Signals): void => {
    children.forEach((c, pe) => {
      if (!live(c)) return;
      if (!selfEnding.has(pe)) c.kill(signal);
      else setTimeout(() => void (live(c) && c.kill(signal)), SELF_END_GRACE_MS).unref();
    });
    killTimer ??= setTimeout(() => {
      for (const c of children) if (live(c)) c.kill('SIGKILL');
    }, KILL_AFTER_MS);
  };

  /** Stops the job for `pe`'s failure (-1: the launcher's); `message` undefined: quietly. */
  const fail = (pe: number, code: number, message: string | undefined, signal: NodeJS.Signals = 'SIGTERM'): void => {
    if (failure !== undefined) return;
    if (originTimer !== undefined) clearTimeout(originTimer);
    failure = { pe, code };
    const who = pe < 0 ? '' : `PE ${pe} `;
    const others = pe < 0 ? o.numPes : o.numPes - 1;
    if (message !== undefined) o.stderr.write(`lamellar: ${who}${message}\n${others > 0 ? `lamellar: stopping ${pe < 0 ? 'its' : 'the other'} ${others} PE(s)\n` : ''}`);
    stopAll(signal);
  };

  const reportFollowOn = (): void => {
    const first = firstFollowOn(followOns);
    if (first !== undefined) fail(first.pe, 1, first.message);
  };

  /**
   * A PE's own report of its failure; `origin` is the PE it names as the cause, if another, and
   * `relayed` says the failure only relays that PE's (it stopped the job, or was lost).
   */
  const reported = (pe: number, message: string, origin: number | undefined, relayed: boolean): void => {
    selfEnding.add(pe);
    if (failure !== undefined) return;
    // Two PEs naming each other (report.ts: mutualReport).
    const mutual = origin === undefined ? undefined : mutualReport(followOns, { pe, cause: origin, message, relayed });
    if (mutual !== undefined) {
      fail(mutual.pe, 1, mutual.message);
      return;
    }
    // A cause that has itself reported a failure of another's is waited on too, ended or not.
    const waits = origin !== undefined && (alive[origin] === true || followOns.some((f) => f.pe === origin));
    if (origin === undefined || origin === pe || !(origin >= 0 && origin < o.numPes) || !waits) {
      fail(pe, 1, message);
      return;
    }
    followOns.push({ pe, cause: origin, message, relayed });
    originTimer ??= setTimeout(reportFollowOn, ORIGIN_WAIT_MS);
  };

  const onState = (pe: number, state: number): void => {
    if (state !== PeState.NONE && state !== PeState.WORLD && state !== PeState.DONE) return;
    states[pe] = state;
    if (state === PeState.WORLD && gone.size > 0 && failure === undefined) {
      const g = [...gone][0]!;
      fail(g, 1, `ended without calling initWorld() while PE ${pe} waits for it in initWorld()`);
    }
  };

  /** The first PE that ended with a non-zero code after its world shut down: the job's code. */
  let late: { pe: number; code: number } | undefined;
  const endedAfterShutdown = (pe: number, code: number): void => {
    const first = late === undefined;
    late ??= { pe, code };
    o.stderr.write(`lamellar: PE ${pe} ${exitedAfterShutdown(code, o.numPes, first)}\n`);
  };

  /** A PE ended with code 0: harmless only if its world shut down, or if no PE waits for it. */
  const endedQuietly = (pe: number): void => {
    const running = alive.filter(Boolean).length;
    if (states[pe] === PeState.DONE) return;
    if (states[pe] === PeState.WORLD) {
      if (running > 0) fail(pe, 1, exitedBeforeShutdown(running));
      return;
    }
    gone.add(pe);
    const waiting = states.findIndex((s, q) => q !== pe && alive[q] && s === PeState.WORLD);
    if (waiting >= 0) fail(pe, 1, `ended without calling initWorld() while PE ${waiting} waits for it in initWorld()`);
  };

  // Signals to the launcher stop the job: every PE gets the same signal (SIGTERM for a SIGHUP, a
  // closed terminal's, which the launcher and its rendezvous directory must outlive to clean
  // up), then SIGKILL.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals): void => {
    const pass = s === 'SIGHUP' ? 'SIGTERM' : s;
    if (failure === undefined) {
      stoppedBy = s;
      fail(-1, 128 + (osConstants.signals[s] ?? 15), `stopped by ${s}`, pass);
    } else stopAll(pass);
  };
  for (const s of signals) process.on(s, onSignal);

  // The reader of our output went away (`| head -1`): stop every PE, quietly.
  const unwatch = watchClosed([o.stdout, o.stderr], () => fail(-1, EXIT_CLOSED_OUTPUT, undefined));

  // PEs write this process's own stdout and stderr themselves (fds 4 and 5), in program order
  // (direct-output.ts), unless the caller gave other streams; the pipes remain for what a PE
  // cannot write there.
  const direct = o.stdout === process.stdout && o.stderr === process.stderr;
  // The launcher's own Node flags reach its PEs, as they do shmem's threads (`node --expose-gc
  // node_modules/.bin/lamellar run -b tcp app.ts`), except a debugger's: every PE would claim its port.
  const nodeFlags = process.execArgv.filter((f) => !/^--(inspect|debug)/.test(f));
  const done: Promise<void>[] = [];
  for (let pe = 0; pe < o.numPes; pe++) {
    const output = direct ? (o.prefix ? 'direct-prefixed' : 'direct') : 'forward';
    const child = spawn(process.execPath, [...nodeFlags, entry, output, o.script, ...o.args], {
      env: {
        ...peProcessEnv(tunedEnv(processEnv(), config().mallocTuning, false) ?? processEnv(), o.numPes),
        ...o.env,
        LAMELLAR_BACKEND: o.backend,
        LAMELLAR_PE_ID: String(pe),
        LAMELLAR_NUM_PES: String(o.numPes),
        LAMELLAR_JOB_ID: jobId,
        LAMELLAR_JOB_SECRET: secret,
        ...(ownDir === undefined ? {} : { LAMELLAR_RENDEZVOUS_DIR: ownDir }),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc', direct ? 1 : 'ignore', direct ? 2 : 'ignore'],
    });
    children.push(child);
    const tag = o.prefix ? `[PE ${pe}] ` : undefined;
    const out = forward(child.stdout!, o.stdout, tag);
    const err = forward(child.stderr!, o.stderr, tag);
    child.on('message', (m: unknown) => {
      if (!isPeReport(m)) return;
      if (m.lamellar === 'state') onState(pe, m.state);
      else if (m.lamellar === 'failed' && typeof m.text === 'string') {
        reported(pe, `failed:\n${m.text}`, typeof m.origin === 'number' ? m.origin : undefined, m.relayed === true);
      }
    });
    done.push(
      new Promise<void>((resolve) => {
        child.once('error', (e) => fail(pe, 1, `could not be started: ${e.message}`));
        child.once('close', (code, signal) => {
          alive[pe] = false;
          // Killed, it could not remove its shm provider region: nothing else will.
          const cleanup = signal !== null && o.backend === 'ofi' && child.pid !== undefined ? removeShmRegionsOf(child.pid) : undefined;
          // A PE that reported a failure caused by another one ends after its report: that
          // report (or its cause's) tells the story.
          if (failure === undefined && !followOns.some((f) => f.pe === pe)) {
            if (signal !== null) fail(pe, 1, `was killed by ${signal}`);
            else if (code === 0) endedQuietly(pe);
            else if (states[pe] === PeState.DONE) endedAfterShutdown(pe, code ?? 1);
            else fail(pe, code ?? 1, exitReason(code ?? 1));
          }
          void Promise.all([out, err, cleanup]).then(() => resolve());
        });
      }),
    );
  }
  await Promise.all(done);
  unwatch();
  for (const s of signals) process.off(s, onSignal);
  if (failure === undefined) reportFollowOn();
  if (killTimer !== undefined) clearTimeout(killTimer);
  if (ownDir !== undefined) await rm(ownDir, { recursive: true, force: true });
  if (stoppedBy !== undefined) endBySignal(stoppedBy);
  if (failure === undefined) return late?.code ?? 0;
  return failure.code === 0 ? 1 : failure.code;
}

/** This host's name as it goes into a rendezvous directory's name (letters, digits, '.', '_'). */
function dirHost(): string {
  return hostname().replace(/[^A-Za-z0-9._]/g, '_').slice(0, 64);
}

/**
 * Rendezvous directories of earlier jobs whose launcher was killed (`kill -9`: it removes its
 * directory on every other way out). Each is named after its launcher's host and pid. One of
 * this user's, made on this host by a launcher that is gone, and untouched for longer than the
 * rendezvous may take, is removed: a temporary directory shared between hosts, or with
 * containers that have their own pids, never loses a live job's. Never throws: this is tidying,
 * not the job.
 */
async function removeStaleDirs(): Promise<void> {
  try {
    const dir = tmpdir();
    const uid = process.getuid?.();
    const prefix = `lamellar-${dirHost()}-`;
    const oldEnough = Date.now() - config().rendezvousTimeoutSecs * 1000;
    for (const name of await readdir(dir)) {
      if (!name.startsWith(prefix)) continue;
      const m = /^(\d+)-[A-Za-z0-9]{6}$/.exec(name.slice(prefix.length));
      if (m === null) continue;
      const pid = Number(m[1]);
      if (pid === process.pid || alive(pid)) continue;
      const path = join(dir, name);
      const st = await lstat(path).catch(() => undefined);
      if (st === undefined || !st.isDirectory() || (uid !== undefined && st.uid !== uid) || st.mtimeMs > oldEnough) continue;
      await rm(path, { recursive: true, force: true }).catch(() => {});
    }
  } catch {}
}

/** Whether process `pid` exists (EPERM: it does, another user's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * libfabric's shm provider keeps a region per endpoint in /dev/shm named after the process
 * (`<pid>:0:0`, 16 MiB), which the process removes as it closes its endpoint. A PE killed by a
 * signal leaves it behind; the launcher, which saw it die, removes it. Never rejects.
 */
async function removeShmRegionsOf(pid: number): Promise<void> {
  try {
    // And the lamella's doorbell page, which a PE killed before the job was up still has.
    for (const name of await readdir('/dev/shm')) {
      if (name.startsWith(`${pid}:`) || name.startsWith(`lamellar-ofi-${pid}-`)) await rm(`/dev/shm/${name}`, { force: true });
    }
  } catch {
    // No /dev/shm (not Linux), or not ours to remove.
  }
}
