/**
 * Runs a user script as one PE: make `.ts` importable (tsx), load the script as an ES module
 * whatever its package says (esm-hooks.ts), give the script the argv it expects, run it, and
 * shut the world down if the script returned without doing so (Lamellar's implicit barrier at
 * the end of main). Shared by worker-thread PEs (pe-main.ts), process PEs started by
 * the tcp launcher (pe-process.ts) and `lamellar exec`.
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { runExitHooks, worldShutDown } from '../core/index.js';
import { isModuleByPackage } from './script.js';

export interface PeEntry {
  script: string;
  args: string[];
}

export async function runScript(entry: PeEntry): Promise<void> {
  const url = pathToFileURL(entry.script).href;
  if (/\.(c|m)?tsx?$/.test(entry.script)) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  // After tsx, so that these hooks run first: the entry is an ES module in any project. Only
  // where Node would not load it as one anyway: hooks cost a thread per PE to start.
  if (!isModuleByPackage(entry.script)) register('./esm-hooks.js', import.meta.url, { data: { entryUrl: url } });
  process.argv = [process.argv[0]!, entry.script, ...entry.args];
  await import(url);
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
