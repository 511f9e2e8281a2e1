/**
 * Runs a user script as one PE: make `.ts` importable (tsx), give the script the argv it expects,
 * run it, and shut the world down if the script returned without doing so (Lamellar's implicit
 * barrier at the end of main). Shared by worker-thread PEs (pe-main.ts), process PEs started by
 * the tcp launcher (pe-process.ts) and `lamellar exec`.
 */
import { pathToFileURL } from 'node:url';
import { runExitHooks, worldShutDown } from '../core/index.js';

export interface PeEntry {
  script: string;
  args: string[];
}

export async function runScript(entry: PeEntry): Promise<void> {
  if (/\.(c|m)?tsx?$/.test(entry.script)) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  process.argv = [process.argv[0]!, entry.script, ...entry.args];
  await import(pathToFileURL(entry.script).href);
  await runExitHooks();
  scriptDone = true;
}

let scriptDone = false;

/**
 * Whether this PE may end without leaving the others waiting for it: its script returned (and
 * the implicit shutdown ran), or its world completed its collective shutdown.
 */
export function peFinished(): boolean {
  return scriptDone || worldShutDown();
}
