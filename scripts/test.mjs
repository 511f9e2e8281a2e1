#!/usr/bin/env node
/**
 * `npm test`: builds dist/ only if a source is newer than the last build (CI builds once, in
 * `npm ci`'s prepare step; a developer who edited src/ gets a fresh build), then runs the unit
 * and multi-PE tests with a short reporter (scripts/test-reporter.mjs). Arguments, if any, are
 * the test files to run instead of all of them, and `--test-*` options for node's test runner
 * (`npm run soak` passes a longer `--test-timeout`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

/** Newest modification time under `dir` (recursively), or of the file itself. */
function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

const built = statSync('dist/index.js', { throwIfNoEntry: false })?.mtimeMs ?? 0;
const inputs = Math.max(newest('src'), newest('tsconfig.json'), newest('tsconfig.build.json'));
if (inputs > built) {
  process.stdout.write('dist/ is older than src/: building first (npm run build)\n');
  const b = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const args = process.argv.slice(2);
const options = args.filter((a) => a.startsWith('--'));
const files = args.filter((a) => !a.startsWith('--'));
const all = ['tests/unit', 'tests/multi-pe'].flatMap((dir) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.test.ts'))
    .sort()
    .map((n) => `${dir}/${n}`),
);
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-timeout=180000', '--test-reporter=./scripts/test-reporter.mjs', '--test-reporter-destination=stdout', ...options, ...(files.length > 0 ? files : all)],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
