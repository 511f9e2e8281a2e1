/**
 * am_rate: small active messages from PE 0 to the last PE (BENCHMARKS.md).
 *
 *   no_return     AMs carrying an 8-byte payload (a float64) whose exec returns nothing; AMs/s
 *   small_return  the same AM returning 8 bytes; AMs/s
 *   round_trip    one AM at a time, each awaited before the next; us_per_op is the latency
 *   net_ping_pong (tcp only) the same-run baseline of round_trip: 8 bytes echoed between PE 0 and
 *                 the last PE over a plain node:net loopback connection, each awaited before the
 *                 next, rep by rep alternately with round_trip; round_trip's ratio_to_baseline
 *                 is then net µs / AM µs of the best reps (target ≥ 0.67), and
 *                 median_ratio_to_baseline the same of the median reps
 *   closure_no_return, closure_small_return
 *                 the same two as closure AMs, `closure(fn, x)` with `fn` defined once
 *   closure_inline_no_return
 *                 the closure written inline at the launch: a new function object each time, so
 *                 each launch also pays the function's toString (to find its source's id)
 *   fan_out_wait_all, fan_out_task_group
 *                 rounds of 4 small AMs to the last PE, not awaited, then `world.waitAll()` (or a
 *                 TaskGroup's `waitAll()`) before the next round; us_per_op is per round. A wait
 *                 that resolves on a later turn of the event loop sat behind the inbox's poll
 *                 (LAMELLAR_SPIN_US) after every round
 *   all_to_all    every PE at once launches `ops` no-return AMs (8-byte payload), round-robin to
 *                 every other PE, in one synchronous loop (fire and forget), then waitAll(): the
 *                 pattern of a BFS level or an all-to-all exchange. AMs/s executed over all PEs,
 *                 from a barrier before the loops until a barrier after every PE's waitAll()
 *   all_to_all_darc, all_to_all_array
 *                 the same with a runtime handle as the whole argument instead of the number: a
 *                 Darc (the AM increments its value's counter) or an UnsafeArray (the AM
 *                 increments its local element); measured rep by rep alternately with
 *                 all_to_all, their baseline, so ratio_to_baseline is what the handle costs
 *   all_to_all_locked
 *                 the same with a LocalRwDarc, the AM adding 1 to its target's instance under
 *                 `using w = await d.write()`: every AM suspends, and the AMs a frame brings
 *                 finish one after another, a few microtasks apart (Lamellar's dist_hashmap)
 *
 * A closure variant is measured rep by rep alternately with its registered variant, which is
 * its baseline (ratio_to_baseline): on a shared machine both then see the same load.
 *
 * One way means what PE 0 launches, from the first launch until `waitAll()` says every AM ran.
 * Each case runs `reps` times after a warm-up; the best rep is reported, the median beside it.
 * Verified by the target's count of AMs it executed and by the returned values.
 *
 *   npx lamellar run -N 2 --backend shmem bench/micro/am_rate.ts [--quick|--full] [--ops N] [--rtt N] [--chunk N] [--reps N]
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { closure, Darc, defineAm, initWorld, LocalRwDarc, TaskGroup, UnsafeArray } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';
import { pipelined } from '../lib/pipeline.js';

let executed = 0;
const NoReturn = defineAm('bench/am-rate/no-return', (_ctx, _x: number) => {
  executed++;
});
const SmallReturn = defineAm('bench/am-rate/small-return', (_ctx, x: number) => {
  executed++;
  return x * 2;
});
/** Closures cannot reach `executed` (a module binding); they count on the target's globalThis. */
type Counted = { lamellarBenchClosures?: number };
const Executed = defineAm('bench/am-rate/executed', () => executed + ((globalThis as Counted).lamellarBenchClosures ?? 0));

/** What the all-to-all AMs carrying a handle count: a Darc's value, an array's local element. */
const A2aDarcAm = defineAm('bench/am-rate/a2a-darc', (_ctx, d: Darc<{ n: number }>) => {
  d.value.n++;
});
const A2aArrayAm = defineAm('bench/am-rate/a2a-array', (_ctx, a: UnsafeArray<'u32'>) => {
  a.unsafeLocalData()[0]!++;
});
const A2aLockedAm = defineAm('bench/am-rate/a2a-locked', async (_ctx, d: LocalRwDarc<number>) => {
  using w = await d.write();
  w.value++;
});

const { mode, sizes } = parseSizes({
  quick: { ops: 500_000, rtt: 10_000, chunk: 8_192, 'a2a-ops': 500_000, reps: 3 },
  full: { ops: 5_000_000, rtt: 50_000, chunk: 8_192, 'a2a-ops': 2_000_000, reps: 5 },
});

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const target = world.numPes - 1;
const payload = 8;

type Launch = (x: number) => PromiseLike<unknown>;
type Variant = 'no_return' | 'small_return' | 'closure_no_return' | 'closure_small_return' | 'closure_inline_no_return';
const closureNoReturn = (_ctx: unknown, _v: number): void => {
  const g = globalThis as Counted;
  g.lamellarBenchClosures = (g.lamellarBenchClosures ?? 0) + 1;
};
const closureSmallReturn = (_ctx: unknown, v: number): number => {
  const g = globalThis as Counted;
  g.lamellarBenchClosures = (g.lamellarBenchClosures ?? 0) + 1;
  return v * 2;
};
const launchers: Record<Variant, Launch> = {
  no_return: (x) => world.execAmPe(target, NoReturn, x),
  small_return: (x) => world.execAmPe(target, SmallReturn, x),
  closure_no_return: (x) => world.execAmPe(target, closure(closureNoReturn, x)),
  closure_small_return: (x) => world.execAmPe(target, closure(closureSmallReturn, x)),
  closure_inline_no_return: (x) =>
    world.execAmPe(
      target,
      closure((_ctx, _v: number) => {
        const g = globalThis as { lamellarBenchClosures?: number };
        g.lamellarBenchClosures = (g.lamellarBenchClosures ?? 0) + 1;
      }, x),
    ),
};
/** Streams `n` AMs to the target; returns seconds. */
async function stream(launch: Launch, n: number): Promise<number> {
  const t0 = performance.now();
  await pipelined(n, sizes.chunk, (start, end) => {
    let last: PromiseLike<unknown> | undefined;
    for (let i = start; i < end; i++) last = launch(i + 0.5);
    return last!;
  });
  await world.waitAll();
  return (performance.now() - t0) / 1000;
}

/**
 * Measures `variants` rep by rep, interleaved (A B C, A B C, ...), so that a closure variant and
 * its registered baseline (the first) see the same load on a shared machine; each variant's
 * ratio_to_baseline is its best rep against the baseline's best rep.
 */
async function oneWay(variants: readonly Variant[]): Promise<void> {
  await world.barrier();
  if (world.myPe === 0) {
    const before = await world.execAmPe(target, Executed);
    const warm = Math.ceil(sizes.ops / 10);
    for (const v of variants) await stream(launchers[v], warm);
    const secs = variants.map((): number[] => []);
    for (let rep = 0; rep < sizes.reps; rep++) {
      for (let k = 0; k < variants.length; k++) secs[k]!.push(await stream(launchers[variants[k]!], sizes.ops));
    }
    const after = await world.execAmPe(target, Executed);
    const expect = variants.length * (sizes.reps * sizes.ops + warm);
    verify(after - before === expect, `${variants.join(', ')}: the target executed ${after - before} AMs, expected ${expect}`);
    let baseline: { variant: string; opsPerSec: number } | undefined;
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[k]!;
      report.begin('am_rate', variant);
      if (variant.endsWith('small_return')) verify((await launchers[variant](20.25)) === 40.5, `${variant}: wrong returned value`);
      const opsPerSec = report.emit({ name: 'am_rate', variant, updatesPerPe: sizes.ops, tableSizePerPe: 0, secs: secs[k]!, ops: sizes.ops, bytes: payload, verified: true, baseline });
      baseline ??= { variant, opsPerSec };
    }
  }
  await world.barrier();
}

/**
 * tcp only: an echo server on the last PE for PE 0's plain node:net loopback connection (8 bytes
 * echoed, each awaited before the next), the round trip's same-run baseline. Returns PE 0's
 * `ping` (one echo) and a `close`; elsewhere undefined.
 */
async function netEcho(): Promise<{ ping: () => Promise<void>; echoed: () => number; close: () => void } | undefined> {
  if (world.backend !== 'tcp' || world.numPes < 2) return undefined;
  let server: Server | undefined;
  let port = 0;
  if (world.myPe === target) {
    server = createServer((s) => {
      s.setNoDelay(true);
      s.on('data', (d) => s.write(d));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  }
  const at = (await world.allReduce(new Float64Array([port]), 'max'))[0]!;
  if (world.myPe !== 0) {
    // The server stays up until PE 0 has measured (the barrier after the round trips).
    return server === undefined ? undefined : { ping: () => Promise.resolve(), echoed: () => 0, close: () => server.close() };
  }
  const sock = connect(at, '127.0.0.1');
  await once(sock, 'connect');
  sock.setNoDelay(true);
  let got = 0;
  let want = 0;
  let wake: (() => void) | undefined;
  sock.on('data', (d: Buffer) => {
    got += d.length;
    if (got >= want && wake !== undefined) {
      const w = wake;
      wake = undefined;
      w();
    }
  });
  const msg = Buffer.alloc(payload);
  return {
    ping: () =>
      new Promise((resolve) => {
        want = got + payload;
        wake = resolve;
        sock.write(msg);
      }),
    echoed: () => got,
    close: () => sock.destroy(),
  };
}

/**
 * round_trip: one AM at a time, each awaited. On tcp its baseline net_ping_pong is measured rep by
 * rep alternately with it (ping-pong rep, AM rep, ...), so both see the same load; the AM line
 * carries ratio_to_baseline (best reps) and median_ratio_to_baseline (median reps).
 */
async function roundTrips(): Promise<void> {
  const net = await netEcho();
  await world.barrier();
  if (world.myPe === 0) {
    const warm = Math.ceil(sizes.rtt / 10);
    let sum = 0;
    const amRep = async (count: number): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < count; i++) sum += await world.execAmPe(target, SmallReturn, i + 0.5);
      return (performance.now() - t0) / 1000;
    };
    const netRep = async (count: number): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < count; i++) await net!.ping();
      return (performance.now() - t0) / 1000;
    };
    if (net !== undefined) await netRep(warm);
    await amRep(warm);
    const amSecs: number[] = [];
    const netSecs: number[] = [];
    for (let rep = 0; rep < sizes.reps; rep++) {
      if (net !== undefined) netSecs.push(await netRep(sizes.rtt));
      amSecs.push(await amRep(sizes.rtt));
    }
    // Each reply is 2(i + 0.5) = 2i + 1, and the first k odd numbers sum to k².
    verify(sum === warm * warm + sizes.reps * sizes.rtt * sizes.rtt, `round_trip: returned values sum to ${sum}`);
    let baseline: { variant: string; opsPerSec: number } | undefined;
    let extra: Record<string, number> | undefined;
    if (net !== undefined) {
      const echoed = payload * (warm + sizes.reps * sizes.rtt);
      verify(net.echoed() === echoed, `net_ping_pong: ${net.echoed()} bytes echoed, expected ${echoed}`);
      report.begin('am_rate', 'net_ping_pong');
      const opsPerSec = report.emit({ name: 'am_rate', variant: 'net_ping_pong', updatesPerPe: sizes.rtt, tableSizePerPe: 0, secs: netSecs, ops: sizes.rtt, bytes: payload, verified: true });
      baseline = { variant: 'net_ping_pong', opsPerSec };
      extra = { median_ratio_to_baseline: Math.round((median(netSecs) / median(amSecs)) * 1000) / 1000 };
    }
    report.begin('am_rate', 'round_trip');
    report.emit({ name: 'am_rate', variant: 'round_trip', updatesPerPe: sizes.rtt, tableSizePerPe: 0, secs: amSecs, ops: sizes.rtt, bytes: payload, verified: true, baseline, extra });
  }
  await world.barrier();
  net?.close();
}

/** fan_out_*: rounds of FAN_OUT unawaited AMs, each round waited for by the world's or a TaskGroup's waitAll(). */
const FAN_OUT = 4;
async function fanOutWaits(): Promise<void> {
  await world.barrier();
  if (world.myPe === 0) {
    const rounds = Math.max(10, Math.ceil(sizes.rtt / 2));
    let sum = 0;
    const count = (v: number): void => void (sum += v);
    const rep = async (group: boolean, n: number): Promise<number> => {
      const t0 = performance.now();
      for (let r = 0; r < n; r++) {
        const g = group ? new TaskGroup(world) : undefined;
        for (let k = 0; k < FAN_OUT; k++) void (g ?? world).execAmPe(target, SmallReturn, k + 0.5).then(count);
        await (g ?? world).waitAll();
      }
      return (performance.now() - t0) / 1000;
    };
    const secs: [number[], number[]] = [[], []];
    await rep(false, Math.ceil(rounds / 10));
    await rep(true, Math.ceil(rounds / 10));
    sum = 0;
    for (let r = 0; r < sizes.reps; r++) for (const g of [0, 1] as const) secs[g].push(await rep(g === 1, rounds));
    // Each reply is 2(k + 0.5) = 2k + 1: FAN_OUT² a round.
    verify(sum === 2 * sizes.reps * rounds * FAN_OUT * FAN_OUT, `fan_out: returned values sum to ${sum}`);
    for (const [g, variant] of [[0, 'fan_out_wait_all'], [1, 'fan_out_task_group']] as const) {
      report.begin('am_rate', variant);
      report.emit({ name: 'am_rate', variant, updatesPerPe: rounds, tableSizePerPe: 0, secs: secs[g], ops: rounds, bytes: payload, verified: true });
    }
  }
  await world.barrier();
}

/** The median of a list of seconds (the upper middle for an even count, as the reporter's). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

type A2aVariant = 'all_to_all' | 'all_to_all_darc' | 'all_to_all_array' | 'all_to_all_locked';

/**
 * Every PE launches `a2a-ops` AMs round-robin to every other PE in one synchronous loop, then
 * waits for them; variants alternate rep by rep so that each handle variant and its baseline
 * (all_to_all, the number) see the same load. Verified by what the targets counted.
 */
async function allToAll(): Promise<void> {
  const P = world.numPes;
  if (P < 2) return;
  const n = sizes['a2a-ops'];
  const me = world.myPe;
  const counter = await Darc.create(world, { n: 0 });
  const cells = await UnsafeArray.create(world, { type: 'u32', length: P, distribution: 'block' });
  const locked = await LocalRwDarc.create(world, 0);
  const launch: Record<A2aVariant, (pe: number, x: number) => void> = {
    all_to_all: (pe, x) => void world.execAmPe(pe, NoReturn, x),
    all_to_all_darc: (pe) => void world.execAmPe(pe, A2aDarcAm, counter),
    all_to_all_array: (pe) => void world.execAmPe(pe, A2aArrayAm, cells),
    all_to_all_locked: (pe) => void world.execAmPe(pe, A2aLockedAm, locked),
  };
  const variants: A2aVariant[] = ['all_to_all', 'all_to_all_darc', 'all_to_all_array', 'all_to_all_locked'];
  const once = async (v: A2aVariant, count: number): Promise<number> => {
    const f = launch[v];
    await world.barrier();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) f((me + 1 + (i % (P - 1))) % P, i + 0.5);
    await world.waitAll();
    await world.barrier();
    return (performance.now() - t0) / 1000;
  };
  const before = executed;
  const warm = Math.ceil(n / 10);
  for (const v of variants) await once(v, warm);
  const secs = variants.map((): number[] => []);
  for (let rep = 0; rep < sizes.reps; rep++) {
    for (let k = 0; k < variants.length; k++) secs[k]!.push(await once(variants[k]!, n));
  }
  // Every variant sent warm + reps × n AMs from each PE; each kind is counted where it ran.
  const each = P * (warm + sizes.reps * n);
  let lockedHere: number;
  {
    using r = await locked.read();
    lockedHere = r.value;
  }
  const got = await world.allReduce(new Float64Array([executed - before, counter.value.n, cells.unsafeLocalData()[0]!, lockedHere]), 'sum');
  verify(got.every((x) => x === each), `all_to_all: the PEs executed ${got.join(', ')} AMs of the four kinds, expected ${each} each`);
  let baseline: { variant: string; opsPerSec: number } | undefined;
  for (let k = 0; k < variants.length; k++) {
    report.begin('am_rate', variants[k]!);
    const opsPerSec = report.emit({
      name: 'am_rate', variant: variants[k]!, updatesPerPe: n, tableSizePerPe: 0, secs: secs[k]!, ops: P * n, bytes: k === 0 ? payload : 0, verified: true, baseline,
    });
    baseline ??= { variant: variants[k]!, opsPerSec };
  }
  await counter.drop();
  await cells.drop();
  await locked.drop();
  await world.barrier();
}

await oneWay(['no_return', 'closure_no_return', 'closure_inline_no_return']);
await oneWay(['small_return', 'closure_small_return']);
await roundTrips();
await fanOutWaits();
await allToAll();
await world.shutdown();
