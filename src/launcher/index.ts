/**
 * launcher: starts the PEs of a job and supervises them. Each PE runs the same script (SPMD).
 *
 * `local` and `shmem` PEs are worker threads of this process; `tcp` PEs are child processes
 * (tcp.ts). The launcher forwards their output, and if any PE throws or exits non-zero it stops
 * every other PE at once, reports the failing PE and its stack, and returns a non-zero exit code.
 * A PE that ends with code 0 is a failure too when the others could wait for it forever: its
 * world is still up, or it never called initWorld() while another PE waits for it there (see
 * board.ts; tcp PEs report their state over their IPC channel instead). A failure that names
 * another PE as its cause (report.ts: causeOf) waits briefly for that PE's own report, so the job
 * is reported by the PE that started it, as on tcp.
 */
import { randomUUID } from 'node:crypto';
import { accessSync, constants as fsConstants, statSync, type Stats } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkInteger, config, ErrorCode, LamellarError, packageUrl, parseBackend, PeState, processEnv, type Backend } from '../core/index.js';
import { checkOfi, createShmemJob } from '../lamellae/index.js';
import { createBoard, isGone, markGone, stateOf } from './board.js';
import type { PeEntry } from './entry.js';
import { endBySignal, exitedAfterShutdown, exitedBeforeShutdown, exitReason } from './exit.js';
import { EXIT_CLOSED_OUTPUT, forward, watchClosed } from './output.js';
import { causeOf, describeError } from './report.js';
import { STOP_MESSAGE } from './stop.js';
import { checkEntryScript } from './script.js';
import { ORIGIN_WAIT_MS, runTcp } from './tcp.js';
import { peResourceLimits } from './young-gen.js';

export { namePeProcess, runScript, type PeEntry } from './entry.js';
export { causeOf, describeError, describeFollowOn, originOf } from './report.js';
export { tunedEnv } from './malloc.js';

export interface RunOptions {
  numPes: number;
  backend: Backend;
  script: string;
  args?: string[];
  /** Prefix each output line with `[PE n] `. */
  prefix?: boolean;
  /** Extra environment for every PE. */
  env?: Record<string, string>;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** Checks run options; every problem is a LamellarError with its own code. */
export function checkRunOptions(o: RunOptions): { script: string; backend: Backend; numPes: number } {
  const numPes = checkInteger(o.numPes, 'the number of PEs (-N)', 1, 65535, ErrorCode.INVALID_NUM_PES);
  const backend = parseBackend(o.backend, '--backend');
  if (backend === 'local' && numPes !== 1) {
    throw new LamellarError(ErrorCode.INVALID_NUM_PES, `the local backend runs exactly 1 PE, not ${numPes}; use --backend shmem for more`);
  }
  if (typeof o.script !== 'string' || o.script === '') {
    throw new LamellarError(ErrorCode.SCRIPT_NOT_FOUND, 'no script given: lamellar run -N <pes> <script> [args...]');
  }
  const script = resolve(o.script);
  let found: Stats | undefined;
  try {
    found = statSync(script);
  } catch {
    found = undefined;
  }
  if (found?.isDirectory() === true) throw new LamellarError(ErrorCode.SCRIPT_NOT_FOUND, `${o.script} is a directory, not a script`, { details: { script } });
  if (found?.isFile() !== true) throw new LamellarError(ErrorCode.SCRIPT_NOT_FOUND, `script not found: ${o.script}`, { details: { script } });
  checkEntryScript(script);
  return { script, backend, numPes };
}

/**
 * Refuses, before any PE starts, a stats file (`--stats=<file>`, `LAMELLAR_STATS=<file>`) that PE
 * 0 could not write when the job ends: its directory must exist and be writable, and the path
 * must not be a directory, nor an existing file this user may not write. A bad flag is
 * INVALID_ARGUMENT, a bad variable CONFIG, as for every other flag and variable.
 */
export function checkStatsFile(path: string, source: '--stats' | 'LAMELLAR_STATS'): void {
  const file = resolve(path);
  const dir = dirname(file);
  const stat = (p: string): Stats | undefined => {
    try {
      return statSync(p);
    } catch {
      return undefined;
    }
  };
  const writable = (p: string): boolean => {
    try {
      accessSync(p, fsConstants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  const f = stat(file);
  const d = stat(dir);
  let why: string | undefined;
  if (f?.isDirectory()) why = `${file} is a directory`;
  else if (d === undefined) why = `the directory ${dir} does not exist`;
  else if (!d.isDirectory()) why = `${dir} is not a directory`;
  else if (f !== undefined && !writable(file)) why = `${file} is not writable`;
  else if (f === undefined && !writable(dir)) why = `the directory ${dir} is not writable`;
  if (why === undefined) return;
  const flag = source === '--stats';
  throw new LamellarError(flag ? ErrorCode.INVALID_ARGUMENT : ErrorCode.CONFIG, `${source}=${path}: PE 0 could not write its stats there when the job ends: ${why}`, {
    details: flag ? { option: source, value: path } : { variable: source, value: path },
  });
}

/** How long stopped PEs get to end on their own before they are terminated. */
const STOP_GRACE_MS = 2000;

interface Failure {
  pe: number;
  code: number;
  message: string;
}

/** Runs a job to completion; resolves to the exit code (0 when every PE succeeded). */
export async function run(options: RunOptions): Promise<number> {
  const { script, backend, numPes } = checkRunOptions(options);
  const cfg = config();
  if (backend === 'tcp' || backend === 'ofi') {
    // Fail before starting any PE when the ofi addon or the chosen provider is missing.
    if (backend === 'ofi') checkOfi(cfg.ofiProvider);
    return runTcp({
      backend,
      numPes,
      script,
      args: options.args ?? [],
      prefix: options.prefix ?? cfg.outputPrefix,
      env: options.env,
      stdout: (options.stdout ?? process.stdout) as import('node:stream').Writable,
      stderr: (options.stderr ?? process.stderr) as import('node:stream').Writable,
    });
  }
  const jobId = cfg.jobId ?? randomUUID();
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const prefix = options.prefix ?? cfg.outputPrefix;
  // PEs write this process's own stdout and stderr themselves, in program order (direct-output.ts),
  // unless the caller gave other streams.
  const direct = options.stdout === undefined && options.stderr === undefined;
  const job = backend === 'shmem' ? createShmemJob(numPes, jobId, cfg.heapSize, cfg.shmemRingSize, cfg.wasmKernels) : undefined;
  const entry: PeEntry = { script, args: options.args ?? [] };

  let failure: Failure | undefined;
  const workers: Worker[] = [];
  const board = createBoard(numPes);
  const alive = new Array<boolean>(numPes).fill(true);
  let running = numPes;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  /** Failures that name another PE as their cause, waiting for that PE's own report (report.ts). */
  const followOns: (Failure & { cause: number })[] = [];
  let originTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Asks every running PE to end (pe-main.ts), and terminates those still running STOP_GRACE_MS
   * later (a PE in a synchronous loop reads no message). Not terminate() at once: a PE that is
   * failing too at that moment reports its own uncaught error, and Node 20 aborts the whole
   * process (FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal, in TriggerUncaughtException) when
   * a worker's isolate is terminated from outside while it does.
   */
  const stopAll = (): void => {
    for (let q = 0; q < numPes; q++) {
      if (alive[q]) workers[q]?.postMessage(STOP_MESSAGE);
    }
    killTimer ??= setTimeout(() => {
      for (let q = 0; q < numPes; q++) if (alive[q]) void workers[q]?.terminate();
    }, STOP_GRACE_MS);
  };
  /** Stops the job for PE `f.pe`'s failure (-1: the launcher's, stopped by a signal). */
  const fail = (f: Failure): void => {
    if (failure !== undefined) return;
    if (originTimer !== undefined) clearTimeout(originTimer);
    failure = f;
    const who = f.pe < 0 ? '' : `PE ${f.pe} `;
    const others = f.pe < 0 ? numPes : numPes - 1;
    stderr.write(`lamellar: ${who}${f.message}\n${others > 0 ? `lamellar: stopping ${f.pe < 0 ? 'its' : 'the other'} ${others} PE(s)\n` : ''}`);
    stopAll();
  };
  // Signals to the launcher stop the job as on tcp (tcp.ts): said on stderr, every PE asked to
  // end, then the launcher ends by the same signal (endBySignal); the code returned meanwhile is
  // the one a shell shows for it (130, 143; 129 for the SIGHUP of a closed terminal or a dropped
  // ssh session).
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals): void => {
    if (failure === undefined) {
      stoppedBy = s;
      fail({ pe: -1, code: 128 + (osConstants.signals[s] ?? 15), message: `stopped by ${s}` });
    } else stopAll();
  };
  for (const s of signals) process.on(s, onSignal);
  const reportFollowOn = (): void => {
    const first = followOns[0];
    if (first !== undefined) fail(first);
  };
  /**
   * PE `pe` threw `e`. A failure that names another, still running PE as its cause waits up to
   * ORIGIN_WAIT_MS for that PE's own report, so the job is reported by the PE that started it
   * (its script's error rather than the mismatch a peer found in what it did while unwinding).
   * Two PEs naming each other made a real mismatch: the first report stands.
   */
  const threw = (pe: number, e: unknown): void => {
    if (failure !== undefined) return;
    // A PE that ended without initWorld() and one that started its world after that: whichever
    // side of the board's check saw the other first, the job is reported by the PE that ended.
    // (Read by its fields: the error crossed from the worker as a plain clone.)
    const err = e as { code?: unknown; details?: { pe?: unknown } } | null | undefined;
    const ended = err?.code === ErrorCode.PE_FAILED ? err.details?.pe : undefined;
    if (typeof ended === 'number' && ended !== pe && isGone(board, numPes, ended)) {
      fail({ pe: ended, code: 1, message: `ended without calling initWorld() while PE ${pe} waits for it in initWorld()` });
      return;
    }
    const f: Failure = { pe, code: 1, message: `failed:\n${describeError(e)}` };
    const cause = causeOf(e);
    // Two PEs naming each other made a real mismatch: the first report stands. One naming a PE
    // that names a third waits on, for that first cause.
    const pair = cause === undefined ? undefined : followOns.find((o) => o.pe === cause && o.cause === pe);
    if (pair !== undefined) {
      fail(pair);
      return;
    }
    // A cause that has itself reported a failure of another's is waited on too, ended or not.
    const waits = cause !== undefined && (alive[cause] === true || followOns.some((o) => o.pe === cause));
    if (cause === undefined || cause === pe || !(cause >= 0 && cause < numPes) || !waits) {
      fail(f);
      return;
    }
    followOns.push({ ...f, cause });
    originTimer ??= setTimeout(reportFollowOn, ORIGIN_WAIT_MS);
  };
  // The reader of our output went away (`| head -1`): stop every PE, quietly.
  const unwatch = watchClosed([stdout as import('node:stream').Writable, stderr as import('node:stream').Writable], () => {
    if (failure !== undefined) return;
    if (originTimer !== undefined) clearTimeout(originTimer);
    failure = { pe: -1, code: EXIT_CLOSED_OUTPUT, message: 'output closed' };
    stopAll();
  });
  /** A PE ended with code 0: harmless only if its world shut down, or if no PE waits for it. */
  const endedQuietly = (pe: number): void => {
    const state = stateOf(board, pe);
    if (state === PeState.DONE) return;
    if (state === PeState.WORLD) {
      if (running > 0) {
        fail({ pe, code: 1, message: exitedBeforeShutdown(running) });
      }
      return;
    }
    const waiting = markGone(board, numPes, pe, (q) => alive[q]!);
    if (waiting !== undefined) {
      fail({ pe, code: 1, message: `ended without calling initWorld() while PE ${waiting} waits for it in initWorld()` });
    }
  };

  /** The first PE that ended with a non-zero code after its world shut down: the job's code. */
  let late: { pe: number; code: number } | undefined;
  const endedAfterShutdown = (pe: number, code: number): void => {
    const first = late === undefined;
    late ??= { pe, code };
    stderr.write(`lamellar: PE ${pe} ${exitedAfterShutdown(code, numPes, first)}\n`);
  };

  const done: Promise<void>[] = [];
  const resourceLimits = peResourceLimits(numPes);
  for (let pe = 0; pe < numPes; pe++) {
    const w = new Worker(packageUrl('dist/launcher/pe-main.js'), {
      ...(resourceLimits === undefined ? {} : { resourceLimits }),
      workerData: {
        lamellar: job === undefined ? undefined : { backend, pe, job },
        lamellarEntry: entry,
        lamellarBoard: { words: board, pe, numPes },
        lamellarOutput: direct ? { prefix: prefix ? `[PE ${pe}] ` : undefined } : undefined,
      },
      env: {
        ...processEnv(),
        ...options.env,
        LAMELLAR_BACKEND: backend,
        LAMELLAR_PE_ID: String(pe),
        LAMELLAR_NUM_PES: String(numPes),
        LAMELLAR_JOB_ID: jobId,
      },
      argv: entry.args,
      stdout: true,
      stderr: true,
    });
    workers.push(w);
    const tag = prefix ? `[PE ${pe}] ` : undefined;
    const out = forward(w.stdout, stdout as NodeJS.WritableStream & import('node:stream').Writable, tag);
    const err = forward(w.stderr, stderr as NodeJS.WritableStream & import('node:stream').Writable, tag);
    let errored = false;
    w.on('error', (e: unknown) => {
      errored = true;
      threw(pe, e);
    });
    done.push(
      new Promise<void>((res) => {
        w.once('exit', (code) => {
          running--;
          alive[pe] = false;
          if (!errored && failure === undefined) {
            if (code === 0) endedQuietly(pe);
            else if (stateOf(board, pe) === PeState.DONE) endedAfterShutdown(pe, code);
            else fail({ pe, code, message: exitReason(code) });
          }
          // A PE that others named as the cause of their failure ended without a report of its
          // own: theirs tells the story. Not one that reported a relay itself: its own cause is
          // waited for (up to the origin timer).
          if (failure === undefined && followOns.some((o) => o.cause === pe) && !followOns.some((o) => o.pe === pe)) reportFollowOn();
          void Promise.all([out, err]).then(() => res());
        });
      }),
    );
  }
  await Promise.all(done);
  unwatch();
  for (const s of signals) process.off(s, onSignal);
  if (failure === undefined) reportFollowOn();
  if (originTimer !== undefined) clearTimeout(originTimer);
  if (killTimer !== undefined) clearTimeout(killTimer);
  if (stoppedBy !== undefined) endBySignal(stoppedBy);
  if (failure === undefined) return late?.code ?? 0;
  return failure.code === 0 ? 1 : failure.code;
}
