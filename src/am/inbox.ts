/**
 * Incoming AM frames, run in time slices so that a burst of AMs does not hold the PE's event loop.
 *
 * In Lamellar an AM runs on a worker thread and the PE's main thread goes on; here every AM body
 * runs on the PE's one thread. A frame of 1,000 AMs that each computed for 1.5 ms held the event
 * loop for 1.5 s: the PE's own code, its timers and its replies to others waited for the whole
 * burst. So the engine runs a frame's records until the slice (LAMELLAR_AM_SLICE_MS, 2 ms by
 * default, as the iterators' yield; 0 runs every frame to its end) is used up, and the rest waits
 * for the event loop's next turn.
 *
 * A slice starts when a synchronous run of frames does (one clock reading per event-loop turn that
 * brings frames) and ends with it: a microtask clears the start, so the next turn starts afresh.
 * Except for frames a lamella cannot hold (a tcp socket's reads): Node runs the microtask queue
 * after every I/O callback, and each socket read is one, so every read began a new slice and a
 * burst read in many pieces held the loop for all of them (53 AMs of 0.25 ms, 13 ms, in one
 * turn). A slice begun by such a frame lasts until the loop's check phase (setImmediate). A
 * lamella that holds frames (shmem) drains its rings once per turn, in one callback, and keeps
 * the microtask: its refused frames are offered again in the check phase, where a slice carried
 * over from the poll phase would leave them, and what they carry, starved.
 * Within a slice the clock is read after request 1, 2, 4, then every CHECK_EVERY requests (a
 * reading per AM would cost a good share of a small AM's whole run), so AMs heavy enough to use
 * up a slice stop close to its end. A burst of 500 AMs of 2 ms each held the loop about 1 s
 * between two timer runs without slices.
 *
 * A slice that is used up also holds back the frames that arrive after it in the same turn (a run
 * of frames of one heavy AM each is never cut inside a frame).
 *
 * Order: a frame cut short waits, copied (the lamella's view is valid only during the call), with
 * the engine's memo and shared handles of that frame; no later frame of its sender runs before
 * it, while other senders' frames may (waiting senders are served a frame each in turn). A frame
 * keeps its byte offsets in the copy, so back-references into its earlier records still
 * resolve. Frames held back wait behind their sender's, copied, unless the lamella can keep them
 * where they are (a frame it offers as holdable, in a shmem ring or sender's heap): those are
 * refused and offered again on a later turn. A burst bigger than a slice (a drain of 200 AMs of
 * 40 KB each) otherwise copied every frame after the first cut out of shared memory: a quarter
 * of the histo kernel's time.
 *
 * Out of turn: before a frame waits, its replies and collective messages are handled (the
 * engine's scan), so that a PE flooded with AMs still gets the answers to its own awaited AMs and
 * takes part in collectives; only requests wait their turn.
 */

import { config, copyBytes } from '../core/index.js';

const CHECK_EVERY = 8;

/** What the inbox needs from the engine. */
export interface InboxEngine {
  /**
   * Runs the records of `frame` from byte `pos`: -1 once the frame is done (or failed), else the
   * position of the first record not yet run (the slice ran out); then `detach` hands over the
   * frame's state, given back as `state` when it resumes.
   */
  run(src: number, frame: Uint8Array, pos: number, state: unknown): number;
  detach(): unknown;
  /** A cut frame's state, its frame dropped unfinished (the engine closed). */
  drop(state: unknown): void;
  /**
   * Handles now what in `frame` from `pos` must not wait its turn (replies, collective messages),
   * marking it done in place; `frame` is about to wait (engine.ts, takeOutOfTurn).
   */
  scan(src: number, frame: Uint8Array, pos: number): void;
}

interface Waiting {
  frame: Uint8Array;
  pos: number;
  /** The engine's state of a frame cut short (undefined for one not yet started). */
  state: unknown;
}

/** Consumed entries at the head of a queue that are dropped, once they are its larger part. */
const COMPACT_AT = 1024;

/** One sender's waiting frames, in order: consumed entries are cleared, and dropped once they are most of a long list. */
interface Queue {
  readonly src: number;
  readonly list: (Waiting | undefined)[];
  head: number;
}

export class Inbox {
  readonly #engine: InboxEngine;
  readonly #sliceMs = config().amSliceMs;
  /** Per sender with frames waiting (by src); a sender's frames run in order. */
  readonly #queues = new Map<number, Queue>();
  /** Senders with frames waiting, served in turn: a frame each, round and round. */
  #ready: Queue[] = [];
  #next = 0;
  #scheduled = false;
  /** Requests run since the clock was last read, and how many to run between readings. */
  #count = 0;
  #every = Number.POSITIVE_INFINITY;
  /** When the current slice began; 0 between slices. */
  #sliceStart = 0;
  /**
   * The current slice is used up: frames that arrive before it ends wait. A frame cut short waits
   * anyway, but a run of frames of one heavy AM each is never cut inside a frame, and would
   * otherwise all run in one turn (120 frames of 0.25 ms held the loop 35 ms).
   */
  #spent = false;
  #closed = false;

  constructor(engine: InboxEngine) {
    this.#engine = engine;
  }

  /** Whether `deliver` would run a frame from `src` now rather than refuse or copy it. */
  accepting(src: number): boolean {
    return !this.#spent && !this.#queues.has(src);
  }

  /**
   * The lamella's frame handler: false when `holdable` and the frame must wait (the lamella offers
   * it again later), true when it ran or was copied to wait. A frame waits while the slice is used
   * up or while frames from its sender wait; others' waiting frames do not hold it back.
   * `seen`: the lamella offered it before or showed it to the scan, which then found what must
   * not wait (a refused frame is offered again every turn until taken: a walk of all its records
   * each time, 3% of a PE's time in a flood of small AMs).
   */
  deliver(src: number, frame: Uint8Array, holdable = false, seen = false): boolean {
    if (this.#spent || this.#queues.has(src)) {
      if (holdable) {
        if (!seen) this.#engine.scan(src, frame, 0);
        return false;
      }
      this.#wait(src, frame, 0, undefined, seen);
      return true;
    }
    if (this.#sliceStart === 0 && this.#sliceMs > 0) this.#beginSlice(!holdable);
    const at = this.#engine.run(src, frame, 0, undefined);
    // Copied even when holdable: its first records have run, and the rest must run before any
    // later frame of its sender.
    if (at >= 0) this.#wait(src, frame, at, this.#engine.detach(), seen);
    return true;
  }

  /**
   * A copy of `frame` waits from `pos` behind its sender's others, what must not wait taken out
   * first (unless `seen`: already done).
   */
  #wait(src: number, frame: Uint8Array, pos: number, state: unknown, seen: boolean): void {
    const copy = keep(frame);
    let q = this.#queues.get(src);
    if (q === undefined) {
      q = { src, list: [], head: 0 };
      this.#queues.set(src, q);
      this.#ready.push(q);
    }
    // Waiting before the scan: if a record taken out of turn throws, the rest still gets its turn.
    q.list.push({ frame: copy, pos, state });
    this.#schedule();
    if (!seen) this.#engine.scan(src, copy, pos);
  }

  /** Called after each request is run: true when the slice is used up and the frame should stop. */
  due(): boolean {
    // Between slices, and with slices off, #every is infinite: never true.
    if (++this.#count < this.#every) return false;
    this.#count = 0;
    if (performance.now() - this.#sliceStart > this.#sliceMs) {
      // Also when the frame has nothing left to cut: the next frame must wait for the next turn.
      this.#spent = true;
      return true;
    }
    if (this.#every < CHECK_EVERY) this.#every *= 2;
    return false;
  }

  /** `untilCheck`: the slice lasts until the check phase, not the microtask (see above). */
  #beginSlice(untilCheck: boolean): void {
    this.#sliceStart = performance.now();
    this.#count = 0;
    this.#every = 1;
    if (untilCheck) setImmediate(this.#endSlice);
    else queueMicrotask(this.#endSlice);
  }

  /** The engine has closed: frames still waiting are dropped, as the lamella drops late ones. */
  close(): void {
    this.#closed = true;
    for (const q of this.#ready) {
      for (let i = q.head; i < q.list.length; i++) {
        const state = q.list[i]?.state;
        if (state !== undefined) this.#engine.drop(state);
      }
    }
    this.#queues.clear();
    this.#ready = [];
    this.#next = 0;
  }

  readonly #endSlice = (): void => {
    this.#sliceStart = 0;
    this.#spent = false;
    this.#every = Number.POSITIVE_INFINITY;
  };

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#resume);
  }

  /** Forgets `q`'s sender once its frames are done: its next frame runs on arrival again. */
  #drop(q: Queue): void {
    this.#queues.delete(q.src);
    const k = this.#ready.indexOf(q);
    this.#ready.splice(k, 1);
    if (this.#next > k) this.#next--;
  }

  /** Runs waiting frames for a slice, one frame per sender in turn. */
  readonly #resume = (): void => {
    this.#scheduled = false;
    if (this.#sliceStart === 0 && this.#sliceMs > 0) this.#beginSlice(false);
    while (!this.#closed && this.#ready.length > 0) {
      if (this.#next >= this.#ready.length) this.#next = 0;
      const q = this.#ready[this.#next]!;
      const w = q.list[q.head]!;
      let at: number;
      try {
        at = this.#engine.run(q.src, w.frame, w.pos, w.state);
      } catch (e) {
        // The frame is done with; the error goes on, as it would from the lamella's drain.
        this.#done(q);
        if (this.#ready.length > 0) this.#schedule();
        throw e;
      }
      if (at >= 0) {
        w.pos = at;
        w.state = this.#engine.detach();
        // The next slice begins with the next sender.
        this.#next++;
        this.#schedule();
        return;
      }
      this.#done(q);
      if (this.#sliceMs > 0 && performance.now() - this.#sliceStart > this.#sliceMs) {
        if (this.#ready.length > 0) this.#schedule();
        return;
      }
    }
  };

  /** `q`'s first frame has run to its end: the next sender's turn. */
  #done(q: Queue): void {
    q.list[q.head++] = undefined;
    if (q.head === q.list.length) this.#drop(q);
    else {
      // A sender whose queue never empties (a steady backlog) would grow the list by a slot per
      // frame for as long as that lasts: the consumed half goes once it is long.
      if (q.head >= COMPACT_AT && q.head * 2 >= q.list.length) {
        q.list.splice(0, q.head);
        q.head = 0;
      }
      this.#next++;
    }
  }
}

/**
 * A private copy of a frame. Not `slice()`: from shared memory (a ring) that copies word by word
 * with relaxed atomics, several times slower than the memcpy `copyBytes` makes of a large frame.
 */
function keep(frame: Uint8Array): Uint8Array {
  const c = new Uint8Array(frame.length);
  copyBytes(c, 0, frame);
  return c;
}
