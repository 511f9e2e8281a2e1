/**
 * Allocation that waits for space being given back. `drop()` returns before an object's heap
 * block is free: it is freed on every PE only once its coordinator has seen every PE quiet with
 * no handle in flight (quiesce.ts), a few messages later. A loop that drops a region or array and
 * at once creates another of the same size got OUT_OF_MEMORY for space it had given back (with
 * only one object live at a time). Like Lamellar's allocator, which waits for memory to be freed,
 * an allocation that finds the heap full waits while objects holding this PE's heap that this PE
 * has dropped are still being freed, or while the lamella holds heap for large frames in flight
 * (Lamella.heapReturning), and fails only if that does not make room.
 *
 * The wait is at most half of LAMELLAR_DEADLOCK_TIMEOUT: the other PEs wait meanwhile in the
 * creation, and their wait reports (and the abort action) come at the whole timeout.
 */
import { config, ErrorCode, LamellarError } from '../core/index.js';
import type { WorldRuntime } from '../team/index.js';
import { registryOf, type RefState } from './refstate.js';

/** `bytes` of this PE's heap: an address, once there is room (or the allocator's error). */
export async function allocReclaiming(rt: WorldRuntime, bytes: number): Promise<number> {
  const start = performance.now();
  const deadline = start + (config().deadlockTimeoutSecs * 1000) / 2;
  for (;;) {
    try {
      return rt.lamella.alloc(bytes);
    } catch (err) {
      if (!(err instanceof LamellarError) || err.code !== ErrorCode.OUT_OF_MEMORY) throw err;
      // More than the whole heap: nothing given back can make room.
      const limit = (err.details as { limit?: number } | undefined)?.limit;
      if (limit !== undefined && bytes > limit) throw err;
      const pending = droppedHere(rt);
      // Heap the lamella holds for large frames in flight (shmem's staging blocks) comes back
      // as their receivers read them: a region asked for right after a large AM waits for it.
      const returning = rt.lamella.heapReturning?.();
      const left = deadline - performance.now();
      if ((pending.length === 0 && returning === undefined) || left <= 0 || rt.closed) {
        throw left <= 0 && pending.length > 0 ? afterWaiting(err, performance.now() - start, pending) : err;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([...pending.map((st) => st.whenFreed()), ...(returning === undefined ? [] : [returning]), new Promise<void>((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
  }
}

/** Objects holding this PE's heap that this PE holds no handle to any more, not yet freed. */
function droppedHere(rt: WorldRuntime): RefState[] {
  const out: RefState[] = [];
  for (const st of registryOf(rt).states.values()) {
    if (st.heapBytes > 0 && !st.freed && st.refs <= st.baseline && st.mode.kind === 'free') out.push(st);
  }
  return out;
}

function afterWaiting(err: LamellarError, waitedMs: number, pending: RefState[]): LamellarError {
  const bytes = pending.reduce((n, st) => n + st.heapBytes, 0);
  return new LamellarError(
    ErrorCode.OUT_OF_MEMORY,
    `${err.message} (after waiting ${Math.round(waitedMs / 100) / 10} s for ${pending.length} object(s) of ${bytes} bytes this PE dropped to be freed: another PE still holds a handle to them, or has not dropped its own)`,
    { details: err.details, cause: err },
  );
}
