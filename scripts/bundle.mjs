#!/usr/bin/env node
/**
 * The second half of `npm run build`: bundles tsc's JavaScript (.build/js/, one file per module)
 * into dist/, next to the declarations tsc wrote there.
 *
 * Why: every PE is a fresh thread or process that loads the runtime, and Node's ES module loader
 * spends most of that on the files themselves (resolving, reading and linking ~190 modules):
 * 0.30 s of CPU to import the per-module build, 0.15 s for one bundle, on this project's 2-core
 * machines. A 2-PE job loads the runtime three times (launcher and PEs), a tcp job five times
 * (each PE's network thread too).
 *
 * The entry points are the files the package and the runtime load by path: the package's main
 * module, the CLI, a PE's worker and process entries, the tcp network thread, the farewell of a
 * PE that never started (tcp/farewell.ts) and the module hooks
 * (and the internal entry for the project's own tests and tools). Code splitting puts each module
 * in exactly one file, so that a thread that loads several entries (a PE's worker and the user's
 * `import 'lamellar'`) shares one instance of every module. Those places are found from the
 * package root, not from `import.meta.url` (src/core/package-root.ts).
 *
 * tsc has already lowered the syntax; esbuild only joins modules (no transform), keeps function
 * and class names (stack traces, `[lamellar:am:...]` frame tags), and chains tsc's source maps so
 * that stack traces under --enable-source-maps still name src/ lines.
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
// tsc's output of src/launcher/names.ts, which the hooks also use on a user's .ts modules.
import { unwrapInferredNames } from '../.build/js/launcher/names.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const from = join(root, '.build/js');
const out = join(root, 'dist');

const ENTRIES = [
  'index',
  'internal',
  'cli/main',
  'launcher/pe-main',
  'launcher/pe-process',
  'launcher/esm-hooks',
  'lamellae/tcp/net-worker',
  'lamellae/tcp/farewell',
];

/** Removes the JavaScript an earlier build left in dist/ (keeping the declarations tsc just wrote). */
function clean(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'chunks') rmSync(p, { recursive: true, force: true });
      else clean(p);
    } else if (name.endsWith('.js') || name.endsWith('.js.map')) rmSync(p);
  }
}
clean(out);

/**
 * Gives bundled classes back their own names. A top-level class whose body refers to itself
 * comes out of esbuild as `var Team = class _Team ...`, its body using `_Team`, and V8 names a
 * method's frame by that inner name: a user's stack trace would read `at _Team.barrier`. The
 * inner name (esbuild makes it unique in its file, and uses it only inside that class) becomes
 * the outer one padded with spaces to the same length, so that every column, and with it the
 * source map, stays where it was.
 */
function ownClassNames(text) {
  for (const [, outer, inner] of text.matchAll(/\b(?:var|let) (\w+) = class (_\1\d*)\b/g)) {
    text = text.replace(new RegExp(`\\b${inner}\\b`, 'g'), outer.padEnd(inner.length));
  }
  return text;
}

const result = await build({
  entryPoints: Object.fromEntries(ENTRIES.map((e) => [e, join(from, `${e}.js`)])),
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The package's dependencies (tsx, acorn) stay imports, resolved from node_modules as before.
  packages: 'external',
  keepNames: true,
  sourcemap: true,
  sourcesContent: false,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  write: false,
});
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.path.endsWith('.js') ? unwrapInferredNames(ownClassNames(file.text)) : file.contents);
}
