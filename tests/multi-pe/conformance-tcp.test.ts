/**
 * The conformance fixtures of helpers/suites.ts on tcp with 2 and 4 PEs, one job per configuration
 * (see conformance-shmem). 3 PEs (an uneven split, a barrier round with a partner twice removed)
 * run on shmem here and on tcp in the failure tests: the runtime above the lamella is the same.
 */
import { bundled } from '../helpers/conformance.js';
import { CONFIGS } from '../helpers/job.js';
import { SUITES } from '../helpers/suites.js';

bundled(SUITES, CONFIGS.filter((c) => c.backend === 'tcp' && c.numPes !== 3));
