/**
 * Requests waiting for replies, keyed by request id.
 *
 * Ids are issued in sequence and mostly settle in order, so the table is a power-of-two ring of
 * slots indexed by the id's low bits, covering [head, next). Settling clears a slot and advances
 * `head` past cleared slots. A request that stays pending while many later ones settle would
 * pin `head` and force the ring to grow with holes; when the ring is mostly holes the oldest
 * live entries are moved to a Map instead, so memory stays proportional to what is pending.
 *
 * Ids travel as u32; `lookup` rebuilds the full id from the low 32 bits (the window of pending
 * ids is far smaller than 2^32).
 */
const TWO32 = 2 ** 32;
/**
 * A ring larger than this goes back to its first size once nothing has been pending for
 * SHRINK_IDLE_MS: a burst of ten million unawaited launches grew it to 16 M slots (128 MB), kept
 * for the life of the world. Not at once: a program of bursts (a BFS level each) would then grow
 * it again, copying, for every burst (bfs ran 3-20% slower so).
 */
const SHRINK_ABOVE = 1 << 16;
const SHRINK_IDLE_MS = 1000;

export class PendingTable<T> {
  #slots: (T | undefined)[];
  #mask: number;
  #head: number;
  #next: number;
  #live = 0;
  readonly #old = new Map<number, T>();
  readonly #capacity: number;
  #shrinkTimer: ReturnType<typeof setTimeout> | undefined;

  /** `firstId` exists so tests can start next to the 2^32 wrap. */
  constructor(capacity = 1 << 12, firstId = 1) {
    this.#capacity = capacity;
    this.#head = this.#next = firstId;
    this.#slots = new Array<T | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
  }

  get size(): number {
    return this.#live + this.#old.size;
  }

  /** The full id the next `add` will issue. */
  get nextId(): number {
    return this.#next;
  }

  /** The full id of the entry the last successful `take` or `peek` found. */
  lastId = 0;

  /** Stores `entry` under a fresh id and returns the id's low 32 bits (what the wire carries). */
  add(entry: T): number {
    if (this.#next - this.#head > this.#mask) this.#makeRoom();
    const id = this.#next++;
    this.#slots[id & this.#mask] = entry;
    this.#live++;
    return id >>> 0;
  }

  /** Removes and returns the entry for wire id `low`, or undefined. */
  take(low: number): T | undefined {
    const next = this.#next;
    // ToUint32 (`>>> 0`) is exact modulo 2^32 for every integer below 2^53, and cheap.
    const id = next - (((next >>> 0) - low) >>> 0 || TWO32);
    this.lastId = id;
    if (id < this.#head) {
      const e = this.#old.get(id);
      if (e !== undefined) this.#old.delete(id);
      return e;
    }
    const i = id & this.#mask;
    const e = this.#slots[i];
    if (e === undefined) return undefined;
    this.#slots[i] = undefined;
    this.#live--;
    if (id === this.#head) {
      let h = id + 1;
      while (h < next && this.#slots[h & this.#mask] === undefined) h++;
      this.#head = h;
      // The last live entry is always the head's: the ring is empty now.
      if (this.#live === 0 && this.#mask >= SHRINK_ABOVE && this.#shrinkTimer === undefined) this.#shrinkWhenIdle();
    }
    return e;
  }

  /** Back to the first size SHRINK_IDLE_MS from now if the ring is empty then (ids go on from `next`). */
  #shrinkWhenIdle(): void {
    this.#shrinkTimer = setTimeout(() => {
      this.#shrinkTimer = undefined;
      if (this.#live !== 0 || this.#mask < SHRINK_ABOVE) return;
      this.#slots = new Array<T | undefined>(this.#capacity).fill(undefined);
      this.#mask = this.#capacity - 1;
    }, SHRINK_IDLE_MS).unref();
  }

  /** The ring's size in slots (for tests). */
  get capacity(): number {
    return this.#mask + 1;
  }

  /** Peeks without removing (for error messages). */
  peek(low: number): T | undefined {
    const next = this.#next;
    // ToUint32 (`>>> 0`) is exact modulo 2^32 for every integer below 2^53, and cheap.
    const id = next - (((next >>> 0) - low) >>> 0 || TWO32);
    this.lastId = id;
    return id < this.#head ? this.#old.get(id) : this.#slots[id & this.#mask];
  }

  /** The oldest pending entry's full id, or undefined when none is pending (for status; not a hot path). */
  oldestId(): number | undefined {
    for (const id of this.#old.keys()) return id;
    for (let id = this.#head; id < this.#next; id++) if (this.#slots[id & this.#mask] !== undefined) return id;
    return undefined;
  }

  /** The entry of full id `id`, if still pending. */
  get(id: number): T | undefined {
    return id < this.#head ? this.#old.get(id) : id < this.#next ? this.#slots[id & this.#mask] : undefined;
  }

  /** Calls `fn` for every pending entry with its full id, oldest first (for reports; not a hot path). */
  forEach(fn: (entry: T, id: number) => void): void {
    for (const [id, e] of this.#old) fn(e, id);
    for (let id = this.#head; id < this.#next; id++) {
      const e = this.#slots[id & this.#mask];
      if (e !== undefined) fn(e, id);
    }
  }

  #makeRoom(): void {
    const cap = this.#mask + 1;
    if (this.#live * 4 < cap) {
      // Mostly holes behind a few stragglers: evict the oldest live quarter to the Map.
      let h = this.#head;
      const stop = h + (cap >> 2);
      for (; h < stop; h++) {
        const i = h & this.#mask;
        const e = this.#slots[i];
        if (e !== undefined) {
          this.#old.set(h, e);
          this.#slots[i] = undefined;
          this.#live--;
        }
      }
      while (h < this.#next && this.#slots[h & this.#mask] === undefined) h++;
      this.#head = h;
      return;
    }
    const slots = new Array<T | undefined>(cap * 2).fill(undefined);
    const mask = cap * 2 - 1;
    for (let id = this.#head; id < this.#next; id++) slots[id & mask] = this.#slots[id & this.#mask];
    this.#slots = slots;
    this.#mask = mask;
  }
}
