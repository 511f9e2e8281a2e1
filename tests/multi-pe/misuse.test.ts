/** Misuse detected at the call, on every lamella (issue #11). */
import { conformance } from '../helpers/conformance.js';
import { FAILURE_CONFIGS } from '../helpers/job.js';

conformance('misuse.ts', [
  'waitAll() inside an AM fails at once with WAIT_ALL_IN_AM, wherever it is called; a TaskGroup waitAll works',
  'batch ops take BigInt64Array indices; a bigint in a plain index array is TYPE_MISMATCH and applies nothing',
  'GlobalLockArray guards released without awaiting never reject unhandled, and free the lock',
], { configs: FAILURE_CONFIGS });
