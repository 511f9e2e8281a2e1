/**
 * The bootstrap every launched PE runs first: make `.ts` importable (tsx), give the script the
 * argv it expects, run it, and shut the world down if the script returned without doing so
 * (Lamellar's implicit barrier at the end of main).
 */
import { pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';
import { runExitHooks } from '../core/index.js';

export interface PeEntry {
  script: string;
  args: string[];
}

const entry = (workerData as { lamellarEntry?: PeEntry } | null)?.lamellarEntry;
if (entry === undefined) throw new Error('pe-main must be started by the lamellar launcher');

if (/\.(c|m)?tsx?$/.test(entry.script)) {
  const { register } = await import('tsx/esm/api');
  register();
}
process.argv = [process.argv[0]!, entry.script, ...entry.args];
await import(pathToFileURL(entry.script).href);
await runExitHooks();
