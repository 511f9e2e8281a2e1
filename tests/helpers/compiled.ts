/**
 * Test fixtures and examples as JavaScript. A PE that runs a `.ts` script first loads tsx, which
 * starts a module-hooks thread and its compiler in every PE: about 0.4 s of CPU per PE, most of a
 * conformance job's cost (19 PEs per fixture over the 7 configurations). The conformance and
 * example runs test the runtime and what the examples print, not how `.ts` is loaded (the
 * launcher, project and hello_world tests do that), so they run files transpiled once by
 * TypeScript (no type check: `npm run typecheck` does that) under `.cache/`
 * (`tests/fixtures/world.ts` -> `.cache/fixtures/world.js`, `examples/darc/darc.ts` ->
 * `.cache/examples/darc/darc.js`). Fixtures sit as deep below the root as their sources, so their
 * relative imports (`./harness.js`, `../../dist/...`) resolve the same; `'lamellar'` resolves
 * anywhere below the root.
 *
 * Each file is rebuilt when its source is newer; files are written under a temporary name and
 * renamed, so test processes running at once never see half a file. TypeScript itself (a quarter
 * second of CPU to load) is loaded only when a file needs rebuilding.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import type * as TypeScript from 'typescript';
import { ROOT } from './job.js';

let typescript: typeof TypeScript | undefined;
const ts = (): typeof TypeScript => (typescript ??= createRequire(import.meta.url)('typescript') as typeof TypeScript);

const OUT = join(ROOT, '.cache');
const done = new Set<string>();

/** Where the JavaScript copy of `src` goes. */
const copyOf = (src: string): string => join(OUT, relative(ROOT, src).replace(/^tests[/\\]/, '')).replace(/\.ts$/, '.js');

/** Transpiles every `.ts` file under `dir` (recursively) whose copy is missing or older. */
function transpileAll(dir: string): void {
  for (const name of readdirSync(dir)) {
    const src = join(dir, name);
    if (statSync(src).isDirectory()) {
      transpileAll(src);
      continue;
    }
    if (!name.endsWith('.ts')) continue;
    const out = copyOf(src);
    const outTime = statSync(out, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (outTime >= statSync(src).mtimeMs) continue;
    const { transpileModule, ModuleKind, ScriptTarget } = ts();
    const js = transpileModule(readFileSync(src, 'utf8'), {
      fileName: src,
      compilerOptions: { module: ModuleKind.ESNext, target: ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, js);
    renameSync(tmp, out);
  }
}

/** The JavaScript copy of `file` (absolute, under the root), transpiling its directory first. */
export function compiled(file: string, dir = dirname(file)): string {
  if (!done.has(dir)) {
    transpileAll(dir);
    done.add(dir);
  }
  return copyOf(file);
}

/** The JavaScript version of tests/fixtures/<name> (`world.ts` -> `.cache/fixtures/world.js`). */
export function compiledFixture(name: string): string {
  return compiled(join(ROOT, 'tests/fixtures', name));
}
