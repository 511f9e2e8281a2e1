/**
 * Test fixtures as JavaScript. A PE that runs a `.ts` script first loads tsx, which starts a
 * module-hooks thread and its compiler in every PE: about 0.4 s of CPU per PE, most of a
 * conformance job's cost (19 PEs per fixture over the 7 configurations). The conformance runs test
 * the runtime, not how `.ts` is loaded (launcher, project and example tests do that), so they run
 * fixtures transpiled once to `.cache/fixtures/*.js` by TypeScript (no type check: `npm run
 * typecheck` does that). The directory sits two levels below the root like tests/fixtures, so
 * the fixtures' relative imports (`./harness.js`, `../../dist/...`) and `'lamellar'` resolve
 * the same.
 *
 * Each file is rebuilt when its source is newer; files are written under a temporary name and
 * renamed, so test processes running at once never see half a file.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from './job.js';

const SRC = join(ROOT, 'tests/fixtures');
const OUT = join(ROOT, '.cache/fixtures');

let done = false;

function transpileAll(): void {
  mkdirSync(OUT, { recursive: true });
  for (const name of readdirSync(SRC)) {
    if (!name.endsWith('.ts')) continue;
    const src = join(SRC, name);
    const out = join(OUT, name.replace(/\.ts$/, '.js'));
    const outTime = statSync(out, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (outTime >= statSync(src).mtimeMs) continue;
    const js = ts.transpileModule(readFileSync(src, 'utf8'), {
      fileName: src,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, js);
    renameSync(tmp, out);
  }
}

/** The JavaScript version of tests/fixtures/<name> (`world.ts` -> `.cache/fixtures/world.js`). */
export function compiledFixture(name: string): string {
  if (!done) {
    transpileAll();
    done = true;
  }
  return join(OUT, name.replace(/\.ts$/, '.js'));
}
