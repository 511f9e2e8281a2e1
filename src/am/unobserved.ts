/**
 * Failures of AMs whose handles nobody awaited (LAMELLAR_W_UNOBSERVED_AM_ERROR). A failure is
 * kept when it arrives and reported when a waitAll() that covers it resolves: the world's (also
 * the one shutdown runs) reports all, a sub-team's or TaskGroup's its own. Whether the handle was
 * awaited is checked at report time, not at failure: a program may collect handles and await them
 * after its waitAll.
 *
 * A reported failure whose handle is still not awaited at the PE's end makes its exit code 1
 * (ExitVerdict).
 *
 * A program that never calls waitAll() while it waits for the failed AM's effect (a port of a
 * Rust spin loop on a flag the AM should have set) would hear nothing at all, so a failure still
 * kept LAMELLAR_DEADLOCK_TIMEOUT seconds after it arrived is reported then.
 */
import { config, LamellarError, RemoteAmError, userSite, warn, WarningCode } from '../core/index.js';
import { countsIn } from './counter.js';
import type { HandleCounter } from './handle.js';
import type { Site } from './sites.js';
import { toWireError } from './thrown.js';

/** At most this many failures wait to be reported; the rest are counted. */
export const MAX_UNOBSERVED = 16;

/**
 * Of the failures beyond MAX_UNOBSERVED, at most this many keep the test of whether their
 * handle was awaited by the report; any more are counted blindly. Each test holds its handle's
 * slab (4,096 AMs' outcomes, errors included) until the world's next waitAll(), so few.
 */
const MAX_OVERFLOW_TESTS = 256;

/** One failure: `observed()` says whether its handle has been awaited by now. */
interface Entry {
  readonly observed: () => boolean;
  readonly amName: string;
  readonly err: unknown;
  readonly group: HandleCounter | undefined;
  readonly at: number;
  /** Where it was launched, under LAMELLAR_AM_STACKS=1. */
  readonly site: Site | undefined;
}

/**
 * " (thrown at file:///app.ts:3:11)": the user's first frame in the AM's stack (the remote one, for
 * an AM that failed on another PE), or nothing when none is known.
 */
function thrownAt(err: unknown): string {
  try {
    const stack = err instanceof RemoteAmError ? err.remoteStack : (err as { stack?: unknown } | null)?.stack;
    if (typeof stack !== 'string') return '';
    const at = userSite(stack);
    return at === undefined ? '' : ` (thrown at ${at})`;
  } catch {
    return '';
  }
}

/** " (launched at file:///app.ts:9:7)" under LAMELLAR_AM_STACKS=1, else nothing. */
function launchedAt(site: Site | undefined): string {
  const at = site === undefined ? undefined : userSite(site.stack);
  return at === undefined ? '' : ` (launched at ${at})`;
}

/** What a report adds: the PE's exit code is to be 1. */
const EXITS_WITH_1 = '; unless its handle is awaited later, this PE will exit with code 1';

/** At most this many reported failures are kept to be checked again at the PE's end. */
const MAX_EXIT_CHECKS = 64;

/**
 * Whether the PE's exit code becomes 1 for failures nobody handled, decided at the PE's end: a
 * failure nobody handled is a failed run, as an unhandled rejection is under Node's
 * --unhandled-rejections=warn-with-error-code (the job runs to its end, and a CI script must not
 * pass a job whose AMs threw). Decided at the end, not at the report: a program may await its
 * handles after the waitAll() that reported them (a TaskGroup's launch, waitAll, then each
 * handle, caught), and those failures are handled. An exit code the program set is kept.
 */
class ExitVerdict {
  /** Reported failures, each `observed()` once its handle is awaited. */
  #checks: (() => boolean)[] = [];
  /** A failure beyond the checks kept, or one counted blindly: the code is 1 regardless. */
  #surely = false;
  #hooked = false;

  /** A reported failure (`observed` undefined: counted blindly); the report's suffix. */
  note(observed: (() => boolean) | undefined): string {
    if (observed === undefined) this.#surely = true;
    else {
      this.#checks = this.#checks.filter((o) => !o());
      if (this.#checks.length < MAX_EXIT_CHECKS) this.#checks.push(observed);
      else this.#surely = true;
    }
    if (!this.#hooked) {
      this.#hooked = true;
      process.once('exit', this.#decide);
    }
    return ownCode() ? '' : EXITS_WITH_1;
  }

  readonly #decide = (): void => {
    if (ownCode()) return;
    if (this.#surely || this.#checks.some((o) => !o())) process.exitCode = 1;
  };
}

/** The program has set a non-zero exit code of its own. */
const ownCode = (): boolean => {
  const code = process.exitCode;
  return code !== undefined && code !== null && Number(code) !== 0;
};

export class Unobserved {
  readonly #myPe: number;
  readonly #exit = new ExitVerdict();
  readonly #list: Entry[] = [];
  /**
   * Failures beyond the MAX_UNOBSERVED kept: whether each was awaited by the report (a program
   * may await 20 failed handles after they fail, and must not hear of 4 of them), and a count of
   * those beyond MAX_OVERFLOW_TESTS (which may include some awaited later).
   */
  #overflow: (() => boolean)[] = [];
  #dropped = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(myPe: number) {
    this.#myPe = myPe;
  }

  /** Something waits to be reported. */
  get pending(): boolean {
    return this.#list.length > 0 || this.#overflow.length > 0 || this.#dropped > 0;
  }

  keep(observed: () => boolean, amName: string, err: unknown, group: HandleCounter | undefined, site?: Site): void {
    if (this.#list.length >= MAX_UNOBSERVED) {
      if (this.#overflow.length < MAX_OVERFLOW_TESTS) this.#overflow.push(observed);
      else this.#dropped++;
      return;
    }
    this.#list.push({ observed, amName, err, group, at: performance.now(), site });
    if (this.#timer === undefined) this.#arm(config().deadlockTimeoutSecs * 1000);
  }

  /** Reports the failures counted in `counter`, or all of them (undefined). */
  report(counter: HandleCounter | undefined): void {
    this.#take((e) => counter === undefined || countsIn(e.group, counter), '');
    if (counter === undefined && (this.#overflow.length > 0 || this.#dropped > 0)) {
      let dropped = this.#dropped;
      const late: (() => boolean)[] = [];
      for (const observed of this.#overflow) {
        if (observed()) continue;
        dropped++;
        late.push(observed);
      }
      const blind = this.#dropped > 0;
      this.#overflow = [];
      this.#dropped = 0;
      if (dropped === 0) return;
      let suffix = '';
      for (const o of late) suffix = this.#exit.note(o);
      if (blind) suffix = this.#exit.note(undefined);
      warn(
        WarningCode.UNOBSERVED_AM_ERROR,
        `PE ${this.#myPe}: ${dropped} more active message${dropped === 1 ? '' : 's'} failed whose handle${dropped === 1 ? ' was' : 's were'} not awaited by then; not listed (at most ${MAX_UNOBSERVED} failures wait to be reported at once)${suffix}`,
      );
    }
  }

  /** Reports and forgets the entries `pick` selects, unless their handles were awaited meanwhile. */
  #take(pick: (e: Entry) => boolean, when: string): void {
    const list = this.#list;
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (!pick(e)) {
        list[kept++] = e;
        continue;
      }
      if (e.observed()) continue;
      // The launching PE leads: on shmem every PE is a thread of one process, so Node's (pid)
      // prefix does not say which PE warns.
      warn(WarningCode.UNOBSERVED_AM_ERROR, `PE ${this.#myPe}: an active message failed${when} and its handle was never awaited: ${this.#describe(e.amName, e.err)}${thrownAt(e.err)}${launchedAt(e.site)}${this.#exit.note(e.observed)}`);
    }
    list.length = kept;
  }

  /** The failures not yet reported whose handles are still not awaited, for the drain report. */
  lines(): string[] {
    return this.#list.filter((e) => !e.observed()).map((e) => `an active message failed and its handle was never awaited (what waits for its effect waits forever): ${this.#describe(e.amName, e.err)}`);
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#stale, Math.max(1, ms));
    // Never what keeps a PE alive: a program that is done exits with its failures reported by
    // the shutdown's waitAll.
    this.#timer.unref();
  }

  readonly #stale = (): void => {
    this.#timer = undefined;
    const timeout = config().deadlockTimeoutSecs * 1000;
    const now = performance.now();
    this.#take((e) => now - e.at >= timeout, ` ${Math.round(timeout / 100) / 10} s ago, no waitAll() has reported it since,`);
    const oldest = this.#list[0];
    if (oldest !== undefined) this.#arm(oldest.at + timeout - now);
  };

  /** What failed and where, in the words of a RemoteAmError for any failure. */
  #describe(amName: string, err: unknown): string {
    // Failures on another PE come back as LamellarErrors naming the AM and that PE already.
    if (err instanceof LamellarError) {
      const d = err.details as { amName?: unknown; pe?: unknown } | undefined;
      if (typeof d?.amName === 'string' && typeof d.pe === 'number') return err.message;
    }
    // Any other failure happened here: a local AM, a returned AM run back on this PE, or the
    // decoding of a reply. Such a value is whatever the AM threw, so it is read with care.
    const e = toWireError(err);
    return `active message '${amName}' failed on PE ${this.#myPe}: ${e.name}: ${e.message}`;
  }
}
