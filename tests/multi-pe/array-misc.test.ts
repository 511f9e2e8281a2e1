/**
 * Distributed arrays beyond the op matrix (tests/fixtures/array-misc.ts: bad input, conversions,
 * reductions, AMs, guards) with the JavaScript kernels instead of the WebAssembly ones (the
 * fallback where WebAssembly is unavailable), on shmem and tcp: the same cases, same results.
 * The conformance-*.test.ts files run the fixture with the default kernels on every lamella.
 */
import { conformance } from '../helpers/conformance.js';
import { ARRAY_MISC_CASES } from '../helpers/suites.js';

const JS_KERNELS = { LAMELLAR_WASM_KERNELS: '0' };

conformance('array-misc.ts', [...ARRAY_MISC_CASES], {
  configs: [
    { backend: 'shmem', numPes: 2, env: JS_KERNELS },
    { backend: 'tcp', numPes: 2, env: JS_KERNELS },
  ],
});
