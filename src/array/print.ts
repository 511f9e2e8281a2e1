/**
 * `print()`: collective over the array's team. Team PE 0 collects every PE's part of the
 * handle's window (reading mapped parts in place, asking the others with one runtime AM each)
 * and prints one line per PE in team PE order, `[pe 0 data] [1, 2, 3]` as Lamellar does. One
 * PE prints everything, so the lines come out in order however the launcher merges outputs.
 */
import { defineAm } from '../am/index.js';
import { pin, unpin } from '../memregion/internal.js';
import { captureSite, reserveNamedBarriers } from '../team/index.js';
import { kArray, type ArrayInternals } from './meta.js';
import type { ArrayRef } from './ops/remote.js';

/** On the owner: its part of the handle's window, as API values. */
const PartAm = defineAm('lamellar/array/part', (_ctx, a: { a: ArrayRef }): unknown[] => {
  const ai = a.a[kArray];
  return partOf(ai, ai.meta.team.myPe);
});

function partOf(ai: ArrayInternals, pe: number): unknown[] {
  const m = ai.meta;
  const [s, e] = m.layout.localRange(pe, ai.offset, ai.offset + ai.length);
  const read = m.reader(pe);
  const out = new Array<unknown>(e - s);
  for (let k = s; k < e; k++) out[k - s] = read(k);
  return out;
}

const show = (x: unknown): string => String(x);

export async function printArray(h: ArrayRef, ai: ArrayInternals, what: string): Promise<void> {
  const team = ai.meta.team;
  const site = captureSite();
  pin(ai.state);
  try {
    // Both meetings take their numbers here, at the call, in the program's order of collectives
    // (an async function runs synchronously up to its first await).
    const [open, close] = reserveNamedBarriers(team, what, site);
    await open();
    try {
      if (team.myPe === 0) {
        const parts = await Promise.all(
          Array.from({ length: team.numPes }, (_, pe) => (ai.meta.views[pe] !== null ? partOf(ai, pe) : team.execAmPe(pe, PartAm, { a: h }))),
        );
        const lines = parts.map((p, pe) => `[pe ${pe} data] [${(p as unknown[]).map(show).join(', ')}]`);
        console.log(lines.join('\n'));
      }
    } finally {
      // Also when team PE 0's reads failed: the others wait in this meeting.
      await close();
    }
  } finally {
    unpin(ai.state);
  }
}
