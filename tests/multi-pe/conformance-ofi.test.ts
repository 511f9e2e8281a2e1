/**
 * The conformance fixtures of helpers/suites.ts on ofi (tcp;ofi_rxm with 2 and 3 PEs, shm with 2), one
 * job per configuration (see conformance-shmem). Skipped outside CI where libfabric or the addon
 * is missing.
 */
import { bundled } from '../helpers/conformance.js';
import { CONFIGS } from '../helpers/job.js';
import { SUITES } from '../helpers/suites.js';

bundled(SUITES, CONFIGS.filter((c) => c.backend === 'ofi'));
