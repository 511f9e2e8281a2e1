/** The bootstrap every worker-thread PE (local, shmem) runs first; see entry.ts. */
import { workerData } from 'node:worker_threads';
import { runScript, type PeEntry } from './entry.js';

export type { PeEntry } from './entry.js';

const entry = (workerData as { lamellarEntry?: PeEntry } | null)?.lamellarEntry;
if (entry === undefined) throw new Error('pe-main must be started by the lamellar launcher');

await runScript(entry);
