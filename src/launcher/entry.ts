/**
 * Runs a user script as one PE: make `.ts` importable (tsx), give the script the argv it expects,
 * run it, and shut the world down if the script returned without doing so (Lamellar's implicit
 * barrier at the end of main). Shared by worker-thread PEs (pe-main.ts), process PEs started by
 * the tcp launcher (pe-process.ts) and `lamellar exec`.
 *
 * If the script throws, the PE is marked failed before the error goes on to whoever reports it,
 * so a shutdown that `await using` disposal started on the way out is abandoned rather than run
 * against the other PEs' collectives (see core/lifecycle.ts).
 */
import { pathToFileURL } from 'node:url';
import { markScriptFailed, runExitHooks } from '../core/index.js';

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
  try {
    await import(pathToFileURL(entry.script).href);
  } catch (err) {
    markScriptFailed(err);
    throw err;
  }
  await runExitHooks();
}
