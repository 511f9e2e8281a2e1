/**
 * The status board: one small block in every PE's own heap that says what the PE is doing, so
 * that a PE stuck in a collective can name the PEs it waits for and what each of them is doing.
 * It lives in the heap because the heap can be read while its owner's main thread is busy in a
 * synchronous loop: on shmem every PE maps every heap, and on tcp a `get` is served by the
 * target's network thread, not its main thread.
 *
 * Layout (i32 words, then bytes):
 *   [0] version: odd while the owner writes (a seqlock; readers retry on odd or changed)
 *   [1] state  [2] team id  [3] sequence number on that team  [4] collective kind
 *   [5] length of the call-site text in bytes   bytes 32..: the call-site text (UTF-8)
 */
import { kindName } from './kinds.js';

export const STATUS_BYTES = 256;
const TEXT_AT = 32;
const TEXT_MAX = STATUS_BYTES - TEXT_AT;

export const State = {
  running: 0,
  inCollective: 1,
  inWaitAll: 2,
  shutDown: 3,
  exited: 4,
  inConversion: 5,
} as const;

export interface StatusView {
  state: number;
  team: number;
  seq: number;
  kind: number;
  site: string;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export interface BoardMemory {
  heap(pe: number): SharedArrayBuffer | undefined;
  get(pe: number, addr: number, dst: Uint8Array): Promise<void>;
  readonly myPe: number;
}

export class StatusBoard {
  readonly #mem: BoardMemory;
  /** Each world PE's status block address. */
  readonly #addrs: readonly number[];
  readonly #i32: Int32Array;
  readonly #u8: Uint8Array;
  readonly #at: number;

  constructor(mem: BoardMemory, addrs: readonly number[]) {
    this.#mem = mem;
    this.#addrs = addrs;
    const own = mem.heap(mem.myPe)!;
    // Length-tracking views over a growable heap: they never go stale when it grows.
    this.#i32 = new Int32Array(own);
    this.#u8 = new Uint8Array(own);
    this.#at = addrs[mem.myPe]!;
  }

  /** Publishes this PE's status. `site` is the call-site text, if known. */
  publish(state: number, team = 0, seq = 0, kind = 0, site = ''): void {
    const w = this.#at >> 2;
    const v = this.#i32;
    Atomics.add(v, w, 1);
    v[w + 1] = state;
    v[w + 2] = team;
    v[w + 3] = seq;
    v[w + 4] = kind;
    const r = utf8.encodeInto(site, this.#u8.subarray(this.#at + TEXT_AT, this.#at + STATUS_BYTES));
    v[w + 5] = Math.min(r.written, TEXT_MAX);
    Atomics.add(v, w, 1);
  }

  /** Reads PE `pe`'s status (a remote read on tcp). */
  async read(pe: number): Promise<StatusView> {
    const buf = new Uint8Array(STATUS_BYTES);
    const words = new Int32Array(buf.buffer);
    for (let tries = 0; ; tries++) {
      await this.#mem.get(pe, this.#addrs[pe]!, buf);
      // A torn read (the owner was writing) shows an odd version; the next read will be whole.
      if ((words[0]! & 1) === 0 || tries >= 8) break;
    }
    const len = Math.max(0, Math.min(words[5]!, TEXT_MAX));
    return {
      state: words[1]!,
      team: words[2]!,
      seq: words[3]!,
      kind: words[4]!,
      site: fromUtf8.decode(buf.subarray(TEXT_AT, TEXT_AT + len)),
    };
  }
}

/** "in barrier() #4 on team 2 at file:///app.ts:10:3", "running, not in a collective", ... */
export function describeStatus(s: StatusView, teamName: (id: number) => string): string {
  switch (s.state) {
    case State.inCollective:
      return `in ${kindName(s.kind)} #${s.seq} on ${teamName(s.team)}${s.site ? ` at ${s.site}` : ''}`;
    case State.inWaitAll:
      return `in waitAll()${s.site ? ` at ${s.site}` : ''}`;
    case State.inConversion:
      return `in a conversion${s.site ? ` at ${s.site}` : ''}`;
    case State.shutDown:
      return 'shut down';
    case State.exited:
      return 'exited';
    default:
      return 'running, not in a collective';
  }
}
