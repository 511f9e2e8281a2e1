/**
 * A distributed hash map: one LocalRwDarc<Map> per PE, keys hashed to their owning PE, and
 * insert/get as AMs that run on the owner under its local lock (Lamellar's dist_hashmap.rs).
 *
 *   npx lamellar run -N 4 examples/darc/dist_hashmap.ts
 */
import { defineAm, initWorld, LocalRwDarc, type World } from 'lamellar';

type Shard = Map<string, number>;

const Insert = defineAm('dist_hashmap/insert', async (_ctx, a: { shard: LocalRwDarc<Shard>; key: string; value: number }) => {
  using w = await a.shard.write();
  const old = w.value.get(a.key);
  w.value.set(a.key, a.value);
  return old;
});

const Get = defineAm('dist_hashmap/get', async (_ctx, a: { shard: LocalRwDarc<Shard>; key: string }) => {
  using r = await a.shard.read();
  return r.value.get(a.key);
});

const Size = defineAm('dist_hashmap/size', async (_ctx, a: { shard: LocalRwDarc<Shard> }) => {
  using r = await a.shard.read();
  return r.value.size;
});

class DistHashMap {
  private constructor(
    private readonly world: World,
    private readonly shard: LocalRwDarc<Shard>,
  ) {}

  /** Collective: one shard per PE. */
  static async create(world: World): Promise<DistHashMap> {
    return new DistHashMap(world, await LocalRwDarc.create(world, new Map<string, number>()));
  }

  /** The PE that owns `key` (FNV-1a of the key). */
  owner(key: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return (h >>> 0) % this.world.numPes;
  }

  insert(key: string, value: number): PromiseLike<number | undefined> {
    return this.world.execAmPe(this.owner(key), Insert, { shard: this.shard, key, value });
  }

  get(key: string): PromiseLike<number | undefined> {
    return this.world.execAmPe(this.owner(key), Get, { shard: this.shard, key });
  }

  sizes(): PromiseLike<number[]> {
    return this.world.execAmAll(Size, { shard: this.shard });
  }

  drop(): Promise<void> {
    return this.shard.drop();
  }
}

await using world = await initWorld();
const me = world.myPe;
const map = await DistHashMap.create(world);

// Every PE inserts its own keys; PE p's key i maps to p * 1000 + i.
const N = 25;
await Promise.all(Array.from({ length: N }, (_, i) => map.insert(`pe${me}-key${i}`, me * 1000 + i)));
await world.barrier();

// Every PE reads some keys inserted by the next PE.
const other = (me + 1) % world.numPes;
const values = await Promise.all([0, 1, 2].map((i) => map.get(`pe${other}-key${i}`)));
console.log(`PE ${me} read pe${other}-key0..2 = ${values.join(', ')} (owners ${[0, 1, 2].map((i) => map.owner(`pe${other}-key${i}`)).join(', ')})`);
console.log(`PE ${me}: missing key -> ${String(await map.get('no-such-key'))}`);
await world.barrier();
if (me === 0) {
  const sizes = await map.sizes();
  console.log(`entries per PE: ${sizes.join(', ')}; total ${sizes.reduce((s, x) => s + x, 0)} (expected ${N * world.numPes})`);
}
await world.barrier();
await map.drop();
