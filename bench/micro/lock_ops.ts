/**
 * lock_ops: K concurrent element ops per PE on a lock array (issue #11: lock arrays must scale
 * linearly). Every PE launches K `add`s at once on random elements of a small array (4 per PE,
 * so nearly every op waits for a lock), awaits them all, and the time from the first launch to
 * the last PE's last result (between barriers, measured on PE 0) is the case's time. Run for
 * K = 1,000, 2,000, 4,000 and 8,000 (quick; up to 32,000 in full); `median_ratio_to_k1000` is
 * the median time against the K = 1,000 median of the same run: linear scaling puts it near
 * K / 1,000.
 *
 * The same for Darc locks: K `write()`s at once per PE on a LocalRwDarc (this PE's lock) and a
 * GlobalRwDarc (one lock on PE 0), each adding 1 to this PE's instance under its guard.
 *
 * Each case runs one untimed warm-up rep, then `reps` timed ones; the best is reported, the median
 * beside it (at most 3 reps over tcp). Verified by the array's sum after each rep: K × PEs × (rep + 1),
 * and for a Darc by this PE's instance: K × (rep + 1).
 *
 *   npx lamellar run -N 2 --backend shmem bench/micro/lock_ops.ts [--quick|--full] [--k-max N] [--reps N]
 */
import { GlobalLockArray, GlobalRwDarc, initWorld, LocalLockArray, LocalRwDarc } from 'lamellar';
import { parseSizes, ratio, Reporter, verify } from '../lib/harness.js';
import { fillUniform, peSeed } from '../lib/rng.js';

const { mode, sizes } = parseSizes({ quick: { 'k-max': 8_000, reps: 15 }, full: { 'k-max': 32_000, reps: 31 } });

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const P = world.numPes;
// Over tcp every op is a message round trip (a GlobalLockArray op three, one after another):
// K = 8,000 takes seconds there, so fewer reps.
const reps = world.backend === 'tcp' ? Math.min(sizes.reps, 3) : sizes.reps;
const ks: number[] = [];
for (let k = 1000; k <= sizes['k-max']; k *= 2) ks.push(k);
if (ks.length > 0 && ks[ks.length - 1] !== sizes['k-max'] && sizes['k-max'] > 1000) ks.push(sizes['k-max']);

/** One lock under test at one K: launch K ops at once, and check the result after rep `rep`. */
interface Case {
  readonly tableSizePerPe: number;
  readonly bytes: number;
  launch(k: number): Promise<unknown>[];
  check(k: number, rep: number): Promise<void>;
  drop(): Promise<void>;
}

/** Runs `reps` timed reps (after one warm-up) of every K on the locks `make` builds, and emits them. */
async function runKind(kind: string, make: () => Promise<Case>): Promise<void> {
  let base = 0;
  for (const k of ks) {
    const c = await make();
    report.begin('lock_ops', `${kind}/K=${k}`);
    const secs: number[] = [];
    // Rep 0 warms up (compiles the paths) and is not counted.
    for (let rep = 0; rep <= reps; rep++) {
      await world.barrier();
      const t0 = performance.now();
      await Promise.all(c.launch(k));
      await world.barrier();
      if (rep > 0) secs.push((performance.now() - t0) / 1000);
      await c.check(k, rep);
    }
    // Cases last milliseconds, so one descheduled PE moves a rep a lot: the ratio uses medians.
    const median = [...secs].sort((x, y) => x - y)[secs.length >> 1]!;
    if (k === 1000) base = median;
    report.emit({
      name: 'lock_ops',
      variant: `${kind}/K=${k}`,
      updatesPerPe: k,
      tableSizePerPe: c.tableSizePerPe,
      secs,
      ops: k * P,
      bytes: c.bytes,
      verified: true,
      extra: { k, median_ratio_to_k1000: ratio(median, base) },
    });
    await world.barrier();
    await c.drop();
  }
}

for (const kind of ['LocalLockArray', 'GlobalLockArray'] as const) {
  await runKind(kind, async () => {
    const opts = { type: 'u32', length: 4 * P, distribution: 'cyclic' } as const;
    const a = kind === 'LocalLockArray' ? await LocalLockArray.create(world, opts) : await GlobalLockArray.create(world, opts);
    let idx: Uint32Array = new Uint32Array(0);
    return {
      tableSizePerPe: 4,
      bytes: 4,
      launch: (k) => {
        if (idx.length !== k) idx = fillUniform(new Uint32Array(k), a.length, peSeed(11, world.myPe));
        const ops: Promise<void>[] = new Array(k);
        for (let i = 0; i < k; i++) ops[i] = a.add(idx[i]!, 1);
        return ops;
      },
      check: async (k, rep) => {
        const sum = await a.distIter().sum();
        verify(sum === k * P * (rep + 1), `${kind} K=${k}: sum ${sum}, expected ${k * P * (rep + 1)}`);
      },
      drop: () => a.drop(),
    };
  });
}

for (const kind of ['LocalRwDarc', 'GlobalRwDarc'] as const) {
  await runKind(kind, async () => {
    const d = kind === 'LocalRwDarc' ? await LocalRwDarc.create(world, 0) : await GlobalRwDarc.create(world, 0);
    return {
      tableSizePerPe: 1,
      bytes: 8,
      launch: (k) => {
        const ops: Promise<void>[] = new Array(k);
        for (let i = 0; i < k; i++) {
          ops[i] = d.write().then((w) => {
            w.value += 1;
            w[Symbol.dispose]();
          });
        }
        return ops;
      },
      check: async (k, rep) => {
        const r = await d.read();
        const v = r.value;
        r[Symbol.dispose]();
        verify(v === k * (rep + 1), `${kind} K=${k}: PE ${world.myPe} instance ${v}, expected ${k * (rep + 1)}`);
      },
      drop: () => d.drop(),
    };
  });
}
await world.shutdown();
