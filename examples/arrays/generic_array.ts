/**
 * Arrays generic over the element type, after Lamellar's generic_array example: one wrapper
 * class builds an AtomicArray of any element type, here f32, u64, bool and u128. bool arrays
 * use native byte atomics; u128 has no native atomics, so its AtomicArray is a "generic" atomic
 * array with a lock per element, as in Lamellar. The iterators work on every type (booleans and
 * bigints as items; element handles atomic under the element's lock on u128).
 *
 *   npx lamellar run -N 4 examples/arrays/generic_array.ts
 */
import { AtomicArray, initWorld, type ArrayElemType, type World } from 'lamellar';

class ArrayWrapper<T extends ArrayElemType> {
  private constructor(readonly array: AtomicArray<T>) {}

  static async create<T extends ArrayElemType>(world: World, type: T, len: number): Promise<ArrayWrapper<T>> {
    return new ArrayWrapper(await AtomicArray.create(world, { type, length: len, distribution: 'block' }));
  }
}

await using world = await initWorld();
const me = world.myPe;
const P = world.numPes;
const f32 = await ArrayWrapper.create(world, 'f32', 10 * P);
const u64 = await ArrayWrapper.create(world, 'u64', 10 * P);
const bool = await ArrayWrapper.create(world, 'bool', 10 * P);
const u128 = await ArrayWrapper.create(world, 'u128', 10 * P);

await f32.array.batchAdd([0, 1, 2], 0.5);
await u64.array.batchAdd([0, 1, 2], 1n << 40n);
await bool.array.bitOr(me, true);
await u128.array.batchAdd(0, [1n << 100n, 1n]);
await world.barrier();
if (me === 0) {
  console.log(`f32: sum ${await f32.array.sum()} (expected ${1.5 * P})`);
  console.log(`u64: sum ${await u64.array.sum()} (expected ${3n * BigInt(P) << 40n})`);
  console.log(`bool: ${(await bool.array.get(0, P)).join('')} (expected ${'1'.repeat(P)})`);
  console.log(`u128: element 0 = ${await u128.array.load(0)} (expected ${BigInt(P) * ((1n << 100n) + 1n)})`);
}
await world.barrier();
// The iterators work on every element type: booleans and bigints as values.
const set = await bool.array.distIter().filter((x) => x).count();
const total = await u128.array.distIter().sum();
await u128.array.distIterMut().forEach((x) => x.fetchShr(100n));
const shifted = await u128.array.distIter().map((x) => Number(x)).sum();
if (me === 0) console.log(`iterators: ${set} bool elements set, u128 sum ${total}, ${shifted} after >> 100 (expected ${P}, ${BigInt(P) * ((1n << 100n) + 1n)}, ${P})`);
await world.barrier();
await Promise.all([f32.array.drop(), u64.array.drop(), bool.array.drop(), u128.array.drop()]);
