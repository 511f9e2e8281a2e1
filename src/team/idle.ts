/**
 * A job that can never move again, found and ended as Node ends a process whose event loop ran
 * empty.
 *
 * On the local lamella a script whose last await can never settle (`await new Promise(() => {})`,
 * a promise an AM was meant to resolve) just ends: nothing keeps its event loop alive, and Node
 * exits with code 13. On shmem, tcp and ofi the runtime's own links keep every PE's loop alive,
 * since another PE may yet send it an AM, and the same script waited silently for ever: no PE
 * is in a collective, so the deadlock diagnosis had nothing to report.
 *
 * A PE is idle when its world is up, it is not in a collective or any other wait the diagnosis
 * watches, nothing runs or is outstanding on it (what waitAll() would wait for: AMs it launched
 * or runs, array ops, puts and gets), and its event loop holds nothing but the runtime's own
 * handles. The last is read with `process.getActiveResourcesInfo()`: those the launcher held
 * before it loaded the script (its pipes) and those that appeared while initWorld() ran are the
 * runtime's; any more of a kind (a timer, a socket, a child process, a worker, a file read),
 * or any the script made before initWorld() and still has, belong to the script, which may be
 * waiting for them. An idle PE shows for how long on its
 * status board (status.ts), checked every TICK_MS.
 *
 * Once every PE has been idle for LAMELLAR_DEADLOCK_TIMEOUT, nothing can happen any more: no PE
 * runs code, none has a message outstanding (a reply still to come counts as outstanding on the
 * PE that waits for it), and none has anything of its own that could call back. Team PE 0 of
 * the world reads the other boards when it has been idle that long itself, says so, and ends
 * with exit code 13, which stops the job.
 */
import { writeSync } from 'node:fs';
import { activeResources, config, hostResources, type ResourceCounts as Counts } from '../core/index.js';
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

export class IdleWatch {
  readonly #rt: WorldRuntime;
  /** The runtime's own resources: the launcher's, and those that appeared while initWorld() ran. */
  readonly #own: Counts = new Map(hostResources());
  readonly #limitMs: number;
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
    this.#limitMs = config().deadlockTimeoutSecs * 1000;
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
      board.setIdle(0);
      return;
    }
    const idleMs = now - this.#busyAt;
    board.setIdle(idleMs);
    if (rt.lamella.myPe !== 0 || idleMs < this.#limitMs) return;
    // Decided at a tick, not as the reads return: on tcp a read's reply leaves the network loop's
    // turn pending for a moment, and this PE must be seen idle again after every read.
    if (this.#allIdleSince >= 0 && this.#allIdleSince >= this.#busyAt) {
      this.#end(idleMs);
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
    if (rt.board!.ownState() !== State.running || rt.engine.outstanding > 0 || rt.board!.ownBusy() !== '') return false;
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
    const idle = (s: StatusView): boolean => s.state === State.running && s.idleMs >= this.#limitMs;
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

  #end(idleMs: number): void {
    this.stop();
    const secs = Math.round(idleMs / 100) / 10;
    writeSync(
      2,
      `lamellar: PE 0: every PE has been idle for ${secs} s: none runs anything, has work outstanding or holds a timer, ` +
        'socket or other handle of its own, so nothing can settle what their scripts await (a promise that nothing resolves?). ' +
        'Ending the job with exit code 13, as Node ends a process whose event loop ran empty.\n',
    );
    process.exit(13);
  }
}
