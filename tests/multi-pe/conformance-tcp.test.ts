/**
 * The conformance fixtures of helpers/suites.ts on tcp with 2 and 3 PEs, one job per configuration
 * (see conformance-shmem; 4 PEs run on shmem: helpers/job.ts CONFIGS).
 */
import { bundled } from '../helpers/conformance.js';
import { CONFIGS } from '../helpers/job.js';
import { SUITES } from '../helpers/suites.js';

bundled(SUITES, CONFIGS.filter((c) => c.backend === 'tcp'));
