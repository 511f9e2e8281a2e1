/** Every example under examples/ runs to completion on 2 shmem PEs (files starting with _ excluded). */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT, runJob } from '../helpers/job.js';

function* examples(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* examples(p);
    else if (name.endsWith('.ts') && !name.startsWith('_')) yield p;
  }
}

for (const file of examples(join(ROOT, 'examples'))) {
  test(`${relative(ROOT, file)} runs on 2 PEs`, async () => {
    const r = await runJob(file, { numPes: 2, backend: 'shmem', timeoutMs: 90000 });
    assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.ok(r.stdout.trim().length > 0, 'an example prints what it did');
  });
}
