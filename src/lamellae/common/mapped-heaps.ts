/**
 * Memory operations on heaps that are mapped into this PE: one heap per PE.
 *
 * The shmem lamella maps every PE's heap into every PE, so put, get and atomics on another PE's
 * memory are plain copies and `Atomics.*` calls made by the caller, with no work on the target.
 * The local lamella has one heap; the tcp lamella uses the same code to serve remote requests.
 *
 * A heap is a shared WebAssembly.Memory (createHeap), so the array layer can run its batch
 * kernels as WebAssembly over it (`Atomics.add` costs a builtin call per element in JS; the same
 * loop in WebAssembly is an inline locked instruction). The memory has its full size from the
 * start (initial = maximum pages): its SharedArrayBuffer never changes, so cached views never go
 * stale, and its pages cost memory only once touched, as before. (A growing WebAssembly memory
 * would hand out a new, longer SharedArrayBuffer on each growth and leave every view made on
 * the old one short; Node 20 has no length-tracking buffer for WebAssembly memory.)
 *
 * Kernel scratch: the first bytes of every heap are reserved, one slot of KERNEL_SLOT_BYTES per
 * PE that may run kernels on it (every PE on shmem, the owner alone elsewhere). A kernel reads
 * its operands from the same memory it updates, so the caller writes a batch's offsets and
 * values into its own slot in the target's heap, and no other PE ever touches that slot.
 */
import { setImmediate as immediate } from 'node:timers/promises';
import { copyBytes } from '../../core/copy.js';
import { ErrorCode, LamellarError } from '../../core/errors.js';
import { config, MAX_HEAP_SIZE } from '../../core/config.js';
import { debug } from '../../core/debug.js';
import { wasm, WASM_PAGE, type HeapMemory, type KernelSpace, type WasmMemory } from '../../core/wasm.js';
import { HeapAllocator } from './heap-allocator.js';
import { zeroUsed } from './zero.js';

export type WordKind = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64';
export type WordOp = 'load' | 'store' | 'swap' | 'add' | 'sub' | 'and' | 'or' | 'xor' | 'cas';

type IntView = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
type BigView = BigInt64Array | BigUint64Array;

const CTORS = {
  i8: Int8Array, u8: Uint8Array, i16: Int16Array, u16: Uint16Array, i32: Int32Array, u32: Uint32Array,
  i64: BigInt64Array, u64: BigUint64Array,
} as const;

const GROW_STEP = 1 << 20;

/** Bytes of one kernel scratch slot (see the array layer's ops/wasm: 4,096 offsets and values). */
export const KERNEL_SLOT_BYTES = 80 * 1024;
/** The first slot's address: offset 0 is never an address. */
const SLOTS_AT = 64;

/**
 * The bytes of a PE's heap: LAMELLAR_HEAP_SIZE for the program's regions and arrays, plus what the
 * runtime reserves at its start (the kernels' scratch slots: `slots` of them, one per PE that
 * maps the heap on shmem). A job given the documented minimum could not start: 2 shmem PEs
 * reserve 160 KiB of each heap, more than 64 KiB. At most the 4 GiB a heap can be.
 */
export function heapBytes(heapSize: number, slots: number): number {
  return Math.min(MAX_HEAP_SIZE, heapSize + SLOTS_AT + slots * KERNEL_SLOT_BYTES);
}
/**
 * i32 index, in a WebAssembly heap, of the heap's extent: the bytes its owner's allocator has
 * handed out so far, in 64 KiB units, published by the owner as its allocations reach further.
 * A mapped-whole heap has every byte from the start, but an access past what was ever allocated
 * is still a bug and fails with INDEX_OUT_OF_BOUNDS, as it did when heaps grew (a growable
 * heap's extent is its length).
 */
const EXTENT_WORD = 2;
const EXTENT_UNIT = 65536;

export interface WaitOptions {
  spinMicros: number;
  deadlockTimeoutSecs: number;
}

/**
 * Word 0 of every heap (offset 0 is never an address) counts the waiters asleep in `waitSignal`
 * on that heap's words, so `signal` notifies only when someone may sleep.
 */
const SLEEPERS = 0;

/**
 * Adaptive spinning in waitSignal. A spin pays when the signal comes within LAMELLAR_SPIN_US,
 * as on shmem when PEs arrive together (0.3 µs a barrier, against about 15 µs for a sleep and
 * wake-up); it only costs when the signal takes longer, as over tcp and ofi here (about 100 µs on
 * loopback, through two threads and a socket), or when one PE is behind: then it holds the event
 * loop (an AM sent to the PE waits for the spin to end) and the core the late PE may need.
 */
const SPIN_CREDIT_MAX = 4;
const SPIN_PROBE_EVERY = 32;
/** The longest a spin holds the event loop before it lets the loop take a turn. */
const SPIN_BURST_MS = 0.005;
export interface KernelHeaps {
  /** The heaps as WebAssembly memories, where mapped and made so (same indices as the heaps). */
  readonly memories: readonly (WasmMemory | undefined)[];
  /**
   * Scratch slots reserved in each heap: the PE count on shmem, 1 where only the owner runs
   * kernels. Reserved whether or not the heap is a WebAssembly memory, so every PE's allocator
   * hands out the same addresses either way.
   */
  readonly slots: number;
}

export class MappedHeaps {
  readonly heaps: readonly SharedArrayBuffer[];
  readonly myPe: number;
  readonly #alloc: HeapAllocator;
  readonly #views: Map<WordKind, IntView | BigView>[];
  readonly #bytes: Uint8Array[];
  readonly #i32: Int32Array[];
  readonly #wait: WaitOptions;
  readonly #spaces: (KernelSpace | undefined)[];
  #inputWaiting: () => boolean = () => false;
  /**
   * How much spinning has paid lately: up one (to SPIN_CREDIT_MAX) when a spin caught its signal,
   * down one when it ran out. At 0 waits sleep at once, but every SPIN_PROBE_EVERY-th still spins
   * to learn whether signals come quickly again.
   */
  #spinCredit = SPIN_CREDIT_MAX;
  #waits = 0;
  /** The words `#sleep` waits on now (i32 index and target), for signalDue. */
  readonly #sleepers = new Set<{ i: number; value: number }>();

  /**
   * `kernels` gives the heaps as WebAssembly memories and reserves their scratch slots; without it
   * (a thread that only serves requests on the heap) no slot is reserved and no kernel runs.
   */
  constructor(heaps: readonly SharedArrayBuffer[], myPe: number, wait: WaitOptions, kernels?: KernelHeaps) {
    this.heaps = heaps;
    this.myPe = myPe;
    this.#wait = wait;
    this.#views = heaps.map(() => new Map());
    this.#bytes = heaps.map((h) => new Uint8Array(h));
    this.#i32 = heaps.map((h) => new Int32Array(h));
    const own = heaps[myPe]!;
    const slots = kernels?.slots ?? 0;
    const slot = slots === 1 ? 0 : myPe;
    this.#spaces = heaps.map((_, pe) => {
      const memory = kernels?.memories[pe];
      return memory === undefined ? undefined : { memory, scratch: SLOTS_AT + slot * KERNEL_SLOT_BYTES, scratchBytes: KERNEL_SLOT_BYTES };
    });
    const reserved = SLOTS_AT + slots * KERNEL_SLOT_BYTES;
    this.#alloc = new HeapAllocator(
      Math.min(config().heapSize, own.maxByteLength - reserved),
      (need) => {
        // A growable buffer grows here; a heap mapped whole publishes its new extent.
        if (own.growable) {
          if (need > own.byteLength) own.grow(Math.min(own.maxByteLength, Math.max(need, own.byteLength * 2, GROW_STEP)));
          return;
        }
        const i32 = this.#i32[myPe]!;
        const extent = Atomics.load(i32, EXTENT_WORD) * EXTENT_UNIT;
        if (need > extent) {
          const next = Math.min(own.byteLength, Math.max(need, extent * 2, GROW_STEP));
          Atomics.store(i32, EXTENT_WORD, Math.ceil(next / EXTENT_UNIT));
        }
      },
      reserved,
      config().heapSize,
    );
  }

  /** This PE's kernel scratch in PE `pe`'s heap, where it is mapped as WebAssembly memory. */
  kernelSpace(pe: number): KernelSpace | undefined {
    return this.#spaces[pe];
  }

  alloc(bytes: number): number {
    return this.#alloc.alloc(bytes);
  }

  free(addr: number): void {
    const len = this.#alloc.free(addr);
    // Zero on free so the next allocation starts zeroed, as a fresh region must; pages never
    // written stay untouched (zero.ts).
    zeroUsed(this.#bytes[this.myPe]!, addr, len);
  }

  /** A length-tracking byte view of PE `pe`'s whole heap. */
  bytes(pe: number): Uint8Array {
    return this.#bytes[pe]!;
  }

  view<K extends WordKind>(pe: number, kind: K): InstanceType<(typeof CTORS)[K]> {
    const cache = this.#views[pe]!;
    let v = cache.get(kind);
    if (v === undefined) {
      v = new (CTORS[kind] as new (b: ArrayBufferLike) => IntView | BigView)(this.heaps[pe]!);
      cache.set(kind, v);
    }
    return v as InstanceType<(typeof CTORS)[K]>;
  }

  #extent(heap: SharedArrayBuffer, pe: number): number {
    return heap.growable ? heap.byteLength : Atomics.load(this.#i32[pe]!, EXTENT_WORD) * EXTENT_UNIT;
  }

  /** Bytes of PE `pe`'s heap that accesses may reach: what its allocator has handed out so far. */
  extent(pe: number): number {
    const heap = this.heaps[pe];
    return heap === undefined ? 0 : this.#extent(heap, pe);
  }

  #check(pe: number, addr: number, len: number): void {
    const heap = this.heaps[pe];
    if (heap === undefined || addr < 0 || addr + len > this.#extent(heap, pe)) {
      throw new LamellarError(ErrorCode.INDEX_OUT_OF_BOUNDS, `heap access [${addr}, ${addr + len}) outside PE ${pe}'s heap`, {
        details: { pe, addr, len },
      });
    }
  }

  put(pe: number, addr: number, src: Uint8Array): void {
    this.#check(pe, addr, src.length);
    copyBytes(this.#bytes[pe]!, addr, src);
  }

  get(pe: number, addr: number, dst: Uint8Array): void {
    this.#check(pe, addr, dst.length);
    copyBytes(dst, 0, this.#bytes[pe]!.subarray(addr, addr + dst.length));
  }

  atomic(pe: number, addr: number, kind: WordKind, op: WordOp, value: number | bigint, expected?: number | bigint): number | bigint {
    const v = this.view(pe, kind);
    const size = v.BYTES_PER_ELEMENT;
    if (addr % size !== 0) throw new LamellarError(ErrorCode.INTERNAL, `unaligned ${kind} atomic at ${addr}`);
    this.#check(pe, addr, size);
    const i = addr / size;
    // The casts are sound: a bigint view gets bigint operands (i64/u64), a number view numbers.
    const a = v as Int32Array;
    const x = value as number;
    switch (op) {
      case 'load': return Atomics.load(a, i);
      case 'store': return Atomics.exchange(a, i, x);
      case 'swap': return Atomics.exchange(a, i, x);
      case 'add': return Atomics.add(a, i, x);
      case 'sub': return Atomics.sub(a, i, x);
      case 'and': return Atomics.and(a, i, x);
      case 'or': return Atomics.or(a, i, x);
      case 'xor': return Atomics.xor(a, i, x);
      case 'cas': return Atomics.compareExchange(a, i, expected as number, x);
    }
  }

  /** Stores a 32-bit sequence value and wakes waiters on it. */
  signal(pe: number, addr: number, value: number): void {
    const v = this.#i32[pe]!;
    Atomics.store(v, addr >>> 2, value);
    // Why the count: a notify that finds no waiter still takes V8's futex lock, about 0.2 µs of
    // each barrier round when PEs arrive together (profile of 200k barriers on 2 shmem PEs).
    // Why it is safe (with #sleep): the sleeper counts itself before its waitAsync re-reads the
    // word, we store the word before reading the count, all sequentially consistent: either we
    // see the sleeper and notify, or its waitAsync sees the new value and does not sleep.
    if (Atomics.load(v, SLEEPERS) !== 0) Atomics.notify(v, addr >>> 2);
  }

  /**
   * The lamella's test for input its event loop has not taken yet (an AM frame, a completion).
   * waitSignal's spin holds the event loop, so it stops when this says yes: an AM that arrives
   * while its target spins in a barrier is served now, not when the spin runs out.
   */
  setInputProbe(probe: () => boolean): void {
    this.#inputWaiting = probe;
  }

  /**
   * Whether a sleeping waitSignal's word has reached its target. A lamella that spins for input
   * (shmem's inbox) stops when this says yes: the sleeper's wake-up needs the event loop.
   */
  signalDue(): boolean {
    if (this.#sleepers.size === 0) return false;
    const v = this.#i32[this.myPe]!;
    for (const s of this.#sleepers) if (((Atomics.load(v, s.i) - s.value) | 0) >= 0) return true;
    return false;
  }

  /**
   * Waits until the own-heap i32 at `addr` reaches `value`, as a wrapping sequence number.
   * Spins briefly first: when PEs arrive together this answers in well under a microsecond,
   * and the spin is bounded so an oversubscribed core is not stolen from the PE we wait for.
   * The spin ends early when input for the event loop arrives (setInputProbe).
   */
  waitSignal(addr: number, value: number, onSlow?: () => void): Promise<void> | undefined {
    const v = this.#i32[this.myPe]!;
    const i = addr >>> 2;
    if (((Atomics.load(v, i) - value) | 0) >= 0) return undefined;
    if (this.#spinCredit === 0 && ++this.#waits % SPIN_PROBE_EVERY !== 0) return this.#sleep(v, i, value, onSlow);
    const spinUntil = performance.now() + this.#wait.spinMicros / 1000;
    const input = this.#inputWaiting;
    do {
      if (((Atomics.load(v, i) - value) | 0) >= 0) {
        if (this.#spinCredit < SPIN_CREDIT_MAX) this.#spinCredit++;
        return undefined;
      }
    } while (!input() && performance.now() < spinUntil);
    return performance.now() < spinUntil ? this.#spinBetweenTurns(v, i, value, spinUntil, onSlow) : this.#spinFailed(v, i, value, onSlow);
  }

  #spinFailed(v: Int32Array, i: number, value: number, onSlow?: () => void): Promise<void> {
    if (this.#spinCredit > 0) this.#spinCredit--;
    return this.#sleep(v, i, value, onSlow);
  }

  /**
   * The rest of the spin, in bursts of at most SPIN_BURST_MS with a turn of the event loop
   * between them (and at once when input came): the loop takes what arrived, and what the
   * program set going (a timer, an immediate) runs, while the spin goes on until `spinUntil`.
   * Sleeping instead would cost a wake-up (about 15 µs on shmem) when the signal comes soon
   * after, as it does when the AM served was what the signaller waited for.
   */
  async #spinBetweenTurns(v: Int32Array, i: number, value: number, spinUntil: number, onSlow?: () => void): Promise<void> {
    const me = { i, value };
    const input = this.#inputWaiting;
    // Listed as a sleeper: a lamella spinning for input stops when this word is due (signalDue).
    this.#sleepers.add(me);
    try {
      while (performance.now() < spinUntil) {
        await immediate();
        const burstEnd = Math.min(spinUntil, performance.now() + SPIN_BURST_MS);
        do {
          if (((Atomics.load(v, i) - value) | 0) >= 0) {
            if (this.#spinCredit < SPIN_CREDIT_MAX) this.#spinCredit++;
            return;
          }
        } while (!input() && performance.now() < burstEnd);
      }
    } finally {
      this.#sleepers.delete(me);
    }
    return this.#spinFailed(v, i, value, onSlow);
  }

  async #sleep(v: Int32Array, i: number, value: number, onSlow?: () => void): Promise<void> {
    const slowAt = performance.now() + this.#wait.deadlockTimeoutSecs * 1000;
    let reported = false;
    const me = { i, value };
    this.#sleepers.add(me);
    try {
      for (;;) {
        const cur = Atomics.load(v, i);
        if (((cur - value) | 0) >= 0) return;
        // waitAsync returns at once ("not-equal") if the word moved after we read `cur`, so a
        // signal that lands between the load and the wait is never lost.
        const left = slowAt - performance.now();
        Atomics.add(v, SLEEPERS, 1);
        const r = Atomics.waitAsync(v, i, cur, reported ? undefined : Math.max(1, left));
        if (r.async) await r.value;
        Atomics.sub(v, SLEEPERS, 1);
        if (!reported && performance.now() >= slowAt) {
          reported = true;
          onSlow?.();
        }
      }
    } finally {
      this.#sleepers.delete(me);
    }
  }
}

/**
 * Makes the heap of one PE, of `maxBytes` (LAMELLAR_HEAP_SIZE allows at most 4 GiB,
 * WebAssembly's 32-bit limit).
 *
 * With `kernels` (LAMELLAR_WASM_KERNELS, the default): a shared WebAssembly memory, rounded up
 * to whole 64 KiB pages and mapped whole at once so its buffer never changes; its pages cost
 * memory only once touched. (Under strict overcommit, vm.overcommit_memory=2, the whole size
 * counts against the commit limit: set LAMELLAR_HEAP_SIZE to what the job needs.)
 *
 * Without, or where WebAssembly or its shared memories are unavailable (Node's `--jitless`, an
 * address-space limit): a growable SharedArrayBuffer, zero-length until used. Then no kernel
 * runs on it and the array layer uses its JavaScript kernels, with the same results.
 */
export function createHeap(maxBytes: number, kernels: boolean): HeapMemory {
  if (kernels && wasm !== undefined) {
    const pages = Math.max(1, Math.ceil(maxBytes / WASM_PAGE));
    try {
      return new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    } catch (err) {
      debug('no shared WebAssembly memory of %d bytes (%s): the heap is a SharedArrayBuffer', pages * WASM_PAGE, (err as Error).message);
    }
  }
  try {
    return new SharedArrayBuffer(0, { maxByteLength: maxBytes });
  } catch (err) {
    throw new LamellarError(ErrorCode.OUT_OF_MEMORY, `cannot reserve a memory-region heap of ${maxBytes} bytes (LAMELLAR_HEAP_SIZE): ${(err as Error).message}`, {
      details: { requested: maxBytes, limit: maxBytes },
      cause: err,
    });
  }
}
