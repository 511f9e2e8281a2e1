/**
 * Distributed arrays: a port of Lamellar's array test programs (tests/fixtures/array-cases.ts)
 * as one job per configuration running many cases inside it. The whole matrix (five types ×
 * block/cyclic × i8..f64 × every op × lengths 4/19/128) runs on 2 shmem PEs; the other
 * configurations run a cross-section (3 and 4 PEs: uneven splits; the `cross` one of
 * array-cases.ts, as tcp). On a 2-core machine 3 PEs run
 * the whole matrix at twice the CPU of 2 (60 s against 31 s, measured), the PEs waiting on each
 * other's turn on a core, while what the matrix checks, each op on each type and kind, does not
 * depend on the PE count. Names state the case, e.g.
 * `AtomicArray/cyclic/u16/3pe fetchAdd`.
 */
import { describe } from 'node:test';
import { arrayCases, type Kind, type Width } from '../fixtures/array-cases.js';
import { compiledFixture } from '../helpers/compiled.js';
import { jobCaseTests } from '../helpers/conformance.js';
import { runJob, type JobResult } from '../helpers/job.js';

// The last two run the AtomicArray cases with the JavaScript kernels instead of the WebAssembly
// ones (the fallback where WebAssembly is unavailable): the kernels run AtomicArray ops only, and
// the other kinds run the same code either way.
const JS_KERNELS = { LAMELLAR_WASM_KERNELS: '0' };
const PLAN: { backend: 'local' | 'shmem' | 'tcp'; numPes: number; width: Width; env?: Record<string, string>; only?: Kind }[] = [
  { backend: 'local', numPes: 1, width: 'narrow' },
  { backend: 'shmem', numPes: 2, width: 'wide' },
  { backend: 'shmem', numPes: 3, width: 'cross' },
  { backend: 'shmem', numPes: 4, width: 'cross' },
  { backend: 'tcp', numPes: 2, width: 'cross' },
  { backend: 'shmem', numPes: 2, width: 'narrow', env: JS_KERNELS, only: 'AtomicArray' },
  { backend: 'tcp', numPes: 2, width: 'narrow', env: JS_KERNELS, only: 'AtomicArray' },
];

for (const cfg of PLAN) {
  const what = `${cfg.only ?? 'array'} ops on ${cfg.backend} with ${cfg.numPes} PE(s), ${cfg.width} matrix${cfg.env ? ' (LAMELLAR_WASM_KERNELS=0)' : ''}`;
  describe(what, () => {
    let job: Promise<JobResult> | undefined;
    const args = cfg.only === undefined ? [cfg.width] : [cfg.width, cfg.only];
    const result = (): Promise<JobResult> => (job ??= runJob(compiledFixture('array-ops.ts'), { ...cfg, args, timeoutMs: 150000 }));
    jobCaseTests(result, cfg.numPes, arrayCases(cfg.numPes, cfg.width, cfg.only).map((c) => c.name));
  });
}
