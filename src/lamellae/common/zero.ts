/**
 * Zeroing freed heap memory without touching the pages that are zero already.
 *
 * A freed block is zeroed for its next user (a fresh region must read zero). A heap is mapped
 * whole and its pages cost memory only once touched, so a fill over a block that was never
 * written committed every page of it: dropping a 1 GiB region nobody wrote took 1.2-1.9 s and
 * left 1 GiB resident. Comparing each page with a zero page (memcmp, through Buffer.compare)
 * reads an untouched page without committing it, and only pages with data are filled. Measured
 * here on 1 GiB: untouched 0.27 s and nothing resident (the fill: 0.95 s and 1 GiB); every page
 * written 0.33 s (the fill alone: 0.30 s). Some kernels commit an untouched page when it is only
 * read (Linux 6.18 with transparent huge pages always on: a read pass over 256 MiB of a shared
 * WebAssembly memory made it all resident); there the scan saves the writes, not the memory.
 */
import { Buffer } from 'node:buffer';

const PAGE = 4096;
/** Below this, a plain fill: a few pages cost less to write than to compare call by call. */
const SCAN_FROM = 64 << 10;

let zeroPage: Buffer | undefined;

/** Zeroes `bytes[at, at + len)`, writing only the pages that hold a non-zero byte. */
export function zeroUsed(bytes: Uint8Array, at: number, len: number): void {
  if (len < SCAN_FROM) {
    bytes.fill(0, at, at + len);
    return;
  }
  const zero = (zeroPage ??= Buffer.alloc(PAGE));
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = at + len;
  // Consecutive pages with data are filled in one call: a call per page made a fully written
  // 256 MiB block 1.8x slower to free than one fill.
  let run = -1;
  for (let p = at; p < end; ) {
    // Page-aligned pieces (heaps start on a page), the first and last possibly partial.
    const q = Math.min(end, (Math.floor((bytes.byteOffset + p) / PAGE) + 1) * PAGE - bytes.byteOffset);
    if (b.compare(zero, 0, q - p, p, q) !== 0) {
      if (run < 0) run = p;
    } else if (run >= 0) {
      bytes.fill(0, run, p);
      run = -1;
    }
    p = q;
  }
  if (run >= 0) bytes.fill(0, run, end);
}
