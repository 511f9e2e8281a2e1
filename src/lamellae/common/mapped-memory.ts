/**
 * The memory half of the lamella contract for lamellae that map every PE's heap into this PE
 * (local, shmem): each call is the caller's own copy or `Atomics.*` call on the target's heap,
 * with no work on the target. A lamella extends this and supplies its MappedHeaps.
 */
import type { KernelSpace } from '../../core/wasm.js';
import type { MappedHeaps, WordKind, WordOp } from './mapped-heaps.js';

export abstract class MappedMemory {
  protected readonly mem: MappedHeaps;

  constructor(mem: MappedHeaps) {
    this.mem = mem;
  }

  alloc(bytes: number): number {
    return this.mem.alloc(bytes);
  }
  free(addr: number): void {
    this.mem.free(addr);
  }
  async put(pe: number, addr: number, src: Uint8Array): Promise<void> {
    this.mem.put(pe, addr, src);
  }
  async get(pe: number, addr: number, dst: Uint8Array): Promise<void> {
    this.mem.get(pe, addr, dst);
  }
  async atomic(pe: number, addr: number, word: WordKind, op: WordOp, value: number | bigint, expected?: number | bigint): Promise<number | bigint> {
    return this.mem.atomic(pe, addr, word, op, value, expected);
  }
  heap(pe: number): SharedArrayBuffer | undefined {
    return this.mem.heaps[pe];
  }
  kernelSpace(pe: number): KernelSpace | undefined {
    return this.mem.kernelSpace(pe);
  }
  signal(pe: number, addr: number, value: number): void {
    this.mem.signal(pe, addr, value);
  }
  waitSignal(addr: number, value: number, onSlow?: () => void): Promise<void> | undefined {
    return this.mem.waitSignal(addr, value, onSlow);
  }
}
