/** Counts outstanding work and wakes whoever waits for it to reach zero (waitAll). */
import type { HandleCounter } from './handle.js';

export class Counter implements HandleCounter {
  #n = 0;
  #completed = 0;
  #waiters: (() => void)[] = [];

  /** How many have been done in all (a waiter's deadlock report checks it moved). */
  get completed(): number {
    return this.#completed;
  }

  /** The count now. */
  get value(): number {
    return this.#n;
  }

  add(n = 1): void {
    this.#n += n;
  }

  done(): void {
    this.#completed++;
    if (--this.#n === 0 && this.#waiters.length > 0) this.#wake();
  }

  /** Resolves when the count is zero (at once if it is now). */
  idle(): Promise<void> {
    if (this.#n === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}

/**
 * Counts in two counters at once: a TaskGroup's launch on a sub-team, which that team's waitAll()
 * and the group's both wait for.
 */
export class PairCounter implements HandleCounter {
  constructor(
    readonly a: HandleCounter,
    readonly b: HandleCounter,
  ) {}

  add(): void {
    this.a.add();
    this.b.add();
  }

  done(): void {
    this.a.done();
    this.b.done();
  }
}

/** Whether a launch that reports to `c` is counted in `target`. */
export function countsIn(c: HandleCounter | undefined, target: HandleCounter): boolean {
  return c === target || (c instanceof PairCounter && (c.a === target || c.b === target));
}
