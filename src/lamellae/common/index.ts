/**
 * lamellae/common: transport machinery that only lamellae use: the SPSC byte ring, heaps mapped
 * into this PE (with their allocator), and frame reassembly. Lamellae import it; nothing above
 * the lamellae does.
 */
export * from './assembler.js';
export * from './detached.js';
export * from './heap-allocator.js';
export * from './hosts.js';
export * from './mapped-heaps.js';
export * from './ring.js';
export * from './spill.js';
export * from './mapped-memory.js';
