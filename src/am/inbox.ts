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
 * Order: a frame cut short waits in a backlog, copied (the lamella's view is valid only during the
 * call), together with every frame that arrives after it; nothing newer runs before it. A frame
 * keeps its byte offsets in the copy, so back-references into its earlier records still resolve.
 */

import { config } from '../core/index.js';

const CHECK_EVERY = 8;

/**
 * Runs the records of `frame` from byte `pos`: -1 once the frame is done (or failed), else the
 * position of the first record not yet run (the slice ran out).
 */
export type RunFrame = (src: number, frame: Uint8Array, pos: number) => number;

interface Waiting {
  src: number;
  frame: Uint8Array;
  pos: number;
}

export class Inbox {
  readonly #run: RunFrame;
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
  #closed = false;

  constructor(run: RunFrame) {
    this.#run = run;
  }

  /** The lamella's frame handler. */
  deliver(src: number, frame: Uint8Array): void {
    if (this.#head < this.#backlog.length) {
      this.#backlog.push({ src, frame: frame.slice(), pos: 0 });
      return;
    }
    if (this.#sliceStart === 0 && this.#sliceMs > 0) this.#beginSlice();
    const at = this.#run(src, frame, 0);
    if (at >= 0) {
      this.#backlog.push({ src, frame: frame.slice(), pos: at });
      this.#schedule();
    }
  }

  /** Called after each request is run: true when the slice is used up and the frame should stop. */
  due(): boolean {
    // Between slices, and with slices off, #every is infinite: never true.
    if (++this.#count < this.#every) return false;
    this.#count = 0;
    if (performance.now() - this.#sliceStart > this.#sliceMs) return true;
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
