/**
 * The conformance fixtures of helpers/suites.ts (active messages, throwing AMs, a million AMs,
 * arrays beyond the op matrix, closures, collectives, Darcs, lock arrays and waitAll, memory
 * regions, misuse, Lamellar parity, the memory contract of tcp-rdma.ts, teams, the world) on the local lamella with 1 PE and on shmem with 2,
 * 3 and 4: one job per configuration runs them all (helpers/conformance.ts `bundled`). conformance-tcp and conformance-ofi run them on
 * the other lamellae, as separate files so that they run beside this one.
 */
import { bundled } from '../helpers/conformance.js';
import { CONFIGS } from '../helpers/job.js';
import { SUITES } from '../helpers/suites.js';

bundled(SUITES, CONFIGS.filter((c) => c.backend === 'local' || c.backend === 'shmem'));
