/**
 * A mix of AM kinds to random destinations, after Lamellar's am_batch_tests example: empty AMs,
 * AMs that return an AM, AMs carrying small or large payloads, AMs returning small or large
 * vectors, and AMs whose returned AM carries a vector back; each to one random PE or to all.
 * Small ones travel in aggregated frames, large ones go straight out; every result is checked.
 *
 *   npx lamellar run -N 4 examples/active_messages/am_batch_tests.ts
 */
import { defineAm, initWorld, returnAm, type AmDef } from 'lamellar';

const AmEmpty = defineAm('am_batch/empty', () => undefined);
const AmEmptyReturnAmEmpty = defineAm('am_batch/empty-return-am', () => returnAm(AmEmpty));
const AmNoReturn = defineAm('am_batch/no-return', (_ctx, a: { myPe: number; index: number; data: Uint32Array }) => {
  void a;
});
const AmReturnVec = defineAm('am_batch/return-vec', (_ctx, a: { myPe: number; vecSize: number; data: Uint32Array }) => new Uint32Array(a.vecSize));
const ReturnVecAm = defineAm('am_batch/return-vec-am', (_ctx, a: { val1: number; vec: Uint32Array }) => a.vec);
const InitialAmVec = defineAm('am_batch/initial', (ctx, a: { val1: number }) => returnAm(ReturnVecAm, { val1: a.val1, vec: new Uint32Array(a.val1).fill(ctx.currentPe + 1) }));

await using world = await initWorld();
const me = world.myPe;
const P = world.numPes;
let seed = 0x1234567 ^ (me * 0x9e3779b9);
const rand = (n: number): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
const KINDS = ['empty', 'return-am', 'small data', 'large data', 'small return', 'large return', 'return-am with vec'];
const counts = new Array<number>(KINDS.length).fill(0);
let bad = 0;
const pending: Promise<void>[] = [];
await world.barrier();
for (let i = 0; i < 1000; i++) {
  const pe = rand(P + 1); // P means all PEs
  const kind = rand(KINDS.length);
  const small = 1 + rand(64);
  const large = 20_000 + rand(10_000); // 80-120 KB: past the aggregation threshold
  counts[kind]!++;
  const check = (ok: boolean): void => {
    if (!ok) bad++;
  };
  const launch = <A, R>(am: AmDef<A, R>, args: A, verify: (r: R) => boolean): void => {
    const def = am as unknown as AmDef<unknown, R>;
    if (pe === P) pending.push(Promise.resolve(world.execAmAll(def, args)).then((r) => check(r.every(verify))));
    else pending.push(Promise.resolve(world.execAmPe(pe, def, args)).then((r) => check(verify(r))));
  };
  switch (kind) {
    case 0:
      launch(AmEmpty, undefined, (r) => r === undefined);
      break;
    case 1:
      launch(AmEmptyReturnAmEmpty, undefined, (r) => r === undefined);
      break;
    case 2:
      launch(AmNoReturn, { myPe: me, index: i, data: new Uint32Array(small) }, (r) => r === undefined);
      break;
    case 3:
      launch(AmNoReturn, { myPe: me, index: i, data: new Uint32Array(large) }, (r) => r === undefined);
      break;
    case 4:
      launch(AmReturnVec, { myPe: me, vecSize: small, data: new Uint32Array(1) }, (r: Uint32Array) => r.length === small);
      break;
    case 5:
      launch(AmReturnVec, { myPe: me, vecSize: large, data: new Uint32Array(1) }, (r: Uint32Array) => r.length === large);
      break;
    default:
      launch(InitialAmVec, { val1: small }, (r: Uint32Array) => r.length === small && r[0]! >= 1 && r[0]! <= P);
  }
}
await Promise.all(pending);
await world.waitAll();
await world.barrier();
console.log(`PE ${me}: ${counts.reduce((a, b) => a + b, 0)} AMs (${KINDS.map((k, i) => `${k} ${counts[i]}`).join(', ')}), ${bad} bad results`);
await world.barrier();
