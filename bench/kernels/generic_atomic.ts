/**
 * generic_atomic: the batch-op rate of a *generic* AtomicArray (u128: no native 128-bit atomics,
 * so every element op holds that element's lock word, as Lamellar's GenericAtomicArray does),
 * beside a native one (u64: Atomics) in the same run. Each PE issues `updates` random indices
 * into a table of `table` elements per PE (cyclic), for two cases each:
 *
 *   u64_batch_add, u128_batch_add                 `batchAdd(indices, 1)`
 *   u64_batch_fetch_add, u128_batch_fetch_add     `batchFetchAdd(indices, 1)` (old values back)
 *   u128_unsafe_batch_add                          the same adds on an UnsafeArray<'u128'>, from
 *                                                  PE 0 only (unsafe adds race between PEs): the
 *                                                  128-bit arithmetic without the locks
 *
 * and the same again on a large table (`large-table` per PE, suffix `_large_table`). Note that
 * the native batchAdd counts duplicate indices first when the table is small beside the batch
 * (one atomic per distinct element), which the generic path does not: the fetch forms compare
 * one op per update on both. `ratio_to_baseline` is each u128 case against its u64 case.
 * Every rep is verified: the one-sided sum is P × updates (plus what the fetch forms added).
 *
 *   npx lamellar run -N 2 --backend shmem bench/kernels/generic_atomic.ts [--quick|--full] [--updates N] [--table N] ...
 */
import { AtomicArray, initWorld, UnsafeArray } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';
import { kernelIndices } from './common.js';

const SALT = 5;

const { mode, sizes } = parseSizes({
  quick: { updates: 300_000, table: 1000, 'large-table': 1_000_000, reps: 3 },
  full: { updates: 1_000_000, table: 1000, 'large-table': 1_000_000, reps: 5 },
});

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const P = world.numPes;
const me = world.myPe;

type Arr = AtomicArray<'u64'> | AtomicArray<'u128'> | UnsafeArray<'u128'>;

/** Times `op` over `reps` reps on a zeroed array; checks the one-sided sum (`total`) after each. */
async function measure(make: () => Promise<Arr>, total: number, op: (a: Arr, idx: Uint32Array) => Promise<unknown>, idx: Uint32Array): Promise<number[]> {
  const secs: number[] = [];
  for (let rep = 0; rep < sizes.reps; rep++) {
    const a = await make();
    await world.barrier();
    const t0 = performance.now();
    await op(a, idx);
    await world.barrier();
    secs.push((performance.now() - t0) / 1000);
    if (me === 0) {
      const sum = await (a as AtomicArray<'u64'>).sum();
      verify(sum === BigInt(total), `sum ${String(sum)} after ${total} adds of 1`);
    }
    await world.barrier();
    await a.drop();
  }
  return secs;
}

async function tableCase(tablePerPe: number, suffix: string): Promise<void> {
  const idx = kernelIndices(SALT, me, P, sizes.updates, tablePerPe);
  const opts = { length: tablePerPe * P, distribution: 'cyclic' } as const;
  const cases: [string, () => Promise<Arr>, (a: Arr, i: Uint32Array) => Promise<unknown>][] = [
    ['u64_batch_add', () => AtomicArray.create(world, { type: 'u64', ...opts }), (a, i) => (a as AtomicArray<'u64'>).batchAdd(i, 1n)],
    ['u128_batch_add', () => AtomicArray.create(world, { type: 'u128', ...opts }), (a, i) => (a as AtomicArray<'u128'>).batchAdd(i, 1n)],
    ['u128_unsafe_batch_add', () => UnsafeArray.create(world, { type: 'u128', ...opts }), (a, i) => (a as UnsafeArray<'u128'>).batchAdd(i, 1n)],
    ['u64_batch_fetch_add', () => AtomicArray.create(world, { type: 'u64', ...opts }), (a, i) => (a as AtomicArray<'u64'>).batchFetchAdd(i, 1n)],
    ['u128_batch_fetch_add', () => AtomicArray.create(world, { type: 'u128', ...opts }), (a, i) => (a as AtomicArray<'u128'>).batchFetchAdd(i, 1n)],
  ];
  const rates = new Map<string, number>();
  for (const [variant, make, op] of cases) {
    const v = `${variant}${suffix}`;
    report.begin('generic_atomic', v);
    // The unsafe adds race between PEs by design: only one PE issues them, so the check holds.
    const unsafe = variant.includes('unsafe');
    const mine = unsafe && me !== 0 ? new Uint32Array(0) : idx;
    const ops = unsafe ? sizes.updates : P * sizes.updates;
    const secs = await measure(make, ops, op, mine);
    const native = rates.get(variant.replace('u128', 'u64'));
    const rate = report.emit({
      name: 'generic_atomic',
      variant: v,
      updatesPerPe: sizes.updates,
      tableSizePerPe: tablePerPe,
      secs,
      ops,
      bytes: variant.startsWith('u128') ? 16 : 8,
      verified: true,
      threads: unsafe ? 1 : P,
      ...(native === undefined || variant.startsWith('u64') || unsafe ? {} : { baseline: { variant: `${variant.replace('u128', 'u64')}${suffix}`, opsPerSec: native } }),
    });
    rates.set(variant, rate);
    await world.barrier();
  }
}

await tableCase(sizes.table, '');
await tableCase(sizes['large-table'], '_large_table');
await world.shutdown();
