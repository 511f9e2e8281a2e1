/**
 * Small helpers of the ofi lamella: the pool of heap blocks that stage puts and gets of bytes
 * living outside the heap (the fabric reads and writes registered memory only), and the summary
 * of atomics paths for the start-up report.
 */
import { WORDS } from './wire.js';

/** Staging blocks kept for reuse, at most this many bytes (beyond, they go back to the heap). */
const POOL_BYTES = 64 << 20;

const capFor = (len: number): number => 2 ** Math.max(6, Math.ceil(Math.log2(len)));

/** Power-of-two blocks of the own heap, reused by size. */
export class StagingPool {
  readonly #free = new Map<number, number[]>();
  #bytes = 0;
  readonly #alloc: (bytes: number) => number;
  readonly #release: (addr: number) => void;

  constructor(alloc: (bytes: number) => number, release: (addr: number) => void) {
    this.#alloc = alloc;
    this.#release = release;
  }

  /** A heap address with room for `len` bytes. */
  take(len: number): number {
    const cap = capFor(len);
    const free = this.#free.get(cap);
    if (free !== undefined && free.length > 0) {
      this.#bytes -= cap;
      return free.pop()!;
    }
    return this.#alloc(cap);
  }

  /** Frees every block kept for reuse; whether there was any. */
  drain(): boolean {
    if (this.#bytes === 0) return false;
    for (const blocks of this.#free.values()) for (const addr of blocks) this.#release(addr);
    this.#free.clear();
    this.#bytes = 0;
    return true;
  }

  /** Returns a block that `take(len)` gave. */
  give(addr: number, len: number): void {
    const cap = capFor(len);
    if (this.#bytes + cap > POOL_BYTES) {
      this.#release(addr);
      return;
    }
    let free = this.#free.get(cap);
    if (free === undefined) this.#free.set(cap, (free = []));
    free.push(addr);
    this.#bytes += cap;
  }
}

/** `add/i8, add/u8, ...` grouped as `add (i8..u64)` where an op holds for every word type. */
export function summarize(list: string[]): string {
  if (list.length === 0) return 'none';
  const byOp = new Map<string, string[]>();
  for (const s of list) {
    const [op, w] = s.split('/') as [string, string];
    byOp.set(op, [...(byOp.get(op) ?? []), w]);
  }
  return [...byOp].map(([op, ws]) => `${op} (${ws.length === WORDS.length ? 'every word type' : ws.join(', ')})`).join(', ');
}
