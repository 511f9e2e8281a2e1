/**
 * Compile-only type tests for read-only local data: ReadOnlyArray.localData() and the read
 * guards of LocalLockArray and GlobalLockArray give a typed array without set, fill,
 * copyWithin, sort or reverse, whose elements cannot be assigned, and whose subarray is
 * read-only too; reading, iterating and copying work. Never executed.
 */
import { GlobalLockArray, LocalLockArray, ReadOnlyArray, type ReadonlyTypedArrayOf, type World } from 'lamellar';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertEqual = <A, B>(_eq: Equal<A, B>): void => {};

export async function readonlyTypeTests(world: World): Promise<void> {
  const ro = await ReadOnlyArray.create(world, { type: 'f64', length: 8, distribution: 'block' });
  const data = ro.localData();
  assertEqual<typeof data, ReadonlyTypedArrayOf<'f64'>>(true);
  const first: number | undefined = data[0];
  const sum = data.reduce((s, x) => s + x, 0);
  for (const x of data) void x;
  const copy: Float64Array = data.slice();
  copy[0] = 1;
  copy.set([2]);
  const n: number = data.length + data.byteOffset + data.indexOf(1);
  const inner = data.subarray(1, 3);
  assertEqual<typeof inner, ReadonlyTypedArrayOf<'f64'>>(true);
  const likeArray: ArrayLike<number> = data;
  void [first, sum, n, likeArray];

  // @ts-expect-error elements cannot be assigned
  data[0] = 1;
  // @ts-expect-error no set
  data.set([1]);
  // @ts-expect-error no fill
  data.fill(0);
  // @ts-expect-error no copyWithin
  data.copyWithin(0, 1);
  // @ts-expect-error no sort
  data.sort();
  // @ts-expect-error no reverse
  data.reverse();
  // @ts-expect-error a subarray is read-only too
  inner[0] = 2;
  // @ts-expect-error not where a writable Float64Array is expected
  const writable: Float64Array = data;
  void writable;

  const big = await ReadOnlyArray.create(world, { type: 'i64', length: 8, distribution: 'cyclic' });
  const b: bigint | undefined = big.localData()[0];
  void b;
  // @ts-expect-error i64 elements are bigint
  const asNumber: number | undefined = big.localData()[0];
  void asNumber;

  const ll = await LocalLockArray.create(world, { type: 'u32', length: 8, distribution: 'block' });
  {
    using r = await ll.readLocalData();
    assertEqual<typeof r.value, ReadonlyTypedArrayOf<'u32'>>(true);
    // @ts-expect-error a read guard's value is read-only
    r.value[0] = 1;
    // @ts-expect-error no fill through a read guard
    r.value.fill(1);
  }
  {
    using w = await ll.writeLocalData();
    w.value[0] = 1;
    w.value.fill(2);
  }
  const gl = await GlobalLockArray.create(world, { type: 'i16', length: 8, distribution: 'block' });
  {
    using r = await gl.readLocalData();
    // @ts-expect-error a global read guard's value is read-only
    r.value.set([1]);
    const v: number | undefined = r.value[0];
    void v;
  }
}
