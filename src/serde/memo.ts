/**
 * Decoding the same runtime reference again, without decoding it again.
 *
 * A frame of small AMs that all carry one array or Darc handle (a BFS whose every AM names the
 * level array) would otherwise build one receiver handle per AM: a key lookup, a handle object
 * with its reference count, and its release when the AM ends. Measured on 2 shmem PEs, that made
 * an AM carrying an UnsafeArray handle cost 3.7 times one carrying a number.
 *
 * With a memo passed to `decodeValue`, a REF whose codec id and encoded bytes equal those of a
 * reference decoded earlier (while the memo was in use) returns the value decoded then: same
 * bytes, same object, since a codec's encoding of an object is deterministic and names the
 * object. Whoever passes the memo owns the sharing: `RefHolds` tells it what each decode
 * registered for release (arg-scope.ts in the AM layer keeps a shared handle until every AM that
 * received it has finished). A value whose `isReleased` is true (a handle an AM dropped) is never
 * handed out again: the next occurrence is decoded afresh.
 */
import type { Reader } from './reader.js';

/** What a memo needs from its owner to share one decoded value among several decodes. */
export interface RefHolds {
  /** A position to pass to `share` after a codec's decode. */
  mark(): number;
  /**
   * Takes over what the codec registered since `mark` (for the decode now running), so it can be
   * shared; returns the token `again` gets on each later use.
   */
  share(mark: number): unknown;
  /** The value of `token` is used once more by the decode now running. */
  again(token: unknown): void;
}

/** Returned by `find` when there is no usable entry. */
export const MISS: unique symbol = Symbol('lamellar.refMemo.miss');

const MAX_ENTRIES = 8;

interface Entry {
  id: number;
  bytes: Uint8Array;
  value: unknown;
  token: unknown;
  /** Offset of the REF tag in the frame, for REF_AGAIN. */
  at: number;
}

export class RefMemo {
  readonly holds: RefHolds;
  readonly #entries: Entry[] = [];
  #next = 0;

  constructor(holds: RefHolds) {
    this.holds = holds;
  }

  /** Forgets every entry (the owner has released or will release their shares). */
  clear(): void {
    this.#entries.length = 0;
    this.#next = 0;
  }

  /**
   * The value of an entry whose codec is `id` and whose bytes follow at `r.pos`: moves `r.pos`
   * past them and counts the use. MISS otherwise.
   */
  find(id: number, r: Reader): unknown {
    const list = this.#entries;
    for (let k = 0; k < list.length; k++) {
      const e = list[k]!;
      if (e.id !== id) continue;
      const b = e.bytes;
      const n = b.length;
      const p = r.pos;
      if (p + n > r.end) continue;
      const buf = r.buf;
      let i = 0;
      while (i < n && buf[p + i] === b[i]) i++;
      if (i < n) continue;
      if ((e.value as { isReleased?: unknown } | null)?.isReleased === true) {
        // Dropped by an AM that received it: decode afresh from here on.
        list.splice(k, 1);
        return MISS;
      }
      r.pos = p + n;
      this.holds.again(e.token);
      return e.value;
    }
    return MISS;
  }

  /**
   * The value of the entry whose REF tag was at offset `at` (a REF_AGAIN), counting the use;
   * MISS if there is none or its handle was dropped.
   */
  findAt(at: number): unknown {
    const list = this.#entries;
    for (let k = 0; k < list.length; k++) {
      const e = list[k]!;
      if (e.at !== at) continue;
      if ((e.value as { isReleased?: unknown } | null)?.isReleased === true) {
        list.splice(k, 1);
        return MISS;
      }
      this.holds.again(e.token);
      return e.value;
    }
    return MISS;
  }

  /**
   * Remembers that bytes [start, r.pos) of codec `id`, whose REF tag is at `at`, decoded to
   * `value`, with its `token`.
   */
  keep(id: number, r: Reader, start: number, value: unknown, token: unknown, at = -1): void {
    const e: Entry = { id, bytes: r.buf.slice(start, r.pos), value, token, at };
    const list = this.#entries;
    if (list.length < MAX_ENTRIES) list.push(e);
    else {
      list[this.#next] = e;
      this.#next = (this.#next + 1) % MAX_ENTRIES;
    }
  }
}
