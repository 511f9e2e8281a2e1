/** The bootstrap every worker-thread PE (local, shmem) runs first; see entry.ts. */
import { parentPort, workerData } from 'node:worker_threads';
import { setPeMonitor } from '../core/index.js';
import { boardMonitor, type PeBoard } from './board.js';
import { attachReport } from './report.js';
import { writeDirectly, type DirectOutput } from './direct-output.js';
import { runScript, type PeEntry } from './entry.js';
import { isStopMessage } from './stop.js';

export type { PeEntry } from './entry.js';

const data = workerData as { lamellarEntry?: PeEntry; lamellarBoard?: PeBoard; lamellarOutput?: DirectOutput } | null;
const entry = data?.lamellarEntry;
if (entry === undefined) throw new Error('pe-main must be started by the lamellar launcher');

const output = data!.lamellarOutput;
if (output !== undefined) {
  writeDirectly(process.stdout, 1, output.prefix);
  writeDirectly(process.stderr, 2, output.prefix);
}

// The launcher reads this PE's state when it ends: shared memory rather than a message, because
// a message posted this late may not arrive before the worker's 'exit' event.
if (data!.lamellarBoard !== undefined) setPeMonitor(boardMonitor(data!.lamellarBoard));

// The launcher stops this PE when another failed (stop.ts). Unref'd: the port never keeps a PE
// alive (a listener alone would).
parentPort?.on('message', (m: unknown) => {
  if (isStopMessage(m)) process.exit(1);
});
parentPort?.unref();

// What this PE fails with is described here, where the errors it holds still have their codes
// (report.ts); a monitor only looks, so Node still ends the PE as it would.
process.on('uncaughtExceptionMonitor', (e) => {
  // With a handler of the script's own, the error may not end the PE: leave its object alone.
  if (process.listenerCount('uncaughtException') === 0) attachReport(e);
});

await runScript(entry);
