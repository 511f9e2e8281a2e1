/**
 * What a PE still waits for when its event loop runs empty. On the local lamella nothing keeps a
 * PE's event loop alive while it waits (no other PE can wake it), so a script whose last await
 * can never settle (an AM that never finishes, an op queued behind a guard that is never
 * released) just ends, with Node's exit code 13 and no word of why. Before it does, the PE prints what was pending and, where it was
 * recorded, the user's line that started it. (Collectives, waitAll() and conversions are watched
 * by the deadlock diagnosis instead, which keeps the PE up and reports them.)
 *
 * Parts of the runtime add reporters (the AM engine lists its pending handles, the lock queues
 * their waiting ops); one-off waits (a guard held) are tracked with their call site.
 */

import { worldShutDown } from './lifecycle.js';

/** Lines describing what is pending; empty when nothing is. */
export type PendingReporter = () => string[];

const reporters = new Set<PendingReporter>();
const tracked = new Set<{ what: string; site: { stack?: string } }>();

/** The runtime's own files, as stack lines show them (set by the layer that knows them). */
let isRuntimeFrame: (line: string) => boolean = () => false;

export function addPendingReporter(r: PendingReporter): () => void {
  reporters.add(r);
  return () => reporters.delete(r);
}

/**
 * Records a wait with the caller's stack, captured into `site` (a guard keeps it to name where it
 * was taken in lock-wait reports too); call the returned function when the wait ends.
 */
export function trackPending(what: string, site: { stack?: string } = {}): () => void {
  // Ten frames reach the user's line; PEs keep 30 for errors (launcher/entry.ts), and a lock
  // array guard's capture costs by the frame.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 10;
  Error.captureStackTrace(site);
  Error.stackTraceLimit = limit;
  const entry = { what, site };
  tracked.add(entry);
  return () => tracked.delete(entry);
}

export function setRuntimeFrameTest(test: (line: string) => boolean): void {
  isRuntimeFrame = test;
}

/** The first frame of `stack` outside the runtime and Node's internals, e.g. "file:///app.ts:12:9". */
export function userSite(stack: string | undefined): string | undefined {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    if (isRuntimeFrame(line) || line.includes('(node:') || /^\s*at node:/.test(line)) continue;
    const m = /\(([^()]+)\)\s*$/.exec(line) ?? /at (?:async )?(\S+)\s*$/.exec(line);
    return m?.[1] ?? line.trim();
  }
  return undefined;
}

/** Everything pending now, one line each. */
export function pendingNow(): string[] {
  const lines: string[] = [];
  for (const r of reporters) lines.push(...r());
  for (const t of tracked) {
    const at = userSite(t.site.stack);
    lines.push(at === undefined ? t.what : `${t.what}, called at ${at}`);
  }
  return lines;
}

let installed = false;

/** Installs the report (once per thread): printed when the event loop runs empty with waits pending. */
export function reportPendingOnDrain(pe: number): void {
  if (installed) return;
  installed = true;
  let reported = false;
  process.on('beforeExit', () => {
    // After the world's collective shutdown nothing is waited for any more: whatever is still
    // pending (a runtime message answered by no one) no longer matters.
    if (reported || worldShutDown()) return;
    const lines = pendingNow();
    if (lines.length === 0) return;
    reported = true;
    process.stderr.write(
      `lamellar: PE ${pe}: the event loop ran empty while this PE still waited for the following, which nothing can now complete:\n` +
        `${lines.map((l) => `  - ${l}`).join('\n')}\n`,
    );
  });
}
