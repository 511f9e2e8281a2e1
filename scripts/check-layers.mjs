#!/usr/bin/env node
// Enforces the dependency direction (docs/architecture.md, Layers): each folder of src/ may import only the
// folders listed for it ("types" = `import type` only), node:* builtins, and the listed packages.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

// folder -> { folder: 'all' | 'types' }
const ALLOWED = {
  core: {},
  'lamellae/types': { core: 'all' },
  serde: { core: 'all' },
  'lamellae/common': { core: 'all' },
  'lamellae/local': { 'lamellae/types': 'all', 'lamellae/common': 'all', core: 'all' },
  'lamellae/shmem': { 'lamellae/types': 'all', 'lamellae/common': 'all', core: 'all' },
  'lamellae/tcp': { 'lamellae/types': 'all', 'lamellae/common': 'all', core: 'all' },
  'lamellae/ofi': { 'lamellae/types': 'all', 'lamellae/common': 'all', core: 'all' },
  lamellae: { 'lamellae/local': 'all', 'lamellae/shmem': 'all', 'lamellae/tcp': 'all', 'lamellae/ofi': 'all', 'lamellae/types': 'all', core: 'all' },
  am: { 'lamellae/types': 'types', lamellae: 'types', serde: 'all', core: 'all' },
  team: { am: 'all', lamellae: 'all', 'lamellae/types': 'all', serde: 'all', core: 'all' },
  memregion: { team: 'all', lamellae: 'types', 'lamellae/types': 'types', serde: 'all', core: 'all', am: 'all' },
  darc: { memregion: 'all', am: 'all', team: 'all', serde: 'all', core: 'all', 'lamellae/types': 'types' },
  array: { darc: 'all', memregion: 'all', am: 'all', team: 'all', serde: 'all', core: 'all', 'lamellae/types': 'types' },
  launcher: { lamellae: 'all', 'lamellae/types': 'all', core: 'all' },
  cli: { launcher: 'all', core: 'all' },
  '.': 'any',
};
const PACKAGES = { launcher: ['tsx/esm/api', 'acorn'], am: ['acorn'] };

/** The layer a file belongs to: its folder under src/, lamellae split by implementation. */
function layerOf(file) {
  const parts = relative(SRC, file).split(sep);
  if (parts.length === 1) return '.';
  if (parts[0] === 'lamellae') {
    if (parts.length === 2) return parts[1] === 'types.ts' ? 'lamellae/types' : 'lamellae';
    return `lamellae/${parts[1]}`;
  }
  return parts[0];
}

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

// `import x from '…'` / `export … from '…'` (3), `import('…')` (4), and a bare side-effect
// `import '…'` (5), which still runs the module and so is a dependency like any other.
const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
const problems = [];
for (const file of files(SRC)) {
  const layer = layerOf(file);
  const allowed = ALLOWED[layer];
  if (allowed === undefined) {
    problems.push(`${relative(SRC, file)}: folder '${layer}' has no entry in scripts/check-layers.mjs`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4] ?? m[5];
    const typeOnly = m[2] !== undefined;
    if (spec.startsWith('node:')) continue;
    if (!spec.startsWith('.')) {
      if (!(PACKAGES[layer] ?? []).includes(spec) && allowed !== 'any') problems.push(`${relative(SRC, file)}: imports package '${spec}'`);
      continue;
    }
    const target = layerOf(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
    if (target === layer || allowed === 'any') continue;
    const rule = allowed[target];
    if (rule === 'all' || (rule === 'types' && typeOnly)) continue;
    problems.push(`${relative(SRC, file)}: ${layer} may not import ${typeOnly ? 'types from ' : ''}${target} ('${spec}')`);
  }
}
if (problems.length > 0) {
  console.error(`dependency direction violated (see docs/architecture.md, Layers):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('layers: ok');
