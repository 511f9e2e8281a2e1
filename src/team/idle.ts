/**
 * A job that can never move again, found and reported.
 *
 * On the local lamella a script whose last await can never settle (`await new Promise(() => {})`,
 * a promise an AM was meant to resolve) just ends: nothing keeps its event loop alive, and Node
 * exits with code 13. On shmem, tcp and ofi the runtime's own links keep every PE's loop alive,
 * since another PE may yet send it an AM, and the same script waited silently for ever: no PE
 * is in a collective, so the deadlock diagnosis had nothing to report.
 *
 * A PE is idle when its world is up, it is not in a collective or any other wait the diagnosis
 * watches, no AM's code holds its thread, and its event loop holds nothing but the runtime's own
 * handles (it may wait for AM results, or run AMs suspended at an await: only a message could
 * move those). The last is read with `process.getActiveResourcesInfo()`: those the launcher held
 * before it loaded the script (its pipes) and those that stayed from initWorld() are the
 * runtime's; any more of a kind (a timer, a socket, a child process, a worker, a file read), or
 * any the script made before initWorld() and still has, belong to the script, which may be
 * waiting for them. That list cannot see work Node runs on its thread pool (crypto, zlib): a PE
 * waiting for such work looks idle, so the verdict is a report, not an ending. An idle PE shows
 * for how long on its status board (status.ts), checked every TICK_MS.
 *
 * Once every PE has been idle for LAMELLAR_DEADLOCK_TIMEOUT, team PE 0 of the world reports it
 * as the deadlock diagnosis reports a wait (LAMELLAR_W_DEADLOCK, again after 2x, 4x, ... as
 * long), and with LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort fails the job with
 * LAMELLAR_ERR_DEADLOCK_TIMEOUT. With one PE nothing else could wake it, and Node itself ends it
 * when its loop runs empty (the shmem lamella holds no keep-alive then): no watch runs.
 */
import { activeResources, config, ErrorCode, hostResources, LamellarError, warn, WarningCode, type ResourceCounts as Counts } from '../core/index.js';
import { State, type StatusView } from './coll/status.js';
import type { WorldRuntime } from './runtime.js';

/** How often a PE checks whether it is idle. */
const TICK_MS = 250;
/** Between two reads of a PE's board: several heartbeats (status.ts) and idle checks. */
const RECHECK_MS = 600;
/**
 * Kinds that are never the runtime's own for long: an `Immediate` (a turn about to run) and the
 * requests of one operation (a file read, a connect, a write, a close). One caught in the
 * snapshot at the end of initWorld() would hide the script's own of that kind for the rest of
 * the job: a computation that yields with `setImmediate` looked idle, and was ended.
 */
const TRANSIENT = /^Immediate$|Req|^(Connect|Shutdown|Write|Send)Wrap$/;

/**
 * When, in idle time, the report after `reports` reports is due: 2^reports limits, and never
 * sooner than one limit after the report just made at `idleMs`. On a loaded machine the reads
 * that confirm every PE idle can finish a whole limit late, and a due time already past printed
 * "next report in -0.3 s".
 */
export function nextReportAtMs(limitMs: number, reports: number, idleMs: number): number {
  return Math.max(limitMs * 2 ** reports, idleMs + limitMs);
}

export class IdleWatch {
  readonly #rt: WorldRuntime;
  /** The runtime's own resources: the launcher's, and those that appeared while initWorld() ran. */
  readonly #own: Counts = new Map(hostResources());
  readonly #limitMs: number;
  readonly #abort: boolean;
  /** Reports made since every PE last was idle together (the next comes after 2^n limits). */
  #reports = 0;
  /** When the next report is due, in this PE's idle time. */
  #nextAtMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** When this PE last had something to do. */
  #busyAt = performance.now();
  #reading = false;
  /** Whether the first tick has checked the runtime's own resources against what then remains. */
  #settled = false;
  /** When a read of every other board began that found each PE idle for the limit; -1: none did. */
  #allIdleSince = -1;

  /** `before`: activeResources() when initWorld() began; now is when it has finished. */
  constructor(rt: WorldRuntime, before: Counts) {
    this.#rt = rt;
    for (const kind of [...this.#own.keys()]) if (TRANSIENT.test(kind)) this.#own.delete(kind);
    for (const [kind, n] of activeResources()) {
      const own = n - (before.get(kind) ?? 0);
      if (own > 0 && !TRANSIENT.test(kind)) this.#own.set(kind, (this.#own.get(kind) ?? 0) + own);
    }
    const cfg = config();
    this.#limitMs = cfg.deadlockTimeoutSecs * 1000;
    this.#abort = cfg.deadlockTimeoutAction === 'abort';
    this.#nextAtMs = this.#limitMs;
  }

  start(): void {
    // Unref'd: it must not be what keeps a PE alive.
    this.#timer = setInterval(() => this.#tick(), TICK_MS).unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const rt = this.#rt;
    const board = rt.board;
    if (rt.closed || board === undefined || board.ownState() === State.shutDown || board.ownState() === State.exited) {
      this.stop();
      return;
    }
    const now = performance.now();
    if (!this.#settled) {
      // A handle the runtime held only while initWorld() finished (one its start-up was about to
      // close) is not its own: what is still there a tick later, at most, is.
      this.#settled = true;
      const later = activeResources();
      for (const [kind, n] of this.#own) this.#own.set(kind, Math.min(n, later.get(kind) ?? 0));
    }
    if (!this.#idleNow()) {
      this.#busyAt = now;
      this.#allIdleSince = -1;
      this.#reports = 0;
      this.#nextAtMs = this.#limitMs;
      board.setIdle(0);
      return;
    }
    const idleMs = now - this.#busyAt;
    board.setIdle(idleMs);
    if (rt.lamella.myPe !== 0 || idleMs < this.#nextAtMs) return;
    // Decided at a tick, not as the reads return: on tcp a read's reply leaves the network loop's
    // turn pending for a moment, and this PE must be seen idle again after every read.
    if (this.#allIdleSince >= 0 && this.#allIdleSince >= this.#busyAt) {
      this.#allIdleSince = -1;
      this.#report(idleMs);
      return;
    }
    if (this.#reading) return;
    this.#reading = true;
    const asked = now;
    void this.#everyPeIdle().then(
      (all) => {
        this.#reading = false;
        this.#allIdleSince = all ? asked : -1;
      },
      () => (this.#reading = false),
    );
  }

  #idleNow(): boolean {
    const rt = this.#rt;
    // Outstanding work may wait here (AM results, AMs suspended at an await): with every PE idle,
    // no message is coming to move it.
    const state = rt.board!.ownState();
    if ((state !== State.running && state !== State.awaitingAm) || rt.board!.ownBusy() !== '') return false;
    for (const [kind, n] of activeResources()) if (n > (this.#own.get(kind) ?? 0)) return false;
    return true;
  }

  /**
   * Whether every other PE's board shows it idle for the limit too, twice, with its heartbeat
   * moving in between: a board's idle word is only as fresh as its owner's last check, and a PE
   * whose thread is held by synchronous code (a continuation an AM woke) checks nothing.
   */
  async #everyPeIdle(): Promise<boolean> {
    const rt = this.#rt;
    const board = rt.board!;
    const others = Array.from({ length: rt.lamella.numPes - 1 }, (_, i) => i + 1);
    const idle = (s: StatusView): boolean => (s.state === State.running || s.state === State.awaitingAm) && s.idleMs >= this.#limitMs;
    const first: StatusView[] = [];
    for (const pe of others) {
      const s = await board.read(pe);
      if (!idle(s)) return false;
      first.push(s);
    }
    await new Promise((r) => setTimeout(r, RECHECK_MS).unref());
    for (let k = 0; k < others.length; k++) {
      const s = await board.read(others[k]!);
      if (!idle(s) || s.beat === first[k]!.beat || s.idleMs <= first[k]!.idleMs) return false;
    }
    return true;
  }

  #report(idleMs: number): void {
    const secs = Math.round(idleMs / 100) / 10;
    const outstanding = this.#rt.engine.outstanding;
    const mine = outstanding > 0 ? ` (PE 0 itself waits for ${outstanding} AM result(s) or AM(s) suspended here)` : '';
    const msg =
      `PE 0: every PE has been idle for ${secs} s${mine}: none runs any code or holds a timer, socket or other handle of its own, ` +
      'so only a message could settle what their scripts and AMs await, and none is coming (a promise that nothing resolves?). ' +
      "Work Node runs on its thread pool (crypto, zlib) is not seen here: a PE waiting for it looks idle";
    if (this.#abort) {
      this.stop();
      this.#rt.fatal(new LamellarError(ErrorCode.DEADLOCK_TIMEOUT, `${msg} (LAMELLAR_DEADLOCK_TIMEOUT_ACTION=abort)`, { details: { pe: 0 } }));
      return;
    }
    this.#reports++;
    this.#nextAtMs = nextReportAtMs(this.#limitMs, this.#reports, idleMs);
    warn(WarningCode.DEADLOCK, `${msg}; next report in ${Math.round((this.#nextAtMs - idleMs) / 100) / 10} s`);
  }
}
