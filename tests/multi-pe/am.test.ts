/**
 * Active messages on every lamella configuration (tests/fixtures/am.ts), and once more with a
 * small aggregation threshold, where the same cases must hold and bursts split into many frames.
 */
import { describe } from 'node:test';
import { conformance, jobCaseTests } from '../helpers/conformance.js';
import { compiledFixture } from '../helpers/compiled.js';
import { runJob, type JobResult } from '../helpers/job.js';

const CASES = [
  'an AM with no return completes with undefined and runs on the target',
  'an AM returns a value',
  'a returned AM runs on the origin and gives the handle its result',
  'execAmAll returns results in PE order',
  'execAmLocal runs here without serializing its arguments',
  'a ring AM visits every PE recursively and returns the path',
  'PEs send each other nested AMs at the same time without deadlock',
  'waitAll waits for fire-and-forget AMs',
  'waitAll then barrier covers un-awaited nested AMs (two levels) that their parents wait for through a TaskGroup',
  'un-awaited nested AMs nobody waits for finish one level per waitAll-barrier round on every PE',
  'pipelined AMs larger than a shmem ring all arrive intact',
  'a synchronous burst of small AMs goes out in frames of LAMELLAR_AM_SIZE_THRESHOLD bytes',
  'an AmGroup of 1000 AMs for one PE travels in aggregated frames, not one per AM',
  'an AM that throws rejects with RemoteAmError and the world goes on',
  'an unserializable result comes back as RemoteAmError naming the result',
  'an AM the target does not define is reported to the caller',
  'an AM naming a team the target does not know is refused with PROTOCOL, never run on another team',
  'bad launches throw at the call and send nothing',
  'defining an AM name twice throws DUPLICATE_AM',
  'an AmGroup of mixed single-PE and all-PE AMs returns results in insertion order',
  'a TaskGroup waits only for its own AMs',
  'every codec value type round-trips through an AM',
  'large typed arrays in AM arguments arrive as they were at launch, from any buffer',
];

conformance('am.ts', CASES);

for (const cfg of [{ backend: 'shmem', numPes: 3 }, { backend: 'tcp', numPes: 2 }] as const) {
  describe(`am.ts on ${cfg.backend} with ${cfg.numPes} PEs and LAMELLAR_AM_SIZE_THRESHOLD=1024`, () => {
    let job: Promise<JobResult> | undefined;
    const result = (): Promise<JobResult> =>
      (job ??= runJob(compiledFixture('am.ts'), { ...cfg, env: { LAMELLAR_AM_SIZE_THRESHOLD: '1024' }, timeoutMs: 60000 }));
    jobCaseTests(result, cfg.numPes, CASES);
  });
}
