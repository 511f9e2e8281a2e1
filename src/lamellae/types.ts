/**
 * The lamella contract: what a transport must do. A lamella moves bytes and memory; it knows
 * nothing of AMs, teams or arrays.
 *
 * Messages: `send(pe, frame)` queues one frame (a batch of encoded AMs) for a PE. Frames from one
 * sender are delivered to the receiver's handler in the order they were sent. A frame may be of
 * any size: the lamella splits and joins it. The handler gets a view that is valid only for the
 * duration of the call (it may point into a ring buffer), so it must decode synchronously.
 *
 * Memory: each PE owns one heap of bytes; an address is a byte offset into a PE's heap. `alloc`
 * and `free` are one-sided and act on the caller's own heap; a collective allocation is an
 * `alloc` on every PE followed by `allgather` of the addresses. `put`, `get` and `atomic` act on
 * any PE's heap and need no user code on the target. Where the target's heap is mapped into this
 * PE (shmem, local) `heap(pe)` returns it, and callers may operate on it directly.
 */
import type { Backend, KernelSpace, LamellarError } from '../core/index.js';

/**
 * Receives one whole frame from `srcPe`. The view is only valid during the call. A lamella that
 * can leave a frame where it lies (a shared ring) passes `holdable`: the handler may then return
 * false, meaning "not now", and the lamella keeps the frame unread and offers it again on a later
 * event-loop turn, before any later frame from `srcPe`. Otherwise the handler takes the frame
 * (copying what it keeps past the call) and returns true. `seen`: the lamella offered this frame
 * before, or showed it to HoldHooks.scan, so what must not wait its turn is already taken out.
 */
export type FrameHandler = (srcPe: number, frame: Uint8Array, holdable?: boolean, seen?: boolean) => boolean;

/** What a lamella that holds frames back (offers them as holdable) may ask of the engine. */
export interface HoldHooks {
  /** Whether a frame from `srcPe` offered now would be taken: a frame in parts is started only then. */
  accepting(srcPe: number): boolean;
  /**
   * A frame that waits unread behind a refused one: handles now what must not wait its turn
   * (replies, collective messages), marking it done in place, where the lamella lets the engine
   * write. The lamella calls it once per frame.
   */
  scan(srcPe: number, frame: Uint8Array): void;
}

/** Integer word types that remote atomics work on. */
export type AtomicWord = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64';

/** Remote atomic operations; each returns the word's previous value (`load` returns the value). */
export type AtomicOp = 'load' | 'store' | 'swap' | 'add' | 'sub' | 'and' | 'or' | 'xor' | 'cas';

export interface LamellaStats {
  /** Frames handed to `send`. */
  framesSent: number;
  /**
   * Bytes this PE sends: the frames handed to `send` (those to this PE itself too, see
   * `selfBytes`), plus the payload of `put`s to another PE where they cross a network (tcp,
   * ofi). A mapped copy (shmem, local) sends nothing, and a `get`'s data is sent by its target's
   * network side, so neither is counted.
   */
  bytesSent: number;
  /** Of `bytesSent`, the frames this PE sent itself, which `world.stats()` leaves out. */
  selfBytes: number;
  framesReceived: number;
}

export interface Lamella {
  readonly backend: Backend;
  readonly myPe: number;
  readonly numPes: number;
  readonly stats: LamellaStats;
  /** The largest frame `send` accepts, in bytes (Infinity where there is no limit). */
  readonly maxFrame: number;
  /** Optional: the failure that stopped this lamella (a lost peer, ...), once one has. */
  readonly failure?: LamellarError | undefined;

  /** Installs the one frame handler; must be called before `init`. */
  setFrameHandler(handler: FrameHandler): void;
  /** Optional, for a lamella that holds frames back (see FrameHandler and HoldHooks). */
  setHoldHooks?(hooks: HoldHooks): void;
  /** Starts progress and meets every other PE (collective). */
  init(): Promise<void>;
  /** Queues a frame for `pe` (which may be this PE). The bytes are copied before returning. */
  send(pe: number, frame: Uint8Array): void;
  /**
   * Optional: queues one frame given as consecutive pieces of `bytes` bytes in all, as `send` of
   * their concatenation would (copied before returning). A lamella that copies frames into
   * shared memory anyway takes a large frame this way with one copy of each piece, where
   * joining the pieces first would cost a second copy.
   */
  sendParts?(pe: number, parts: readonly Uint8Array[], bytes: number): void;
  /** Called by the engine after a burst of sends, so the lamella may wake its own progress. */
  sendsDone(): void;

  /**
   * Optional (tcp): the host the other PEs reach this PE at once the job has met: the bind
   * address, or for a wildcard bind the address it advertised (its address on the route to PE 0;
   * for PE 0, the master address's host). ofi binds its fabric endpoint there.
   */
  readonly advertisedHost?: string | undefined;
  /** One-sided allocation of `bytes` on this PE's heap; returns the address (never 0). */
  alloc(bytes: number): number;
  /**
   * Optional: when the lamella holds heap space of its own that comes back by itself (blocks
   * that carry large frames until their receivers have read them), a promise that settles once
   * some of it has come back; undefined when it holds none. An allocation that found the heap
   * full waits on it before it fails (memregion/reclaim.ts).
   */
  heapReturning?(): Promise<void> | undefined;
  /** Releases an address returned by `alloc`; the bytes are zeroed for the next user. */
  free(addr: number): void;
  /** Collective: every PE contributes one number and gets everyone's, in PE order. */
  allgather(value: number): Promise<number[]>;
  /** Copies `src` into PE `pe`'s heap at `addr`. Complete when the promise resolves. */
  put(pe: number, addr: number, src: Uint8Array): Promise<void>;
  /** Copies `dst.length` bytes from PE `pe`'s heap at `addr` into `dst`. */
  get(pe: number, addr: number, dst: Uint8Array): Promise<void>;
  /** An atomic read-modify-write on an integer word of PE `pe`'s heap; resolves to the old value. */
  atomic(pe: number, addr: number, word: AtomicWord, op: AtomicOp, value: number | bigint, expected?: number | bigint): Promise<number | bigint>;
  /** PE `pe`'s heap, when it is mapped into this PE (shmem, local); undefined otherwise. */
  heap(pe: number): SharedArrayBuffer | undefined;
  /**
   * PE `pe`'s heap as a shared WebAssembly memory, with a scratch block in it for this PE's
   * batch kernels, where this PE may run them on that heap: every mapped heap (shmem, local, and
   * its own heap on tcp and ofi). Undefined otherwise.
   */
  kernelSpace(pe: number): KernelSpace | undefined;

  /** Stores an i32 into PE `pe`'s heap at `addr` and wakes anyone waiting on it (signals). */
  signal(pe: number, addr: number, value: number): void;
  /**
   * Resolves once the i32 at `addr` in this PE's heap is >= `value` (treating the word as a
   * wrapping sequence number). Returns undefined if that already holds. `onSlow` runs once if the
   * wait passes the deadlock timeout, so the caller can report who has not arrived.
   */
  waitSignal(addr: number, value: number, onSlow?: () => void): Promise<void> | undefined;

  /** Lamella-level barrier over all PEs, for bootstrap and shutdown (collective). */
  barrier(): Promise<void>;
  /** Collective: stops progress and releases resources. */
  shutdown(): Promise<void>;
  /** Stops this PE at once after a fatal error (not collective). */
  abort(reason: Error): void;
}
