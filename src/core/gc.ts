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
import { config, debugOn } from './config.js';

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
  }
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
