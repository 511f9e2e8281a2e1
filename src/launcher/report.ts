/**
 * How a failing PE's error reaches the launcher's output: as text with its message and stack
 * (and a LamellarError's code), made without trusting the thrown value, which may be anything.
 * tcp PEs send it to the launcher over their IPC channel as a `PeReport`.
 */
import { inspect } from 'node:util';
import { config, debugOn, ErrorCode, runtimeCodePlaces } from '../core/index.js';

/** Messages a PE process sends its launcher (tcp). */
export type PeReport =
  | { lamellar: 'state'; state: number }
  | {
      lamellar: 'failed';
      text: string;
      /** For a failure another PE caused (it was lost, stopped the job, or made a mismatched collective call): that PE (causeOf). */
      origin?: number;
      /** The failure only relays `origin`'s (originOf: it was lost, stopped the job); absent for a mismatch this PE found itself. */
      relayed?: boolean;
    };

export function isPeReport(m: unknown): m is PeReport {
  return typeof m === 'object' && m !== null && typeof (m as { lamellar?: unknown }).lamellar === 'string';
}

/**
 * An error that crossed from a worker thread is rebuilt as a plain Error, and `inspect` then
 * shows both names: `RangeError [Error]: ...`, `Error [LamellarError]: ...`. A tcp PE's report
 * says `RangeError: ...`; show the name the PE threw, the same on every lamella.
 */
function plainName(text: string): string {
  return text.replace(/^(\w+) \[(\w+)\](?=: )/, (all, a: string, b: string) => (a === 'Error' ? b : b === 'Error' ? a : all));
}

/**
 * The error's stack and message (and own properties such as `code`), or a safe stand-in. A
 * SuppressedError (an `await using` scope's clean-up failed while the scope was unwinding an
 * error) is told the other way round: the script's own error first, since it is the cause and
 * the clean-up's failure (a collective `drop()` the other PEs never joined) is its consequence.
 */
export function describeError(e: unknown): string {
  const own = attachedReport(e);
  return trimRuntimeFrames(own ?? describe(e, new Set()));
}

/**
 * Runs of two or more stack frames inside the runtime collapse into one line. A throw in a
 * distIter callback showed nine of them between the user's line and the user's call; the user's
 * frames are what the report is for. Kept whole with LAMELLAR_DEBUG=stacks, and for the runtime's
 * own failures (LAMELLAR_ERR_INTERNAL), whose frames are the report.
 */
function trimRuntimeFrames(text: string): string {
  let keep: boolean;
  try {
    keep = debugOn(config(), 'stacks');
  } catch {
    keep = false;
  }
  if (keep || text.includes(ErrorCode.INTERNAL)) return text;
  const places = runtimeCodePlaces();
  const out: string[] = [];
  let run: string[] = [];
  let node = 0;
  const flush = (): void => {
    if (run.length < 2) out.push(...run);
    else {
      // util.inspect opens an error's own properties (`{ code: …}`) at the end of its last frame.
      const opens = / \{$/.test(run[run.length - 1]!) ? ' {' : '';
      out.push(`${/^\s*/.exec(run[0]!)![0]}... ${run.length} frames inside lamellar${node > 0 ? " (and Node's)" : ''} (LAMELLAR_DEBUG=stacks shows them)${opens}`);
    }
    run = [];
    node = 0;
  };
  for (const line of text.split('\n')) {
    const frame = /^\s+at /.test(line);
    if (frame && places.some((p) => line.includes(p))) run.push(line);
    // Node's own frames right after the runtime's (processTicksAndRejections) join its run.
    else if (frame && run.length > 0 && /\(node:|^\s+at node:/.test(line)) {
      run.push(line);
      node++;
    } else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join('\n');
}

/**
 * Where a worker-thread PE leaves its own description of an error it failed with. The launcher's
 * thread gets a copy of the error: Node keeps its own enumerable fields (this one among them) but
 * copies the errors it holds (an AggregateError's, a SuppressedError's) with name, message and
 * stack only, losing their codes. Described in the PE, they read as on tcp, where the PE process
 * sends the text.
 */
const REPORT_KEY = 'lamellarReport';

/**
 * Worker-thread PEs: attaches `describeError(e)` to `e` as it fails the PE (an uncaught
 * exception or rejection), for the launcher. A value that is not an Error, or cannot take a
 * field (a frozen error), is described from its copy as before.
 */
export function attachReport(e: unknown): void {
  // Errors only (the launcher reads it from nothing else): a thrown plain object crosses intact
  // and would print with this field added.
  if (!(e instanceof Error)) return;
  try {
    if (Object.prototype.hasOwnProperty.call(e, REPORT_KEY)) return;
    const text = describe(e, new Set());
    Object.defineProperty(e, REPORT_KEY, { value: text, enumerable: true, configurable: true, writable: true });
  } catch {}
}

function attachedReport(e: unknown): string | undefined {
  try {
    if (!(e instanceof Error) || !Object.prototype.hasOwnProperty.call(e, REPORT_KEY)) return undefined;
    const text = (e as unknown as Record<string, unknown>)[REPORT_KEY];
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/** describeError, with the errors already being described (an AggregateError may hold itself). */
function describe(e: unknown, seen: Set<unknown>): string {
  const s = suppressedParts(e);
  if (s !== undefined) {
    return `${describe(s.suppressed, seen)}\n\nand then, cleaning up an \`await using\` scope while that error unwound it:\n${describe(s.error, seen)}`;
  }
  try {
    const remote = remoteFields(e);
    if (remote !== undefined) return remote;
    const bare = stackless(e, seen);
    if (bare !== undefined) return bare;
    return plainName(inspect(e, { depth: 2, breakLength: 120 }));
  } catch {
    try {
      return String(e);
    } catch {
      return Object.prototype.toString.call(e);
    }
  }
}

/**
 * An error whose stack has no frames (one rebuilt from a message that crossed threads, such as
 * tcp's rendezvous timeout) is shown by `inspect` in brackets with every own field, undefined
 * ones too (`[LamellarError: ...] { code: ..., details: undefined }`). Shown instead as an error
 * with a stack is: `LamellarError: <message>`, then its code and other defined fields.
 */
function stackless(e: unknown, seen: Set<unknown>): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const stack = typeof e.stack === 'string' ? e.stack : '';
  if (/\n\s+at /.test(stack)) return undefined;
  const name = `${e.name}: ${e.message}`;
  // Keep what a stack without frames adds below the message (a RemoteAmError's remote part).
  const head = stack.startsWith(name) ? stack : name;
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(e)) {
    const v = (e as unknown as Record<string, unknown>)[key];
    if (v !== undefined) fields[key] = v;
  }
  const text = Object.keys(fields).length === 0 ? head : `${head} ${inspect(fields, { depth: 2, breakLength: 120 })}`;
  return text + aggregated(e, seen);
}

/**
 * A RemoteAmError (by its name and code, which survive a worker thread's copy of it): its stack
 * already holds the remote message and stack, which `inspect` would print a second time as
 * fields (`remoteMessage`, `remoteStack`); its other fields once.
 */
function remoteFields(e: unknown): string | undefined {
  if (!(e instanceof Error) || e.name !== 'RemoteAmError' || (e as { code?: unknown }).code !== ErrorCode.REMOTE_AM || typeof e.stack !== 'string') return undefined;
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(e)) {
    const v = (e as unknown as Record<string, unknown>)[key];
    if (v !== undefined && key !== 'remoteMessage' && key !== 'remoteStack') fields[key] = v;
  }
  return `${plainName(e.stack)} ${inspect(fields, { depth: 2, breakLength: 120 })}`;
}

/**
 * Errors an AggregateError holds (`Promise.any`'s has no frames of its own): each with its stack,
 * up to 10, three levels deep, one that holds itself (or an error above it) shown as [Circular].
 */
function aggregated(e: Error, seen: Set<unknown>): string {
  const errors = (e as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return '';
  if (seen.size >= 3) return `\n  [errors]: ${errors.length} more, not shown`;
  seen.add(e);
  const shown = errors.slice(0, 10).map((x, i) => `  [errors][${i}]: ${seen.has(x) ? '[Circular]' : describe(x, seen).replace(/\n/g, '\n  ')}`);
  seen.delete(e);
  if (errors.length > 10) shown.push(`  ... and ${errors.length - 10} more`);
  return `\n${shown.join('\n')}`;
}

/**
 * One line for a failure that only follows from another PE's (`originOf` names a PE other than
 * `me`), e.g. `LamellarError [LAMELLAR_ERR_ITER_FAILED]: DistIter.forEach failed on PE 1: ...`;
 * undefined for any other. Under mpirun every PE prints its own report: the failing PE's has the
 * stack and details, and three PEs' full copies of its ITER_FAILED were 60 lines.
 */
export function describeFollowOn(e: unknown, me: number): string | undefined {
  const origin = originOf(e);
  if (origin === undefined || origin === me) return undefined;
  try {
    const x = e as { name?: unknown; code?: unknown; message?: unknown };
    if (typeof x.message !== 'string') return undefined;
    const name = typeof x.name === 'string' ? x.name : 'Error';
    const code = typeof x.code === 'string' ? ` [${x.code}]` : '';
    return `${name}${code}: ${x.message}`;
  } catch {
    return undefined;
  }
}

/** For a failure another PE caused (a LamellarError with `details.origin`), that PE. */
export function originOf(e: unknown): number | undefined {
  try {
    const d = (e as { details?: { origin?: unknown } } | null)?.details;
    return typeof d?.origin === 'number' ? d.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The PE whose failure `e` follows from, if it names one: the `origin` of a failure another PE
 * caused (it was lost, or stopped the job), the `causedBy` of a collective or team creation that
 * another PE's bad input failed everywhere, or the peer of a COLLECTIVE_MISMATCH. A peer that
 * fails in its own script makes collective calls on the way out (an `await using` scope drops a
 * handle while a consumer it started still runs), so the mismatch another PE then finds is a
 * consequence; the launcher waits briefly for that peer's own report before printing this one.
 * When the peer names this PE in turn, the two really called different collectives.
 */
export function causeOf(e: unknown): number | undefined {
  const origin = originOf(e);
  if (origin !== undefined) return origin;
  try {
    const x = e as { code?: unknown; details?: { peer?: unknown; causedBy?: unknown } } | null;
    // A collective or team creation that another PE's bad input failed on every PE: that PE's
    // own error says what was bad.
    if (typeof x?.details?.causedBy === 'number') return x.details.causedBy;
    if (x?.code !== ErrorCode.COLLECTIVE_MISMATCH) return undefined;
    const peer = x.details?.peer;
    return typeof peer === 'number' ? peer : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Of the reports waiting for their cause (`followOns`, in arrival order), the one a new report
 * (`report`, naming `report.cause`) settles: the report to print, or undefined to wait on. Two
 * PEs naming each other as the cause: one whose failure only relays the other's (that PE stopped
 * the job) is its consequence, so the other's own report is printed, whichever came first (on tcp
 * and ofi the relayed one often does: the abort reaches the peer before the aborting PE's error
 * has reached the launcher); two that each found a mismatch in the other's call really called
 * different collectives, and the first report is printed. A cause whose own report names a third
 * PE is a chain, not a pair (PE 2 lost PE 1 and stopped the job, then PE 0 failed of that): the
 * wait goes on for the first cause (PE 1 had exited with code 3 mid-transfer, and PE 2's relay
 * was printed instead).
 */
export function mutualReport<F extends { pe: number; cause: number; relayed: boolean }>(followOns: readonly F[], report: F): F | undefined {
  const prior = followOns.find((f) => f.pe === report.cause && f.cause === report.pe);
  if (prior === undefined) return undefined;
  return prior.relayed && !report.relayed ? report : prior;
}

/** The report to print when a cause never reported: the first that is not only relayed, else the first. */
export function firstFollowOn<F extends { relayed: boolean }>(followOns: readonly F[]): F | undefined {
  return followOns.find((f) => !f.relayed) ?? followOns[0];
}

/** A SuppressedError's parts (`error`: the clean-up's failure, `suppressed`: the error before it). */
function suppressedParts(e: unknown): { error: unknown; suppressed: unknown } | undefined {
  try {
    if (!(e instanceof Error) || e.name !== 'SuppressedError' || !('error' in e) || !('suppressed' in e)) return undefined;
    return { error: e.error, suppressed: e.suppressed };
  } catch {
    return undefined;
  }
}
