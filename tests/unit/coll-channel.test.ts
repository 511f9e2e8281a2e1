/**
 * The collective channel (src/team/coll/channel.ts) of two PEs in this process, with the order of
 * every step chosen by the test: each PE's calls, when its signal words land, and when its
 * exchange messages are delivered. This pins down interleavings that a real job hits only now and
 * then, such as a PE whose barrier passes without waiting because its partner is already in a
 * later collective.
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../../src/am/index.js';
import { ErrorCode, isLamellarError, LamellarError } from '../../src/core/index.js';
import type { Lamella } from '../../src/lamellae/types.js';
import { Channel, type ChannelHost, type CollMsg } from '../../src/team/coll/channel.js';
import { Kind } from '../../src/team/coll/kinds.js';
import { State, type StatusBoard, type StatusView } from '../../src/team/coll/status.js';
import type { Watch } from '../../src/team/coll/watch.js';

const FILE = basename(fileURLToPath(import.meta.url));
/** Each PE's barrier slots (one round for 2 PEs) sit at this address of its heap. */
const SLOTS = 64;

/** `file:line` of the line below the call of this function (the call being tested). */
function nextLine(): string {
  const at = new Error().stack!.split('\n')[2]!;
  const line = Number(/:(\d+):\d+\)?$/.exec(at)![1]);
  return `${FILE}:${line + 1}:`;
}

interface Pe {
  ch: Channel;
  /** Messages this PE sent, not yet delivered: [destination world PE, message]. */
  out: [number, CollMsg][];
  /** The error this PE failed the job with. */
  failed: Promise<Error>;
  /** Every error this PE reported, in order. */
  reports: Error[];
}

/** The heaps of the PEs `team` made last. */
let lastHeaps: SharedArrayBuffer[] = [];

/** Two PEs whose heaps are plain shared buffers; a signal lands at once, messages wait for `deliver`. */
function pair(): [Pe, Pe] {
  return team(2) as [Pe, Pe];
}

/** `n` PEs of one team, as `pair`; `board` is every PE's view of the status boards, if any. */
function team(n: number, board?: StatusBoard, staleGap?: number): Pe[] {
  const heaps = Array.from({ length: n }, () => new SharedArrayBuffer(256));
  lastHeaps = heaps;
  const members = Array.from({ length: n }, (_, i) => i);
  const sleepers: { pe: number; i: number; value: number; wake: () => void }[] = [];
  const pes: Pe[] = [];
  for (let me = 0; me < n; me++) {
    const own = new Int32Array(heaps[me]!);
    const lamella = {
      myPe: me,
      numPes: n,
      heap: (pe: number) => heaps[pe],
      signal(pe: number, addr: number, value: number): void {
        Atomics.store(new Int32Array(heaps[pe]!), addr >> 2, value);
        for (const s of sleepers.splice(0)) {
          if (s.pe === pe && ((Atomics.load(new Int32Array(heaps[pe]!), s.i) - s.value) | 0) >= 0) s.wake();
          else sleepers.push(s);
        }
      },
      waitSignal(addr: number, value: number): Promise<void> | undefined {
        if (((Atomics.load(own, addr >> 2) - value) | 0) >= 0) return undefined;
        return new Promise<void>((wake) => sleepers.push({ pe: me, i: addr >> 2, value, wake }));
      },
    } as unknown as Lamella;
    const out: [number, CollMsg][] = [];
    const engine = { launchPe: (_team: number, pe: number, _def: unknown, m: CollMsg) => void out.push([pe, m]) } as unknown as Engine;
    const watch = { begin: () => undefined, end: () => undefined, update: () => undefined, flushSite: () => undefined } as unknown as Watch;
    let fail!: (err: Error) => void;
    const failed = new Promise<Error>((r) => (fail = r));
    const reports: Error[] = [];
    const host: ChannelHost = {
      lamella,
      engine,
      watch,
      board,
      decodeContext: undefined,
      // As the runtime's: the first error fails the job, and is what later calls get back.
      fatal: (err) => {
        reports.push(err);
        fail(err);
        return reports[0]!;
      },
      teamName: () => 'the world',
      takeEarly: () => undefined,
      channel: () => undefined,
      keepEarly: () => undefined,
      shutdownSite: undefined,
      staleGap,
    };
    pes.push({ ch: new Channel(host, 0, members, members.map(() => SLOTS), false), out, failed, reports });
  }
  return pes;
}

/** Delivers every message `from` has sent so far to `to`, in order (the others' stay queued). */
function deliver(from: Pe, to: Pe): void {
  const keep: [number, CollMsg][] = [];
  for (const [dst, m] of from.out.splice(0)) {
    if (dst === to.ch.me) to.ch.receive(from.ch.me, m);
    else keep.push([dst, m]);
  }
  from.out.push(...keep);
}

async function mismatchOf(pe: Pe): Promise<string> {
  const err = await pe.failed;
  assert.ok(isLamellarError(err) && err.code === ErrorCode.COLLECTIVE_MISMATCH, String(err));
  return err.message;
}

/** `pe`'s mismatch report names its barrier, with `line`, against `other`'s allGather() as collective `n`. */
async function expectBarrierReport(pe: Pe, me: number, other: number, n: number, line: string): Promise<void> {
  const m = await mismatchOf(pe);
  assert.match(m, new RegExp(`world PE ${me} called barrier\\(\\) at .+, while world PE ${other} called allGather\\(\\), both as collective #${n} `));
  assert.ok(m.includes(line), `PE ${me}'s barrier line ${line} in: ${m}`);
}

test('a barrier that passes at once because its partner is in a later barrier still names its line in a mismatch', async () => {
  const [p0, p1] = pair();
  // PE 0: Promise.all([allGather(), barrier()]); its barrier (#2) signals PE 1 and waits.
  const a0 = p0.ch.exchange(Kind.allGather, 'allGather()', 0);
  const barrier0 = nextLine();
  const b0 = p0.ch.signal(Kind.barrier);
  assert.ok(b0 !== undefined, 'PE 0 waits in its barrier');
  // PE 1, later: Promise.all([barrier(), allGather()]). Its barrier (#1) finds PE 0's word for #2
  // already there and passes without waiting.
  const barrier1 = nextLine();
  const b1 = p1.ch.signal(Kind.barrier);
  assert.equal(b1, undefined, 'PE 1 passes its barrier at once');
  const a1 = p1.ch.exchange(Kind.allGather, 'allGather()', 1);
  for (const p of [a0, a1, b0]) p.catch(() => undefined);
  deliver(p0, p1);
  deliver(p1, p0);
  await expectBarrierReport(p1, 1, 0, 1, barrier1);
  await expectBarrierReport(p0, 0, 1, 2, barrier0);
});

test('a mismatch found after this PE went on to later barriers names the barrier of that number, with its line', async () => {
  const [p0, p1] = pair();
  // PE 0: allGather() #1, then barriers #2 and #3 (concurrently).
  const a0 = p0.ch.exchange(Kind.allGather, 'allGather()', 0);
  const b0 = p0.ch.signal(Kind.barrier);
  const c0 = p0.ch.signal(Kind.barrier);
  // PE 1: barriers #1 (passes at once: PE 0 is at #2), #2 (passes: PE 0 signalled #2), #3 (waits).
  const barrier1 = nextLine();
  assert.equal(p1.ch.signal(Kind.barrier), undefined);
  const second = p1.ch.signal(Kind.barrier);
  const third = p1.ch.signal(Kind.barrier);
  for (const p of [a0, b0, c0, second, third]) p?.catch(() => undefined);
  // PE 0's allGather message for #1 reaches PE 1 only now: PE 1 is the only PE that can see the
  // mismatch (PE 1 sends no message at all), so its report must be complete.
  deliver(p0, p1);
  await expectBarrierReport(p1, 1, 0, 1, barrier1);
});

test('a message for a later collective waits for it, and for the same number it matches the collective of that number', async () => {
  const [p0, p1] = pair();
  // PE 0 runs ahead: allReduce #1, allGather #2; PE 1 gets both messages before its own calls.
  const r0 = p0.ch.exchange(Kind.allReduce, 'allReduce(sum)', 3);
  const g0 = p0.ch.exchange(Kind.allGather, 'allGather()', 'a');
  deliver(p0, p1);
  const r1 = p1.ch.exchange(Kind.allReduce, 'allReduce(sum)', 4);
  const g1 = p1.ch.exchange(Kind.allGather, 'allGather()', 'b');
  deliver(p1, p0);
  assert.deepEqual(await Promise.all([r0, g0, r1, g1]), [[3, 4], ['a', 'b'], [3, 4], ['a', 'b']]);
});

test('a mismatch found more than 256 collectives later does not name a later call of this PE', async () => {
  const [p0, p1] = pair();
  const a0 = p0.ch.exchange(Kind.allGather, 'allGather()', 0);
  a0.catch(() => undefined);
  // PE 1 runs #1..#300 as signal collectives, PE 0 runs #2..#300 the same way (#1 passes on PE 1
  // because PE 0 signals #2). #257 is a conversion, whose kind takes #1's place in a 256-entry ring.
  const kindOf = (seq: number): number => (seq === 257 ? Kind.conversion : Kind.barrier);
  const runs: (Promise<void> | undefined)[] = [];
  for (let seq = 2; seq <= 300; seq++) runs.push(p0.ch.signal(kindOf(seq)));
  for (let seq = 1; seq <= 300; seq++) runs.push(p1.ch.signal(kindOf(seq)));
  await Promise.all(runs);
  deliver(p0, p1);
  const m1 = await mismatchOf(p1);
  assert.match(m1, /world PE 1 called a collective \(one of more than 256 calls ago\) at .+, while world PE 0 called allGather\(\), both as collective #1 /);
});

test('a barrier that meets one early message and then another for its number names its line in both reports', async () => {
  const [p0, p1, p2] = team(3) as [Pe, Pe, Pe];
  // PEs 0 and 1 run allGather() as #1; PE 2 runs barrier() as #1. PE 0's message reaches PE 2
  // before PE 2's call, PE 1's after it: both show the mismatch, and either report may be the
  // one the job prints.
  const a0 = p0.ch.exchange(Kind.allGather, 'allGather()', 0);
  const a1 = p1.ch.exchange(Kind.allGather, 'allGather()', 1);
  deliver(p0, p2);
  const barrier2 = nextLine();
  const b2 = p2.ch.signal(Kind.barrier);
  deliver(p1, p2);
  for (const p of [a0, a1, b2]) p?.catch(() => undefined);
  await mismatchOf(p2);
  await new Promise((r) => setImmediate(r));
  assert.equal(p2.reports.length, 2, 'both messages were reported');
  for (const e of p2.reports) {
    assert.match(e.message, /world PE 2 called barrier\(\) at .+, while world PE [01] called allGather\(\), both as collective #1 /);
    assert.ok(e.message.includes(barrier2), `PE 2's barrier line ${barrier2} in: ${e.message}`);
  }
});

test('two checks that find one mismatch at once throw the report that failed the job, which names both lines', async () => {
  // PE 0's board, read by PE 1's checks: the first read is answered only when the test says.
  const site = 'file:///app.ts:7:3';
  const view: StatusView = { state: State.inCollective, team: 0, seq: 1, kind: Kind.allGather, site, label: '', busy: '', beat: 0, idleMs: 0, heldMs: 0 };
  const reads: { resolve: (v: StatusView) => void; reject: (e: Error) => void }[] = [];
  let held = true;
  const board = {
    read: (): Promise<StatusView> => {
      if (!held) return Promise.resolve(view);
      held = false;
      return new Promise<StatusView>((resolve, reject) => reads.push({ resolve, reject }));
    },
  } as unknown as StatusBoard;
  const [p0, p1] = team(2, board) as [Pe, Pe];
  // PE 0: Promise.all([allGather(), barrier()]), as #1 and #2. PE 1 skipped the allGather: its
  // shutdown (#1) finds PE 0's word for #2 and reads PE 0's board, slowly.
  const a0 = p0.ch.exchange(Kind.allGather, 'allGather()', 0);
  const b0 = p0.ch.signal(Kind.barrier);
  const s1 = p1.ch.signal(Kind.shutdown);
  assert.ok(s1 !== undefined, "PE 1's shutdown fails, asynchronously");
  for (const p of [a0, b0, s1]) p?.catch(() => undefined);
  // PE 0's allGather message shows PE 1 the same mismatch; that check's read is answered at once.
  deliver(p0, p1);
  const failed = await p1.failed;
  assert.ok(failed.message.includes(`while world PE 0 called allGather() at ${site}`), failed.message);
  // The first read now fails, as a read does once the job has stopped: the shutdown's caller
  // gets the job's report all the same, not one that no longer names PE 0's line.
  assert.equal(reads.length, 1);
  reads[0]!.reject(new LamellarError(ErrorCode.WORLD_SHUT_DOWN, 'used after shutdown'));
  await assert.rejects(s1!, (err) => err === failed);
});

test('after STALE_GAP exchanges without a barrier the slots are lowered, after the barrier in flight, and barriers still pair', async () => {
  const [p0, p1] = team(2, undefined, 3) as [Pe, Pe];
  const slot = (pe: number): number => Atomics.load(new Int32Array(lastHeaps[pe]!), SLOTS >> 2);
  let passed = false;
  // PE 0: barrier #1 (waits for PE 1), then exchanges #2..#4; #4 is 3 numbers on, so it lowers.
  const b0 = p0.ch.signal(Kind.barrier)!;
  void b0.then(() => (passed = true));
  const xs0 = [3, 4, 5].map((v) => p0.ch.exchange(Kind.allReduce, 'allReduce(sum)', v));
  await new Promise((r) => setImmediate(r));
  assert.equal(slot(0), 0, 'no lowering while barrier #1 still waits: it would let that barrier pass');
  assert.equal(passed, false);
  // PE 1: barrier #1 (passes: PE 0 signalled), then the same exchanges; its lowering runs at once.
  assert.equal(p1.ch.signal(Kind.barrier), undefined);
  const xs1 = [6, 7, 8].map((v) => p1.ch.exchange(Kind.allReduce, 'allReduce(sum)', v));
  assert.equal(slot(1), 4 << 4, "PE 1's slot is lowered to exchange #4's word, kind 0");
  await b0;
  assert.equal(slot(0), 4 << 4, "PE 0's slot is lowered once its barrier passed");
  deliver(p0, p1);
  deliver(p1, p0);
  const sums = await Promise.all([...xs0, ...xs1]);
  assert.deepEqual(sums.map((v) => v.map(Number)), [[3, 6], [4, 7], [5, 8], [3, 6], [4, 7], [5, 8]]);
  // Barrier #5: PE 1 signals first this time; PE 0 then passes, PE 1 waited for it.
  const b1 = p1.ch.signal(Kind.barrier)!;
  assert.ok(b1 !== undefined, 'PE 1 waits for PE 0 at barrier #5');
  assert.equal(p0.ch.signal(Kind.barrier), undefined);
  await b1;
  // Three more exchanges lower again: PE 0 first, while PE 1 already signalled barrier #9, whose
  // word the lowering must keep.
  const ys1 = [1, 2, 3].map((v) => p1.ch.exchange(Kind.allReduce, 'allReduce(sum)', v));
  const b9 = p1.ch.signal(Kind.barrier)!;
  const ys0 = [1, 2, 3].map((v) => p0.ch.exchange(Kind.allReduce, 'allReduce(sum)', v));
  assert.equal(slot(0), (9 << 4) | Kind.barrier, "PE 0 keeps PE 1's word for barrier #9");
  assert.equal(p0.ch.signal(Kind.barrier), undefined, 'and passes barrier #9 at once');
  await b9;
  deliver(p0, p1);
  deliver(p1, p0);
  assert.equal((await Promise.all([...ys0, ...ys1])).length, 6);
  assert.equal(p0.reports.length + p1.reports.length, 0);
});
