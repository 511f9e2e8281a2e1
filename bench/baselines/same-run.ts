/**
 * The same-run baselines every histo and index-gather kernel reports before its own variants,
 * on PE 0: the hand-written `postmessage` program and the one-thread `local_loop` over the same
 * index stream. Returns their ops per second (0 on other PEs), for the kernels' ratios.
 */
import type { Reporter } from '../lib/harness.js';
import { localGather, localHisto } from './local.js';
import { runPostMessage } from './postmessage.js';

export interface BaselineParams {
  /** The `name` of the lines, e.g. 'histo' or 'histo_array'. */
  name: string;
  kind: 'histo' | 'index_gather';
  numPes: number;
  updates: number;
  tablePerPe: number;
  /** postMessage buffer size in items. */
  buffer: number;
  reps: number;
  /** This PE's index stream (PE 0's: the local loop replays it on the whole table). */
  indices: Uint32Array;
  /** Appended to the variant names, to tell several sizes apart in one script. */
  suffix?: string;
}

export async function sameRunBaselines(report: Reporter, myPe: number, b: BaselineParams): Promise<{ pm: number; local: number }> {
  if (myPe !== 0) return { pm: 0, local: 0 };
  const suffix = b.suffix ?? '';
  const P = b.numPes;
  report.begin(b.name, `postmessage${suffix}`);
  const pmSecs = await runPostMessage({ kind: b.kind, numPes: P, updates: b.updates, tablePerPe: b.tablePerPe, buffer: b.buffer }, b.reps);
  const pm = report.emit({
    name: b.name, variant: `postmessage${suffix}`, updatesPerPe: b.updates, tableSizePerPe: b.tablePerPe, secs: pmSecs, ops: P * b.updates, bytes: 4, verified: true,
    extra: { buffer: b.buffer },
  });
  report.begin(b.name, `local_loop${suffix}`);
  const local1 = b.kind === 'histo' ? localHisto : localGather;
  const localSecs = Array.from({ length: b.reps }, () => local1(b.indices, b.tablePerPe * P));
  const local = report.emit({
    name: b.name, variant: `local_loop${suffix}`, threads: 1, updatesPerPe: b.updates, tableSizePerPe: b.tablePerPe * P, secs: localSecs, ops: b.updates, bytes: 4, verified: true,
  });
  return { pm, local };
}
