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
