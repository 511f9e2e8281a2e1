/**
 * am_group: many launches of one small AM gathered into a group, as a program that issues one
 * task per item does (Lamellar's `typed_am_group!` and `AmGroup`). Every PE at once builds a
 * group of `entries` entries, round-robin over every PE (itself included), each AM returning
 * twice its argument, and awaits `exec()`; entries/s over all PEs, from a barrier before the adds
 * until a barrier after every PE has its results.
 *
 *   typed         TypedAmGroup: the entries for one PE travel as one message of arguments
 *   typed_static  the same with a static member (one 64-number table, sent once per message)
 *                 that each entry reads
 *   am_group      AmGroup: the same entries as separate AMs, packed by the aggregation buffers
 *                 only; the baseline of the two above (ratio_to_baseline), measured rep by rep
 *                 alternately with them, so all three see the same load
 *
 * Verified on every PE: the number of results, each result's PE and value (in insertion order).
 *
 *   npx lamellar run -N 2 --backend shmem bench/micro/am_group.ts [--quick|--full] [--entries N] [--reps N]
 */
import { AmGroup, defineAm, initWorld, TypedAmGroup } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';

const Twice = defineAm('bench/am-group/twice', (_ctx, a: { i: number }) => a.i * 2);
const Lookup = defineAm('bench/am-group/lookup', (_ctx, a: { t: number[]; i: number }) => a.i * 2 + a.t[a.i & 63]!);

const { mode, sizes } = parseSizes({ quick: { entries: 100_000, reps: 3 }, full: { entries: 500_000, reps: 5 } });

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const P = world.numPes;
const table = Array.from({ length: 64 }, (_, k) => k * 1000);

type Variant = 'typed' | 'typed_static' | 'am_group';

function check(variant: Variant, values: ArrayLike<number>, pes: ArrayLike<number>): void {
  verify(values.length === sizes.entries, `${variant}: ${values.length} results for ${sizes.entries} entries`);
  for (let i = 0; i < sizes.entries; i++) {
    const want = i * 2 + (variant === 'typed_static' ? table[i & 63]! : 0);
    verify(values[i] === want && pes[i] === i % P, `${variant}: entry ${i} gave ${values[i]} from PE ${pes[i]}, expected ${want} from PE ${i % P}`);
  }
}

async function rep(variant: Variant): Promise<number> {
  const n = sizes.entries;
  await world.barrier();
  const t0 = performance.now();
  const values = new Float64Array(n);
  const pes = new Int32Array(n);
  if (variant === 'am_group') {
    const g = new AmGroup<number>(world);
    for (let i = 0; i < n; i++) g.addAmPe(i % P, Twice, { i });
    const res = await g.exec();
    for (let i = 0; i < n; i++) {
      values[i] = res[i] as number;
      pes[i] = i % P;
    }
  } else {
    const g = variant === 'typed' ? new TypedAmGroup(world, Twice) : new TypedAmGroup(world, Lookup, { static: { t: table } });
    for (let i = 0; i < n; i++) g.addAmPe(i % P, { i });
    let i = 0;
    for (const e of await g.exec()) {
      if (e.kind === 'pe') {
        values[i] = e.value;
        pes[i] = e.pe;
      }
      i++;
    }
  }
  await world.barrier();
  const secs = (performance.now() - t0) / 1000;
  check(variant, values, pes);
  return secs;
}

const variants: Variant[] = ['am_group', 'typed', 'typed_static'];
for (const v of variants) await rep(v);
const secs: Record<Variant, number[]> = { am_group: [], typed: [], typed_static: [] };
// The three alternate rep by rep, so all three start here.
for (const v of variants) report.begin('am_group', v);
for (let r = 0; r < sizes.reps; r++) for (const v of variants) secs[v].push(await rep(v));
const common = { name: 'am_group', updatesPerPe: sizes.entries, tableSizePerPe: 0, ops: sizes.entries * P, bytes: 8, verified: true };
const base = report.emit({ ...common, variant: 'am_group', secs: secs.am_group });
for (const v of ['typed', 'typed_static'] as const) report.emit({ ...common, variant: v, secs: secs[v], baseline: { variant: 'am_group', opsPerSec: base } });
await world.shutdown();
