/**
 * Lamellar parity (issue 14): one-sided reductions, lock-array guards, batch forms and inputs,
 * local chunks, print, array team conveniences, region put/get, bool/i128/u128, subRegion,
 * WeakDarc, typed AM groups. Two fixtures, each one job per lamella configuration.
 */
import { conformance } from '../helpers/conformance.js';
import { CONFIGS } from '../helpers/job.js';

const configs = CONFIGS.filter((c) => c.backend !== 'tcp' || c.numPes === 2);

conformance(
  'parity-arrays.ts',
  [
    'one PE alone calls sum prod max min reduce; the others do not, and nothing hangs',
    'reduction bad inputs: unknown name, sum of bool, a released handle',
    'lock arrays: readLock guards reduce the whole array, writeLock guards give this PE part',
    'a GlobalLockArray write guard holds off every other PE element op',
    'batch forms: one index with many values, many indices with one value, and with one value each',
    'batch inputs: another array local data, a guard, an AtomicLocalData, a memory region',
    'local chunks cover this PE part in order; a bad chunk size throws INVALID_ARGUMENT',
    'print is collective and prints every PE part in PE order, from PE 0',
    'array barrier, waitAll and execAm run on the array team',
    'put and get with memory regions (shared, one-sided, subRegion) and into a caller buffer',
    'bool arrays: load store swap compareExchange and bit ops; arithmetic and shifts are refused',
    'i128 and u128: arithmetic, bit ops and shifts wrap at 128 bits; values are bigint',
    'a 128-bit AtomicArray is generic (a lock per element): concurrent updates from every PE lose nothing',
    'bad inputs: wrong team, mismatched creates of the new types, use after drop',
  ],
  { configs, timeoutMs: 120000 },
);

conformance(
  'parity-misc.ts',
  [
    'subRegion is a zero-copy window usable in put/get and sent in AMs',
    'WeakDarc: upgrade gives a Darc while any PE holds one, undefined once it is gone everywhere',
    'WeakDarc upgrades racing with the last drops never resurrect a freed Darc',
    'TypedAmGroup: results in insertion order, tagged with their PE; static members; batch-size sends',
    'TypedAmGroup and AmGroup wait for every entry and reject with the first failure in insertion order',
  ],
  { configs, timeoutMs: 120000 },
);
