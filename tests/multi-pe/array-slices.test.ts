/**
 * Batches longer than LAMELLAR_BATCH_SLICE (tests/fixtures/array-slices.ts), with slices of 1000
 * indices so that small batches are cut, on every lamella: the same values as whole batches, old
 * values in input order, bad input refused at the call, inputs free to reuse at once.
 */
import { conformance } from '../helpers/conformance.js';
import { CONFIGS } from '../helpers/job.js';

const CASES = [
  'a batch longer than a slice lets the event loop turn before it resolves and gives the values of a whole batch',
  'one index with many values across slices returns the old value before each, in value order',
  'a bad index in the last slice throws at the call and applies nothing (checked, histogram and gather paths)',
  'the caller may refill its index and value arrays as soon as the call returns',
  "every PE's sliced batches at once lose nothing on Atomic, LocalLock and GlobalLock arrays",
  'a handle dropped while its batch runs: the batch completes and the array stays until it has',
  'waitAll() waits for a sliced batch left running',
];

const SMALL_SLICES = { LAMELLAR_BATCH_SLICE: '1000' };

conformance('array-slices.ts', CASES, {
  configs: CONFIGS.filter((c) => c.numPes <= (c.backend === 'ofi' ? 2 : 3)).map((c) => ({ ...c, env: SMALL_SLICES })),
});
