/** Why a PE that ended with exit code `code` failed, in words a user can act on. */
export function exitReason(code: number): string {
  // 13 is Node's exit code for a top-level await that can never settle: the event loop ran empty.
  if (code === 13) return 'exited with code 13: its script waited for something that can never happen (the event loop ran empty)';
  return `exited with code ${code}`;
}

/** Why a PE that ended with code 0 while its world was up, and `running` other PEs still ran, failed (both launchers). */
export function exitedBeforeShutdown(running: number): string {
  return (
    `exited before shutdown (exit code 0) while ${running} other PE(s) were still running: ` +
    'a PE must not end (for example with process.exit()) before its world has shut down'
  );
}

/**
 * What the launcher says of a PE that ended with a non-zero `code` after its world shut down (a
 * program reporting a failed check with `process.exitCode`): not a failure that stops the other
 * PEs, whose world has shut down too (both launchers). The `first` such PE's code is the job's;
 * each later one is named too, without repeating that the others run on.
 */
export function exitedAfterShutdown(code: number, numPes: number, first: boolean): string {
  return `exited with code ${code} after its world shut down${first && numPes > 1 ? '; the other PEs run to their end' : ''}`;
}

/**
 * Ends this process by `signal`, the launcher having stopped its PEs and cleaned up after that
 * signal: a shell sees a process a signal ended (code 130 for SIGINT), so a script's loop of
 * `lamellar run` stops at Ctrl-C as it would for any command; an exit with code 130 would let it
 * go on. The caller has removed its handlers, so the default action, ending the process, applies.
 */
export function endBySignal(signal: NodeJS.Signals): void {
  process.kill(process.pid, signal);
}
