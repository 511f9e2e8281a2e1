/**
 * `LAMELLAR_DEBUG=malloc`: each PE says which glibc malloc settings its process started with.
 * `lamellar run` passes its settings in GLIBC_TUNABLES (launcher/malloc.ts), which glibc reads
 * once at process start, so the variable as this process sees it is what is in effect; a PE
 * started some other way (mpirun, `node script.ts`) shows what its starter gave it.
 */
import { config, debugOn, processEnv } from './config.js';

/** The `glibc.malloc.*` entries of a GLIBC_TUNABLES value. */
export function mallocTunables(value: string | undefined): string[] {
  return (value ?? '').split(':').filter((t) => t.startsWith('glibc.malloc.'));
}

/** Called when the world starts. */
export function reportMalloc(myPe: number): void {
  if (!debugOn(config(), 'malloc')) return;
  const set = mallocTunables(processEnv()['GLIBC_TUNABLES']);
  const what = set.length > 0 ? set.join(':') : "none (glibc's defaults)";
  process.stderr.write(`lamellar: PE ${myPe}: glibc malloc settings: ${what}\n`);
}
