/**
 * Every wait is diagnosed: collectives, waitAll and the like register here while they wait, and
 * one timer reports each wait that has lasted LAMELLAR_DEADLOCK_TIMEOUT seconds, then again
 * after twice and four times as long, and so on. A report names the PEs that have not arrived
 * and what each is doing now, read from their status boards (status.ts). With
 * LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort the first report fails the job instead.
 *
 * The oldest registered wait is also what this PE publishes on its own board.
 */
import { addPendingReporter, config, ErrorCode, LamellarError, warn, WarningCode } from '../../core/index.js';
import { NOT_RECORDED, siteText, type Site } from './site.js';
import type { OldestPending } from '../../am/index.js';
import { describeStatus, State, type StatusBoard } from './status.js';

const SITE_DELAY_MS = 20;
/**
 * A timer this late means this PE's own event loop did not run (a long synchronous AM or user
 * code): what it waited for may well have arrived meanwhile, unread. The reports are then put off
 * by RECHECK_MS, so those messages are handled first, and the report that still follows says the
 * PE was itself blocked (it had read "PE 1 has waited 6 s in shutdown() for PE 0" of a PE that
 * was running a 6 s synchronous AM the whole time, and with the abort action it failed the job).
 */
const LATE_MS = 1000;
const RECHECK_MS = 100;

export interface Waiting {
  /** "barrier() #4 on the world". */
  readonly what: string;
  readonly state: number;
  readonly team: number;
  readonly seq: number;
  readonly kind: number;
  /** The call's own name beyond its kind ("DistIter.count"), shown on the board; else ''. */
  readonly label?: string;
  site: Site | undefined;
  /** The world PEs not yet arrived; `undefined` means: judge from their status boards. */
  missing(): number[] | undefined;
  /** The world PEs this wait involves (for board-based judgement). */
  readonly members: readonly number[];
  /**
   * What this PE itself still holds up, when it does ("which still holds 2 other handles to
   * it"), asked at each report; undefined when nothing here blocks the wait.
   */
  here?(): string | undefined;
  start: number;
  nextAt: number;
  reports: number;
  /**
   * False for a wait this PE serves for others (the lock it keeps for a GlobalRwDarc): reported,
   * but not what this PE is doing, so never shown on its board.
   */
  readonly shown?: boolean;
  /**
   * What this PE keeps for others when the wait is one it serves ("a GlobalRwDarc's lock"): its
   * report says a request waits there, not that this PE waits.
   */
  readonly keeps?: string;
  /**
   * A count that moves while the wait makes progress (AMs completed, for waitAll()): a wait whose
   * count moved since the last check is not reported then, only one with none for a whole
   * timeout (a waitAll() over 10,000 slow AMs was reported while they completed).
   */
  readonly progress?: () => number;
  lastProgress?: number;
  /**
   * False for a lock wait: it never holds the process. A lock that nothing can release leaves
   * the event loop empty, and the report printed then names the lock and the guard's call
   * (drain.ts); a held timer turned that exit into reports every few seconds forever.
   */
  readonly holds?: boolean;
}

/** How many locks this PE keeps where requests wait another wait's report names (see #report). */
const KEPT_SHOWN = 3;

export class Watch {
  readonly #timeoutMs: number;
  readonly #abort: boolean;
  readonly #waits = new Set<Waiting>();
  readonly #myPe: number;
  readonly #fatal: (err: Error) => void;
  readonly #teamName: (id: number) => string;
  board: StatusBoard | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = 0;
  /** Registered waits that hold the process while they last (see Waiting.holds). */
  #holding = 0;
  /** How late the timer fired when it last found this PE's event loop blocked (0: it was not). */
  #blockedMs = 0;
  #final = false;
  /** This PE's oldest AM still waiting for its result (the AM engine's), for the board. */
  #amProbe: (() => OldestPending | undefined) | undefined;
  #amTimer: ReturnType<typeof setInterval> | undefined;
  /** The oldest pending AM at the last probe, and whether the board shows it. */
  #lastOldest: number | undefined;
  #showingAm = false;
  /** The probe period, when the probe last ran, and the oldest AM's report schedule (see #probeAms). */
  #probeMs = 0;
  #lastProbe = 0;
  #amSince = 0;
  #amNextAt = 0;
  #amReports = 0;
  /** This PE's count of finished work (launches settled, AMs run), and its value at the last probe. */
  #amCompleted: (() => number) | undefined;
  #amDoneAt = -1;
  /** The shown wait whose call-site text is not on the board yet (see #publish). */
  #siteDue: Waiting | undefined;
  #siteTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(myPe: number, fatal: (err: Error) => void, teamName: (id: number) => string) {
    const cfg = config();
    this.#timeoutMs = cfg.deadlockTimeoutSecs * 1000;
    this.#abort = cfg.deadlockTimeoutAction === 'abort';
    this.#myPe = myPe;
    this.#fatal = fatal;
    this.#teamName = teamName;
    // A lock wait holds no timer (Waiting.holds): if the event loop runs empty, its report
    // names the lock waits instead.
    addPendingReporter(() => {
      const lines: string[] = [];
      for (const w of this.#waits) {
        if (w.holds !== false) continue;
        const site = w.site === undefined ? NOT_RECORDED : siteText(w.site);
        const kept = w.keeps === undefined ? '' : `${w.keeps} kept on this PE: `;
        lines.push(`${kept}${w.what}${site === NOT_RECORDED ? '' : ` at ${site}`}`);
      }
      return lines;
    });
  }

  /**
   * Lets the board of a PE that is in no wait show its oldest AM result outstanding, instead of
   * only "running": an AM whose result is awaited while its target is stuck is the usual reason a
   * PE never reaches the collective the others wait in. Probed every quarter timeout (0.1 to
   * 2.5 s, unref'd): shown once the same request is still the oldest at the next probe.
   */
  probeAms(probe: () => OldestPending | undefined, completed: () => number): void {
    this.#amProbe = probe;
    this.#amCompleted = completed;
    this.#probeMs = Math.min(2500, Math.max(100, this.#timeoutMs / 4));
    this.#lastProbe = performance.now();
    this.#amTimer ??= setInterval(this.#probeAms, this.#probeMs);
    this.#amTimer.unref();
  }

  /**
   * Also the diagnosis of an awaited AM result (`await world.execAmPe(1, Am)`), which is in no
   * registered wait: once the same request has been the oldest outstanding for the deadlock
   * timeout and its handle is awaited, it is reported like any wait (then after 2x, 4x, ...), naming
   * the AM, its target and what the target is doing (its board: running that AM's synchronous
   * code, in a collective, ...). Costs nothing per AM: the same periodic probe, one table look-up.
   * A probe that fired late (this PE's own loop was blocked) reports nothing: the reply may be
   * there unread. Nor does one while this PE finishes other work: the wait counts from the last
   * probe that saw none finish.
   */
  readonly #probeAms = (): void => {
    if (this.#final || this.board === undefined) return;
    const now = performance.now();
    const late = now - this.#lastProbe > this.#probeMs + LATE_MS;
    this.#lastProbe = now;
    if (this.#shown() !== undefined) {
      this.#lastOldest = undefined;
      return;
    }
    const o = this.#amProbe?.();
    // Work finishing here (replies arriving, AMs running) is progress, not a hang: a large group
    // whose first reply waits behind the PE's own long queue is slow, and must not abort the job.
    const completed = this.#amCompleted?.() ?? 0;
    const progressed = completed !== this.#amDoneAt;
    this.#amDoneAt = completed;
    if (o !== undefined && o.id === this.#lastOldest) {
      if (progressed) {
        this.#amSince = now;
        this.#amNextAt = now + this.#timeoutMs;
        this.#amReports = 0;
      }
      if (!this.#showingAm) this.board.publish(State.awaitingAm, 0, 0, 0, o.site, o.what);
      this.#showingAm = true;
      if (o.awaited && !late && now >= this.#amNextAt) {
        this.#amReports++;
        this.#amNextAt = now + this.#timeoutMs * 2 ** this.#amReports;
        void this.#reportAm(o, now - this.#amSince);
      }
    } else {
      if (this.#showingAm) {
        this.board.publish(State.running);
        this.#showingAm = false;
      }
      // First seen as the oldest now (it may have waited longer: counted from here).
      this.#amSince = now;
      this.#amNextAt = this.#amSince + this.#timeoutMs;
      this.#amReports = 0;
    }
    this.#lastOldest = o?.id;
  };

  async #reportAm(o: OldestPending, waitedMs: number): Promise<void> {
    const board = this.board;
    let line = '';
    if (board !== undefined && o.pe !== undefined && o.pe !== this.#myPe) {
      const s = await board.readForReport(o.pe).catch(() => undefined);
      line = `: PE ${o.pe} is ${s === undefined ? 'unreachable' : describeStatus(s, this.#teamName)}`;
    }
    // Settled meanwhile (the read took a while on tcp): nothing to report.
    if (this.#final || this.#amProbe?.()?.id !== o.id) return;
    const secs = Math.round(waitedMs / 100) / 10;
    const at = o.site === '' ? '' : ` (launched at ${o.site})`;
    const msg = `PE ${this.#myPe} has waited ${secs} s for ${o.what}${at}${line}`;
    if (this.#abort) {
      const details = { pe: this.#myPe, missing: o.pe === undefined ? undefined : [o.pe] };
      this.#fatal(new LamellarError(ErrorCode.DEADLOCK_TIMEOUT, `${msg} (LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort)`, { details }));
      return;
    }
    warn(WarningCode.DEADLOCK, `${msg}; next report in ${Math.round(this.#timeoutMs * 2 ** this.#amReports / 100) / 10} s`);
  }

  begin(w: Waiting): void {
    // After this PE's final state nothing is reported, and no timer may hold the process.
    if (this.#final) return;
    this.#waits.add(w);
    const holds = w.holds !== false && this.#holding++ === 0;
    w.start = performance.now();
    w.nextAt = w.start + this.#timeoutMs;
    w.lastProgress = w.progress?.();
    if (w.shown !== false && this.#shown() === w) {
      this.#showingAm = false;
      this.#publish(w);
    }
    if (this.#timer === undefined || w.nextAt < this.#armedAt) this.#arm(w.nextAt);
    else if (holds) this.#timer.ref();
  }

  end(w: Waiting): void {
    if (!this.#waits.delete(w)) return;
    if (w.holds !== false && --this.#holding === 0) this.#timer?.unref();
    if (this.#final) return;
    if (w.shown === false) return;
    // Publish only when the shown wait ended: the board shows the oldest wait.
    const next = this.#shown();
    if (next === undefined) this.board?.publish(State.running);
    else if (w.start <= next.start) this.#publish(next);
  }

  /** The oldest wait that is this PE's own (the board shows it). */
  #shown(): Waiting | undefined {
    for (const w of this.#waits) if (w.shown !== false) return w;
    return undefined;
  }

  /**
   * The wait made progress (a lock was granted while others still queue): it counts from now
   * again, so only a wait with no progress for the whole timeout is reported. Two stores and a
   * clock read: it runs at every grant of a contended lock.
   */
  restart(w: Waiting): void {
    w.start = performance.now();
    w.nextAt = w.start + this.#timeoutMs;
    w.reports = 0;
  }

  /** A site was captured after `begin` (a barrier that went to sleep): show it. */
  update(w: Waiting): void {
    if (this.#shown() === w) this.#publish(w);
  }

  /** The final state of this PE (shut down, exited); the board keeps it. */
  finish(state: number): void {
    if (this.#final) return;
    this.board?.publish(state);
    this.freeze();
  }

  /**
   * Keeps the board as it shows now, for good: this PE failed the job (runtime.fatal). A peer
   * that finds the same mismatch reads the call this PE was in (readPeerCall) and reports at
   * once, where the collective's unwinding would otherwise show "running" and leave the peer
   * polling for the call that is no longer shown.
   */
  freeze(): void {
    if (this.#final) return;
    this.#final = true;
    this.board?.stopBeat();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#amTimer !== undefined) clearInterval(this.#amTimer);
    this.#amTimer = undefined;
  }

  /**
   * Publishes what this PE waits in at once (a few word stores), but its call-site text only
   * if the wait is still shown SITE_DELAY_MS later: formatting a stack costs ~6 µs, and under
   * oversubscription most barriers wait a little. Reports read the board after seconds, and a
   * mismatch report retries its read for longer than the delay.
   */
  #publish(w: Waiting): void {
    this.board?.publish(w.state, w.team, w.seq, w.kind, w.site?.text ?? '', w.label ?? '');
    if (w.site === undefined || w.site.text !== undefined) return;
    this.#siteDue = w;
    if (this.#siteTimer === undefined) {
      this.#siteTimer = setTimeout(this.#publishSite, SITE_DELAY_MS);
      this.#siteTimer.unref();
    }
  }

  /** Publishes the shown wait's call-site text now (a mismatch report is about to be read). */
  flushSite(): void {
    const w = this.#shown();
    if (w !== undefined && !this.#final) this.board?.publish(w.state, w.team, w.seq, w.kind, siteText(w.site), w.label ?? '');
  }

  readonly #publishSite = (): void => {
    this.#siteTimer = undefined;
    const w = this.#siteDue;
    this.#siteDue = undefined;
    if (w === undefined || this.#final || this.#shown() !== w) return;
    this.board?.publish(w.state, w.team, w.seq, w.kind, siteText(w.site), w.label ?? '');
  };

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(this.#fire, Math.max(1, at - performance.now()));
    // Held (ref'd) only while something waits: a 1-PE job whose wait can never end then keeps
    // reporting instead of draining its event loop silently; an idle PE is never kept alive.
    if (this.#holding === 0) this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    if (this.#blockedMs === 0 && now - this.#armedAt > LATE_MS) {
      this.#blockedMs = now - this.#armedAt;
      this.#arm(now + RECHECK_MS);
      return;
    }
    const blocked = this.#blockedMs;
    this.#blockedMs = 0;
    let soonest = Infinity;
    for (const w of this.#waits) {
      if (w.nextAt <= now && w.progress !== undefined && w.progress() !== w.lastProgress) {
        w.lastProgress = w.progress();
        w.nextAt = now + this.#timeoutMs;
      } else if (w.nextAt <= now) {
        w.reports++;
        // Backoff: reports after T, 3T, 7T, ... (gaps T, 2T, 4T, ...).
        w.nextAt = now + this.#timeoutMs * 2 ** w.reports;
        void this.#report(w, now, blocked);
      }
      soonest = Math.min(soonest, w.nextAt);
    }
    if (soonest < Infinity) this.#arm(soonest);
  };

  async #report(w: Waiting, now: number, blockedMs: number): Promise<void> {
    const secs = Math.round((now - w.start) / 100) / 10;
    // Read before the boards are: a lock's description (who holds it) is of this moment.
    const what = w.what;
    let missing = w.missing();
    const lines: string[] = [];
    const board = this.board;
    if (board !== undefined) {
      const others = (missing ?? w.members).filter((pe) => pe !== this.#myPe);
      const seen = await Promise.all(others.map(async (pe) => [pe, await board.readForReport(pe).catch(() => undefined)] as const));
      if (missing === undefined) {
        // Judged from the boards: a PE waiting in this very collective (or, for other waits, in
        // the same state) has arrived.
        const arrived = (s: { state: number; team: number; seq: number }): boolean =>
          s.state === w.state && (w.state !== State.inCollective || (s.team === w.team && s.seq === w.seq));
        missing = seen.filter(([, s]) => s === undefined || !arrived(s)).map(([pe]) => pe);
      }
      for (const [pe, s] of seen) {
        if (missing.includes(pe)) lines.push(`PE ${pe} is ${s === undefined ? 'unreachable' : describeStatus(s, this.#teamName)}`);
      }
    }
    if (!this.#waits.has(w)) return;
    // A lock this PE keeps for others (a GlobalRwDarc's), where requests wait: a missing PE may
    // be waiting there for a guard this PE holds (kept across this barrier), which only the
    // lock's own description says. With the abort action this report may be the only one.
    if (w.keeps === undefined && missing !== undefined && missing.length > 0) {
      // The longest-waiting few: a PE may keep many contended locks.
      const kept = [...this.#waits].filter((k) => k.keeps !== undefined).sort((a, b) => a.start - b.start);
      for (const k of kept.slice(0, KEPT_SHOWN)) lines.push(`this PE keeps ${k.keeps}, where a request has waited ${Math.round((now - k.start) / 100) / 10} s: ${k.what}`);
      if (kept.length > KEPT_SHOWN) lines.push(`and ${kept.length - KEPT_SHOWN} more such lock(s)`);
    }
    const none = w.state === State.inWaitAll ? 'the AMs it waits for' : 'other PEs';
    // A wait this PE blocks itself (a conversion while it holds a clone) says so, rather than
    // blaming other PEs that may all be waiting for it.
    const mine = w.here?.();
    const self = mine === undefined ? '' : `this PE, ${mine}`;
    const who =
      missing === undefined || missing.length === 0 ? (mine === undefined ? none : self) : `PE(s) ${missing.join(', ')}${mine === undefined ? '' : ` and for ${self}`}`;
    const site = w.site === undefined ? NOT_RECORDED : siteText(w.site);
    const at = site === NOT_RECORDED ? '' : ` at ${site}`;
    const stalled = blockedMs === 0 ? '' : ` (this PE's own event loop did not run for ${Math.round(blockedMs / 100) / 10} s of it: a long synchronous AM or user code)`;
    // A wait on this PE alone (a lock a guard here holds) waits for no other PE.
    const forWho = w.members.length === 0 ? '' : ` for ${who}`;
    const head =
      w.keeps === undefined
        ? `PE ${this.#myPe} has waited ${secs} s in ${what}${at}${stalled}${forWho}`
        : `PE ${this.#myPe} keeps ${w.keeps}, where a request has waited ${secs} s: ${what}${at}${stalled}`;
    const msg = head + (lines.length > 0 ? `: ${lines.join('; ')}` : '');
    if (this.#abort) {
      // One PE holds this one up: its own report (a lock it waits for, with the line that took the
      // guard) says more than this one, so the launcher waits for it first (causedBy).
      const only = missing?.length === 1 && missing[0] !== this.#myPe ? missing[0] : undefined;
      const details = only === undefined ? { pe: this.#myPe, missing } : { pe: this.#myPe, missing, causedBy: only };
      const err = new LamellarError(ErrorCode.DEADLOCK_TIMEOUT, `${msg} (LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort)`, { details });
      // Made by this watch's timer, its only frames are the runtime's: the program's frame is
      // the call that waits.
      if (site !== NOT_RECORDED && typeof err.stack === 'string') {
        const head = err.stack.indexOf('\n    at ');
        if (head >= 0) err.stack = `${err.stack.slice(0, head)}\n    at ${site}`;
      }
      this.#fatal(err);
      return;
    }
    warn(WarningCode.DEADLOCK, `${msg}; next report in ${Math.round(this.#timeoutMs * 2 ** w.reports / 100) / 10} s`);
  }
}
