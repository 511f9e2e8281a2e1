#!/usr/bin/env node
/**
 * `npm test`: builds dist/ only if a source is newer than the last build (CI builds once, in
 * `npm ci`'s prepare step; a developer who edited src/ gets a fresh build), then runs the unit
 * and multi-PE test files with short output (scripts/test-reporter.mjs).
 *
 *   node scripts/test.mjs [files...] [--jobs=N] [--test-timeout=ms] [--file-timeout=ms] [--test-name-pattern=re]
 *
 * Files run in separate processes, `--jobs` of them at once (default: one more than the cores, so
 * three on the project's 2-core machines), longest first by the times of the last run
 * (`.cache/test-times.json`, else the committed `tests/file-times.json`) so that no long file
 * starts last; a file without a time counts as long. Most of a multi-PE test's time is its jobs
 * starting up and waiting on each other (a deadlock timeout, a failed PE's stop), which leaves a
 * core idle when files run one at a time, and with one file per core still left them idle 14% of
 * the time: the whole suite took 10:49 with two at once and 9:54 with three (2 cores).
 * `--test-timeout` bounds each test (default 180 s); `--file-timeout` each file as a whole
 * (default 600 s): a file that hangs or crashes fails, with its output.
 */
import { readdirSync, readFileSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FileResult, summary } from './test-reporter.mjs';

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

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : a.slice(name.length + 3);
};
const known = ['jobs', 'test-timeout', 'file-timeout', 'test-name-pattern'];
const unknown = args.filter((a) => a.startsWith('--') && !known.some((k) => a.startsWith(`--${k}=`)));
if (unknown.length > 0) {
  process.stderr.write(`test.mjs: unknown option(s) ${unknown.join(' ')}; known: ${known.map((k) => `--${k}=`).join(' ')}\n`);
  process.exit(2);
}
const number = (name, fallback) => {
  const v = Number(option(name, String(fallback)));
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`test.mjs: --${name} must be a positive whole number\n`);
    process.exit(2);
  }
  return v;
};
const jobs = number('jobs', availableParallelism() + 1);
const testTimeout = number('test-timeout', 180000);
const fileTimeout = Math.max(testTimeout, number('file-timeout', 600000));
const pattern = option('test-name-pattern', undefined);

const built = statSync('dist/index.js', { throwIfNoEntry: false })?.mtimeMs ?? 0;
const inputs = Math.max(newest('src'), newest('tsconfig.json'), newest('tsconfig.build.json'));
if (inputs > built) {
  process.stdout.write('dist/ is older than src/: building first (npm run build)\n');
  const b = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const given = args.filter((a) => !a.startsWith('--'));
const files = (
  given.length > 0
    ? given
    : ['tests/unit', 'tests/multi-pe'].flatMap((dir) =>
        readdirSync(dir)
          .filter((n) => n.endsWith('.test.ts'))
          .sort()
          .map((n) => `${dir}/${n}`),
      )
).map((f) => relative(root, resolve(root, f)));

// Longest first, by the last run's times; files without one (new, or no earlier run) first of all.
// A fresh clone (CI) has run nothing yet: the committed times of a full run on a 2-core machine
// order it, so that a long file does not start last and run alone at the end.
const TIMES = '.cache/test-times.json';
const COMMITTED_TIMES = 'tests/file-times.json';
let times = {};
for (const path of [COMMITTED_TIMES, TIMES]) {
  try {
    times = { ...times, ...JSON.parse(readFileSync(path, 'utf8')) };
  } catch {
    // No such record (or an unreadable one): the files it would time count as long.
  }
}
const order = [...files].sort((a, b) => (times[b] ?? Infinity) - (times[a] ?? Infinity) || files.indexOf(a) - files.indexOf(b));

// node:test starts each file's process with this process's execArgv: load .ts test files through
// tsx, and bound every test in them.
process.execArgv.push('--import', 'tsx', `--test-timeout=${testTimeout}`);

const started = performance.now();
const results = new Map();
let next = 0;
async function worker() {
  while (next < order.length) {
    const file = order[next++];
    const result = new FileResult(join(root, file));
    results.set(file, result);
    const stream = run({ files: [result.file], timeout: fileTimeout, concurrency: 1, ...(pattern === undefined ? {} : { testNamePatterns: [pattern] }) });
    for await (const event of stream) result.event(event);
    if (!result.done) {
      // The stream ended without the file's completion event: count it as failed, never as passed.
      result.failed = true;
      result.failures.push({ name: '(the file itself)', error: new Error('the test runner reported no end for this file'), out: result.out.join('') });
    }
    process.stdout.write(result.line());
  }
}
await Promise.all(Array.from({ length: Math.min(jobs, order.length) }, worker));
const wallMs = performance.now() - started;

/** User and system CPU of every process this one started and waited for (Linux), in seconds. */
function childCpuSecs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // cutime and cstime (fields 16 and 17 of stat, 14 and 15 after the name), in USER_HZ ticks.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

const ordered = files.map((f) => results.get(f));
for (const line of summary(ordered, wallMs, childCpuSecs())) process.stdout.write(line);

// A run of some tests only (--test-name-pattern) says nothing of how long a file takes: one such
// run had the longest file ordered among the shortest, and started last, by the next whole run.
if (pattern === undefined) for (const file of files) if (!file.startsWith('..')) times[file] = Math.round(results.get(file).ms);
try {
  mkdirSync('.cache', { recursive: true });
  writeFileSync(`${TIMES}.${process.pid}`, `${JSON.stringify(times, null, 1)}\n`);
  renameSync(`${TIMES}.${process.pid}`, TIMES);
} catch {
  // The times only order the next run; a read-only checkout runs in the default order.
}
process.exitCode = ordered.some((r) => r.bad) ? 1 : 0;
