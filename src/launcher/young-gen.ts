/**
 * The V8 young generation of the PEs the launcher starts: semi-spaces of up to SEMI_SPACE_MIB
 * instead of V8's default (16 MiB on a host with 8 GiB of memory or more, less below).
 *
 * Why: a program that keeps many AMs in flight and awaits them (a tree of AMs that launch and
 * await their children, a window of thousands of awaited AMs) holds each one's handle, promise
 * and async frame until its reply comes back. With 16 MiB semi-spaces those objects were still
 * alive at every scavenge, so each one copied them again and then promoted them: a PE of such a
 * tree spent 35% of its time in the garbage collector, scavenging every 6 ms at 7 ms each.
 * Measured on 2 shmem PEs (bench/README.md, "A larger young generation"): the AM tree went from
 * 0.33–0.34 to 0.55–0.56 M AMs/s with 64 MiB, and batches of 4,096 awaited AMs 1.11–1.26 ×;
 * fire-and-forget rates and bfs did not move beyond their noise. V8 grows the semi-spaces only
 * while objects survive, so a PE that does not need them does not use them; the price, for one
 * that does, is up to 3 × SEMI_SPACE_MIB of memory. So it is done only where the host (or the
 * cgroup the launcher runs in) has at least MIN_MEMORY_PER_PE for each PE started here.
 *
 * Worker-thread PEs get it as their Worker's resourceLimits (V8's young generation is three
 * semi-spaces), PE processes as `--max-semi-space-size` in their NODE_OPTIONS: on their command
 * line it would show in `process.execArgv`, which a program passing that on to `new Worker()`
 * would then see refused (ERR_WORKER_INVALID_EXEC_ARGV). A size the user gives V8 wins: in
 * NODE_OPTIONS it reaches every PE as it is, and on the launcher's own command line it is passed
 * on to PE processes (worker threads share the launcher's V8 flags). LAMELLAR_GC_TUNING=0 leaves
 * V8's default. Processes the user starts (`lamellar exec` under mpirun or srun) are configured
 * by the user (docs/env.md).
 */
import { totalmem } from 'node:os';
import { config, processEnv, semiSpaceOfFlags } from '../core/index.js';

/** Each semi-space's limit in MiB for the PEs the launcher starts. */
export const SEMI_SPACE_MIB = 64;
/** Memory the host must have for each PE started here for the launcher to raise the limit. */
export const MIN_MEMORY_PER_PE = 2 ** 30;

type Env = Record<string, string | undefined>;

/** The host's memory, or its cgroup's limit where that is lower (unconstrained: 2^64). */
function memory(): number {
  const limit = process.constrainedMemory();
  return limit > 0 ? Math.min(limit, totalmem()) : totalmem();
}

/** Whether the launcher raises the limit for `numPes` PEs: tuning on, memory enough, and no size of the user's. */
function ours(numPes: number): boolean {
  const env = processEnv();
  return config().gcTuning && semiSpaceOfFlags(process.execArgv, env['NODE_OPTIONS']) === undefined && memory() >= numPes * MIN_MEMORY_PER_PE;
}

/** The `resourceLimits` of `numPes` worker-thread PEs (undefined: as the process has, V8's or the user's). */
export function peResourceLimits(numPes: number): { maxYoungGenerationSizeMb: number } | undefined {
  return ours(numPes) ? { maxYoungGenerationSizeMb: 3 * SEMI_SPACE_MIB } : undefined;
}

/** `env` for one of `numPes` PE processes, with the semi-space size in its NODE_OPTIONS where it is due. */
export function peProcessEnv(env: Env, numPes: number): Env {
  const own = semiSpaceOfFlags(process.execArgv, undefined);
  const mib = own ?? (ours(numPes) ? SEMI_SPACE_MIB : undefined);
  if (mib === undefined || semiSpaceOfFlags([], env['NODE_OPTIONS']) !== undefined) return env;
  const flag = `--max-semi-space-size=${mib}`;
  const current = env['NODE_OPTIONS'];
  return { ...env, NODE_OPTIONS: current === undefined || current.trim() === '' ? flag : `${current} ${flag}` };
}
