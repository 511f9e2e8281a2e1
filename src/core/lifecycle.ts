/**
 * A PE's lifecycle as the launcher must see it, without the launcher importing the team layer:
 *
 * - exit hooks: how the PE bootstrap shuts a world down when the user's script returns without
 *   calling `shutdown()` (Lamellar's implicit barrier at the end of main);
 * - the PE's state (no world yet, world started, world shut down), reported to the launcher as
 *   it changes through a monitor the bootstrap installs, so the launcher can tell a PE that ends
 *   harmlessly from one that leaves the others waiting (it ended before shutdown, or without
 *   ever calling `initWorld()` while others wait for it there);
 * - whether the user's script failed, so a shutdown that `await using` disposal started while
 *   the script's exception unwound is abandoned instead of pairing with the other PEs'
 *   collectives (see World[Symbol.asyncDispose]).
 */
import { nextTurn } from './turns.js';

const hooks = new Set<() => Promise<void>>();

export function addExitHook(hook: () => Promise<void>): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/**
 * An `initWorld()` still running: settles (never rejects) once it has, with its `late` check
 * (undefined if it failed).
 */
let worldStarting: Promise<(() => Promise<boolean>) | undefined> | undefined;

/**
 * Called by `initWorld` with the start it runs. `late` is asked, should the script's top-level
 * code finish before `start` resolves, whether that world is to be shut down (it warns why).
 */
export function noteWorldStart(start: Promise<unknown>, late: () => Promise<boolean>): void {
  // Cleared in a reaction to `start` registered before the script could add one to the promise
  // initWorld() returns (which settles after `start`): a script that awaited initWorld() finds
  // nothing pending here when its top level ends.
  const done = (): void => {
    if (worldStarting === settled) worldStarting = undefined;
  };
  const settled: Promise<(() => Promise<boolean>) | undefined> = start.then(
    () => {
      done();
      return late;
    },
    () => {
      done();
      return undefined;
    },
  );
  worldStarting = settled;
}

/**
 * Runs when the script's top-level code has finished: shuts down a world the script did not.
 *
 * A script whose top level finished while `initWorld()` still ran did not await it. Its world
 * comes up later, and whatever the script chained on it (`initWorld().then(...)`) runs first.
 * If the script asked for initWorld()'s result, it goes on with the world and shuts it down
 * itself, as before. If nothing did (`void initWorld()`, or a forgotten `await`), no one ever
 * would, and the PE kept the others waiting for ever, silently: once `late` has seen the promise
 * unobserved for a while, it says so and that world is shut down here.
 */
export async function runExitHooks(): Promise<void> {
  const starting = worldStarting;
  if (starting !== undefined) {
    const late = await starting;
    if (late === undefined || !(await late())) return;
  }
  for (const hook of [...hooks]) await hook();
}

/** A PE's state, as the launcher tracks it. The numbers travel between threads and processes. */
export const PeState = {
  /** `initWorld()` not called (yet). */
  NONE: 0,
  /** `initWorld()` called: the other PEs may be waiting for this one in collectives. */
  WORLD: 1,
  /** The world completed its collective shutdown: the PE may end. */
  DONE: 2,
} as const;

export type PeStateValue = (typeof PeState)[keyof typeof PeState];

/**
 * Installed by the PE bootstrap (launcher). `state` may throw when the job can no longer come
 * together (a PE ended without calling `initWorld()`): the caller's `initWorld` rejects with it.
 */
export interface PeMonitor {
  state(s: PeStateValue): void;
  /**
   * The process whose end ends this PE (a PE process's launcher), or undefined. A PE's main
   * thread may never yield (a long synchronous loop), so the lamella watches it from a thread
   * it has anyway: the tcp network thread, which ofi's bootstrap runs too.
   */
  readonly launcherPid?: number;
}

let monitor: PeMonitor | undefined;
let shutDown = false;
let failure: { error: unknown } | undefined;

export function setPeMonitor(m: PeMonitor | undefined): void {
  monitor = m;
}

/** PeMonitor.launcherPid of the installed monitor. */
export function launcherPid(): number | undefined {
  return monitor?.launcherPid;
}

let abortHook: ((reason: Error) => void) | undefined;

/** Called by the world once its lamella is up (and with undefined once it is shut down). */
export function setWorldAbort(hook: ((reason: Error) => void) | undefined): void {
  abortHook = hook;
}

/**
 * For a PE's bootstrap that ends its process with the script's own error while the world is up
 * (`lamellar exec`): stops the world's lamella with it, which on tcp and ofi tells the other PEs
 * why, rather than leaving them a connection that closed without a word. Never throws.
 */
export function abortWorld(reason: unknown): void {
  const hook = abortHook;
  abortHook = undefined;
  try {
    hook?.(reason instanceof Error ? reason : new Error(String(reason)));
  } catch {
    // The process is ending anyway; the peers then see it lost.
  }
}

/** Called by `initWorld` before it starts the lamella; throws if the job cannot assemble. */
export function noteWorldStarting(): void {
  monitor?.state(PeState.WORLD);
}

/** Called by the world once its collective shutdown has completed on this PE. */
export function markWorldShutDown(): void {
  shutDown = true;
  monitor?.state(PeState.DONE);
}

/** Whether this PE's world has completed its collective shutdown. */
export function worldShutDown(): boolean {
  return shutDown;
}

/** The user's script threw (its top level rejected): this PE is ending with that error. */
export function markScriptFailed(error: unknown): void {
  failure ??= { error };
}

export function scriptFailed(): boolean {
  return failure !== undefined;
}

/**
 * For `await using` disposal, which cannot tell a normal scope exit from an exception unwinding
 * it: resolves a turn of the event loop later (an exception reaches the PE's bootstrap within
 * that turn), and never if the script failed meanwhile, so that nothing collective runs for a
 * PE that is ending with its own error.
 */
export async function unlessScriptFails(): Promise<void> {
  await nextTurn(undefined);
  if (scriptFailed()) await new Promise<void>(() => {});
}

let killAt: number | undefined;

/**
 * Called by a lamella whose failure handling ends this process by itself at `at` (epoch ms) if
 * the main thread has not ended it by then (tcp's network thread kills a PE stuck after a
 * failure): a bootstrap that holds its exit to order the PEs' ends (`lamellar exec`) holds no
 * longer than that, so the PE still ends with its own exit code rather than SIGKILL.
 */
export function noteKillDeadline(at: number): void {
  killAt = killAt === undefined ? at : Math.min(killAt, at);
}

/** The deadline `noteKillDeadline` set, if any. */
export function killDeadline(): number | undefined {
  return killAt;
}

let jobMet = false;

/** Called by a lamella once this PE has met the others (tcp: its mesh is complete). */
export function noteJobMet(): void {
  jobMet = true;
}

/**
 * Whether this PE has met the others: if not, a PE whose `initWorld()` failed on its own (a bad
 * LAMELLAR_BIND_ADDR) has told nobody, and its bootstrap says farewell to PE 0 (`lamellar exec`).
 */
export function jobHasMet(): boolean {
  return jobMet;
}
