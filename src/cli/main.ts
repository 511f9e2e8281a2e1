/**
 * The `lamellar` command. Argument parsing only; the work is in the launcher.
 *
 *   lamellar run -N <pes> [--backend shmem|tcp|ofi|local] [--prefix] [--stats[=file]] <script> [args...]
 *   lamellar exec <script> [args...]      one tcp PE in this process (under mpirun, srun, by hand)
 *   lamellar build-ofi                    builds the ofi addon
 *   lamellar --version
 *
 * `-h`/`--help` right after a command shows that command's help and does nothing else.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  abortWorld,
  config,
  dropInheritedRank,
  packagePath,
  ErrorCode,
  isLamellarError,
  jobHasMet,
  killDeadline,
  LamellarError,
  PeState,
  type PeStateValue,
  processEnv,
  setBackendEnv,
  setPeMonitor,
  type Backend,
} from '../core/index.js';
import { causeOf, checkRunOptions, checkStatsFile, describeError, describeFollowOn, namePeProcess, originOf, run, runScript, tunedEnv } from '../launcher/index.js';
import { numPesOf, parseRunArgs } from './args.js';

const RUN_USAGE = 'lamellar run [-N <pes>] [--backend shmem|tcp|ofi|local] [--prefix] [--stats[=file.json]] <script> [args...]';
const EXEC_USAGE = 'lamellar exec <script> [args...]';
const BUILD_OFI_USAGE = 'lamellar build-ofi';

const RUN_TEXT = `  -N, --num-pes <n>     number of PEs (default: LAMELLAR_NUM_PES, else 1)
  -b, --backend <name>  lamella: shmem (worker threads), tcp or ofi (processes), or local (1 PE)
                        (default: LAMELLAR_BACKEND, else shmem)
  -p, --prefix          prefix each output line with [PE n]
      --stats[=file]    measure, and print every PE's stats as a table (on stderr) when the
                        job ends; with a file name, also write them there as JSON
  -h, --help            show this help

Runs <script> (.ts, .mts, .js or .mjs, as an ES module) on every PE.`;


const EXIT_CODES = `Exit codes: 0 when every PE succeeded; a failing PE's own non-zero exit code passed through
(1 when it threw); 2 for a usage or configuration error (no PE started); stopped by SIGINT,
SIGTERM or SIGHUP, it stops every PE and then ends by that signal (a shell shows 130, 143 or 129);
141 when the reader of its output goes away (| head).`;

const EXEC_TEXT = `exec runs <script> as ONE PE of a tcp job (ofi with LAMELLAR_BACKEND=ofi) in this process; the
PE's rank, the job size and the rendezvous come from the environment (mpirun, srun, or
LAMELLAR_PE_ID/NUM_PES/JOB_ID and LAMELLAR_MASTER_ADDR or LAMELLAR_RENDEZVOUS_DIR, plus
LAMELLAR_JOB_SECRET): see docs/tcp.md and docs/ofi.md.`;

const BUILD_OFI_TEXT = "build-ofi builds the ofi backend's native addon (needs a C compiler and libfabric's headers).";

/** The whole help (`lamellar --help`), and each command's own (`lamellar <command> --help`). */
const USAGE = `usage: ${RUN_USAGE}
       ${EXEC_USAGE}
       ${BUILD_OFI_USAGE}
       lamellar --version         (or -v, --version: prints lamellar's version)

${RUN_TEXT}

${EXIT_CODES}

${EXEC_TEXT}

${BUILD_OFI_TEXT}`;

const HELP: Readonly<Record<string, string>> = {
  run: `usage: ${RUN_USAGE}\n\n${RUN_TEXT}\n\n${EXIT_CODES}`,
  exec: `usage: ${EXEC_USAGE}\n\n${EXEC_TEXT}`,
  'build-ofi': `usage: ${BUILD_OFI_USAGE}\n\n${BUILD_OFI_TEXT}`,
};

const isHelp = (a: string | undefined): boolean => a === '-h' || a === '--help';

/** This package's version, from its package.json. */
function version(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version?: unknown };
  return String(pkg.version);
}

const CLUSTER_SIZE = { ompi: 'OMPI_COMM_WORLD_SIZE', pmi: 'PMI_SIZE', slurm: 'SLURM_NTASKS' } as const;

/** `lamellar exec <script> [args...]`: this process becomes one PE of a tcp job. */
async function exec(argv: string[]): Promise<number> {
  // `lamellar exec -- app.ts` as with other commands: what follows `--` is the script and its arguments.
  const [script, ...args] = argv[0] === '--' ? argv.slice(1) : argv;
  if (isHelp(script)) {
    process.stdout.write(`${HELP['exec']}\n`);
    return 0;
  }
  if (script === undefined || script === '') {
    throw new LamellarError(ErrorCode.SCRIPT_NOT_FOUND, `no script given: ${EXEC_USAGE}`);
  }
  // `lamellar exec -N 2 app.ts`, by analogy with run: say what exec takes, not "script not found: -N".
  if (script.startsWith('-')) {
    throw new LamellarError(
      ErrorCode.INVALID_ARGUMENT,
      `exec takes no option ${script}: ${EXEC_USAGE}. The PE count and this PE's number come from mpirun or srun (or LAMELLAR_NUM_PES and LAMELLAR_PE_ID), the backend from LAMELLAR_BACKEND (tcp or ofi)`,
      { details: { option: script } },
    );
  }
  const asked = config().backend;
  // exec makes this process one PE: a lamella of threads in one process cannot be one.
  if (config().backendFromEnv && (asked === 'shmem' || asked === 'local')) {
    throw new LamellarError(
      ErrorCode.CONFIG,
      `LAMELLAR_BACKEND=${asked} cannot run under exec, which makes this process one PE of a job of processes: use tcp (the default for exec) or ofi`,
      { details: { variable: 'LAMELLAR_BACKEND', value: asked } },
    );
  }
  const backend = asked === 'ofi' ? 'ofi' : 'tcp';
  setBackendEnv(backend);
  const cfg = config();
  if (cfg.rankSource !== 'lamellar' && cfg.rankSource !== 'default' && cfg.numPesVar !== undefined && cfg.numPesVar !== cfg.numPes) {
    // An exported LAMELLAR_NUM_PES (meant for `lamellar run`) under a launcher of another size.
    throw new LamellarError(
      ErrorCode.CONFIG,
      `LAMELLAR_NUM_PES=${cfg.numPesVar} disagrees with the ${cfg.numPes} ranks the cluster launcher started (${CLUSTER_SIZE[cfg.rankSource]}); unset LAMELLAR_NUM_PES: under mpirun or srun the launcher gives the size`,
      { details: { variable: 'LAMELLAR_NUM_PES', value: String(cfg.numPesVar) } },
    );
  }
  const checked = checkRunOptions({ numPes: cfg.numPes, backend, script });
  // PE 0 writes LAMELLAR_STATS's file at shutdown: refuse a path it cannot write now.
  if (cfg.peId === 0 && typeof cfg.stats === 'string') checkStatsFile(cfg.stats, 'LAMELLAR_STATS');
  // With no launcher to print it, the PE reports its own failure as `lamellar run` would: the
  // script's error, or one thrown from the event loop (a callback, an unhandled rejection, the
  // runtime relaying another PE's failure), under the PE's number, and ends the process now,
  // even though its world may still hold the network thread open; the others see it go and stop.
  // A failure relayed from another PE is one line: that PE prints the whole report itself.
  let reported = false;
  const fail = (err: unknown): never => {
    reported = true;
    try {
      writeSync(2, `lamellar: PE ${cfg.peId} failed:\n${describeFollowOn(err, cfg.peId) ?? describeError(err)}\n`);
    } catch {}
    const cause = causeOf(err);
    if (cause !== undefined && cause !== cfg.peId) {
      // Another PE's failure (it stopped the job, was lost, or its bad input was refused
      // everywhere): end after that PE, so that mpirun or srun, which name the first rank to
      // exit non-zero, name it (lamellar run waits for the origin's report the same way). The
      // report above went first: such a launcher may kill this PE as that one exits.
      // A failure only relayed from the PE that stopped the job holds longer than a mismatch
      // this PE found itself: that PE holds too (its mismatch names a peer as the cause, in case
      // the peer's script failed first), and with equal holds a bystander that only heard of it
      // sometimes ended first, and mpirun named the bystander (1 run in 6, 3 PEs).
      // Never past the network thread's own kill after a failure (FATAL_GRACE_MS from when it
      // was found): a PE told of a silent peer only after its 2.5 s linger was SIGKILLed while
      // holding, and mpirun saw exit code 137 on every PE instead of 1.
      const want = originOf(err) !== undefined ? RELAYED_HOLD_MS : FOLLOW_ON_HOLD_MS;
      const hold = Math.min(want, untilKill());
      if (cfg.numPes > 1 && hold > 0) holdExit(hold);
    } else if (state === PeState.WORLD) {
      // Its own failure, with the world up: the others learn why (an ABORT frame carrying this
      // error) rather than seeing a connection close, and stop at once.
      abortWorld(err);
    }
    // Failed before its world met the others (its script threw before initWorld(), or
    // initWorld() itself failed here, on a LAMELLAR_BIND_ADDR this host does not have, say): PE 0
    // is told too, or the others waited for this PE until LAMELLAR_RENDEZVOUS_TIMEOUT; and for
    // launchers that do not stop a job when one rank fails (srun without --kill-on-bad-exit).
    // Not when the rendezvous itself failed (PE 0 refused this PE, or never came, or the job already stopped).
    const met = isLamellarError(err) && (err.code === ErrorCode.AUTH || err.code === ErrorCode.RENDEZVOUS_TIMEOUT || err.code === ErrorCode.PE_FAILED);
    const alone = state === PeState.NONE || (state === PeState.WORLD && !jobHasMet());
    if (alone && !met && cfg.numPes > 1 && cfg.peId !== 0) sayFarewell(`PE ${cfg.peId} failed before its world started: ${firstLine(err)}`);
    // PE 0 that stopped the job at the rendezvous itself (it refused a PE's count, lamella or
    // address) stays a moment: a PE that dials it late learns why from it. Ended at once, it
    // left such a PE waiting out LAMELLAR_RENDEZVOUS_TIMEOUT with only "connect ECONNREFUSED".
    if (cfg.peId === 0 && cfg.numPes > 1 && state === PeState.WORLD && !jobHasMet() && !met && cause === undefined) {
      const hold = Math.min(RELAYED_HOLD_MS, untilKill());
      if (hold > 0) holdExit(hold);
    }
    process.exit(1);
  };
  process.on('uncaughtException', fail);
  // No launcher sees this PE end: under mpirun a rank that never calls initWorld() leaves the
  // others waiting for it until their rendezvous timeout, silently. Say so as it happens (the
  // exit code stays 0: a script may end early on every rank, e.g. for --help).
  // Likewise a PE that ends with code 0 while its world is up (process.exit() mid-run): the others
  // only see it lost, so it says why itself, as `lamellar run` would.
  let state: PeStateValue = PeState.NONE;
  setPeMonitor({
    state: (s) => {
      state = s;
    },
  });
  // Also a PE that calls process.exit(3) mid-run: only its peers' "PE n was lost" said anything.
  process.once('exit', (code) => {
    if (reported || cfg.numPes === 1 || state === PeState.DONE) return;
    const ended = code === 0 ? 'ended' : `exited with code ${code}`;
    // A PE that never called initWorld() tells PE 0's rendezvous it is gone (tcp/farewell.ts), so
    // the job stops now; if PE 0 never answers (it ended too, say), the others wait as before.
    const told = state === PeState.NONE && cfg.peId !== 0 && sayFarewell(`PE ${cfg.peId} ${ended} without calling initWorld()`);
    try {
      writeSync(
        2,
        state === PeState.NONE
          ? told
            ? `lamellar: PE ${cfg.peId} ${ended} without calling initWorld(); it told PE 0, which stops the job\n`
            : `lamellar: PE ${cfg.peId} ${ended} without calling initWorld(); the other ${cfg.numPes - 1} PE(s) of this job, if they call it, ` +
              `wait for this one until LAMELLAR_RENDEZVOUS_TIMEOUT (${cfg.rendezvousTimeoutSecs} s)\n`
          : `lamellar: PE ${cfg.peId} exited before shutdown (exit code ${code}): a PE must not end (for example with process.exit()) ` +
              `before its world has shut down; the other ${cfg.numPes - 1} PE(s) will report it as lost\n`,
      );
    } catch {}
  });
  try {
    namePeProcess(cfg.peId, cfg.numPes, checked.script);
    await runScript({ script: checked.script, args });
  } catch (err) {
    fail(err);
  }
  // The script's own process.exitCode (a failed check, a usage error before initWorld()) is the
  // PE's exit code, as under `lamellar run`; the caller assigns what this returns.
  return Number(process.exitCode ?? 0);
}

/** How long a PE whose failure follows from another's holds its exit under exec. */
const FOLLOW_ON_HOLD_MS = 1000;
/** The same for a failure relayed from the PE that stopped the job: longer, so that PE ends first. */
const RELAYED_HOLD_MS = 2000;
/** How long before the network thread's kill a held exit ends (the exit itself takes a moment). */
const KILL_MARGIN_MS = 300;

/** Ms this process may still block before its network thread kills it (Infinity if none is armed). */
function untilKill(): number {
  return (killDeadline() ?? Infinity) - Date.now() - KILL_MARGIN_MS;
}

/** Blocks this thread for `ms` (an exit path: nothing asynchronous may run there). */
function holdExit(ms: number): void {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  } catch {}
}

/** The first line of what `err` says, for a one-line farewell. */
function firstLine(err: unknown): string {
  try {
    const m = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return m.split('\n')[0]!.slice(0, 300);
  } catch {
    return 'an error that cannot be described';
  }
}

/** How long a PE that never started tries to reach PE 0's rendezvous (it may still be starting). */
const FAREWELL_MS = 3000;
/** What a farewell's own process takes to start, before its budget counts. */
const FAREWELL_START_MS = 500;
/** Below this budget no farewell is tried (a dial and handshake take longer). */
const FAREWELL_MIN_MS = 200;

/**
 * Runs tcp/farewell.ts as a child process and waits for it (an 'exit' handler cannot wait for
 * anything asynchronous): whether it reached PE 0 (exit code 0) within FAREWELL_MS.
 */
function sayFarewell(reason: string): boolean {
  // Within what is left before the network thread's kill, when a failure it found (a listen on
  // an address this host lacks) armed it: a farewell to a PE 0 that never came outlived it, and
  // the PE died of SIGKILL instead of exiting with code 1.
  const left = untilKill();
  const budget = Math.min(FAREWELL_MS, left - FAREWELL_START_MS);
  if (budget < FAREWELL_MIN_MS) return false;
  try {
    const r = spawnSync(process.execPath, [packagePath('dist/lamellae/tcp/farewell.js'), String(budget), reason], {
      stdio: 'ignore',
      timeout: Math.min(budget + 1500, left),
    });
    return r.status === 0;
  } catch {
    return false;
  }
}

/** `lamellar build-ofi`: builds the ofi addon from source (scripts/build-ofi.mjs). */
function buildOfi(argv: string[]): Promise<number> {
  if (argv.some(isHelp)) {
    process.stdout.write(`${HELP['build-ofi']}\n`);
    return Promise.resolve(0);
  }
  if (argv.length > 0) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `lamellar build-ofi takes no arguments, got '${argv[0]}' (see lamellar build-ofi --help)`, {
      details: { argument: argv[0] },
    });
  }
  const script = packagePath('scripts/build-ofi.mjs');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { stdio: 'inherit' });
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/**
 * Runs this same command again in a new process with `env`: worker-thread PEs live in the
 * launcher's process, and glibc reads its malloc settings only at process start (see
 * launcher/malloc.ts). Output is shared; signals sent to this process are passed on, and the new
 * process stops if this one dies (its IPC channel closes).
 */
function runAgain(env: Record<string, string | undefined>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
      env,
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const pass = (s: NodeJS.Signals): void => void child.kill(s);
    for (const s of signals) process.on(s, pass);
    child.once('error', (e) => {
      process.stderr.write(`lamellar: could not start the job's process: ${e.message}\n`);
      resolve(2);
    });
    child.once('exit', (code, signal) => {
      for (const s of signals) process.off(s, pass);
      if (signal !== null) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}

/** Help and version text: a reader that has gone (`lamellar --help | head -1`) is not an error. */
function writeOut(text: string): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  process.stdout.write(text);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...more] = argv;
  if (command === undefined) {
    // A usage error: the usage goes where errors go.
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (isHelp(command) || command === 'help') {
    // `lamellar help run` shows run's help.
    const topic = command === 'help' ? more[0] : undefined;
    if (topic !== undefined && HELP[topic] === undefined) {
      const e = new LamellarError(ErrorCode.INVALID_ARGUMENT, `no help for '${topic}': the topics are ${Object.keys(HELP).join(', ')}`, { details: { topic } });
      process.stderr.write(`lamellar: ${e.message} (${e.code})\n`);
      return 2;
    }
    writeOut(`${(topic === undefined ? undefined : HELP[topic]) ?? USAGE}\n`);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    writeOut(`${version()}\n`);
    return 0;
  }
  if (command === 'exec') return exec(more);
  if (command === 'build-ofi') return buildOfi(more);
  if (command !== 'run') {
    // The error first, where it is seen, then what the commands are.
    const e = new LamellarError(ErrorCode.INVALID_ARGUMENT, `unknown command '${command}'`, { details: { command } });
    process.stderr.write(`lamellar: ${e.message} (${e.code})\n${USAGE}\n`);
    return 2;
  }
  const opts = parseRunArgs(more);
  if (opts.help) {
    process.stdout.write(`${HELP['run']}\n`);
    return 0;
  }
  refuseUnderMpirun(processEnv());
  if (opts.stats === true && opts.script?.endsWith('.json') === true && !existsSync(opts.script)) {
    // `--stats out.json app.ts`: the file name became the script.
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `--stats takes its file with '=': --stats=${opts.script} (the script ${opts.script} does not exist)`, {
      details: { option: '--stats', value: opts.script },
    });
  }
  // Explicit options win; otherwise LAMELLAR_NUM_PES and LAMELLAR_BACKEND (read, like every
  // variable, by the config module). A size from a cluster launcher's variables (mpirun, srun)
  // describes the launch this process is part of, not a job to start, so it is not used here.
  // The launcher numbers its PEs itself: an inherited LAMELLAR_PE_ID is dropped, and so is
  // LAMELLAR_NUM_PES when -N is given.
  dropInheritedRank(opts.numPes !== undefined);
  const cfg = config();
  const numPes = opts.numPes === undefined ? (cfg.numPesVar ?? 1) : numPesOf(opts.numPes);
  const backend = (opts.backend ?? (cfg.backendFromEnv ? cfg.backend : 'shmem')) as Backend;
  const script = opts.script ?? '';
  // PE 0 writes the stats file when the job ends: a path it cannot write is refused now.
  const statsFile = opts.stats === false ? (typeof cfg.stats === 'string' ? cfg.stats : undefined) : opts.stats === true ? undefined : resolve(opts.stats);
  if (statsFile !== undefined) checkStatsFile(statsFile, opts.stats === false ? 'LAMELLAR_STATS' : '--stats');
  if (backend !== 'tcp' && backend !== 'ofi') {
    checkRunOptions({ numPes, backend, script });
    const env = tunedEnv(processEnv(), cfg.mallocTuning, true);
    if (env !== undefined) return runAgain(env);
  }
  if (opts.misplaced !== undefined && opts.script !== undefined) {
    // Passed on as the script's own argument, which it may be; said (once: not by a run started
    // again with a tuned environment), since it reads as the job's.
    process.stderr.write(`lamellar: note: '${opts.misplaced}' comes after the script, so ${opts.script} gets it as an argument; lamellar run's options go before the script (lamellar run -N 2 app.ts)\n`);
  }
  return run({
    numPes,
    backend,
    script,
    args: opts.args,
    prefix: opts.prefix || cfg.outputPrefix,
    // PE 0 prints the table at shutdown (team/stats.ts); a file name is resolved here, where the
    // user typed it.
    ...(opts.stats === false ? {} : { env: { LAMELLAR_STATS: opts.stats === true ? '1' : resolve(opts.stats) } }),
  });
}

/**
 * `mpirun -np 2 lamellar run -N 2 app.ts` starts two launchers, each with a job of its own: four
 * PEs in two jobs that never meet, every line printed twice, exit code 0. Refused, naming what
 * to run instead. For Slurm only the step's task count is read: srun sets it in each task, while
 * a batch script's or salloc's own shell, where one `lamellar run` is right, has the job's
 * SLURM_NTASKS but no step of its own. `srun -n 4 --pty bash` runs one shell for the step's four
 * tasks (srun sets SLURM_PTY_PORT): one `lamellar run` is right there too.
 */
function refuseUnderMpirun(env: NodeJS.ProcessEnv): void {
  for (const [variable, by] of [
    ['OMPI_COMM_WORLD_SIZE', 'mpirun (Open MPI)'],
    ['PMI_SIZE', 'mpirun (MPICH, Hydra)'],
    ['SLURM_STEP_NUM_TASKS', 'srun (Slurm)'],
  ] as const) {
    const size = Number(env[variable]);
    if (!(size > 1) || (variable === 'SLURM_STEP_NUM_TASKS' && env['SLURM_PTY_PORT'] !== undefined)) continue;
    throw new LamellarError(
      ErrorCode.INVALID_ARGUMENT,
      `lamellar run is one of ${size} ranks that ${by} started (${variable}=${size}), and each would start a job of its own; ` +
        'under mpirun or srun every rank is one PE: run `lamellar exec <script>` instead',
      { details: { variable, value: env[variable] } },
    );
  }
}

// Started by runAgain: stop if the process that started us goes away, instead of running on.
if (process.channel !== undefined) {
  process.channel.unref();
  process.once('disconnect', () => process.exit(1));
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (isLamellarError(err)) {
    process.stderr.write(`lamellar: ${err.message} (${err.code})\n`);
  } else {
    process.stderr.write(`lamellar: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exitCode = 2;
}
