/**
 * glibc malloc settings for the PEs the launcher starts.
 *
 * A received AM payload (a typed array in the arguments) is decoded into a fresh ArrayBuffer the
 * AM owns, and a batch op's result (`batchLoad` of 10M indices: a fresh 40 MB array) is one too;
 * Node gets that memory from malloc. glibc serves a block above its mmap threshold (128 KiB at
 * first, adapting up to 32 MiB) with a fresh mmap, and hands free memory at the top of a heap
 * beyond its trim threshold back to the OS; either way the next large block is new pages, and
 * writing it page-faults on every 4 KiB. On our virtual machines a fault costs about 13 µs, so a
 * fresh 40 MB block costs 130 ms to fill where a reused one costs 8 (one thread, the same loop).
 *
 * - `mmap_max=0`: malloc never maps a block of its own; large blocks come from the heap and their
 *   pages are reused once freed. (Measured on 2 shmem PEs: 64 KiB – 1 MiB AMs went from 0.9–1.4
 *   to 2.4–2.9 GB/s with the first form of these settings, a 32 MiB mmap threshold; `batchLoad`
 *   of 10M indices from 101–116 M/s to 459–693 M/s with this one.) A thread's arena that cannot
 *   grow still maps memory, so no allocation fails for it.
 * - `trim_threshold`: up to 64 MiB of free memory at the top of a heap is kept.
 * - `arena_max=1`, for worker-thread PEs only: a thread's own arena is a chain of 64 MiB heaps,
 *   and glibc unmaps any heap that empties, so a 40 MB block freed on a PE's thread was new pages
 *   again the next time. One arena keeps them. PE processes (tcp, ofi) run their PE on the main
 *   thread, whose arena is not chained heaps, and their network thread allocates as busily as
 *   the PE, so they keep per-thread arenas (sharing one measured slower there).
 *
 * The price is memory: freed blocks stay in the process (reused, not returned) unless they sit
 * at the top of the heap beyond the trim threshold. MPI libraries make the same trade through
 * mallopt (MVAPICH2 turns off mmap and trimming for its registration cache).
 *
 * The settings reach the PEs through GLIBC_TUNABLES, which glibc reads at process start:
 * worker-thread PEs need the launcher's own process started with it (the CLI starts itself
 * again), tcp and ofi PEs get it in their environment. LAMELLAR_MALLOC_TUNING=0 turns this off,
 * and so does any `glibc.malloc.*` tunable the user set (theirs are then the only ones).
 */
import { mallocTunables } from '../core/index.js';

type Env = Record<string, string | undefined>;

/** For PE processes (tcp, ofi). */
export const MALLOC_TUNABLES = 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=67108864';
/** For a process whose PEs are worker threads (shmem, and `lamellar run` of one PE). */
export const THREAD_MALLOC_TUNABLES = `${MALLOC_TUNABLES}:glibc.malloc.arena_max=1`;

let glibc: boolean | undefined;

function isGlibc(): boolean {
  if (glibc === undefined) {
    const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
    glibc = process.platform === 'linux' && typeof header?.glibcVersionRuntime === 'string';
  }
  return glibc;
}

/**
 * `env` with the malloc settings added, or undefined when they do not apply or are there already.
 * `threads`: the PEs will be worker threads of the process started with `env`.
 */
export function tunedEnv(env: Env, enabled: boolean, threads: boolean): Env | undefined {
  if (!enabled || !isGlibc()) return undefined;
  const current = env['GLIBC_TUNABLES'];
  if (mallocTunables(current).length > 0) return undefined;
  const tunables = threads ? THREAD_MALLOC_TUNABLES : MALLOC_TUNABLES;
  return { ...env, GLIBC_TUNABLES: current === undefined || current === '' ? tunables : `${current}:${tunables}` };
}
