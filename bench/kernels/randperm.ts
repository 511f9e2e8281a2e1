/**
 * randperm: a random permutation of 0 .. N-1 (N = `items` × P) by dart throwing, after
 * lamellar-benchmarks' randperm and bale's randperm: a target table of 2N slots (cyclic layout,
 * a shared memory region), every PE throws its items at uniform random slots, an occupied slot
 * rejects the dart, and rejected darts are thrown again until all have landed. Reading the
 * occupied slots in order gives the permutation.
 *
 *   buffered_am  darts for each PE collect in a buffer of `buffer` (slot, item) pairs, sent as one
 *                AM that places what it can and returns the rejected items
 *
 * `no_transport`, on every PE at once, is buffered_am's own work with each buffer placed in
 * place (the handler's loop, then the same rejected darts thrown again) into a private table of
 * 2 × `items` slots, which this PE's darts fill half-way as all PEs' darts fill the real one:
 * the ceiling any transport could reach with this program on this machine. buffered_am's line
 * carries ratio_to_no_transport.
 *
 * Baseline, same run, on PE 0: `local_loop`, one thread throwing all N darts into a local 2N
 * table. Every variant and baseline runs `reps` times; the best rep is reported, the median
 * beside it. Verified: PE 0 collects every PE's occupied slots and checks that they hold each of
 * 0 .. N-1 exactly once.
 *
 *   npx lamellar run -N 2 --backend shmem bench/kernels/randperm.ts [--quick|--full] [--items N] [--buffer N]
 */
import { defineAm, initWorld, type SharedMemoryRegion } from 'lamellar';
import { localRandperm } from '../baselines/local.js';
import { parseSizes, ratio, Reporter } from '../lib/harness.js';
import { fillUniform, peSeed } from '../lib/rng.js';
import { profiled } from '../lib/phase-profile.js';
import { checkPermutation, EMPTY, occupied, RANDPERM_SALT } from './common.js';

/** This PE's part of the target table (a view on the shared region). */
let table: Uint32Array = new Uint32Array(0);

/** Places [slot, item] pairs into `t`; returns the items whose slot was taken. */
function place(t: Uint32Array, pairs: Uint32Array): Uint32Array {
  const rejected = new Uint32Array(pairs.length >> 1);
  let r = 0;
  for (let k = 0; k < pairs.length; k += 2) {
    const slot = pairs[k]!;
    if (t[slot] === EMPTY) t[slot] = pairs[k + 1]!;
    else rejected[r++] = pairs[k + 1]!;
  }
  return rejected.subarray(0, r);
}

const Throw = defineAm('bench/randperm/throw', (_ctx, pairs: Uint32Array) => place(table, pairs));
const Occupied = defineAm('bench/randperm/occupied', () => occupied(table));

const { mode, sizes } = parseSizes({
  quick: { items: 500_000, buffer: 10_000, reps: 3 },
  full: { items: 1_000_000, buffer: 10_000, reps: 5 },
});

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const P = world.numPes;
const me = world.myPe;
const n = sizes.items;
const region: SharedMemoryRegion<'u32'> = await world.allocSharedMemRegion('u32', 2 * n);
table = region.unsafeLocalData();

/** Sends one buffer of [slot, item] pairs to PE `d`; gives back the rejected items. */
type Send = (d: number, pairs: Uint32Array) => PromiseLike<Uint32Array> | Uint32Array;

// The launch encodes the pairs at once, so the buffer is refilled straight away.
const sendAm: Send = (d, pairs) => world.execAmPe(d, Throw, pairs);

/** `no_transport`'s table: this PE's darts alone, at the real table's fill. */
const mine = new Uint32Array(2 * n);
const placeInPlace: Send = (_d, pairs) => place(mine, pairs);

/** Throws this PE's items (me·n .. me·n + n-1) through `send` until every one has landed. */
async function throwAll(rep: number, send1: Send): Promise<void> {
  const B = sizes.buffer;
  const slots = 2 * n * P;
  let darts = new Uint32Array(n);
  for (let i = 0; i < n; i++) darts[i] = me * n + i;
  const aims = new Uint32Array(n);
  const pairs = new Uint32Array(P * 2 * B);
  const fill = new Int32Array(P);
  for (let round = 0; darts.length > 0; round++) {
    fillUniform(aims.subarray(0, darts.length), slots, peSeed(RANDPERM_SALT + 1000 * rep + round, me));
    const replies: (PromiseLike<Uint32Array> | Uint32Array)[] = [];
    const send = (d: number, count: number): void => {
      replies.push(send1(d, pairs.subarray(2 * d * B, 2 * d * B + 2 * count)));
      fill[d] = 0;
    };
    for (let i = 0; i < darts.length; i++) {
      const s = aims[i]!;
      const d = s % P;
      const k = fill[d]!;
      const at = 2 * (d * B + k);
      pairs[at] = (s / P) | 0;
      pairs[at + 1] = darts[i]!;
      if (k + 1 === B) send(d, B);
      else fill[d] = k + 1;
    }
    for (let d = 0; d < P; d++) if (fill[d]! > 0) send(d, fill[d]!);
    const rejected = await Promise.all(replies);
    const next = new Uint32Array(rejected.reduce((s, r) => s + r.length, 0));
    let at = 0;
    for (const r of rejected) {
      next.set(r, at);
      at += r.length;
    }
    darts = next;
  }
}

let baseline = 0;
if (me === 0) {
  report.begin('randperm', 'local_loop');
  const localSecs = Array.from({ length: sizes.reps }, (_, rep) => localRandperm(n * P, RANDPERM_SALT + rep));
  baseline = report.emit({ name: 'randperm', variant: 'local_loop', threads: 1, updatesPerPe: n * P, tableSizePerPe: 2 * n * P, secs: localSecs, ops: n * P, bytes: 8, verified: true });
}

/**
 * Times `reps` reps of throwing every PE's darts through `send1` into `into` (this PE's table),
 * each verified by `check` after the clock stops; returns the seconds.
 */
async function timed(send1: Send, into: Uint32Array, check: () => Promise<void>): Promise<number[]> {
  const secs: number[] = [];
  for (let rep = 0; rep < sizes.reps; rep++) {
    into.fill(EMPTY);
    await world.barrier();
    const t0 = performance.now();
    await throwAll(rep, send1);
    await world.waitAll();
    await world.barrier();
    secs.push((performance.now() - t0) / 1000);
    await check();
    await world.barrier();
  }
  return secs;
}

report.begin('randperm', 'no_transport');
// This PE's items, each once: shifted down to 0 .. n-1 for the check.
const noneSecs = await timed(placeInPlace, mine, async () => checkPermutation([occupied(mine).map((v) => v - me * n)], n));
const none = report.emit({ name: 'randperm', variant: 'no_transport', updatesPerPe: n, tableSizePerPe: 2 * n, secs: noneSecs, ops: n * P, bytes: 8, verified: true, extra: { buffer: sizes.buffer } });

report.begin('randperm', 'buffered_am');
const secs = await profiled('randperm.buffered_am', me, () =>
  timed(sendAm, table, async () => {
    if (me === 0) checkPermutation(await world.execAmAll(Occupied), n * P);
  }),
);
report.emit({
  name: 'randperm', variant: 'buffered_am', updatesPerPe: n, tableSizePerPe: 2 * n, secs, ops: n * P, bytes: 8, verified: true,
  baseline: { variant: 'local_loop', opsPerSec: baseline },
  extra: { buffer: sizes.buffer, ratio_to_no_transport: ratio((n * P) / Math.min(...secs), none) },
});
await world.shutdown();
