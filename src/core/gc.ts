/**
 * One V8 setting for a PE that receives large buffers: free ArrayBuffer memory at each
 * young-generation GC, on the PE's own thread, instead of in a background task.
 *
 * Why: every typed array an AM receives is a fresh ArrayBuffer, counted by V8 as external memory
 * until its backing store is freed. V8 frees the backing stores of dead buffers in a background
 * sweeping task after each scavenge, and only then lowers the count. With one PE per core every
 * core is busy, the task runs late, and a stream of large buffers pushes the count past V8's
 * external-memory limit (64 MB above its level at the last full GC): V8 then runs incremental
 * marking and a full mark-compact about every 64 MB received. Measured on 2 shmem PEs on 2
 * cores, 1 MiB AMs: 62 mark-compacts in a 3 s run and 3.2–5.0 GB/s (median rep); sweeping on the
 * PE's thread, 4 mark-compacts and 11.2–19.3 GB/s (bench/README.md).
 *
 * Not from the start: a kernel that receives many buffers of tens of KiB (index gather's 40 KB
 * requests and replies) had no such mark-compacts, and sweeping on its own thread made it 10–30%
 * slower. So the switch is made once this PE has received SWITCH_AFTER bytes in buffers of at
 * least LARGE_BUFFER each, in a world of more than one PE. The flag is read at each sweep, so
 * setting it then takes effect at the next GC; it is process-wide (worker-thread PEs share it)
 * and stays set. LAMELLAR_GC_TUNING=0 leaves V8 as it is.
 */
import { setFlagsFromString } from 'node:v8';
import { isMainThread, resourceLimits } from 'node:worker_threads';
import { config, debugOn, processEnv } from './config.js';

/** Received buffers from this size up count towards the switch. */
export const LARGE_BUFFER = 64 << 10;
const SWITCH_AFTER = 64 << 20;

let armed = false;
let largeBytes = 0;
let pe = 0;

/** Called when the world starts: arms the switch for a world of more than one PE. */
export function tuneGc(myPe: number, numPes: number): void {
  const cfg = config();
  pe = myPe;
  armed = numPes > 1 && cfg.gcTuning;
  if (debugOn(cfg, 'gc')) {
    const state = armed ? `on until this PE has received ${SWITCH_AFTER >> 20} MiB in buffers of ${LARGE_BUFFER >> 10} KiB or more` : `left on (${cfg.gcTuning ? 'a world of 1 PE' : 'LAMELLAR_GC_TUNING=0'})`;
    process.stderr.write(`lamellar: PE ${myPe}: V8 concurrent ArrayBuffer sweeping ${state}\n`);
    process.stderr.write(`lamellar: PE ${myPe}: V8 semi-spaces of up to ${semiSpaceReport()}\n`);
  }
}

/**
 * The `--max-semi-space-size` (MiB) that V8 flags in `argv` or in a NODE_OPTIONS string give, the
 * last one winning as in V8; undefined if none does.
 */
export function semiSpaceOfFlags(argv: readonly string[], nodeOptions: string | undefined): number | undefined {
  let mib: number | undefined;
  const args = [...(nodeOptions ?? '').split(/\s+/), ...argv];
  for (let i = 0; i < args.length; i++) {
    // `--max-semi-space-size=64` or `--max-semi-space-size 64`, the value quoted or not (Node
    // takes `="64"` in NODE_OPTIONS); V8 takes - or _ between words.
    const m = /^--max[-_]semi[-_]space[-_]size(?:=(.*))?$/.exec(args[i]!);
    if (m === null) continue;
    const value = (m[1] ?? args[i + 1])?.replace(/^(["'])(.*)\1$/, '$2');
    if (value !== undefined && /^\d+$/.test(value)) mib = Number(value);
  }
  return mib;
}

/** This PE's semi-space limit, and where it comes from, for LAMELLAR_DEBUG=gc. */
function semiSpaceReport(): string {
  // The flag is V8's, for every thread of the process, and wins over a worker's resourceLimits
  // (measured: a worker then grows to the flag's size while its resourceLimits still say 48).
  const mib = semiSpaceOfFlags(process.execArgv, processEnv()['NODE_OPTIONS']);
  if (mib !== undefined) return mib === 0 ? "V8's default (--max-semi-space-size=0)" : `${mib} MiB (--max-semi-space-size)`;
  // A worker's young generation is three semi-spaces (V8's new space and its large-object space).
  if (!isMainThread) return `${resourceLimits.maxYoungGenerationSizeMb! / 3} MiB (this worker thread's resourceLimits)`;
  // V8 sizes it from the host's memory: 16 MiB with 8 GiB or more.
  return "V8's default";
}

/** Counts a received buffer of `bytes` (at least LARGE_BUFFER); makes the switch when due. */
export function noteLargeBuffer(bytes: number): void {
  if (!armed) return;
  largeBytes += bytes;
  if (largeBytes < SWITCH_AFTER) return;
  armed = false;
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  if (debugOn(config(), 'gc')) process.stderr.write(`lamellar: PE ${pe}: V8 concurrent ArrayBuffer sweeping off: freed at each young-generation GC on the PE thread\n`);
}
