/** Lock arrays: waitAll covers queued ops and guard releases; many concurrent ops on one lock. */
import { conformance } from '../helpers/conformance.js';
import { FAILURE_CONFIGS } from '../helpers/job.js';

const cases: string[] = [];
for (const kind of ['LocalLockArray', 'GlobalLockArray']) {
  cases.push(
    `${kind}: waitAll() then barrier() sees all 2000 un-awaited adds of every PE`,
    `${kind}: ops queued behind this PE's write guard are covered by waitAll() once it is released`,
    `${kind}: shutdown-style waitAll covers guard releases: a write guard released without await frees the lock`,
  );
}
conformance('lock-ops.ts', cases, { configs: FAILURE_CONFIGS });
