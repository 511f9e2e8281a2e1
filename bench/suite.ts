/**
 * The benchmark suite: which scripts `bench/run.ts` runs, in order. Each is a `lamellar run`
 * script on its own (or a driver that launches its own jobs); quick and full pick the size set
 * inside the script.
 */
export interface Bench {
  /** The `name` field its lines carry. */
  name: string;
  /** Path from the repository root. */
  script: string;
  /** Tiny sizes for the smoke test (tests/multi-pe/bench-smoke.test.ts): seconds, not speed. */
  smoke: string[];
  /**
   * A driver: a plain Node script that launches its own jobs on this backend (and picks their PE
   * counts), run once by `node --import tsx`, not once per PE count through `lamellar run`.
   */
  driver?: 'tcp';
}

export const SUITE: readonly Bench[] = [
  { name: 'am_rate', script: 'bench/micro/am_rate.ts', smoke: ['--ops', '2000', '--rtt', '50', '--chunk', '512', '--a2a-ops', '2000'] },
  { name: 'am_group', script: 'bench/micro/am_group.ts', smoke: ['--entries', '2000', '--reps', '1'] },
  { name: 'am_tree', script: 'bench/micro/am_tree.ts', smoke: ['--depth', '6', '--window', '64', '--reps', '1'] },
  { name: 'barrier', script: 'bench/micro/barrier.ts', smoke: ['--iters', '200'] },
  { name: 'lock_ops', script: 'bench/micro/lock_ops.ts', smoke: ['--k-max', '1000', '--reps', '1'] },
  { name: 'batch_hold', script: 'bench/micro/batch_hold.ts', smoke: ['--updates', '20000', '--reps', '1'] },
  { name: 'allreduce', script: 'bench/micro/allreduce.ts', smoke: ['--iters', '200', '--elems', '4096', '--array-iters', '2'] },
  {
    name: 'am_bw',
    script: 'bench/bw/am_bw.ts',
    smoke: ['--max-exp', '17', '--bytes-per-size', '262144', '--min-count', '2', '--max-count', '200', '--window', '65536'],
  },
  { name: 'put_latency', script: 'bench/micro/put_latency.ts', smoke: ['--ops', '50'] },
  { name: 'region_drop', script: 'bench/micro/region_drop.ts', smoke: ['--mib', '8'] },
  { name: 'local_ops', script: 'bench/micro/local_ops.ts', smoke: ['--ops', '2000', '--reps', '1'] },
  { name: 'put_bw', script: 'bench/bw/put_bw.ts', smoke: ['--max-exp', '16', '--bytes-per-size', '262144', '--min-count', '2', '--max-count', '500'] },
  { name: 'get_bw', script: 'bench/bw/get_bw.ts', smoke: ['--max-exp', '16', '--bytes-per-size', '262144', '--min-count', '2', '--max-count', '500'] },
  { name: 'array_bw', script: 'bench/bw/array_bw.ts', smoke: ['--bytes', '65536', '--count', '1', '--reps', '1'] },
  {
    name: 'histo_array',
    script: 'bench/kernels/histo_array.ts',
    smoke: ['--updates', '20000', '--table', '100', '--large-updates', '20000', '--large-table', '100000', '--pm-buffer', '512', '--reps', '2'],
  },
  { name: 'generic_atomic', script: 'bench/kernels/generic_atomic.ts', smoke: ['--updates', '20000', '--table', '100', '--large-table', '20000', '--reps', '2'] },
  { name: 'index_gather_array', script: 'bench/kernels/index_gather_array.ts', smoke: ['--updates', '20000', '--table', '100', '--pm-buffer', '512', '--reps', '2'] },
  {
    name: 'histo',
    script: 'bench/kernels/histo.ts',
    smoke: ['--updates', '20000', '--table', '100', '--buffer', '1000', '--single-updates', '2000', '--pm-buffer', '512', '--reps', '2'],
  },
  {
    name: 'index_gather',
    script: 'bench/kernels/index_gather.ts',
    smoke: ['--updates', '20000', '--table', '100', '--buffer', '1000', '--pm-buffer', '512', '--reps', '2'],
  },
  { name: 'randperm', script: 'bench/kernels/randperm.ts', smoke: ['--items', '5000', '--buffer', '1000', '--reps', '2'] },
  { name: 'bfs', script: 'bench/kernels/bfs.ts', smoke: ['--vertices', '2000', '--degree', '4', '--reps', '1'] },
  {
    name: 'iter',
    script: 'bench/micro/iter.ts',
    smoke: ['--elems', '20000', '--onesided-elems', '65536', '--chunk', '4096', '--async-elems', '500', '--ping-elems', '200000', '--reps', '1'],
  },
  { name: 'tcp_startup', script: 'bench/micro/tcp_startup.ts', smoke: ['--max-pes', '2', '--reps', '1'], driver: 'tcp' },
];
