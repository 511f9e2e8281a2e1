/**
 * Runs a user script as one PE: make `.ts` importable (tsx), load the script as an ES module
 * whatever its package says (esm-hooks.ts), give the script the argv it expects, run it, and
 * shut the world down if the script returned without doing so (Lamellar's implicit barrier at
 * the end of main). Shared by worker-thread PEs (pe-main.ts), process PEs started by
 * the tcp launcher (pe-process.ts) and `lamellar exec`.
 *
 * If the script throws, the PE is marked failed before the error goes on to whoever reports it,
 * so a shutdown that `await using` disposal started on the way out is abandoned rather than run
 * against the other PEs' collectives (see core/lifecycle.ts).
 */
import { register } from 'node:module';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { markScriptFailed, noteHostResources, packageUrl, runExitHooks } from '../core/index.js';
import { isModuleByPackage } from './script.js';
import { locateSyntaxError } from './syntax.js';

export interface PeEntry {
  script: string;
  args: string[];
}

/**
 * Names a PE's process for `ps` and `top` ("lamellar PE 1 of 4: app.ts"), where it showed only
 * node and its arguments, the same for every PE. Only for processes that are one PE (tcp, ofi,
 * exec): a worker-thread PE would rename the whole job's process.
 */
export function namePeProcess(pe: number, numPes: number, script: string): void {
  process.title = `lamellar PE ${pe} of ${numPes}: ${basename(script)}`;
}

/**
 * Frames an error keeps in a PE, where Node keeps 10. An error the runtime throws from a
 * collective's argument check had spent all 10 inside the runtime, and the report showed no line
 * of the user's; failure reports fold runtime frames into one line (report.ts), so the extra
 * frames cost no reading. A limit set otherwise (`--stack-trace-limit`, not 10) is kept.
 */
const PE_STACK_TRACE_LIMIT = 30;

export async function runScript(entry: PeEntry): Promise<void> {
  if (Error.stackTraceLimit === 10) Error.stackTraceLimit = PE_STACK_TRACE_LIMIT;
  const url = pathToFileURL(entry.script).href;
  const ts = /\.(c|m)?tsx?$/.test(entry.script);
  const hooked = ts || !isModuleByPackage(entry.script);
  // The package's main module before any hooks: once they are registered, each module the script
  // loads goes to the hooks thread and back, through tsx, and tsx turns on source maps, which
  // parses the map of every module loaded after it (the runtime's are 0.4 MB). Loaded here, the
  // script's `import 'lamellar'` finds it in the module map: 0.08 s of CPU less per TypeScript PE.
  // (A script that imports another copy of the package loads that one as before.)
  if (hooked) await import(packageUrl('dist/index.js').href);
  if (ts) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  // After tsx, so that these hooks run first: the entry is an ES module in any project, and tsx's
  // output loses its per-call name wrappers. Not for JavaScript that Node loads as a module
  // anyway: hooks cost a thread per PE to start (with tsx, that thread is there already).
  if (hooked) register(packageUrl('dist/launcher/esm-hooks.js'), { data: { entryUrl: url } });
  process.argv = [process.argv[0]!, entry.script, ...entry.args];
  noteHostResources();
  try {
    await import(url);
  } catch (err) {
    // A syntax error that kept no file and line (syntax.ts) gets them before it is reported.
    locateSyntaxError(err, entry.script);
    markScriptFailed(err);
    throw err;
  }
  await runExitHooks();
}
