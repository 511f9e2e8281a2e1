/**
 * The status board: one small block in every PE's own heap that says what the PE is doing, so
 * that a PE stuck in a collective can name the PEs it waits for and what each of them is doing.
 * It lives in the heap because the heap can be read while its owner's main thread is busy in a
 * synchronous loop: on shmem every PE maps every heap, and on tcp a `get` is served by the
 * target's network thread, not its main thread.
 *
 * Layout (i32 words, then bytes):
 *   [0] version: odd while the owner writes (a seqlock; readers retry on odd or changed)
 *   [1] state  [2] team id  [3] sequence number on that team  [4] collective kind
 *   [5] length of the call-site text in bytes   [6] length of the call's name in bytes
 *   [7] the kind of AM whose synchronous code runs now (0: none)  [8] its wire id: written by
 *       the AM engine around each AM (outside the seqlock: one word each), so a PE stuck in an
 *       AM's loop shows that, whatever wait its board last published
 *   [9] heartbeat: a count the owner's event loop bumps every BEAT_MS (outside the seqlock, one
 *       word): a reader that sees it stand still knows the owner's thread is held by synchronous
 *       code, where "running" alone cannot tell a spinning PE from a busy one
 *   [10] idle: for how many ms the PE has run no code and held nothing of its script's own
 *       (team/idle.ts; outside the seqlock, one word), 0 otherwise
 *   [11] unused
 *   bytes 48..: the call's name, then the call-site text (UTF-8)
 * The name is empty unless the collective has one of its own beyond its kind (a distributed
 * iterator's consumer, "DistIter.count"): a peer that reports a mismatch names the call by it.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import { BUSY_CLOSURE, lookupAm } from '../../am/index.js';
import { Kind, kindName } from './kinds.js';
import { NOT_RECORDED } from './site.js';

export const STATUS_BYTES = 256;
const TEXT_AT = 48;
/** The i32 word (of a PE's block) where the AM running now is shown (Engine.setBusyWords). */
const BUSY_WORD = 7;
const BEAT_WORD = 9;
const IDLE_WORD = 10;
/** How often a PE's event loop bumps its heartbeat. */
const BEAT_MS = 100;
/**
 * How long a wait report watches a PE's heartbeat before it says the PE's thread is held: several
 * beats, so a timer late by a GC pause or a loaded machine does not count as held.
 */
const STALL_MS = 600;
/** Between two reads of a PE's heartbeat. */
const BEAT_POLL_MS = 50;
const TEXT_MAX = STATUS_BYTES - TEXT_AT;
const LABEL_MAX = 64;
/** Characters a label cut to LABEL_MAX keeps from its end ("… on PE 12"). */
const LABEL_TAIL = 16;

/**
 * `label`, cut in the middle to fit LABEL_MAX bytes: its end names the PE ("the result of active
 * message 'lamellar/array/global-lock' on PE 0" is 65 bytes, and cutting the end left "on PE ").
 */
export function fitLabel(label: string): string {
  if (Buffer.byteLength(label) <= LABEL_MAX) return label;
  const tail = label.slice(-LABEL_TAIL);
  let head = label.slice(0, LABEL_MAX - LABEL_TAIL - 3);
  while (head.length > 0 && Buffer.byteLength(`${head}…${tail}`) > LABEL_MAX) head = head.slice(0, -1);
  return `${head}…${tail}`;
}

export const State = {
  running: 0,
  inCollective: 1,
  inWaitAll: 2,
  shutDown: 3,
  exited: 4,
  inConversion: 5,
  /** Waiting for a lock (a Darc's, a lock array's) whose queue has not moved; label names it. */
  inLock: 6,
  /** Running, not in a collective, with one AM result outstanding for a while; label names it. */
  awaitingAm: 7,
} as const;

export interface StatusView {
  state: number;
  team: number;
  seq: number;
  kind: number;
  site: string;
  /** The call's own name, or '' (then its kind names it). */
  label: string;
  /** The AM whose synchronous code the PE runs now ('' if none): "active message 'spin'". */
  busy: string;
  /** The heartbeat count (word 9). */
  beat: number;
  /** For how many ms the PE has had nothing to do (word 10; team/idle.ts). */
  idleMs: number;
  /**
   * For readForReport: how long the heartbeat was watched without moving (the PE's thread was
   * held by synchronous code all that time), or 0 if it moved.
   */
  heldMs: number;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export interface BoardMemory {
  heap(pe: number): SharedArrayBuffer | undefined;
  get(pe: number, addr: number, dst: Uint8Array): Promise<void>;
  readonly myPe: number;
}

export class StatusBoard {
  readonly #mem: BoardMemory;
  /** Each world PE's status block address. */
  readonly #addrs: readonly number[];
  readonly #i32: Int32Array;
  readonly #u8: Uint8Array;
  readonly #at: number;
  #beat: ReturnType<typeof setInterval> | undefined;

  constructor(mem: BoardMemory, addrs: readonly number[]) {
    this.#mem = mem;
    this.#addrs = addrs;
    const own = mem.heap(mem.myPe)!;
    // Length-tracking views over a growable heap: they never go stale when it grows.
    this.#i32 = new Int32Array(own);
    this.#u8 = new Uint8Array(own);
    this.#at = addrs[mem.myPe]!;
  }

  /** The board words where this PE's AM engine shows the AM it runs now (Engine.setBusyWords). */
  busyWords(): [Int32Array, number] {
    // A fixed-length view (a shared heap never shrinks): the engine's stores stay plain stores.
    return [new Int32Array(this.#i32.buffer, this.#at + BUSY_WORD * 4, 2), 0];
  }

  /** Starts this PE's heartbeat (until stopBeat). */
  startBeat(): void {
    const w = (this.#at >>> 2) + BEAT_WORD;
    const v = this.#i32;
    // Unref'd: the heartbeat alone must not keep a PE's process alive.
    this.#beat = setInterval(() => {
      v[w] = (v[w]! + 1) | 0;
    }, BEAT_MS).unref();
  }

  /** Stops the heartbeat: the PE shut down or exits (its board says so). */
  stopBeat(): void {
    if (this.#beat !== undefined) clearInterval(this.#beat);
    this.#beat = undefined;
  }

  /** Publishes this PE's status. `site` is the call-site text, `label` the call's name, if known. */
  publish(state: number, team = 0, seq = 0, kind = 0, site = '', label = ''): void {
    const w = this.#at >>> 2;
    const v = this.#i32;
    Atomics.add(v, w, 1);
    v[w + 1] = state;
    v[w + 2] = team;
    v[w + 3] = seq;
    v[w + 4] = kind;
    const at = this.#at + TEXT_AT;
    const l = label === '' ? 0 : utf8.encodeInto(fitLabel(label), this.#u8.subarray(at, at + LABEL_MAX)).written;
    const r = utf8.encodeInto(site, this.#u8.subarray(at + l, this.#at + STATUS_BYTES));
    v[w + 5] = Math.min(r.written, TEXT_MAX - l);
    v[w + 6] = l;
    Atomics.add(v, w, 1);
  }

  /**
   * Reads PE `pe`'s status for a wait report, then watches its heartbeat for up to STALL_MS and
   * returns the read that shows it move (the status of that moment), or the last read with
   * `heldMs` set. A PE whose event loop turns is waiting or working asynchronously, and whatever
   * the first read showed (it may land in the microseconds an async AM runs before its first
   * await: a newcomer's report named such an AM "in the AM's synchronous code") says nothing
   * about a wait of seconds; one whose heartbeat stands still is held by synchronous code (an
   * AM's, or the script's own loop, which its board shows only as "running").
   */
  async readForReport(pe: number): Promise<StatusView> {
    const first = await this.read(pe);
    if (first.state === State.shutDown || first.state === State.exited) return first;
    const start = performance.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, BEAT_POLL_MS));
      const s = await this.read(pe);
      if (s.beat !== first.beat || s.state === State.shutDown || s.state === State.exited) return s;
      const held = performance.now() - start;
      if (held >= STALL_MS) return { ...s, heldMs: held };
    }
  }

  /** The state this PE published last, from its own board. */
  ownState(): number {
    return this.#i32[(this.#at >>> 2) + 1]!;
  }

  /** Shows for how many ms this PE has had nothing to do (0: it has). */
  setIdle(ms: number): void {
    this.#i32[(this.#at >>> 2) + IDLE_WORD] = Math.min(ms, 0x7fffffff);
  }

  /** The AM whose synchronous code this PE runs now ('' if none), from its own busy words. */
  ownBusy(): string {
    const w = (this.#at >>> 2) + BUSY_WORD;
    return busyName(this.#i32[w]!, this.#i32[w + 1]!);
  }

  /** Reads PE `pe`'s status (a remote read on tcp). */
  async read(pe: number): Promise<StatusView> {
    // A seqlock read: a copy is whole when the version was even as it began and still the same
    // when the next copy began. An odd version alone missed a write the owner began after the
    // copy had passed word 0 (half old, half new: a report could name the wrong call site).
    let buf = new Uint8Array(STATUS_BYTES);
    let next = new Uint8Array(STATUS_BYTES);
    await this.#mem.get(pe, this.#addrs[pe]!, buf);
    for (let tries = 0; tries < 8; tries++) {
      await this.#mem.get(pe, this.#addrs[pe]!, next);
      const was = new Int32Array(buf.buffer)[0]!;
      if ((was & 1) === 0 && new Int32Array(next.buffer)[0] === was) break;
      [buf, next] = [next, buf];
    }
    const words = new Int32Array(buf.buffer);
    const l = Math.max(0, Math.min(words[6]!, LABEL_MAX));
    const len = Math.max(0, Math.min(words[5]!, TEXT_MAX - l));
    return {
      state: words[1]!,
      // Team ids are unsigned 32-bit (create.ts): the word holds them as signed.
      team: words[2]! >>> 0,
      seq: words[3]!,
      kind: words[4]!,
      site: fromUtf8.decode(buf.subarray(TEXT_AT + l, TEXT_AT + l + len)),
      label: fromUtf8.decode(buf.subarray(TEXT_AT, TEXT_AT + l)),
      busy: busyName(words[BUSY_WORD]!, words[BUSY_WORD + 1]!),
      beat: words[BEAT_WORD]!,
      idleMs: words[IDLE_WORD]!,
      heldMs: 0,
    };
  }
}

/** The AM a board's busy words name; every PE defines the same AMs (SPMD), so its id names it here. */
function busyName(kind: number, id: number): string {
  if (kind === 0) return '';
  if (kind === BUSY_CLOSURE) return 'a closure active message';
  const def = lookupAm(id >>> 0);
  return def === undefined ? 'an active message' : `active message '${def.name}'`;
}

/** "in barrier() #4 on team 2 at file:///app.ts:10:3", "running, not in a collective", ... */
export function describeStatus(s: StatusView, teamName: (id: number) => string): string {
  // A wait whose call site was not recorded says nothing about it, as the PE's own reports do.
  const at = s.site && s.site !== NOT_RECORDED ? ` at ${s.site}` : '';
  // A PE stuck in an AM's synchronous code runs nothing else: whatever wait it published last
  // (a barrier it entered before the AM arrived) cannot move until the AM returns. Only a held
  // thread counts: one whose heartbeat moved was caught between two AMs' first awaits.
  const final = s.state === State.shutDown || s.state === State.exited;
  if (s.busy !== '' && s.heldMs > 0 && !final) {
    return `running ${s.busy} (its thread is in the AM's synchronous code and runs nothing else until it returns)`;
  }
  const held = s.heldMs > 0 && !final ? `its thread has not returned to the event loop for at least ${Math.round(s.heldMs / 100) / 10} s` : '';
  const after = held && `; ${held}`;
  const why = held && `; ${held} (synchronous code outside any active message, such as a loop that never awaits I/O or a timer)`;
  switch (s.state) {
    case State.inCollective:
      return `in ${s.label || kindName(s.kind)} #${s.seq} on ${teamName(s.team)}${at}${after}`;
    case State.inWaitAll:
      return `in waitAll()${at}${after}`;
    case State.inConversion:
      return `in a conversion${at}${after}`;
    case State.inLock:
      return `waiting for a lock (${s.label || 'a Darc or lock array'})${at}${after}`;
    case State.awaitingAm:
      return `running, not in a collective${why}; ${s.label || 'the result of an active message'} is outstanding${s.site ? ` (launched at ${s.site})` : ''}`;
    case State.shutDown:
      return 'shut down';
    case State.exited:
      return 'exited';
    default:
      if (s.idleMs >= IDLE_SHOWN_MS && s.heldMs === 0) {
        return `idle for ${Math.round(s.idleMs / 100) / 10} s, not in a collective: it runs no code and holds no timer, socket or other handle of its own (its script awaits something only an active message could settle, or that never settles)`;
      }
      return `running, not in a collective${why}`;
  }
}

/** How long a PE must have had nothing to do for a report to call it idle. */
const IDLE_SHOWN_MS = 1000;

/** A mismatched peer's call, as its status board shows it. */
export interface PeerCall {
  site: string | undefined;
  kind: number | undefined;
  label: string;
  /** The job was stopped, by the peer, for this mismatch: its error. */
  stopped?: LamellarError;
}

/**
 * PE `pe`'s call for collective `seq` of team `team`, as its status board shows it (for a
 * mismatch report); waits briefly for its site to appear. If that call is known to be a shutdown
 * (`kind`) on a team other than the world, it is the world's shutdown run on that team (the last
 * collective of every team, WorldRuntime.endTeams), which the board shows as the world's.
 */
export async function readPeerCall(board: StatusBoard | undefined, pe: number, team: number, seq: number, kind?: number): Promise<PeerCall> {
  const out: PeerCall = { site: undefined, kind: undefined, label: '' };
  if (board === undefined) return out;
  // Up to about a second: on a loaded machine the peer's site (published by a timer) and each
  // read (a round trip on tcp) may each take tens of milliseconds.
  for (let i = 0; i < 200; i++) {
    let s: StatusView;
    try {
      s = await board.read(pe);
    } catch (err) {
      // On tcp a read fails when the job has stopped: if the peer stopped it for this very
      // mismatch, its report names both calls (this one from this PE's board), where this
      // PE's could no longer name the peer's.
      if (err instanceof LamellarError && err.code === ErrorCode.COLLECTIVE_MISMATCH) out.stopped = err;
      return out;
    }
    const worldShutdown = kind === Kind.shutdown && team !== 0 && s.team === 0 && s.kind === Kind.shutdown;
    if (s.state === State.inCollective && ((s.team === team && s.seq === seq) || worldShutdown)) {
      out.kind = s.kind;
      out.label = s.label;
      if (s.site !== '') {
        out.site = s.site;
        return out;
      }
    }
    // Bounded: a peer publishes when it starts to wait (within its spin window), and its
    // call-site text 20 ms later (watch.ts) or at once when it sees the mismatch too.
    await new Promise((r) => setTimeout(r, 5));
  }
  return out;
}
