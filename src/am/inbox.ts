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
 * Within a slice the clock is read after request 1, 2, 4, then every CHECK_EVERY requests (a
 * reading per AM would cost a good share of a small AM's whole run), so AMs heavy enough to use
 * up a slice stop close to its end. A burst of 500 AMs of 2 ms each held the loop about 1 s
 * between two timer runs without slices.
 *
 * A slice that is used up also holds back the frames that arrive after it in the same turn (a run
 * of frames of one heavy AM each is never cut inside a frame).
 *
 * Order: a frame cut short waits in a backlog, copied (the lamella's view is valid only during the
 * call); nothing newer runs before it. A frame keeps its byte offsets in the copy, so
 * back-references into its earlier records still resolve. Frames held back go into the backlog
 * after it, copied, unless the lamella can keep them where they are (a frame it offers as
 * holdable, in a shmem ring or sender's heap): those are refused and offered again on a later
 * turn. A burst bigger than a slice (a drain of 200 AMs of 40 KB each) otherwise copied every
 * frame after the first cut out of shared memory: a quarter of the histo kernel's time.
 *
 * Out of turn: before a frame waits, its replies and collective messages are handled (the
 * engine's scan), so that a PE flooded with AMs still gets the answers to its own awaited AMs and
 * takes part in collectives; only requests wait their turn.
 */

import { config, copyBytes } from '../core/index.js';

const CHECK_EVERY = 8;

/**
 * Runs the records of `frame` from byte `pos`: -1 once the frame is done (or failed), else the
 * position of the first record not yet run (the slice ran out).
 */
export type RunFrame = (src: number, frame: Uint8Array, pos: number) => number;

/**
 * Handles now what in `frame` from `pos` must not wait its turn (replies, collective messages),
 * marking it done in place; `frame` is about to wait (engine.ts, takeOutOfTurn).
 */
export type ScanFrame = (src: number, frame: Uint8Array, pos: number) => void;

interface Waiting {
  src: number;
  frame: Uint8Array;
  pos: number;
}

export class Inbox {
  readonly #run: RunFrame;
  readonly #scan: ScanFrame;
  readonly #sliceMs = config().amSliceMs;
  /** Consumed entries are cleared to undefined until the list empties (a head index, not shift()). */
  readonly #backlog: (Waiting | undefined)[] = [];
  #head = 0;
  #scheduled = false;
  /** Requests run since the clock was last read, and how many to run between readings. */
  #count = 0;
  #every = Number.POSITIVE_INFINITY;
  /** When the current slice began; 0 between slices. */
  #sliceStart = 0;
  /**
   * The current slice is used up: frames that arrive before it ends wait. A frame cut short waits
   * in the backlog anyway, but a run of frames of one heavy AM each is never cut inside a frame,
   * and would otherwise all run in one turn (120 frames of 0.25 ms held the loop 35 ms).
   */
  #spent = false;
  #closed = false;

  constructor(run: RunFrame, scan: ScanFrame) {
    this.#run = run;
    this.#scan = scan;
  }

  /** Whether `deliver` would run a frame now rather than refuse or copy it. */
  accepting(): boolean {
    return !this.#spent && this.#head >= this.#backlog.length;
  }

  /**
   * The lamella's frame handler: false when `holdable` and the frame must wait (the lamella offers
   * it again later), true when it ran or was copied to the backlog.
   */
  deliver(src: number, frame: Uint8Array, holdable = false): boolean {
    if (this.#spent || this.#head < this.#backlog.length) {
      if (holdable) {
        this.#scan(src, frame, 0);
        return false;
      }
      this.#wait(src, frame, 0);
      return true;
    }
    if (this.#sliceStart === 0 && this.#sliceMs > 0) this.#beginSlice();
    const at = this.#run(src, frame, 0);
    // Copied even when holdable: its first records have run, and a frame cut short must resume
    // before anything else runs (the engine keeps its memo and handles open until it ends).
    if (at >= 0) this.#wait(src, frame, at);
    return true;
  }

  /** A copy of `frame` waits in the backlog from `pos`, what must not wait taken out first. */
  #wait(src: number, frame: Uint8Array, pos: number): void {
    const copy = keep(frame);
    // Waiting before the scan: if a record taken out of turn throws, the rest still gets its turn.
    this.#backlog.push({ src, frame: copy, pos });
    this.#schedule();
    this.#scan(src, copy, pos);
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

  #beginSlice(): void {
    this.#sliceStart = performance.now();
    this.#count = 0;
    this.#every = 1;
    queueMicrotask(this.#endSlice);
  }

  /** The engine has closed: frames still waiting are dropped, as the lamella drops late ones. */
  close(): void {
    this.#closed = true;
    this.#backlog.length = 0;
    this.#head = 0;
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

  readonly #resume = (): void => {
    this.#scheduled = false;
    const list = this.#backlog;
    if (this.#sliceStart === 0 && this.#sliceMs > 0) this.#beginSlice();
    while (!this.#closed && this.#head < list.length) {
      const w = list[this.#head]!;
      let at: number;
      try {
        at = this.#run(w.src, w.frame, w.pos);
      } catch (e) {
        // The frame is done with; the error goes on, as it would from the lamella's drain.
        list[this.#head++] = undefined;
        if (this.#head < list.length) this.#schedule();
        throw e;
      }
      if (at >= 0) {
        w.pos = at;
        this.#schedule();
        return;
      }
      list[this.#head++] = undefined;
      if (this.#sliceMs > 0 && performance.now() - this.#sliceStart > this.#sliceMs) {
        this.#schedule();
        return;
      }
    }
    list.length = 0;
    this.#head = 0;
  };
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
