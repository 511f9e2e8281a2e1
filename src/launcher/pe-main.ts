/** The bootstrap every worker-thread PE (local, shmem) runs first; see entry.ts. */
import { workerData } from 'node:worker_threads';
import { peFinished, runScript, type PeEntry } from './entry.js';

export type { PeEntry } from './entry.js';

const data = workerData as { lamellarEntry?: PeEntry; lamellarFinished?: { flags: Int32Array; pe: number } } | null;
const entry = data?.lamellarEntry;
if (entry === undefined) throw new Error('pe-main must be started by the lamellar launcher');

// `process.exit()` in a worker ends only this thread, with code 0 if the script asked for 0. The
// launcher cannot tell that from a PE that finished, so this PE records at its end whether it
// had; shared memory, because a message posted this late may not arrive before the 'exit' event.
const finished = data!.lamellarFinished;
if (finished !== undefined) process.on('exit', () => Atomics.store(finished.flags, finished.pe, peFinished() ? 1 : 0));

await runScript(entry);
