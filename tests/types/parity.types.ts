/**
 * Compile-only type tests for the Lamellar-parity APIs: bool and 128-bit element types and the
 * ops each has, one-sided reductions where Lamellar has them (and only through read guards on
 * lock arrays), the batch forms, get into a buffer or region, local chunks, subRegion, WeakDarc
 * and TypedAmGroup results. Never executed.
 */
import {
  AmGroup,
  AtomicArray,
  Darc,
  defineAm,
  GlobalLockArray,
  LocalDataGuard,
  LocalLockArray,
  ReadOnlyArray,
  returnAm,
  TypedAmGroup,
  TypedAmGroupResult,
  UnsafeArray,
  WeakDarc,
  type AmDef,
  type AmGroupResults,
  type ArrayReadGuard,
  type BatchSource,
  type LocalChunks,
  type OneSidedMemoryRegion,
  type ReadonlyLocalView,
  type ReturnsAm,
  type SharedMemoryRegion,
  type ReadonlyTypedArray,
  type TypedAmGroupEntry,
  type World,
} from 'lamellar';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertEqual = <A, B>(_eq: Equal<A, B>): void => {};

export async function parityTypeTests(world: World): Promise<void> {
  const b = await AtomicArray.create(world, { type: 'bool', length: 8, distribution: 'block' });
  const bv = await b.load(0);
  assertEqual<typeof bv, boolean>(true);
  const bx = await b.fetchBitXor(0, true);
  assertEqual<typeof bx, boolean>(true);
  const bs = await b.get(0, 8);
  assertEqual<typeof bs, Uint8Array>(true);
  // @ts-expect-error bool has no arithmetic
  await b.add(0, true);
  // @ts-expect-error bool has no shifts
  await b.shl(0, true);
  // @ts-expect-error a bool array takes booleans
  await b.store(0, 1);
  // @ts-expect-error bool has no arithmetic in its local data either
  b.localData().fetchAdd(0, true);

  const w = await UnsafeArray.create(world, { type: 'i128', length: 8, distribution: 'cyclic' });
  const wv = await w.fetchShl(0, 3n);
  assertEqual<typeof wv, bigint>(true);
  const ws = await w.batchFetchAdd([0, 1], 1n);
  assertEqual<typeof ws, bigint[]>(true);
  const words = w.unsafeLocalData();
  assertEqual<typeof words, BigUint64Array>(true);
  // @ts-expect-error 128-bit arrays take bigints
  await w.add(0, 1);

  const a = await AtomicArray.create(world, { type: 'u32', length: 8, distribution: 'block' });
  await a.batchAdd(7, [1, 2, 3]);
  await a.batchAdd(a.localData(), 1);
  const s = await a.sum();
  assertEqual<typeof s, number | undefined>(true);
  const buf = new Uint32Array(4);
  const got = await a.get(0, buf);
  assertEqual<typeof got, typeof buf>(true);
  const region = world.allocOneSidedMemRegion('u32', 4);
  const into = await a.get(0, region);
  assertEqual<typeof into, OneSidedMemoryRegion<'u32'>>(true);
  await a.put(0, region.subRegion(0, 2));
  // @ts-expect-error a u32 array copies to regions of u32 only
  await a.get(0, world.allocOneSidedMemRegion('f64', 4));
  // A region's get fills a region too (Lamellar's get into a local region), resolving to it.
  const shared = await world.allocSharedMemRegion('u32', 8);
  const filled = await shared.get(0, 2, region);
  assertEqual<typeof filled, OneSidedMemoryRegion<'u32'>>(true);
  const back = await region.get(0, shared.subRegion(0, 4));
  assertEqual<typeof back, SharedMemoryRegion<'u32'>>(true);
  const plain = await shared.get(0, 0, 3);
  assertEqual<typeof plain, Uint32Array>(true);
  // @ts-expect-error a region of u32 gets into regions of u32 only
  await shared.get(0, 0, world.allocOneSidedMemRegion('f64', 4));

  const l = await LocalLockArray.create(world, { type: 'f64', length: 8, distribution: 'block' });
  // @ts-expect-error lock arrays reduce through read guards only (as in Lamellar)
  await l.sum();
  const g: ArrayReadGuard<'f64'> = await l.readLock();
  const gs = await g.sum();
  assertEqual<typeof gs, number | undefined>(true);
  const chunks = await l.readLocalChunks(4);
  assertEqual<typeof chunks.value, LocalChunks<ReadonlyTypedArray<Float64Array>>>(true);
  // @ts-expect-error read-only chunks have no fill
  chunks.value.at(0).fill(1);
  // @ts-expect-error a chunked guard is not a batch input (its value is not one view)
  await a.batchAdd(0, chunks);
  // @ts-expect-error a read guard's data is read-only
  g.localData()[0] = 1;
  // @ts-expect-error a read guard's data has no set
  g.value.set([1]);
  // @ts-expect-error not a guard, AtomicLocalData, region or list: not a batch input
  await a.batchAdd({ values: [1] }, 1);
  const ll = await LocalLockArray.create(world, { type: 'u32', length: 8, distribution: 'block' });
  const lr = await ll.readLocalData();
  const src: BatchSource<'u32'> = lr;
  await a.batchAdd(src, 1);
  await a.batchAdd(0, await ll.writeLock());
  const ro = await ReadOnlyArray.create(world, { type: 'bool', length: 8, distribution: 'block' });
  const rv = ro.localData();
  assertEqual<typeof rv, ReadonlyLocalView<'bool'>>(true);
  // @ts-expect-error a ReadOnlyArray's local data is read-only
  rv[0] = 1;
  // @ts-expect-error guards come from lock arrays only
  new LocalDataGuard();
  // @ts-expect-error WeakDarcs come from darc.downgrade()
  new WeakDarc();
  // @ts-expect-error TypedAmGroup.exec() makes results
  new TypedAmGroupResult([]);
  const gl = await GlobalLockArray.create(world, { type: 'u64', length: 8, distribution: 'block' });
  const gw = await gl.writeLock();
  assertEqual<ReturnType<typeof gw.localData>, BigUint64Array>(true);
  const uc = (await UnsafeArray.create(world, { type: 'i16', length: 8, distribution: 'block' })).localChunks(2);
  assertEqual<typeof uc, LocalChunks<Int16Array>>(true);

  const d = await Darc.create(world, { n: 1 });
  const up = await d.downgrade().upgrade();
  assertEqual<typeof up, Darc<{ n: number }> | undefined>(true);

  const Sq = defineAm('types/sq', (_ctx, x: { v: number; k: string }) => x.v * x.v);
  const tg = new TypedAmGroup(world, Sq, { static: { k: 'x' } });
  tg.addAmPe(0, { v: 2 });
  // @ts-expect-error static members are not given per entry
  tg.addAmPe(0, { v: 2, k: 'y', extra: 1 });
  const res = await tg.exec();
  const e = res.at(0);
  assertEqual<typeof e, TypedAmGroupEntry<number>>(true);
  if (e.kind === 'all') assertEqual<(typeof e.results)[number]['value'], number>(true);

  // An AM that may return an AM runs in an AmGroup (and through execAmPe), not in a TypedAmGroup:
  // its definition is branded ReturnsAm, which the TypedAmGroup constructor refuses.
  const Back = defineAm('types/back', (_ctx, x: { v: number }) => x.v + 1);
  const Forward = defineAm('types/forward', (_ctx, x: { v: number }) => returnAm(Back, { v: x.v }));
  const Maybe = defineAm('types/maybe', async (_ctx, x: { v: number }) => (x.v > 0 ? returnAm(Back, { v: x.v }) : x.v));
  assertEqual<typeof Forward, AmDef<{ v: number }, number> & ReturnsAm>(true);
  assertEqual<typeof Sq, AmDef<{ v: number; k: string }, number>>(true);
  // @ts-expect-error an AM that returns an AM cannot be a TypedAmGroup's AM (use an AmGroup)
  new TypedAmGroup(world, Forward);
  // @ts-expect-error nor one that returns an AM on some paths
  new TypedAmGroup(world, Maybe);
  const viaGroup = await new AmGroup<number>(world).addAmPe(0, Forward, { v: 1 }).addAmPe(0, Maybe, { v: 0 }).exec();
  assertEqual<typeof viaGroup, AmGroupResults<number>>(true);
  const direct = await world.execAmPe(0, Forward, { v: 1 });
  assertEqual<typeof direct, number>(true);
}
