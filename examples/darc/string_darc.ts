/**
 * A LocalRwDarc<string>: every PE appends its mark to every PE's string through an AM that
 * takes the write lock of the target's instance; then each PE reads its own under a read lock.
 * Finally the Darc is converted (collectively) into a plain Darc.
 *
 *   npx lamellar run -N 4 examples/darc/string_darc.ts
 */
import { defineAm, initWorld, LocalRwDarc } from 'lamellar';

const Append = defineAm('string_darc/append', async (_ctx, a: { s: LocalRwDarc<string>; mark: string }) => {
  using w = await a.s.write();
  w.value += a.mark;
});

await using world = await initWorld();
const me = world.myPe;
const s = await LocalRwDarc.create(world, `PE ${me}:`);

await Promise.all(Array.from({ length: world.numPes }, (_, pe) => world.execAmPe(pe, Append, { s, mark: ` <${me}>` })));
await world.barrier();
{
  using r = await s.read();
  console.log(r.value);
}
const plain = await s.intoDarc();
console.log(`PE ${me} after intoDarc: ${plain.value.length} characters`);
await plain.drop();
