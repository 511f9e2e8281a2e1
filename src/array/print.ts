/**
 * `print()`: collective over the array's team. Team PE 0 collects every PE's part of the
 * handle's window (reading mapped parts in place, asking the others with one runtime AM each)
 * and prints one line per PE in team PE order, `[pe 0 data] [1, 2, 3]` as Lamellar does. One
 * PE prints everything, so the lines come out in order however the launcher merges outputs.
 */
import { defineAm } from '../am/index.js';
import { pin, unpin } from '../memregion/internal.js';
import { captureSite, followOnCollective, namedBarrier } from '../team/index.js';
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
    await namedBarrier(team, what, site);
    if (team.myPe === 0) {
      const parts = await Promise.all(
        Array.from({ length: team.numPes }, (_, pe) => (ai.meta.views[pe] !== null ? partOf(ai, pe) : team.execAmPe(pe, PartAm, { a: h }))),
      );
      const lines = parts.map((p, pe) => `[pe ${pe} data] [${(p as unknown[]).map(show).join(', ')}]`);
      console.log(lines.join('\n'));
    }
    // A step of the print the program called (perhaps without awaiting it, before shutdown()).
    await followOnCollective(() => namedBarrier(team, what, site));
  } finally {
    unpin(ai.state);
  }
}
