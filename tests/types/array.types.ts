/**
 * Compile-only type tests for arrays: ReadOnlyArray has no mutators, bit ops and shifts are
 * refused on float arrays (and their AtomicLocalData), compareExchangeEpsilon on integer ones,
 * values must match the element type (bigint for 64-bit), and results carry the element type.
 * Never executed.
 */
import { AtomicArray, GlobalLockArray, LocalLockArray, ReadOnlyArray, UnsafeArray, type AtomicLocalData, type CompareExchangeResult, type LocalDataGuard, type World } from 'lamellar';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertEqual = <A, B>(_eq: Equal<A, B>): void => {};

export async function arrayTypeTests(world: World): Promise<void> {
  const a = await AtomicArray.create(world, { type: 'u32', length: 10, distribution: 'block' });
  assertEqual<typeof a, AtomicArray<'u32'>>(true);
  const old = await a.fetchAdd(0, 1);
  assertEqual<typeof old, number>(true);
  const olds = await a.batchFetchBitOr([1, 2], 4);
  assertEqual<typeof olds, Uint32Array>(true);
  const cx = await a.compareExchange(0, 1, 2);
  assertEqual<typeof cx, CompareExchangeResult<number>>(true);
  const bcx = await a.batchCompareExchange([0, 1], 1, new Uint32Array([5, 6]));
  assertEqual<typeof bcx.values, Uint32Array>(true);
  const local = a.localData();
  assertEqual<typeof local, AtomicLocalData<'u32'>>(true);
  const bits: number = local.fetchBitOr(0, 1) + local.fetchShr(1, 2);
  void bits;
  // @ts-expect-error compareExchangeEpsilon exists only on float local data
  local.compareExchangeEpsilon(0, 1, 2, 0.1);

  const fa = await AtomicArray.create(world, { type: 'f64', length: 10, distribution: 'cyclic' });
  const fl = fa.localData();
  const fcx = fl.compareExchangeEpsilon(0, 1.5, 2.5, 1e-3);
  assertEqual<typeof fcx, { ok: boolean; value: number }>(true);
  // @ts-expect-error no bit ops on a float array's local data
  fl.fetchBitAnd(0, 1);
  // @ts-expect-error no bit ops on a float array's local data
  fl.fetchBitXor(0, 1);
  // @ts-expect-error no shifts on a float array's local data
  fl.fetchShl(0, 1);
  // @ts-expect-error no shifts on a float array's local data
  fl.fetchShr(0, 1);
  // @ts-expect-error compareExchangeEpsilon exists only on float arrays
  await a.compareExchangeEpsilon(0, 1, 2, 0.1);
  // @ts-expect-error a u32 array takes numbers, not bigints
  await a.add(0, 1n);

  const big = await UnsafeArray.create(world, { type: 'u64', length: 10, distribution: 'cyclic' });
  const b = await big.fetchAdd(0, 1n);
  assertEqual<typeof b, bigint>(true);
  // @ts-expect-error a u64 array takes bigints
  await big.add(0, 1);
  const data = big.unsafeLocalData();
  assertEqual<typeof data, BigUint64Array>(true);

  const f = await LocalLockArray.create(world, { type: 'f32', length: 10, distribution: 'block' });
  await f.compareExchangeEpsilon(0, 1.5, 2.5, 1e-3);
  // @ts-expect-error no bit ops on floats
  await f.bitAnd(0, 1);
  // @ts-expect-error no shifts on floats
  await f.batchShl([0], 1);
  // @ts-expect-error no fetch bit ops on floats either
  await f.fetchBitXor(0, 1);
  const g: LocalDataGuard<Float32Array> = await f.writeLocalData();
  g.release();
  // @ts-expect-error lock arrays give local data only through guards
  f.localData();

  const gl = await GlobalLockArray.create(world, { type: 'i8', length: 4, distribution: 'cyclic' });
  const cw = await gl.collectiveWriteLocalData();
  assertEqual<typeof cw.value, Int8Array>(true);

  const ro: ReadOnlyArray<'f64'> = await f.intoReadOnly().then(() => ReadOnlyArray.create(world, { type: 'f64', length: 4, distribution: 'block' }));
  const v = await ro.load(0);
  assertEqual<typeof v, number>(true);
  const s = await ro.sum();
  assertEqual<typeof s, number | undefined>(true);
  // @ts-expect-error ReadOnlyArray has no mutators
  await ro.store(0, 1);
  // @ts-expect-error ReadOnlyArray has no mutators
  await ro.batchAdd([0], 1);
  // @ts-expect-error ReadOnlyArray has no put
  await ro.put(0, new Float64Array(1));
  // @ts-expect-error UnsafeArray's local access is named unsafeLocalData
  big.localData();
}
