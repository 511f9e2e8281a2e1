/**
 * The AM engine of one PE: encodes launches into the per-destination aggregation buffers
 * (aggregation.ts), executes incoming AMs, and routes replies back to handles (outcomes.ts).
 *
 * Replies use the same buffers, so the replies to one frame of requests travel as one frame.
 */
import { addPendingReporter, channels, config, ErrorCode, LamellarError, peCounters, reportPendingOnDrain } from '../core/index.js';
import type { Lamella } from '../lamellae/types.js';
import { decodeValue, encodeValue, expectEnd, Reader, RefMemo, releaseRefsIn, Writer } from '../serde/index.js';
import { Outbox } from './aggregation.js';
import { closeArgScope, endArgDecode, FrameShares, openArgScope, releaseFrom, runReleases, takeHeld, type HeldList } from './arg-scope.js';
import { closureEnv, closureSourceOf, ClosureTable } from './closure-table.js';
import type { AmContext } from './context.js';
import { Counter } from './counter.js';
import { carriesEntries, isNeverDefined, isReturnedAm, isRuntimeAm, isUrgentAm, lookupAm, movesClones, noteNeverDefined, UNDEFINED_AM_WAIT_MS, type AmDef } from './define.js';
import { kGroup, type AmHandle, type HandleCounter, type LocalAmHandle, type MultiAmHandle } from './handle.js';
import { Inbox } from './inbox.js';
import { Outcomes, type Settleable, type OldestPending } from './outcomes.js';
import { writeErrorReply } from './remote-error.js';
import { amOnStack, captureAmSite } from './sites.js';
import { asWireError, toWireError } from './thrown.js';
import { CLOSURE_SRC, recordSize, REPLY_AM, REPLY_AM_CLOSURE, REPLY_ERROR, REPLY_UNITS, REPLY_VALUE, REQ, REQ_CLOSURE, SKIP, type WireError } from './wire.js';

/** A frame's decode memo and the handles its AMs share, kept while the frame is cut short. */
interface FrameState {
  memo: RefMemo;
  shares: FrameShares;
}

/** The types of `ctx.team` and `ctx.world`: the team layer's Team (see context.ts). */
type CtxTeam = AmContext['team'];
type CtxWorld = AmContext['world'];

/** What the team layer provides: team lookup for `ctx.team`, and the decode context for refs. */
export interface EngineHost {
  readonly world: CtxWorld;
  /**
   * The team with this id on this PE; undefined if this PE is not a member of such a team. With
   * `launched`, also a team this PE holds only a non-member handle of (it may launch AMs there,
   * and their returned AMs run back here on that handle).
   */
  teamById(id: number, launched?: boolean): CtxTeam | undefined;
  /** Whether this PE was a member of team `id` and has dropped it (for the refusal's wording). */
  teamDropped(id: number): boolean;
  /** Passed to ref codecs when decoding, so they can return this PE's own handles. */
  readonly decodeContext: unknown;
}

/** The launchAll scratch writer's buffer above this many bytes is dropped after the launch. */
const SCRATCH_KEEP = 1 << 20;

/** The kinds of AM the status board's busy words show (Engine.setBusyWords). */
export const BUSY_AM = 1;
export const BUSY_CLOSURE = 2;

class Ctx implements AmContext {
  constructor(
    readonly currentPe: number,
    readonly numPes: number,
    readonly srcPe: number,
    readonly world: CtxWorld,
    readonly team: CtxTeam,
  ) {}
}

export class Engine {
  readonly myPe: number;
  readonly numPes: number;
  /** Per-destination aggregation buffers: every record sent, request or reply, goes through them. */
  readonly #out: Outbox;
  /** Requests launched from here that wait for their reply, and settling them. */
  readonly #outcomes: Outcomes;
  readonly #scratch = new Writer(256);
  /** Everything launched from here and not settled, plus everything executing here. */
  readonly #work = new Counter();
  /** AMs running on this PE now (started and not finished, including those suspended at an await). */
  #executing = 0;
  /** Closure sources: which destinations have which, and those other PEs defined here. */
  readonly #closures: ClosureTable;
  #host: EngineHost | undefined;
  /**
   * One decoded handle for all the AMs of a frame that carry the same reference (arg-scope.ts):
   * the frame now running's. A frame cut short takes its pair along (#detach) until it resumes,
   * so that other senders' frames can run meanwhile.
   */
  #shares = new FrameShares();
  #memo = new RefMemo(this.#shares);
  /** An idle pair (cleared), kept for the next frame cut short. */
  #spare: FrameState | undefined;
  /** A record is being handled out of turn (#takeOutOfTurn). */
  #outOfTurn = false;
  /**
   * #onRequest left a request for an AM not yet defined here where it was: the frame waits from
   * that record (#records), with its sender's later frames, for a later turn.
   */
  #notYet = false;
  /** Per sender: since when its first waiting request has named an AM not defined here. */
  readonly #undefinedSince = new Map<number, number>();
  /** How long a request for an undefined AM waits (#waitForDefinition); 0 refuses it at once. */
  defineWaitMs = UNDEFINED_AM_WAIT_MS;
  /** Incoming frames, run in time slices (inbox.ts). */
  readonly #inbox = new Inbox({
    run: (src, frame, pos, state) => this.#onFrame(src, frame, pos, state as FrameState | undefined),
    detach: () => this.#detach(),
    drop: (state) => {
      // A cut frame dropped at close: its frame's hold on shared handles ends with it.
      const st = state as FrameState;
      st.memo.clear();
      st.shares.endFrame();
    },
    scan: (src, frame, pos) => this.#takeOutOfTurn(src, frame, pos),
  });
  #closed = false;
  /**
   * What this PE runs now, for other PEs' deadlock reports: [at] the kind (0 none, BUSY_AM, or
   * BUSY_CLOSURE), [at + 1] the AM's wire id, stored while an AM's synchronous code runs. Two
   * plain stores into this PE's status board (shared memory, readable while this thread is stuck
   * in the AM) before and after each AM, never a clock or a timer. A private pair until setBusyWords.
   */
  #busy: Int32Array<ArrayBufferLike> = new Int32Array(2);
  #busyAt = 0;
  /** Sends every buffered record now. */
  readonly flush: () => void;

  constructor(lamella: Lamella, threshold: number) {
    this.myPe = lamella.myPe;
    this.numPes = lamella.numPes;
    this.#out = new Outbox(lamella, threshold);
    this.flush = this.#out.flush;
    this.#outcomes = new Outcomes(lamella.myPe, this.#work);
    this.#closures = new ClosureTable(this.myPe, this.numPes, config().closureAms);
    lamella.setFrameHandler((src, frame, holdable, seen) => this.#inbox.deliver(src, frame, holdable, seen));
    lamella.setHoldHooks?.({ accepting: (src) => this.#inbox.accepting(src), scan: (src, frame) => this.#takeOutOfTurn(src, frame, 0) });
    addPendingReporter(() => this.#outcomes.pendingReport(this.#executing));
    reportPendingOnDrain(this.myPe);
  }

  setHost(host: EngineHost): void {
    this.#host = host;
  }

  /** Where to show the AM running now: words `at` and `at + 1` of `words` (the status board's). */
  setBusyWords(words: Int32Array, at: number): void {
    this.#busy = words;
    this.#busyAt = at;
  }

  /** The oldest launch of this PE still waiting for its result (for the status board). */
  oldestPending(): OldestPending | undefined {
    return this.#outcomes.oldestPending();
  }

  /** Everything launched from here and not settled, plus everything executing here. */
  get outstanding(): number {
    return this.#work.value;
  }

  /** Work items done since the start (moves while waitAll() makes progress). */
  get completed(): number {
    return this.#work.completed;
  }

  // ---- launching ----

  #checkOpen(): void {
    if (this.#closed) throw new LamellarError(ErrorCode.WORLD_SHUT_DOWN, 'cannot launch an active message after world.shutdown() (the end of the `await using` scope that holds the world shuts it down too)');
  }

  /** Launches `def(args)` on world PE `pe`; `handle` settles with the result. */
  launchPe(teamId: number, pe: number, def: AmDef<unknown, unknown>, args: unknown, handle: AmHandle<unknown>, keep?: ReadonlySet<object>): void {
    this.#checkOpen();
    const closure = closureSourceOf(def);
    const out = this.#out;
    const w = out.begin(pe);
    const start = w.pos;
    let reqAt: number;
    let wroteSource = false;
    try {
      // A closure's source goes first, the first time this destination sees it.
      if (closure !== undefined) wroteSource = this.#closures.writeSource(w, pe, closure);
      w.u8(closure === undefined ? REQ : REQ_CLOSURE);
      w.u32(def.id);
      reqAt = w.reserveU32();
      w.u32(teamId);
      const lenAt = w.reserveU32();
      w.keep = keep;
      if (closure === undefined) encodeValue(w, args, def.argLabel);
      else encodeValue(w, closureEnv(def, args), def.argLabel, 'env');
      w.patchU32(lenAt, w.pos - lenAt - 4);
      out.checkSize(w.pos - start, `the arguments of AM '${def.name}'`);
    } catch (err) {
      w.rewind(start);
      throw err;
    } finally {
      w.keep = undefined;
    }
    if (wroteSource) this.#closures.sent(pe, closure!);
    const moved = takeAfterSend(w, def);
    // The id is taken only once encoding succeeded, so a failed launch leaves no pending entry.
    const reqId = this.#outcomes.openPe(def.name, handle, this.#outcomes.recordsSites ? captureAmSite() : undefined);
    w.patchU32(reqAt, reqId);
    if (!isRuntimeAm(def)) peCounters.amsSent++;
    if (channels.amSend.hasSubscribers) channels.amSend.publish({ am: def.name, pe, reqId });
    out.end(pe, w);
    if (moved !== undefined) runAll(moved);
  }

  /** Launches `def(args)` on every PE in `pes` (world ids, team order), encoding args once. */
  launchAll(teamId: number, pes: readonly number[], def: AmDef<unknown, unknown>, args: unknown, multi: MultiAmHandle<unknown>, keep?: ReadonlySet<object>): void {
    this.#checkOpen();
    const closure = closureSourceOf(def);
    const s = this.#scratch;
    s.reset();
    s.keep = keep;
    let moved: (() => void)[] | undefined;
    try {
      if (closure === undefined) encodeValue(s, args, def.argLabel);
      else encodeValue(s, closureEnv(def, args), def.argLabel, 'env');
      s.keep = undefined;
      const body = s.view();
      this.#out.checkSize(body.length + 17, `the arguments of AM '${def.name}'`);
      moved = takeAfterSend(s, def);
      const group = multi[kGroup];
      if (this.#outcomes.recordsSites) this.#outcomes.noteSite(multi, captureAmSite());
      for (let i = 0; i < pes.length; i++) {
        const pe = pes[i]!;
        const w = this.#out.begin(pe);
        if (closure !== undefined && this.#closures.writeSource(w, pe, closure)) this.#closures.sent(pe, closure);
        w.u8(closure === undefined ? REQ : REQ_CLOSURE);
        w.u32(def.id);
        const reqId = this.#outcomes.openPart(multi, i, group);
        w.u32(reqId);
        w.u32(teamId);
        w.u32(body.length);
        w.bytes(body);
        if (!isRuntimeAm(def)) peCounters.amsSent++;
        if (channels.amSend.hasSubscribers) channels.amSend.publish({ am: def.name, pe, reqId });
        this.#out.end(pe, w);
      }
    } finally {
      s.keep = undefined;
      // Every destination has its copy, or the launch failed: a large argument's buffer is not
      // kept for the next launch.
      if (s.capacity > SCRATCH_KEEP) {
        s.reset();
        s.shrink(256);
      }
    }
    if (moved !== undefined) runAll(moved);
  }

  /** Runs `def(args)` on this PE with no serialization. */
  launchLocal(team: CtxTeam, def: AmDef<unknown, unknown>, args: unknown, handle: LocalAmHandle<unknown>): void {
    this.#checkOpen();
    // A closure takes its values in env: arguments, which every other launch refuses, were dropped here.
    if (args !== undefined && closureSourceOf(def) !== undefined) closureEnv(def, args);
    if (this.#outcomes.recordsSites) this.#outcomes.noteSite(handle, captureAmSite());
    this.#work.add();
    handle[kGroup]?.add();
    queueMicrotask(() => {
      this.#runLocal(new Ctx(this.myPe, this.numPes, this.myPe, this.#host!.world, team), def, args, (ok, value) =>
        this.#outcomes.settle(handle as Settleable, ok, value),
      );
    });
  }

  /**
   * Counts one piece of work in waitAll() until endWork(): for a caller that already has a settle
   * hook of its own, so that counting costs no promise reaction (a region put on tcp).
   */
  beginWork(): void {
    this.#work.add();
  }

  endWork(): void {
    this.#work.done();
  }

  /**
   * Counts `p` as work launched from this PE until it settles, so waitAll() (and shutdown) wait
   * for it: runtime operations that are not AMs, such as array ops queued behind a lock.
   */
  trackWork(p: PromiseLike<unknown>): void {
    this.#work.add();
    const done = (): void => this.#work.done();
    p.then(done, done);
  }

  /**
   * `p`, awaited by an AM running here (the runtime's own) for something only another PE can
   * give, such as a lock another PE holds: until `p` settles, the AM does not count in this PE's
   * waitAll(). Else `await world.waitAll(); await world.barrier()` on a lock's keeper would wait
   * for a request that waits for a guard its holder releases only after that barrier. The AM
   * counts again once `p` settles, until it ends.
   */
  parked<T>(p: PromiseLike<T>): Promise<T> {
    this.#work.done();
    const back = (): void => this.#work.add();
    return Promise.resolve(p).then(
      (v) => {
        back();
        return v;
      },
      (e: unknown) => {
        back();
        throw e;
      },
    );
  }

  /** Resolves once everything launched from this PE, and everything running here, is done. */
  waitAll(): Promise<void> {
    return this.#outcomes.waitAll();
  }

  /**
   * Reports the unobserved failures of the AMs launched through `counter` (a sub-team's or a
   * TaskGroup's), once its waitAll() has resolved (see Outcomes.reportUnobservedIn).
   */
  reportUnobservedIn(counter: HandleCounter): void {
    this.#outcomes.reportUnobservedIn(counter);
  }

  /**
   * After the shutdown collective. An AM that arrived before it may still finish afterwards (the
   * reference-count probe a late drop set off, whose body awaits): nobody waits for its reply any
   * more, every PE having passed its waitAll, and the lamella is about to close (a send then
   * throws WORLD_SHUT_DOWN in a flush microtask, failing the PE), so replies are dropped from here.
   */
  close(): void {
    this.flush();
    this.#closed = true;
    this.#inbox.close();
  }

  // ---- receiving ----

  /**
   * Runs `frame` from `pos`; -1 when done, else where to resume (the inbox's slice ran out, and
   * takes the frame's memo and shares with #detach). `state`: those of a frame resuming.
   */
  #onFrame(src: number, frame: Uint8Array, pos: number, state: FrameState | undefined): number {
    if (state !== undefined) {
      // The pair in place is idle between frames: keep it for the next cut.
      this.#spare ??= { memo: this.#memo, shares: this.#shares };
      this.#memo = state.memo;
      this.#shares = state.shares;
    }
    let at = -1;
    try {
      at = this.#records(src, frame, pos);
    } finally {
      // Handles shared by this frame's AMs are released once the last of those AMs is done; a
      // frame cut short keeps them (and the memo) until it resumes.
      if (at < 0) {
        this.#memo.clear();
        this.#shares.endFrame();
      }
    }
    return at;
  }

  /** The memo and shares of the frame just cut short, handed to the inbox; a fresh pair in place. */
  #detach(): FrameState {
    const state: FrameState = { memo: this.#memo, shares: this.#shares };
    const spare = this.#spare;
    this.#spare = undefined;
    this.#shares = spare?.shares ?? new FrameShares();
    this.#memo = spare?.memo ?? new RefMemo(this.#shares);
    return state;
  }

  #records(src: number, frame: Uint8Array, pos: number): number {
    const r = new Reader(frame, pos);
    while (r.pos < r.end) {
      const at = r.pos;
      // Requests and returned AMs run program code: the slice may end after each.
      const ran = this.#record(src, r, r.u8());
      if (this.#notYet) {
        this.#notYet = false;
        return at;
      }
      if (ran && this.#inbox.due() && r.pos < r.end) return r.pos;
    }
    return -1;
  }

  /** How many senders' requests wait here for an AM to be defined (#waitForDefinition). */
  get waitingForDefinition(): number {
    return this.#undefinedSince.size;
  }

  /**
   * Whether a request from `src` for an AM not defined here waits for a later turn rather than
   * being refused: for up to `defineWaitMs`. Every PE defines the same AMs, but not at the
   * same moment: `await initWorld(); const Hi = defineAm(...)` on the target may run after another
   * PE, past the same line, has sent it Hi (2 runs in 6 refused so, on 3 PEs).
   */
  #waitForDefinition(src: number, amId: number): boolean {
    if (this.defineWaitMs <= 0 || isNeverDefined(amId)) return false;
    const now = performance.now();
    const since = this.#undefinedSince.get(src);
    if (since === undefined) {
      this.#undefinedSince.set(src, now);
      return true;
    }
    if (now - since < this.defineWaitMs) return true;
    this.#undefinedSince.delete(src);
    noteNeverDefined(amId);
    return false;
  }

  /** Handles the record of `kind` at `r` (its kind byte read); true if it ran an AM. */
  #record(src: number, r: Reader, kind: number): boolean {
    switch (kind) {
      case REQ:
      case REQ_CLOSURE:
        this.#onRequest(src, r, kind === REQ_CLOSURE);
        return true;
      case CLOSURE_SRC:
        this.#closures.onSource(src, r);
        return false;
      case REPLY_UNITS: {
        const first = r.u32();
        this.#outcomes.replyUnits(first, r.u32());
        return false;
      }
      case REPLY_VALUE: {
        const reqId = r.u32();
        const len = r.u32();
        const end = r.pos + len;
        let value: unknown;
        try {
          value = decodeValue(r, this.#host!.decodeContext);
          expectEnd(r, end);
        } catch (err) {
          // A value that decoded but does not end where its record does: the handles in it
          // reach nobody.
          releaseRefsIn(value);
          r.pos = end;
          this.#outcomes.reply(reqId, false, err);
          return false;
        }
        this.#outcomes.reply(reqId, true, value);
        return false;
      }
      case REPLY_ERROR: {
        const reqId = r.u32();
        r.u32();
        const e = asWireError(decodeValue(r));
        this.#outcomes.reply(reqId, false, this.#outcomes.remoteError(src, reqId, e));
        return false;
      }
      case REPLY_AM:
      case REPLY_AM_CLOSURE:
        this.#onReturnedAm(src, r, kind === REPLY_AM_CLOSURE);
        return true;
      case SKIP: {
        const n = r.u32();
        if (n > r.end - r.pos) throw new LamellarError(ErrorCode.PROTOCOL, `corrupt AM frame from PE ${src}: a SKIP record of ${n} bytes at byte ${r.pos - 5} runs past the frame`);
        r.pos += n;
        return false;
      }
    }
    throw new LamellarError(ErrorCode.PROTOCOL, `corrupt AM frame from PE ${src}: record kind ${kind} at byte ${r.pos - 1}`);
  }

  /**
   * A frame from `pos` that waits behind other AMs (cut short, or held back because the slice is
   * used up): its replies and collective messages are handled now and overwritten with SKIP
   * records, so a PE flooded with AMs still sees the answers to its own awaited AMs and takes its
   * part in collectives (a burst of 2,000 AMs of 0.5 ms held both for a second). Requests and
   * returned AMs keep their turn: they run program code, and one sender's AMs start in order.
   * `frame` must be this PE's to write: a copy, or a record in a shmem ring or staging block that
   * the sender no longer touches. A record that does not parse stops the walk; the frame's own
   * turn then reports it.
   */
  #takeOutOfTurn(src: number, frame: Uint8Array, pos: number): void {
    const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    for (let p = pos; p < frame.length; ) {
      const size = recordSize(frame, dv, p);
      if (size < 0) return;
      const kind = frame[p]!;
      const urgent = kind === REPLY_VALUE || kind === REPLY_ERROR || kind === REPLY_UNITS || (kind === REQ && isUrgentAm(dv.getUint32(p + 1, true)));
      if (urgent) {
        const r = new Reader(frame, p + 1, p + size);
        this.#outOfTurn = true;
        try {
          this.#record(src, r, kind);
        } finally {
          // Done with, even if it threw (a reply that failed to decode is settled as failed):
          // it must not be handled again in the frame's turn.
          this.#outOfTurn = false;
          frame[p] = SKIP;
          dv.setUint32(p + 1, size - 5, true);
        }
      }
      p += size;
    }
  }

  #onRequest(src: number, r: Reader, closure: boolean): void {
    const amId = r.u32();
    const reqId = r.u32();
    const teamId = r.u32();
    const len = r.u32();
    const end = r.pos + len;
    const def = closure ? this.#closures.lookup(src, amId) : lookupAm(amId);
    // The waiting request itself has moved on (not one taken out of turn behind it).
    if (this.#undefinedSince.size !== 0 && def !== undefined && !this.#outOfTurn) this.#undefinedSince.delete(src);
    if (def === undefined) {
      r.pos = end;
      if (!closure && this.#waitForDefinition(src, amId)) {
        this.#notYet = true;
        return;
      }
      this.#reply(src, reqId, closure ? this.#closures.refusal(src, amId) : {
        name: 'LamellarError',
        message: `no active message with wire id ${amId} is defined on PE ${this.myPe}`,
        stack: '',
        code: ErrorCode.UNKNOWN_AM,
        refused: true,
      });
      return;
    }
    const host = this.#host!;
    let team = host.teamById(teamId);
    // The runtime's objects outlive their team (an array's ops): one launched through the team
    // before its drop may arrive after the drop here, and still runs.
    if (team === undefined && isRuntimeAm(def) && host.teamDropped(teamId)) team = host.teamById(0);
    if (team === undefined) {
      // Never reroute to another team: ctx.team would lie, and team-relative PEs would be wrong.
      r.pos = end;
      // A team its members dropped is a handle used after release, not a transport fault.
      const dropped = host.teamDropped(teamId);
      this.#reply(src, reqId, {
        name: 'LamellarError',
        message: dropped
          ? `team id ${teamId} was dropped on PE ${this.myPe} (its members dropped it with team.drop()); the AM was not run`
          : `${this.#unknownTeam(teamId)}; the AM was not run`,
        stack: '',
        code: dropped ? ErrorCode.USE_AFTER_RELEASE : ErrorCode.PROTOCOL,
        refused: true,
      });
      return;
    }
    let args: unknown;
    // Refs decoded from the arguments (regions, Darcs) are held until the AM has finished. Their
    // releases stay on the arg-scope stack while the AM runs synchronously (nothing else decodes
    // meanwhile) and are taken away only if it suspends.
    const mark = openArgScope();
    try {
      // Out of turn, the memo in place is not this frame's (an idle one, or that of the frame
      // just cut): entries kept there at this frame's offsets could later match another frame's
      // back-references. Decode without one.
      const memo = this.#outOfTurn ? undefined : this.#memo;
      args = carriesEntries(def) ? this.#decodeEntries(r, host.decodeContext, memo) : decodeValue(r, host.decodeContext, memo);
      expectEnd(r, end);
    } catch (err) {
      runReleases(closeArgScope(mark));
      r.pos = end;
      this.#reply(src, reqId, toWireError(err));
      return;
    }
    endArgDecode();
    this.#work.add();
    if (!isRuntimeAm(def)) peCounters.amsExecuted++;
    this.#executing++;
    if (channels.amExec.hasSubscribers) channels.amExec.publish({ am: def.name, src, reqId });
    let out: unknown;
    const busy = this.#busy;
    const b = this.#busyAt;
    const wasKind = busy[b]!;
    const wasId = busy[b + 1]!;
    busy[b + 1] = def.id;
    busy[b] = closure ? BUSY_CLOSURE : BUSY_AM;
    try {
      out = def.exec(new Ctx(this.myPe, this.numPes, src, host.world, team), args);
      // Reading `then` is inside the try: a returned Proxy may throw from it, like an exec.
      if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<unknown>).then === 'function') {
        this.#awaitResult(src, reqId, def, out as PromiseLike<unknown>, teamId, takeHeld(mark));
        return;
      }
    } catch (err) {
      this.#reply(src, reqId, toWireError(err));
      releaseFrom(mark);
      this.#execDone(undefined);
      return;
    } finally {
      busy[b] = wasKind;
      busy[b + 1] = wasId;
    }
    // In a finally: a send that throws (the lamella closing under a failing PE) must not leave
    // this AM counted as running, which would hold every later waitAll() and the shutdown.
    try {
      this.#replyValue(src, reqId, def, out, teamId);
    } finally {
      releaseFrom(mark);
      this.#execDone(undefined);
    }
  }

  /**
   * The arguments of many program AMs in one value (a TypedAmGroup's message), whose entries run
   * concurrently: every repeat of a handle in it is a copy, owned by its entry.
   */
  #decodeEntries(r: Reader, ctx: unknown, memo: RefMemo | undefined): unknown {
    this.#shares.copyEvery = true;
    try {
      return decodeValue(r, ctx, memo);
    } finally {
      this.#shares.copyEvery = false;
    }
  }

  /** Replies once `p` (an AM's result) settles; a thenable that misbehaves still gets one reply. */
  #awaitResult(src: number, reqId: number, def: AmDef<unknown, unknown>, p: PromiseLike<unknown>, teamId: number, held: HeldList | undefined): void {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      this.#reply(src, reqId, toWireError(err), this.#executing > 1);
      this.#execDone(held);
    };
    try {
      p.then((value) => {
        if (settled) return;
        settled = true;
        // With other AMs still running here, their replies may follow within a few microtasks.
        try {
          this.#replyValue(src, reqId, def, value, teamId, this.#executing > 1);
        } finally {
          this.#execDone(held);
        }
      }, fail);
    } catch (err) {
      fail(err);
    }
  }

  #execDone(held: HeldList | undefined): void {
    runReleases(held);
    this.#executing--;
    this.#work.done();
  }

  #replyValue(src: number, reqId: number, def: AmDef<unknown, unknown>, value: unknown, teamId: number, late = false): void {
    if (this.#closed) return;
    const out = this.#out;
    const w = late ? out.beginLate(src) : out.begin(src);
    const start = w.pos;
    let wroteSource: ReturnType<typeof closureSourceOf>;
    try {
      if (value === undefined) {
        out.unitReply(w, src, reqId);
      } else if (isReturnedAm(value)) {
        const am = value.am as AmDef<unknown, unknown>;
        const closure = closureSourceOf(am);
        if (closure !== undefined && this.#closures.writeSource(w, src, closure)) wroteSource = closure;
        w.u8(closure === undefined ? REPLY_AM : REPLY_AM_CLOSURE);
        w.u32(reqId);
        w.u32(am.id);
        w.u32(teamId);
        const lenAt = w.reserveU32();
        const label = `${closure === undefined ? 'argument' : 'env'} of AM '${am.name}' returned by AM '${def.name}'`;
        if (closure === undefined) encodeValue(w, value.args, label);
        else encodeValue(w, closureEnv(am, value.args), label, 'env');
        w.patchU32(lenAt, w.pos - lenAt - 4);
      } else {
        w.u8(REPLY_VALUE);
        w.u32(reqId);
        const lenAt = w.reserveU32();
        encodeValue(w, value, `result of AM '${def.name}'`, 'result');
        w.patchU32(lenAt, w.pos - lenAt - 4);
      }
      out.checkSize(w.pos - start, `the result of AM '${def.name}'`);
    } catch (err) {
      w.rewind(start);
      this.#reply(src, reqId, toWireError(err));
      return;
    }
    if (wroteSource !== undefined) this.#closures.sent(src, wroteSource);
    const moved = takeAfterSend(w, def);
    out.end(src, w);
    if (moved !== undefined) runAll(moved);
  }

  /** Answers request `reqId` from `src` with an error. */
  #reply(src: number, reqId: number, e: WireError, late = false): void {
    if (this.#closed) return;
    const w = late ? this.#out.beginLate(src) : this.#out.begin(src);
    writeErrorReply(w, reqId, e, this.#out.maxRecord);
    this.#out.end(src, w);
  }

  /** Why a record naming a team this PE does not know is refused. */
  #unknownTeam(teamId: number): string {
    return `team id ${teamId} is unknown on PE ${this.myPe} (this PE is not a member of such a team)`;
  }

  #onReturnedAm(src: number, r: Reader, closure: boolean): void {
    const reqId = r.u32();
    const amId = r.u32();
    const teamId = r.u32();
    const len = r.u32();
    const end = r.pos + len;
    const def = closure ? this.#closures.lookup(src, amId) : lookupAm(amId);
    let args: unknown;
    const mark = openArgScope();
    try {
      if (def === undefined) {
        throw closure
          ? this.#closures.refusalError(src, amId)
          : new LamellarError(ErrorCode.UNKNOWN_AM, `returned AM with wire id ${amId} is not defined on PE ${this.myPe}`);
      }
      args = decodeValue(r, this.#host!.decodeContext, this.#memo);
      expectEnd(r, end);
    } catch (err) {
      runReleases(closeArgScope(mark));
      r.pos = end;
      this.#outcomes.reply(reqId, false, err);
      return;
    }
    const held = closeArgScope(mark);
    const host = this.#host!;
    const team = host.teamById(teamId, true);
    if (team === undefined) {
      // The id is the origin's own launching team, echoed back; unknown here means a corrupt reply.
      runReleases(held);
      const message = `active message '${def!.name}' returned by PE ${src} was not run: ${this.#unknownTeam(teamId)}`;
      this.#outcomes.reply(reqId, false, new LamellarError(ErrorCode.PROTOCOL, message, { details: { pe: src, amName: def!.name, teamId } }));
      return;
    }
    const h = this.#outcomes.take(reqId);
    if (h === undefined) throw new LamellarError(ErrorCode.PROTOCOL, `returned AM for unknown request ${reqId} on PE ${this.myPe}`);
    const id = this.#outcomes.lastId;
    this.#runLocal(new Ctx(this.myPe, this.numPes, src, host.world, team), def, args, (ok, value) => {
      this.#outcomes.settleEntry(h, id, ok, value);
      runReleases(held);
    });
  }

  /** Runs an AM here (a local AM, or a returned AM on its origin), following returned AMs. */
  #runLocal(ctx: Ctx, def: AmDef<unknown, unknown>, args: unknown, done: (ok: boolean, value: unknown) => void): void {
    if (!isRuntimeAm(def)) peCounters.amsExecuted++;
    this.#executing++;
    let settled = false;
    const finish = (ok: boolean, value: unknown): void => {
      if (settled) return;
      settled = true;
      this.#executing--;
      done(ok, value);
    };
    const next = (value: unknown): void => {
      if (settled) return;
      let returned: boolean;
      try {
        returned = isReturnedAm(value);
      } catch (err) {
        // A value whose property reads throw (a strict Proxy): the handle rejects with it, as
        // for an AM run on another PE, instead of the throw escaping and failing the PE.
        fail(err);
        return;
      }
      if (returned) {
        settled = true;
        this.#executing--;
        const r = value as { am: unknown; args: unknown };
        this.#runLocal(ctx, r.am as AmDef<unknown, unknown>, r.args, done);
      } else finish(true, value);
    };
    const fail = (err: unknown): void => finish(false, err);
    let out: unknown;
    const busy = this.#busy;
    const b = this.#busyAt;
    const wasKind = busy[b]!;
    const wasId = busy[b + 1]!;
    busy[b + 1] = def.id;
    busy[b] = closureSourceOf(def) === undefined ? BUSY_AM : BUSY_CLOSURE;
    try {
      out = def.exec(ctx, args);
      if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<unknown>).then === 'function') {
        (out as PromiseLike<unknown>).then(next, fail);
        return;
      }
    } catch (err) {
      fail(err);
      return;
    } finally {
      busy[b] = wasKind;
      busy[b + 1] = wasId;
    }
    next(out);
  }

  /** Whether the caller runs inside an active message executing on this PE. */
  inAm(): boolean {
    return this.#executing > 0 && amOnStack() !== undefined;
  }

  /**
   * Throws WAIT_ALL_IN_AM when called from inside an AM running on this PE: such a wait includes
   * that AM and can never resolve. An AM's frame is recognised by its exec function's name, which
   * defineAm adds (`[lamellar:am:<name>]`), on the synchronous stack or among the async frames of
   * the awaits that lead to it; the stack is captured only while some AM runs here.
   */
  checkNotInAm(what: string, why = 'it waits for every AM running on this PE, this one included, so it would never resolve'): void {
    if (this.#executing === 0) return;
    const am = amOnStack();
    if (am === undefined) return;
    throw new LamellarError(
      ErrorCode.WAIT_ALL_IN_AM,
      `${what} was called inside active message '${am}': ${why}. ` +
        "Inside an AM, await the handles it launched, or launch through a TaskGroup and await the group's waitAll()",
      { details: { amName: am } },
    );
  }
}

/**
 * Takes what the encoded values asked to run once sent (a `clone()` moving into the AM:
 * memregion/handle.ts), for the program's AMs only: the runtime's own AMs (array ops, locks,
 * reductions) carry the caller's handle, which may be a clone, and must not use it up. Run only
 * after the record is ended: a release may free an object, whose protocol sends runtime AMs
 * through the same writers.
 */
function takeAfterSend(w: Writer, def: AmDef<unknown, unknown>): (() => void)[] | undefined {
  const after = w.afterSend;
  if (after === undefined) return undefined;
  w.afterSend = undefined;
  return movesClones(def) ? after : undefined;
}

function runAll(fns: readonly (() => void)[]): void {
  for (const f of fns) f();
}
