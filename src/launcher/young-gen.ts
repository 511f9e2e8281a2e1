/**
 * The V8 young generation of the PEs the launcher starts: semi-spaces of up to SEMI_SPACE_MIB
 * instead of V8's 16 MiB.
 *
 * Why: a program that keeps many AMs in flight and awaits them (a tree of AMs that launch and
 * await their children, a window of thousands of awaited AMs) holds each one's handle, promise
 * and async frame until its reply comes back. With 16 MiB semi-spaces those objects were still
 * alive at every scavenge, so each one copied them again and then promoted them: a PE of such a
 * tree spent 35% of its time in the garbage collector, scavenging every 6 ms at 7 ms each.
 * Measured on 2 shmem PEs (bench/README.md, "A larger young generation"): the AM tree went from
 * 0.31–0.44 to 0.49–0.56 M nodes/s with 64 MiB (0.60–0.71 with 128), and batches of 4,096
 * awaited AMs from 1.3–1.6 to 1.6–2.0 M/s; fire-and-forget rates and bfs did not move beyond
 * their noise. V8 grows the semi-spaces only when objects survive, so a PE that does not need
 * them does not use them; the price, for one that does, is up to 3 × SEMI_SPACE_MIB of memory.
 *
 * Worker-thread PEs get it as their Worker's resourceLimits (V8's young generation is three
 * semi-spaces), PE processes as `--max-semi-space-size`. A size the user gives V8 (in NODE_OPTIONS
 * or the launcher's own flags) wins, and LAMELLAR_GC_TUNING=0 leaves V8's default. Processes the
 * user starts (`lamellar exec` under mpirun or srun) are configured by the user (docs/env.md).
 */
import { config, processEnv, semiSpaceOfFlags } from '../core/index.js';

/** Each semi-space's limit in MiB for the PEs the launcher starts. */
export const SEMI_SPACE_MIB = 64;

/** Whether the launcher sets the young generation: tuning on, and the user set no size of their own. */
function ours(): boolean {
  return config().gcTuning && semiSpaceOfFlags(process.execArgv, processEnv()['NODE_OPTIONS']) === undefined;
}

/** The `resourceLimits` of a worker-thread PE (undefined: V8's, or the user's, as the process has). */
export function peResourceLimits(): { maxYoungGenerationSizeMb: number } | undefined {
  return ours() ? { maxYoungGenerationSizeMb: 3 * SEMI_SPACE_MIB } : undefined;
}

/** V8 flags for a PE process, before its entry script. */
export function peProcessFlags(): string[] {
  return ours() ? [`--max-semi-space-size=${SEMI_SPACE_MIB}`] : [];
}
