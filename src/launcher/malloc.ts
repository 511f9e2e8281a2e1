/**
 * glibc malloc settings for the PEs the launcher starts.
 *
 * A received AM payload (a typed array in the arguments) is decoded into a fresh ArrayBuffer the
 * AM owns, and Node gets that memory from malloc. glibc serves a block above its mmap threshold
 * (128 KiB at first) with a fresh mmap, and hands free memory at the top of a heap beyond its
 * trim threshold back to the OS; either way the next large block is new pages, and the copy into
 * it page-faults on every 4 KiB. Measured on 2 shmem PEs, 2 cores: AMs of 64 KiB – 1 MiB arrived
 * at 0.9–1.4 GB/s, the receiver spending 60% of its time in that copy; with the settings below,
 * 2.4–2.9 GB/s. MPI libraries do the same through mallopt (MVAPICH2 turns off mmap and trimming
 * for its registration cache).
 *
 * The mmap threshold is the ceiling glibc's own adaptive threshold would reach (32 MiB on 64-bit);
 * the trim threshold keeps up to 64 MiB of free memory per malloc arena. The settings reach the
 * PEs through GLIBC_TUNABLES, which glibc reads at process start: worker-thread PEs need the
 * launcher's own process started with it (the CLI starts itself again), tcp PEs get it in their
 * environment. LAMELLAR_MALLOC_TUNING=0 turns this off; malloc tunables the user set win.
 */
type Env = Record<string, string | undefined>;

export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864';

let glibc: boolean | undefined;

function isGlibc(): boolean {
  if (glibc === undefined) {
    const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
    glibc = process.platform === 'linux' && typeof header?.glibcVersionRuntime === 'string';
  }
  return glibc;
}

/** `env` with the malloc settings added, or undefined when they do not apply or are there already. */
export function tunedEnv(env: Env, enabled: boolean): Env | undefined {
  if (!enabled || !isGlibc()) return undefined;
  const current = env['GLIBC_TUNABLES'];
  if (current !== undefined && current.includes('glibc.malloc.')) return undefined;
  return { ...env, GLIBC_TUNABLES: current === undefined || current === '' ? MALLOC_TUNABLES : `${current}:${MALLOC_TUNABLES}` };
}
