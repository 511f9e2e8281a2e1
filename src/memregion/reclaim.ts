/**
 * Allocation that waits for space being given back. `drop()` returns before an object's heap
 * block is free: it is freed on every PE only once its coordinator has seen every PE quiet with
 * no handle in flight (quiesce.ts), a few messages later. A loop that drops a region or array and
 * at once creates another of the same size got OUT_OF_MEMORY for space it had given back (with
 * only one object live at a time). Like Lamellar's allocator, which waits for memory to be freed,
 * an allocation that finds the heap full waits while objects this PE has dropped are still being
 * freed, for up to LAMELLAR_DEADLOCK_TIMEOUT, and fails only if that does not make room.
 */
import { config, ErrorCode, LamellarError } from '../core/index.js';
import type { WorldRuntime } from '../team/index.js';
import { registryOf, type RefState } from './refstate.js';

/** `bytes` of this PE's heap: an address, once there is room (or the allocator's error). */
export async function allocReclaiming(rt: WorldRuntime, bytes: number): Promise<number> {
  const deadline = performance.now() + config().deadlockTimeoutSecs * 1000;
  let waited = false;
  for (;;) {
    try {
      return rt.lamella.alloc(bytes);
    } catch (err) {
      if (!(err instanceof LamellarError) || err.code !== ErrorCode.OUT_OF_MEMORY) throw err;
      const pending = droppedHere(rt);
      const left = deadline - performance.now();
      if (pending.length === 0 || left <= 0 || rt.closed) throw waited ? afterWaiting(err, pending.length) : err;
      waited = true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([...pending.map((st) => st.whenFreed()), new Promise<void>((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
  }
}

/** Objects this PE holds no handle to any more that are not yet freed: their space may come back. */
function droppedHere(rt: WorldRuntime): RefState[] {
  const out: RefState[] = [];
  for (const st of registryOf(rt).states.values()) if (!st.freed && st.refs <= st.baseline && st.mode.kind === 'free') out.push(st);
  return out;
}

function afterWaiting(err: LamellarError, pending: number): LamellarError {
  const secs = config().deadlockTimeoutSecs;
  return new LamellarError(
    ErrorCode.OUT_OF_MEMORY,
    `${err.message} (after waiting ${secs} s for ${pending} object(s) this PE dropped to be freed: another PE still holds a handle to them, or has not dropped its own)`,
    { details: err.details, cause: err },
  );
}
