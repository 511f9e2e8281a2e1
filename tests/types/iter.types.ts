/**
 * Compile-only type tests for array iterators: item types follow the array (values to read,
 * AtomicElement or ElemRef handles to write), ReadOnlyArray has no mutable iterators, indexed
 * adapters exist only before map/filter, sum needs numeric items, collect types its array,
 * distributed iterators have no zip or chunks (as Lamellar), bool/i128/u128 items and element
 * handles follow the type's ops, and guards have the iterators their lock allows. Never executed.
 */
import {
  AtomicArray,
  GlobalLockArray,
  LocalLockArray,
  ReadOnlyArray,
  Schedule,
  UnsafeArray,
  type AtomicElement,
  type ElemRef,
  type IndexedDistIter,
  type IndexedLocalIter,
  type ReadonlyTypedArrayOf,
  type World,
} from 'lamellar';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertEqual = <A, B>(_eq: Equal<A, B>): void => {};

export async function iterTypeTests(world: World): Promise<void> {
  const a = await AtomicArray.create(world, { type: 'u32', length: 10, distribution: 'block' });
  assertEqual<ReturnType<typeof a.distIter>, IndexedDistIter<number, 'u32'>>(true);
  assertEqual<ReturnType<typeof a.distIterMut>, IndexedDistIter<AtomicElement<'u32'>, 'u32'>>(true);
  await a.distIterMut().enumerate().forEach(([i, x]) => x.store(i));
  await a.localIterMut().forEach((x) => x.fetchBitOr(4));
  const n: number = await a.distIter().filter((x) => x > 10).count();
  const s: number = await a.distIter().sum();
  const r: number | undefined = await a.distIter().reduce((p, q) => p + q);
  void [n, s, r];

  const u = await UnsafeArray.create(world, { type: 'u64', length: 10, distribution: 'cyclic' });
  assertEqual<ReturnType<typeof u.localIterMut>, IndexedLocalIter<ElemRef<'u64'>, 'u64'>>(true);
  const big = await u.localIter().sum();
  assertEqual<typeof big, bigint>(true);
  // @ts-expect-error a u64 element takes bigints
  await u.distIterMut().forEach((x) => x.store(1));
  await u.distIterMut().forEach((x) => {
    x.value += 1n;
  });

  const f = await AtomicArray.create(world, { type: 'f64', length: 10, distribution: 'block' });
  await f.localIterMut().forEach((x) => x.compareExchangeEpsilon(1, 2, 0.1));
  // @ts-expect-error no bit ops on a float array's elements
  await f.localIterMut().forEach((x) => x.fetchBitAnd(1));
  // @ts-expect-error compareExchangeEpsilon only on float arrays' elements
  await a.localIterMut().forEach((x) => x.compareExchangeEpsilon(1, 2, 0.1));

  const ro = await ReadOnlyArray.create(world, { type: 'i32', length: 10, distribution: 'block' });
  // @ts-expect-error a ReadOnlyArray has no mutable iterators
  ro.distIterMut();
  // @ts-expect-error a ReadOnlyArray has no mutable iterators
  ro.localIterMut();
  const total: number = await ro.localIter().sum();
  void total;

  // Adapters: map/filter end the indexed part; enumerate pairs; chunks and zip are local/one-sided.
  const mapped = a.distIter().map((x) => `${x}`);
  // @ts-expect-error no skip after map (Lamellar's Map is not indexed)
  mapped.skip(1);
  // @ts-expect-error sum needs number or bigint items
  await mapped.sum();
  const pairs = await a.localIter().enumerate().skip(1).collect();
  assertEqual<typeof pairs, [number, number][]>(true);
  // chunks of element values are the element type's typed array (so join, subarray, reduce, …);
  // of anything else an array.
  const chunks = await a.localIter().chunks(4).collect();
  assertEqual<typeof chunks, ReadonlyTypedArrayOf<'u32'>[]>(true);
  // A local chunk is the array's memory: read-only, as Rust's local_iter lends &T (also under a
  // ReadOnlyArray or a read lock, where writing it would bypass the lock).
  // @ts-expect-error a local chunk is a read-only view
  chunks[0]![0] = 1;
  // @ts-expect-error a local chunk is a read-only view
  chunks[0]!.fill(7);
  const roChunks = await ro.localIter().chunks(2).collect();
  // @ts-expect-error a ReadOnlyArray's chunk is read-only
  roChunks[0]![0] = 99;
  await a.batchAdd(chunks[0]!, 1);
  const joined: string[] = await a.localIter().chunks(4).map((c) => c.join(', ')).collect();
  void joined;
  const fc = await (await UnsafeArray.create(world, { type: 'f32', length: 8, distribution: 'block' })).localIter().skip(1).stepBy(2).chunks(2).collect();
  assertEqual<typeof fc, ReadonlyTypedArrayOf<'f32'>[]>(true);
  const bigChunks = await u.localIter().chunks(3).collect();
  assertEqual<typeof bigChunks, ReadonlyTypedArrayOf<'u64'>[]>(true);
  const pairChunks = await a.localIter().enumerate().chunks(2).collect();
  assertEqual<typeof pairChunks, [number, number][][]>(true);
  const handleChunks = await a.localIterMut().chunks(2).collect();
  assertEqual<typeof handleChunks, AtomicElement<'u32'>[][]>(true);
  const nested = await a.localIter().chunks(2).chunks(2).collect();
  assertEqual<typeof nested, ReadonlyTypedArrayOf<'u32'>[][]>(true);
  const zipped = await a.localIter().zip(ro.localIter()).collect();
  assertEqual<typeof zipped, [number, number][]>(true);
  // @ts-expect-error distributed iterators have no zip (as in Lamellar 0.7.1)
  a.distIter().zip(a.distIter());
  // @ts-expect-error distributed iterators have no chunks
  a.distIter().chunks(2);
  const mono = await a.localIter().filter((x) => x > 1).monotonic().collect();
  assertEqual<typeof mono, [number, number][]>(true);
  const fm = a.localIter().filterMap((x) => (x > 3 ? String(x) : undefined));
  const fmItems = await fm.collect();
  assertEqual<typeof fmItems, string[]>(true);

  // collect makes the array type asked for, with this array's element type or the one given.
  const c1 = await a.distIter().collect(ReadOnlyArray, 'block');
  assertEqual<typeof c1, ReadOnlyArray<'u32'>>(true);
  const c2 = await a.distIter().map((x) => x / 2).collect(LocalLockArray, 'cyclic', 'f64');
  assertEqual<typeof c2, LocalLockArray<'f64'>>(true);
  const c3 = await a.distIter().map(async (x) => BigInt(x)).collectAsync(GlobalLockArray, 'block', 'i64');
  assertEqual<typeof c3, GlobalLockArray<'i64'>>(true);
  // @ts-expect-error collect of strings into an array
  await a.distIter().map((x) => `${x}`).collect(UnsafeArray, 'block');
  const local = await a.localIter().map((x) => ({ x })).collect();
  assertEqual<typeof local, { x: number }[]>(true);

  // One-sided: an async iterable, with local consumers.
  for await (const x of a.onesidedIter()) assertEqual<typeof x, number>(true);
  for await (const c of a.bufferedOnesidedIter(8).chunks(4)) assertEqual<typeof c, Uint32Array>(true);
  // The ported example: a one-sided chunk has the typed array's methods.
  for await (const c of a.onesidedIter().chunks(10)) console.log(c.join(', '));
  for await (const c of u.onesidedIter().skip(1).chunks(10)) assertEqual<typeof c, BigUint64Array>(true);
  const os = await a.onesidedIter().zip(u.onesidedIter()).collect();
  assertEqual<typeof os, [number, bigint][]>(true);

  // bool, i128, u128: values are booleans and bigints; the element handles have the type's ops.
  const b = await AtomicArray.create(world, { type: 'bool', length: 10, distribution: 'block' });
  assertEqual<ReturnType<typeof b.distIter>, IndexedDistIter<boolean, 'bool'>>(true);
  // @ts-expect-error the values of a bool array have no sum (as Lamellar's bool has no Sum)
  await b.distIter().sum();
  const ones: number = await b.distIter().map((x) => (x ? 1 : 0)).sum();
  const trues: number = await b.localIter().filter((x) => x).count();
  void [ones, trues];
  await b.localIterMut().forEach((x) => x.fetchBitOr(true));
  await b.localIterMut().forEach((x) => x.compareExchange(false, true));
  // @ts-expect-error no arithmetic on bool elements
  await b.localIterMut().forEach((x) => x.fetchAdd(true));
  // @ts-expect-error no shifts on bool elements
  await b.localIterMut().forEach((x) => x.shl(true));
  const bc = await b.distIter().collect(ReadOnlyArray, 'cyclic');
  assertEqual<typeof bc, ReadOnlyArray<'bool'>>(true);
  const boolChunks = await b.localIter().chunks(4).collect();
  assertEqual<typeof boolChunks, boolean[][]>(true);
  for await (const c of b.onesidedIter().chunks(4)) assertEqual<typeof c, boolean[]>(true);
  const w = await AtomicArray.create(world, { type: 'i128', length: 10, distribution: 'cyclic' });
  const wideSum = await w.distIter().sum();
  assertEqual<typeof wideSum, bigint>(true);
  await w.distIterMut().enumerate().forEach(([i, x]) => x.fetchAdd(BigInt(i) << 64n));
  await w.localIterMut().forEach((x) => x.shl(3n));
  // @ts-expect-error an i128 element takes bigints
  await w.localIterMut().forEach((x) => x.store(1));
  // @ts-expect-error compareExchangeEpsilon only on float arrays' elements
  await w.localIterMut().forEach((x) => x.compareExchangeEpsilon(1n, 2n, 0.5));
  const wideChunks = await w.localIter().chunks(4).collect();
  assertEqual<typeof wideChunks, bigint[][]>(true);
  for await (const c of w.onesidedIter().chunks(4)) assertEqual<typeof c, bigint[]>(true);
  const uw = await UnsafeArray.create(world, { type: 'u128', length: 10, distribution: 'block' });
  assertEqual<ReturnType<typeof uw.localIterMut>, IndexedLocalIter<ElemRef<'u128'>, 'u128'>>(true);
  await uw.localIterMut().forEach((x) => {
    x.value += 1n;
  });
  const toU128 = await w.distIter().map((x) => BigInt.asUintN(128, x)).collect(UnsafeArray, 'block', 'u128');
  assertEqual<typeof toU128, UnsafeArray<'u128'>>(true);
  // @ts-expect-error collect of bigints into a bool array
  await w.distIter().collect(UnsafeArray, 'block', 'bool');

  // Iterators on lock-array guards: read iterators on a read guard, local ones on a write guard.
  const l = await LocalLockArray.create(world, { type: 'u32', length: 10, distribution: 'block' });
  {
    using r = await l.readLock();
    assertEqual<ReturnType<typeof r.distIter>, IndexedDistIter<number, 'u32'>>(true);
    const total: number = await r.distIter().sum();
    void total;
    // @ts-expect-error no one-sided iterator on a guard (it would take the held lock again)
    r.onesidedIter();
    // @ts-expect-error a read guard has no mutable iterators
    r.localIterMut();
  }
  {
    using wg = await l.writeLock();
    assertEqual<ReturnType<typeof wg.localIterMut>, IndexedLocalIter<ElemRef<'u32'>, 'u32'>>(true);
    await wg.localIterMut().enumerate().forEach(([i, x]) => x.store(i));
    // @ts-expect-error a write guard has no distributed iterators (one PE holds a GlobalLockArray's)
    wg.distIter();
  }

  // Schedules.
  await a.distIter().forEachWithSchedule(Schedule.chunk(16), () => {});
  await a.localIter().sumWithSchedule('guided');
  // @ts-expect-error not a schedule
  await a.localIter().countWithSchedule('fastest');
}

// A read-only local chunk is a region put source: put only reads it.
export async function chunkIntoRegion(world: World, a: AtomicArray<'u32'>): Promise<void> {
  const r = await world.allocSharedMemRegion('u32', 64);
  await a.localIter().chunks(8).enumerate().forEachAsync(async ([i, c]) => {
    await r.put(0, i * 8, c);
    await r.putAll(0, c);
  });
  const o = world.allocOneSidedMemRegion('u32', 8);
  for (const c of await a.localIter().chunks(8).collect()) await o.put(0, c);
}
