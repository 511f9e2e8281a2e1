/**
 * Decoding the same runtime reference again, without decoding it again.
 *
 * A frame of small AMs that all carry one array or Darc handle (a BFS whose every AM names the
 * level array) would otherwise build one receiver handle per AM: a key lookup, a handle object
 * with its reference count, and its release when the AM ends. Measured on 2 shmem PEs, that made
 * an AM carrying an UnsafeArray handle cost 3.7 times one carrying a number.
 *
 * With a memo passed to `decodeValue`, a REF whose codec id and encoded bytes equal those of a
 * reference decoded earlier (while the memo was in use) skips the decode: same bytes, same
 * object, since a codec's encoding of an object is deterministic and names the object. The
 * value decoded then is handed out again, shared, unless an earlier user of it is still running
 * (`RefHolds.busy`: an AM that suspended); then a codec with `copy` (every handle with a
 * lifetime) makes a new handle from it, so that each AM that may run beside another owns its
 * own, as each Rust AM owns its Darc: one AM's `drop()` or `await using` must not release the
 * handle another AM is still using. AMs that run one after another, each to its end, can share
 * one handle: a drop by one is seen by the next decode (below), and BFS-style frames of
 * synchronous AMs pay for one handle, not one per AM. Whoever passes the memo owns the sharing:
 * `RefHolds` tells it what each decode registered for release (arg-scope.ts in the AM layer
 * keeps the first handle until the frame has been handled). A value whose `isReleased` is true
 * (a handle an AM dropped) is never used again: the next occurrence is decoded afresh.
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
  /**
   * Whether the value of `token` is held by a decode's user that is still running (an AM that
   * suspended): then a codec with `copy` makes the next user its own value instead.
   */
  busy(token: unknown): boolean;
}

/** Returned by `find` when there is no usable entry. */
export const MISS: unique symbol = Symbol('lamellar.refMemo.miss');

const MAX_ENTRIES = 8;

interface Entry {
  id: number;
  bytes: Uint8Array;
  value: unknown;
  token: unknown;
  /** The codec's `copy` (called with the entry as `this`, which it ignores); undefined: share `value`. */
  copy: ((value: unknown) => unknown) | undefined;
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
      return this.#use(e);
    }
    return MISS;
  }

  /**
   * The value for one more use of `e`: a copy of its handle while an earlier user still runs,
   * otherwise the shared value counted again.
   */
  #use(e: Entry): unknown {
    if (e.copy !== undefined && this.holds.busy(e.token)) return e.copy(e.value);
    this.holds.again(e.token);
    return e.value;
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
      return this.#use(e);
    }
    return MISS;
  }

  /**
   * Remembers that bytes [start, r.pos) of codec `id`, whose REF tag is at `at`, decoded to
   * `value`, with its `token` and the codec's `copy`.
   */
  keep(id: number, r: Reader, start: number, value: unknown, token: unknown, copy: ((value: unknown) => unknown) | undefined, at = -1): void {
    const e: Entry = { id, bytes: r.buf.slice(start, r.pos), value, token, copy, at };
    const list = this.#entries;
    if (list.length < MAX_ENTRIES) list.push(e);
    else {
      list[this.#next] = e;
      this.#next = (this.#next + 1) % MAX_ENTRIES;
    }
  }
}
