/**
 * Batch adds in all three forms, after Lamellar's array_batch_add example: many indices with
 * one value (`batchAdd(indices, 1)`), one index with many values (`batchAdd(0, values)`), and
 * one value per index (`batchAdd(indices, values)`); then the same updates as buffered AMs that
 * each apply a block of indices to the owner's local data. After each form, waitAll and barrier
 * (world's, then the array's own), and a one-sided sum on PE 0.
 *
 *   npx lamellar run -N 4 examples/arrays/array_batch_add.ts
 */
import { AtomicArray, defineAm, initWorld } from 'lamellar';

const AddAm = defineAm('array_batch_add/add', (_ctx, a: { array: AtomicArray<'u32'>; offsets: Uint32Array }) => {
  const data = a.array.localData();
  for (const o of a.offsets) data.fetchAdd(o, 1);
});

await using world = await initWorld();
const me = world.myPe;
const P = world.numPes;
const len = 10_000;
const updates = 100_000;
await using array = await AtomicArray.create(world, { type: 'u32', length: len, distribution: 'cyclic' });

/** PE `pe`'s random indices (xorshift, seeded by PE), so any PE can recompute any PE's. */
function indicesOf(pe: number): Uint32Array {
  const out = new Uint32Array(updates);
  let seed = 0x2545f491 ^ (pe * 0x9e3779b9);
  for (let i = 0; i < updates; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    out[i] = (seed >>> 0) % len;
  }
  return out;
}
const indices = indicesOf(me);
const report = async (form: string, expected: number): Promise<void> => {
  if (me === 0) console.log(`${form}: sum ${await array.sum()} (expected ${expected})`);
  await world.barrier();
};

// 1. many indices, one value
void array.batchAdd(indices, 1);
await world.waitAll();
await world.barrier();
await report('many indices, one value', updates * P);

// 2. one index, many values: every value is added to element 0
void array.batchAdd(0, new Uint32Array(1000).fill(2));
await array.waitAll();
await array.barrier();
await report('one index, many values', updates * P + 2000 * P);

// 3. one value per index
void array.batchAdd(indices, Uint32Array.from(indices, (i) => i % 3));
await array.waitAll();
await array.barrier();
let thirds = 0;
for (let pe = 0; pe < P; pe++) for (const i of indicesOf(pe)) thirds += i % 3;
await report('one value per index', updates * P + 2000 * P + thirds);

// 4. the same as (1) with buffered AMs: each owner applies a block of local offsets.
const bufs: number[][] = Array.from({ length: P }, () => []);
const flush = (pe: number): void => {
  void world.execAmPe(pe, AddAm, { array, offsets: Uint32Array.from(bufs[pe]!) });
  bufs[pe] = [];
};
for (const i of indices) {
  const pe = i % P;
  bufs[pe]!.push(Math.floor(i / P));
  if (bufs[pe]!.length === 10_000) flush(pe);
}
for (let pe = 0; pe < P; pe++) if (bufs[pe]!.length > 0) flush(pe);
await world.waitAll();
await world.barrier();
await report('buffered AMs', 2 * updates * P + 2000 * P + thirds);
