/** Distributed arrays beyond the op matrix: bad input, conversions, reductions, AMs, guards. */
import { conformance } from '../helpers/conformance.js';
import { CONFIGS } from '../helpers/job.js';

// Every lamella, and again on shmem and tcp with the JavaScript kernels instead of the
// WebAssembly ones (the fallback where WebAssembly is unavailable): the same cases, same results.
const JS_KERNELS = { LAMELLAR_WASM_KERNELS: '0' };
const configs = [...CONFIGS, { backend: 'shmem' as const, numPes: 2, env: JS_KERNELS }, { backend: 'tcp' as const, numPes: 2, env: JS_KERNELS }];

conformance('array-misc.ts', [
  'an index out of bounds throws INDEX_OUT_OF_BOUNDS at the call and applies nothing',
  'a value of the wrong type throws TYPE_MISMATCH at the call and applies nothing',
  'an op the element type does not support throws UNSUPPORTED_OP',
  'a handle used after conversion throws USE_AFTER_RELEASE',
  'mismatched create calls (kind, type, length, distribution) throw COLLECTIVE_MISMATCH on every PE',
  'all 20 conversions between the five types keep the data',
  'reductions sum prod max min and a registered reduction give the same result on every PE',
  "an array sent in an AM arrives as the receiver's handle on the same array",
  'lock-array guards give this PE part; collectiveWriteLocalData is collective',
  'collectiveWriteLocalData: every PE holds its guard at once, and a plain write guard waits until all released',
  'AtomicArray localData gives atomic accessors to this PE part',
  'f32 compareExchange rounds a scalar current to f32, so a stored 0.1 is found',
  'an array shorter than the team holds one element on each of the first PEs',
  'first and last global index of subArray(33, 66) of 100 elements, block and cyclic',
  'an out-of-bounds put through a sub-array leaves the neighbouring elements on other PEs untouched',
  'random batch updates from every PE lose nothing on Atomic, LocalLock and GlobalLock arrays',
  'large batches of add, sub, bitOr and bitXor over a large AtomicArray (applied by memory block) match a local replay',
  'large fetching batches with per-index values (add, sub, swap, load) on i8, u16, i32 and u64 give the old values of an in-order replay',
  'put and get through odd-length sub-arrays round-trip on both distributions',
], { configs });
