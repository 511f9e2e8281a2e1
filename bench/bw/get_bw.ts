/**
 * get_bw: memory-region get bandwidth from PE 0 to the last PE, 2^3 .. 2^24 B, beside the
 * same-run TypedArray.set baseline (see rdma.ts).
 *
 *   npx lamellar run -N 2 --backend shmem bench/bw/get_bw.ts [--quick|--full] [--min-exp 3] [--max-exp 24] ...
 */
import { rdmaBandwidth } from './rdma.js';

await rdmaBandwidth('get');
