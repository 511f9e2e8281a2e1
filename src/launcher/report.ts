/**
 * How a failing PE's error reaches the launcher's output: as text with its message and stack
 * (and a LamellarError's code), made without trusting the thrown value, which may be anything.
 * tcp PEs send it to the launcher over their IPC channel as a `PeReport`.
 */
import { inspect } from 'node:util';

/** Messages a PE process sends its launcher (tcp). */
export type PeReport =
  | { lamellar: 'state'; state: number }
  | {
      lamellar: 'failed';
      text: string;
      /** For a failure caused by another PE (it was lost, or stopped the job): that PE. */
      origin?: number;
    };

export function isPeReport(m: unknown): m is PeReport {
  return typeof m === 'object' && m !== null && typeof (m as { lamellar?: unknown }).lamellar === 'string';
}

/**
 * The error's stack and message (and own properties such as `code`), or a safe stand-in. A
 * SuppressedError (an `await using` scope's clean-up failed while the scope was unwinding an
 * error) is told the other way round: the script's own error first, since it is the cause and
 * the clean-up's failure (a collective `drop()` the other PEs never joined) is its consequence.
 */
export function describeError(e: unknown): string {
  const s = suppressedParts(e);
  if (s !== undefined) {
    return `${describeError(s.suppressed)}\n\nand then, cleaning up an \`await using\` scope while that error unwound it:\n${describeError(s.error)}`;
  }
  try {
    return inspect(e, { depth: 2, breakLength: 120 });
  } catch {
    try {
      return String(e);
    } catch {
      return Object.prototype.toString.call(e);
    }
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

/** A SuppressedError's parts (`error`: the clean-up's failure, `suppressed`: the error before it). */
function suppressedParts(e: unknown): { error: unknown; suppressed: unknown } | undefined {
  try {
    if (!(e instanceof Error) || e.name !== 'SuppressedError' || !('error' in e) || !('suppressed' in e)) return undefined;
    return { error: e.error, suppressed: e.suppressed };
  } catch {
    return undefined;
  }
}
