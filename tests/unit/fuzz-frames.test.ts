/**
 * A frame fuzzer (issue #11): random and mutated valid input for the places that read what
 * another PE wrote: the AM engine's frames, shmem ring records, tcp socket messages and the tcp
 * message links' frame stream. Each
 * input gets the right result or a coded refusal (a LamellarError), never another exception, a
 * crash or a hang. A fixed seed makes every run the same sequence; a time budget per target
 * (FUZZ_MS, default 1200 ms) bounds the run, so a faster machine simply tries more inputs.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { AmHandle, defineAm, newAmHandle, type AmDef } from '../../src/am/index.js';
import { recordSize, REPLY_ERROR, REPLY_UNITS, REPLY_VALUE } from '../../src/am/wire.js';
import { isLamellarError } from '../../src/core/index.js';
import { makeEngine, requestFrame } from '../helpers/engine.js';
import { createHeap, F_FIRST, F_FREE, F_HEAP, F_LAST, F_MID, F_WHOLE, RING_HEADER, RingEnd } from '../../src/lamellae/common/index.js';
import { RecordAssembler } from '../../src/lamellae/shmem/records.js';
import { FrameReader } from '../../src/lamellae/tcp/am-links.js';
import { Conn } from '../../src/lamellae/tcp/conn.js';
import { createLink, inRing } from '../../src/lamellae/tcp/link.js';
import { NetNode, type NetBoot } from '../../src/lamellae/tcp/node.js';
import { FLAG_LAST, HDR, Header, maxBody, T } from '../../src/lamellae/tcp/wire.js';
import { decodeValue, Reader, Writer } from '../../src/serde/index.js';
import { rng } from '../helpers/rng.js';

// Frames are fed synchronously, in one long turn: run each to its end (no time slices, which
// would leave the rest of a frame, and every later one, for a turn that never comes here).
process.env['LAMELLAR_AM_SLICE_MS'] = '0';
const BUDGET_MS = Number(process.env['FUZZ_MS'] ?? 1200);
const SEED = 0x5eed1;

/** Random bytes, or `valid` with a few bytes flipped, cut short, or padded with junk. */
function mutate(r: () => number, valid: Uint8Array): Uint8Array {
  const pick = r();
  if (pick < 0.2) return Uint8Array.from({ length: Math.floor(r() * 96) }, () => Math.floor(r() * 256));
  const out = Uint8Array.from(valid);
  if (pick < 0.4) return out.subarray(0, Math.floor(r() * out.length));
  if (pick < 0.5) {
    const more = new Uint8Array(out.length + 1 + Math.floor(r() * 16));
    more.set(out);
    for (let i = out.length; i < more.length; i++) more[i] = Math.floor(r() * 256);
    return more;
  }
  const flips = 1 + Math.floor(r() * 4);
  for (let k = 0; k < flips && out.length > 0; k++) out[Math.floor(r() * out.length)] = Math.floor(r() * 256);
  return out;
}

/** Runs `one(iteration)` until the budget is spent; returns how many ran. */
function fuzz(one: (i: number) => void): number {
  const until = performance.now() + BUDGET_MS;
  let i = 0;
  while (performance.now() < until) for (let k = 0; k < 64; k++) one(i++);
  return i;
}

/** `f()` must return normally or throw a LamellarError with a code; anything else fails the test. */
function coded(f: () => void, what: () => string): 'ok' | 'refused' {
  try {
    f();
    return 'ok';
  } catch (e) {
    assert.ok(isLamellarError(e), `${what()}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}, not a coded LamellarError`);
    return 'refused';
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').slice(0, 200);

const Echo = defineAm('fuzz/echo', (_ctx, a: unknown) => a);

describe('AM engine frames', () => {
  const request = (reqId: number, args: unknown): Uint8Array => requestFrame(Echo as AmDef<unknown, unknown>, reqId, args);

  test('valid requests are answered with their arguments; random and mutated frames are answered or refused with a code', () => {
    const { engine, handler, sent } = makeEngine();
    const r = rng(SEED);
    let answered = 0;
    let refused = 0;
    const n = fuzz((i) => {
      const args = { i, s: `v${i}`, a: [i, -i, 0.5], big: BigInt(i) };
      const valid = request(i + 1, args);
      sent.length = 0;
      engine.flush();
      if (i % 4 === 0) {
        // The valid frame itself: exactly one answer, carrying the arguments back.
        handler(1, valid);
        engine.flush();
        assert.equal(sent.length, 1);
        const rd = new Reader(sent[0]!.frame);
        assert.equal(rd.u8(), REPLY_VALUE);
        assert.equal(rd.u32(), i + 1);
        rd.u32();
        assert.deepEqual(decodeValue(rd), args);
        answered++;
        return;
      }
      const bad = mutate(r, valid);
      if (coded(() => handler(1, bad), () => `frame ${hex(bad)}`) === 'refused') refused++;
      engine.flush();
    });
    assert.ok(answered > 0 && refused > 0, `${n} inputs: ${answered} answered, ${refused} refused`);
  });

  test('a request whose arguments end short of its record is refused with DESERIALIZE, and the record after it still runs', () => {
    const { engine, handler, sent } = makeEngine();
    // The first record's length counts 3 bytes more than its value: junk the value does not read.
    const first = request(7, { a: 1 });
    const padded = new Uint8Array(first.length + 3);
    padded.set(first);
    padded.set([0xc0, 0xc0, 0xc0], first.length);
    const dv = new DataView(padded.buffer);
    dv.setUint32(13, dv.getUint32(13, true) + 3, true);
    const second = request(8, 'next');
    const frame = new Uint8Array(padded.length + second.length);
    frame.set(padded);
    frame.set(second, padded.length);
    handler(1, frame);
    engine.flush();
    const replies: [number, number, unknown][] = [];
    for (const { frame: out } of sent) {
      const rd = new Reader(out);
      while (rd.pos < rd.end) {
        const kind = rd.u8();
        const id = rd.u32();
        rd.u32();
        replies.push([kind, id, decodeValue(rd)]);
      }
    }
    assert.equal(replies.length, 2, JSON.stringify(replies, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    assert.equal(replies[0]![0], REPLY_ERROR);
    assert.equal(replies[0]![1], 7);
    assert.match(JSON.stringify(replies[0]![2]), /LAMELLAR_ERR_DESERIALIZE|DESERIALIZE/);
    assert.match(JSON.stringify(replies[0]![2]), /3 byte\(s\) before its record/);
    assert.deepEqual(replies[1], [REPLY_VALUE, 8, 'next']);
  });

  test("recordSize walks the engine's own frames record by record to their end, and refuses a cut one", () => {
    const { engine, handler, sent } = makeEngine();
    const r = rng(SEED + 21);
    for (let i = 0; i < 200; i++) {
      const args = { i, s: 'x'.repeat(Math.floor(r() * 300)), v: new Float64Array(Math.floor(r() * 40)) };
      handler(1, request(i + 1, args));
    }
    engine.flush();
    // Requests, and the replies the engine wrote for them (REPLY_VALUE, aggregated).
    const frames = [...Array.from({ length: 20 }, (_, i) => request(i + 1, { i })), ...sent.map((x) => x.frame)];
    for (const f of frames) {
      const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
      let p = 0;
      let records = 0;
      while (p < f.length) {
        const n = recordSize(f, dv, p);
        assert.ok(n > 0, `a record of kind ${f[p]} at ${p} of ${f.length}`);
        p += n;
        records++;
      }
      assert.equal(p, f.length);
      assert.ok(records > 0);
      const cut = f.subarray(0, f.length - 1);
      let q = 0;
      let last = 0;
      while (q < cut.length && (last = recordSize(cut, new DataView(cut.buffer, cut.byteOffset, cut.byteLength), q)) > 0) q += last;
      assert.equal(last, -1, 'the cut record is refused');
    }
  });

  test('replies for requests that are pending settle them; replies for unknown requests are refused', () => {
    const { engine, handler, sent } = makeEngine();
    const r = rng(SEED + 1);
    let settled = 0;
    fuzz((i) => {
      const h = newAmHandle<unknown>('fuzz/echo', 1, undefined);
      // Answers to mutated frames (a record that turned into a request) go out first.
      engine.flush();
      sent.length = 0;
      engine.launchPe(0, 1, Echo as never, i, h as AmHandle<unknown>);
      // A mutated reply may fail the request: observed, it is not an unobserved AM failure,
      // which would make this process's exit code 1.
      void (h as AmHandle<unknown>).catch(() => undefined);
      engine.flush();
      assert.equal(sent.length, 1);
      const req = new Reader(sent[0]!.frame);
      req.u8();
      req.u32();
      const reqId = req.u32();
      const w = new Writer(32);
      w.u8(REPLY_UNITS);
      w.u32(reqId);
      w.u32(1);
      const reply = w.view().slice();
      if (i % 2 === 0) {
        handler(1, reply);
        settled++;
        return;
      }
      const bad = mutate(r, reply);
      coded(() => handler(1, bad), () => `reply ${hex(bad)}`);
      // Whatever happened to it, the request is settled now so the table stays small.
      coded(() => handler(1, reply), () => 'the real reply after a mutated one');
    });
    assert.ok(settled > 0);
  });
});

describe('shmem ring records', () => {
  test('random valid frames of every size cross a small ring intact, in order, also when refused for a while', () => {
    const r = rng(SEED + 2);
    const refuse = rng(SEED + 12);
    const cap = 1 << 12;
    const sab = new SharedArrayBuffer(RING_HEADER + cap);
    const out = new RingEnd(sab, 0, cap);
    const inn = new RingEnd(sab, 0, cap);
    const got: Uint8Array[] = [];
    const heap = new Uint8Array(1 << 16);
    let refused = 0;
    // A whole record may be refused (its sender's frames wait in the engine), and a frame in
    // parts may not be started: either must stay in the ring and come back unchanged. Joined
    // parts are never offered as holdable.
    const take = (_s: number, f: Uint8Array, holdable: boolean): boolean => {
      if (holdable && refuse() < 0.3) {
        refused++;
        return false;
      }
      got.push(f.slice());
      return true;
    };
    let notStarted = 0;
    const accepting = (): boolean => refuse() >= 0.3 || (notStarted++, false);
    const asm = new RecordAssembler(2, { frame: take, accepting, scan: () => {}, heap: () => heap, release: () => {}, unstage: () => {} });
    let frames = 0;
    fuzz(() => {
      const len = Math.floor(r() ** 3 * 3 * out.maxChunk);
      const frame = Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
      // Split as the lamella does: one record if it fits, else FIRST (with the total), MID..., LAST.
      const parts: [Uint8Array, number, number | undefined][] = [];
      if (len <= out.maxChunk) parts.push([frame, F_WHOLE, undefined]);
      else {
        for (let off = 0; off < len; ) {
          const end = Math.min(len, off + (off === 0 ? out.maxChunk - 8 : out.maxChunk));
          parts.push([frame.subarray(off, end), off === 0 ? F_FIRST : end === len ? F_LAST : F_MID, off === 0 ? len : undefined]);
          off = end;
        }
      }
      for (const [p, flags, total] of parts) {
        while (!out.tryWrite(p, flags, total)) inn.drain((v, f) => asm.record(1, v, f));
      }
      while (got.length === 0) {
        const d = inn.drain((v, f) => asm.record(1, v, f));
        assert.equal(d.held, got.length === 0, 'held says whether a record was left');
      }
      assert.equal(got.length, 1, `a frame of ${len} bytes`);
      assert.deepEqual(got.pop(), frame);
      assert.equal(inn.hasData(), false);
      frames++;
    });
    assert.ok(frames > 0 && refused > 0 && notStarted > 0);
  });

  test('a heap frame refused for now keeps its block until it is taken, then releases it once', () => {
    const cap = 1 << 12;
    const sab = new SharedArrayBuffer(RING_HEADER + cap);
    const out = new RingEnd(sab, 0, cap);
    const inn = new RingEnd(sab, 0, cap);
    const heap = new Uint8Array(1 << 16);
    heap.set([7, 8, 9], 1024);
    const released: number[] = [];
    const seen: number[][] = [];
    let accept = false;
    const asm = new RecordAssembler(2, {
      frame: (_s, f, holdable) => {
        assert.equal(holdable, true);
        seen.push([...f]);
        return accept;
      },
      accepting: () => accept,
      scan: () => {},
      heap: () => heap,
      release: (_s, addr) => void released.push(addr),
      unstage: () => {},
    });
    const desc = new Uint8Array(8);
    new DataView(desc.buffer).setUint32(0, 1024, true);
    new DataView(desc.buffer).setUint32(4, 3, true);
    assert.ok(out.tryWrite(desc, F_HEAP));
    assert.equal(inn.drain((v, f) => asm.record(1, v, f)).held, true);
    assert.equal(inn.drain((v, f) => asm.record(1, v, f)).held, true);
    assert.deepEqual(released, []);
    accept = true;
    const d = inn.drain((v, f) => asm.record(1, v, f));
    assert.deepEqual([d.records, d.held], [1, false]);
    assert.deepEqual(released, [1024]);
    assert.deepEqual(seen, [[7, 8, 9], [7, 8, 9], [7, 8, 9]]);
  });

  for (const [what, start] of [['from 0', 0], ['with the counters past 2^31', 2 ** 31 - 3000], ['after 3 GiB without a refusal', -1], ['after 4 GiB less one ring without a refusal', -2]] as const) {
  test(`records behind a refused one are shown to peek once each, across the wrap, and then drained in order, marked seen (${what})`, () => {
    const r = rng(SEED + 13);
    const cap = 1 << 12;
    const sab = new SharedArrayBuffer(RING_HEADER + cap);
    // Head and tail are free-running i32 counters (ring.ts: HEAD at byte 0, TAIL at byte 64).
    const counters = new Int32Array(sab);
    if (start >= 0) counters[0] = counters[16] = start | 0;
    const out = new RingEnd(sab, 0, cap);
    const inn = new RingEnd(sab, 0, cap);
    let sent = 0;
    let taken = 0;
    let peekedBefore = 0;
    const peeked = new Map<number, number>();
    const frame = (id: number): Uint8Array => {
      const f = new Uint8Array(4 + Math.floor(r() * 300));
      new DataView(f.buffer).setUint32(0, id, true);
      return f;
    };
    const idOf = (v: Uint8Array): number => new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true);
    // Records offered and refused, or shown to peek: drain must pass `seen` for exactly these.
    const shown = new Set<number>();
    const offered = (v: Uint8Array, seen: boolean): number => {
      const id = idOf(v);
      assert.equal(seen, shown.has(id), `frame ${id} offered with seen ${seen}`);
      return id;
    };
    const take = (v: Uint8Array, _flags: number, seen: boolean): boolean => (assert.equal(offered(v, seen), taken), taken++, true);
    if (start < 0) {
      // One refusal early, then 3 GiB (or 2^32 less one ring) through the ring with none: the
      // watermark that refusal left is stale, and must not be trusted (it would show drained
      // records, or, the counters having wrapped, pass records never shown as seen).
      while (out.tryWrite(frame(sent), F_WHOLE)) sent++;
      inn.drain((v, _f, seen) => (shown.add(offered(v, seen)), false), (v) => void shown.add(idOf(v)));
      while (inn.hasData()) inn.drain(take);
      peekedBefore = sent;
      // Empty: head and tail move together, by a multiple of the capacity.
      counters[0] = counters[16] = (counters[0]! + (start === -1 ? 3 * 2 ** 30 : 2 ** 32 - cap)) | 0;
      // Fill, take everything, fill again: the stale watermark (2^32 less one ring back) now
      // lies between head and tail, where the next drain must not trust it.
      while (out.tryWrite(frame(sent), F_WHOLE)) sent++;
      while (inn.hasData()) inn.drain(take);
      while (out.tryWrite(frame(sent), F_WHOLE)) sent++;
    }
    fuzz(() => {
      while (out.tryWrite(frame(sent), F_WHOLE)) sent++;
      // Refuse a while (peek sees what is behind), then take one or more in order.
      const refuseFirst = r() < 0.5;
      // A drain without peek shows nothing behind a refusal; the refused record is still seen.
      const withPeek = r() < 0.7;
      inn.drain(
        (v, _flags, seen) => {
          const id = offered(v, seen);
          if (refuseFirst || r() < 0.3) {
            shown.add(id);
            return false;
          }
          assert.equal(id, taken, 'drained in order');
          taken++;
          return true;
        },
        withPeek
          ? (v) => {
              const id = idOf(v);
              assert.ok(id > taken - 1, `peeked ${id}, which is not behind the refused ${taken}`);
              peeked.set(id, (peeked.get(id) ?? 0) + 1);
              shown.add(id);
            }
          : undefined,
      );
    });
    while (inn.hasData()) inn.drain(take);
    assert.equal(taken, sent);
    assert.ok(peeked.size > 0);
    for (const [id, n] of peeked) assert.equal(n, 1, `frame ${id} peeked ${n} times`);
    assert.ok([...peeked.keys()].every((id) => id >= peekedBefore), 'a record from before the jump was shown again');
  });
  }

  test('frames written in random pieces (tryWriteGather) cross a ring intact, in order, across its wrap', () => {
    const r = rng(SEED + 5);
    const cap = 1 << 16;
    const sab = new SharedArrayBuffer(RING_HEADER + cap);
    const out = new RingEnd(sab, 0, cap);
    const inn = new RingEnd(sab, 0, cap);
    let frames = 0;
    fuzz(() => {
      // Up to the largest record, so pieces from 4 KiB up take the memcpy path.
      const len = Math.floor(r() ** 2 * out.maxChunk);
      const frame = Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
      const parts: Uint8Array[] = [];
      for (let at = 0; at < len; ) {
        const end = Math.min(len, at + Math.floor(r() * 9000));
        parts.push(frame.subarray(at, end));
        at = end;
      }
      let got: Uint8Array | undefined;
      const take = (v: Uint8Array, f: number): void => {
        assert.equal(f, F_WHOLE);
        got = v.slice();
      };
      // A full ring refuses the whole record; draining makes room, as the consumer would.
      while (!out.tryWriteGather(parts, len)) inn.drain(take);
      got = undefined;
      inn.drain(take);
      assert.deepEqual(got, frame, `a frame of ${len} bytes in ${parts.length} pieces`);
      frames++;
    });
    assert.ok(frames > 0);
  });

  test('random and mutated records are assembled or refused with PROTOCOL, never anything else', () => {
    const r = rng(SEED + 3);
    const heap = new Uint8Array(1 << 16);
    let frames = 0;
    let refused = 0;
    const asm = new RecordAssembler(2, { frame: () => (frames++, true), accepting: () => true, scan: () => {}, heap: () => heap, release: () => {}, unstage: () => {} }, 1 << 20);
    const FLAGS = [F_WHOLE, F_FIRST, F_MID, F_LAST, F_HEAP, F_FREE, 3, 64, 255];
    fuzz(() => {
      const flags = FLAGS[Math.floor(r() * FLAGS.length)]!;
      const len = flags === F_HEAP || flags === F_FREE ? (r() < 0.8 ? 8 : Math.floor(r() * 16)) : Math.floor(r() * 64);
      const view = Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
      if ((flags === F_HEAP || flags === F_FIRST) && len >= 8 && r() < 0.7) {
        // Mostly plausible sizes, so that assembly and heap frames really happen.
        const dv = new DataView(view.buffer);
        dv.setUint32(0, Math.floor(r() * 2048), true);
        dv.setUint32(4, Math.floor(r() * 2048), true);
      }
      if (coded(() => asm.record(Math.floor(r() * 2), view, flags), () => `record flags ${flags} ${hex(view)}`) === 'refused') refused++;
    });
    assert.ok(frames > 0 && refused > 0, `${frames} frames, ${refused} refused`);
  });
});

describe('tcp socket messages', () => {
  /** A NetNode that records instead of stopping the process, fed through a Conn on a fake socket. */
  class TestNode extends NetNode {
    faults: string[] = [];
    override fatal(code: Parameters<NetNode['fatal']>[0], message: string): void {
      this.failed = true;
      this.faults.push(`${code}: ${message}`);
    }
  }

  const fakeSocket = (): Socket => {
    const s = { written: [] as Buffer[], writableLength: 0 } as unknown as Socket & { written: Buffer[] };
    for (const m of ['setNoDelay', 'on', 'once', 'off', 'resume', 'pause', 'end', 'destroy']) (s as unknown as Record<string, unknown>)[m] = () => s;
    (s as unknown as Record<string, unknown>)['write'] = (b: Buffer) => {
      (s as unknown as { written: Buffer[] }).written.push(Buffer.from(b));
      return true;
    };
    return s;
  };

  function newNode(): { node: TestNode; conn: Conn; link: ReturnType<typeof createLink> } {
    const link = createLink(1 << 20);
    const heap = createHeap(1 << 20, false) as SharedArrayBuffer;
    heap.grow(1 << 16);
    const boot: NetBoot = {
      pe: 0, numPes: 2, backend: 'tcp', jobId: 'fuzz', secret: 'fuzz-secret-0123456789', heap, link,
      rendezvous: { kind: 'dir', dir: '/nonexistent' }, bindAddr: '127.0.0.1', maxFrame: 1 << 20,
      rendezvousTimeoutSecs: 60, deadlockTimeoutSecs: 10, peerTimeoutSecs: 5, tls: 'off', launcherPid: undefined,
    };
    const node = new TestNode(boot, { postMessage: () => {} } as never);
    const conn = new Conn(1, fakeSocket(), node, maxBody(2));
    node.conns[1] = conn;
    return { node, conn, link };
  }

  const hdr = new Header();
  const msg = (type: number, body: Uint8Array, id = 0, addr = 0, arg = 0, sub = 0, flags = 0): Uint8Array => {
    const out = new Uint8Array(HDR + body.length);
    out.set(hdr.set(type, 1, body.length, id, addr, arg, sub, flags));
    out.set(body, HDR);
    return out;
  };

  test('puts split anywhere across socket chunks land in the heap intact and are acknowledged', () => {
    const r = rng(SEED + 4);
    let { node, conn, link } = newNode();
    let landed = 0;
    fuzz(() => {
      if (node.failed) ({ node, conn, link } = newNode());
      const len = 1 + Math.floor(r() * 3000);
      const body = Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
      const addr = 64 + Math.floor(r() * 1000);
      const id = 1 + Math.floor(r() * 1000);
      const bytes = msg(T.PUT, body, id, addr, 0, 0, FLAG_LAST);
      // Socket chunks fall anywhere, also inside headers.
      for (let off = 0; off < bytes.length; ) {
        const end = Math.min(bytes.length, off + 1 + Math.floor(r() * 700));
        conn.start(Buffer.from(bytes.subarray(off, end)));
        off = end;
      }
      assert.deepEqual(new Uint8Array(node.boot.heap, addr, len), body);
      assert.deepEqual(node.faults, []);
      landed++;
    });
    assert.ok(landed > 0);
    void link;
  });

  test('an AM frame on a memory link stops the job with PROTOCOL (frames have links of their own)', () => {
    const { node, conn } = newNode();
    conn.start(Buffer.from(msg(T.FRAME, new Uint8Array(16), 0, 16)));
    assert.equal(node.faults.length, 1);
    assert.match(node.faults[0]!, /^LAMELLAR_ERR_PROTOCOL: PE 1 sent an AM frame on its memory link that PE 0 cannot accept/);
  });

  test('random and mutated messages are handled or stop the job with a coded fault, never an exception', () => {
    const r = rng(SEED + 5);
    let { node, conn, link } = newNode();
    let faults = 0;
    const valid = (): Uint8Array => {
      const body = Uint8Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256));
      const kinds = [
        () => msg(T.PUT, body, 1, 64, 0, 0, 0),
        () => msg(T.GET_DATA, body, 5, 0, 0, 0, FLAG_LAST),
        () => msg(T.PUT, body, 1, 128, 0, 0, FLAG_LAST),
        () => msg(T.GET, new Uint8Array(0), 2, 128, 32),
        () => msg(T.ATOMIC, new Uint8Array(16), 3, 256, 0, (4 << 4) | 3),
        () => msg(T.SIGNAL, new Uint8Array(0), 0, 512, 1),
        () => msg(T.PING, new Uint8Array(0)),
        () => msg(T.COLL, new Uint8Array(8), 1),
        () => msg(T.ABORT, new TextEncoder().encode('{"code":"LAMELLAR_ERR_PE_FAILED","message":"x"}')),
      ];
      return kinds[Math.floor(r() * kinds.length)]!();
    };
    fuzz(() => {
      if (node.failed) {
        faults++;
        assert.ok(node.faults.every((f) => /^LAMELLAR_ERR_[A-Z_]+: /.test(f)), node.faults.join('\n'));
        ({ node, conn, link } = newNode());
      }
      const bad = mutate(r, valid());
      try {
        conn.start(Buffer.from(bad));
      } catch (e) {
        assert.fail(`message ${hex(bad)} threw ${(e as Error).stack}`);
      }
      inRing(link).drain(() => {});
    });
    assert.ok(faults > 0);
  });

  test('a declared size over any legal message is refused before memory is set aside for it', () => {
    const { node, conn } = newNode();
    const h = hdr.set(T.PUT, 1, 0xffffffff, 1, 64, 0, 0, FLAG_LAST);
    conn.start(Buffer.from(h));
    assert.equal(node.faults.length, 1);
    assert.match(node.faults[0]!, /^LAMELLAR_ERR_FRAME_TOO_LARGE: PE 1 sent a message of 4294967295 bytes/);
  });
});

describe('tcp message-link frames', () => {
  const MAX = 1 << 16;
  /** The stream of `frames` as a peer writes it: each a u32 length, then the frame. */
  const stream = (frames: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0));
    const v = new DataView(out.buffer);
    let o = 0;
    for (const f of frames) {
      v.setUint32(o, f.length, true);
      out.set(f, o + 4);
      o += 4 + f.length;
    }
    return out;
  };

  test('random frames, cut into socket chunks anywhere, arrive whole and in order', () => {
    const r = rng(SEED + 7);
    let sent = 0;
    fuzz(() => {
      const frames = Array.from({ length: 1 + Math.floor(r() * 6) }, () =>
        Uint8Array.from({ length: r() < 0.1 ? 0 : Math.floor(r() * (r() < 0.2 ? MAX : 300)) }, () => Math.floor(r() * 256)),
      );
      const got: Uint8Array[] = [];
      const reader = new FrameReader(MAX, (f) => void got.push(f.slice()), (n) => assert.fail(`refused a legal frame of ${n} bytes`));
      const bytes = stream(frames);
      for (let off = 0; off < bytes.length; ) {
        const end = Math.min(bytes.length, off + 1 + Math.floor(r() * (r() < 0.5 ? 8 : 5000)));
        reader.push(bytes.slice(off, end));
        off = end;
      }
      assert.equal(got.length, frames.length);
      got.forEach((f, i) => assert.deepEqual(f, frames[i]));
      sent += frames.length;
    });
    assert.ok(sent > 0);
  });

  test('a length over LAMELLAR_MAX_FRAME is refused before memory is set aside, and nothing after it is read', () => {
    const r = rng(SEED + 8);
    fuzz(() => {
      const before = Uint8Array.from({ length: Math.floor(r() * 100) }, () => Math.floor(r() * 256));
      const bytes = stream([before, new Uint8Array(0)]);
      const declared = MAX + 1 + Math.floor(r() * 0xfffeffff);
      new DataView(bytes.buffer).setUint32(4 + before.length, declared, true);
      const tail = stream([new Uint8Array(8)]);
      const all = new Uint8Array(bytes.length + tail.length);
      all.set(bytes);
      all.set(tail, bytes.length);
      const got: Uint8Array[] = [];
      const refused: number[] = [];
      const reader = new FrameReader(MAX, (f) => void got.push(f.slice()), (n) => void refused.push(n));
      for (let off = 0; off < all.length; ) {
        const end = Math.min(all.length, off + 1 + Math.floor(r() * 40));
        reader.push(all.subarray(off, end));
        off = end;
      }
      assert.deepEqual(got, [before]);
      assert.deepEqual(refused, [declared]);
    });
  });
});
