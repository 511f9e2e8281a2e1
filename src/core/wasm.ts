/**
 * The part of the WebAssembly JS API the runtime uses: shared memories (every PE's heap is one,
 * so the array kernels can run as WebAssembly over it) and synchronous compilation of the small
 * kernel module. The project's TypeScript libs (ES2024 without DOM) do not declare WebAssembly,
 * so its shape is written here once.
 */

/** A shared WebAssembly.Memory: `buffer` is a SharedArrayBuffer of its current size. */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}

/** A compiled module (compiled once per thread, instantiated once per heap). */
export interface WasmModule {
  readonly __brand: 'WasmModule';
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}

/** Node's WebAssembly namespace, typed; undefined where Node runs without it (`--jitless`). */
export const wasm: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * A PE's memory-region heap: a shared WebAssembly memory (the batch kernels can run on it), or
 * a growable SharedArrayBuffer where WebAssembly or its shared memories are unavailable, or
 * LAMELLAR_WASM_KERNELS=0 asked for the JavaScript kernels.
 */
export type HeapMemory = WasmMemory | SharedArrayBuffer;

/** The heap's bytes. */
export function heapBuffer(h: HeapMemory): SharedArrayBuffer {
  return h instanceof SharedArrayBuffer ? h : h.buffer;
}

/** The heap as a WebAssembly memory, or undefined for a plain SharedArrayBuffer heap. */
export function heapWasm(h: HeapMemory): WasmMemory | undefined {
  return h instanceof SharedArrayBuffer ? undefined : h;
}

/**
 * Where a PE may run WebAssembly kernels on one heap (Lamella.kernelSpace): the heap as a shared
 * memory, and a scratch block in it that only this PE uses (for a batch's operands and results).
 */
export interface KernelSpace {
  readonly memory: WasmMemory;
  /** Byte address of this PE's scratch block in that heap. */
  readonly scratch: number;
  readonly scratchBytes: number;
}

/** Bytes per WebAssembly page. */
export const WASM_PAGE = 65536;
