/**
 * A short reporter for node:test (`npm test`): one line per test file as it finishes, every
 * failure in full (its suite path, the error, the cause's stack, and the file's output when the
 * file itself failed), then totals and the slowest files. The default reporters print every test
 * (tens of thousands of lines of TAP here), which buries the one line that matters.
 */
import { inspect } from 'node:util';
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';

const tty = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
const paint = (code, s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const red = (s) => paint(31, s);
const green = (s) => paint(32, s);
const dim = (s) => paint(2, s);
const secs = (ms) => (ms >= 60000 ? `${Math.floor(ms / 60000)} min ${((ms % 60000) / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(1)} s`);
const rel = (file) => (file === undefined ? '(no file)' : relative(process.cwd(), file));

export default async function* reporter(source) {
  const started = performance.now();
  /** Per file: counts, the open suite names by nesting, output, and the failures to print. */
  const files = new Map();
  const fileOf = (file) => {
    let f = files.get(file);
    if (f === undefined) {
      f = { pass: 0, fail: 0, skip: 0, todo: 0, path: [], out: [], ms: 0, failed: false };
      files.set(file, f);
    }
    return f;
  };
  const failures = [];

  // Events name the file that *defines* a test, which for shared helpers (conformance.ts) is not
  // the test file that runs it; files run one at a time, so the one last dequeued is the owner.
  let current;
  for await (const event of source) {
    const d = event.data ?? {};
    const isFile = d.file !== undefined && d.name === d.file && d.nesting === 0;
    if (isFile && event.type === 'test:dequeue') current = d.file;
    const owner = isFile ? d.file : (current ?? d.file);
    if (owner === undefined) continue;
    const f = fileOf(owner);
    switch (event.type) {
      case 'test:start':
        if (!isFile) f.path[d.nesting] = d.name;
        break;
      case 'test:stdout':
      case 'test:stderr':
        f.out.push(d.message);
        break;
      case 'test:pass':
        if (isFile || d.details?.type === 'suite') break;
        if (d.skip) f.skip++;
        else if (d.todo) f.todo++;
        else f.pass++;
        break;
      case 'test:fail':
        if (isFile) {
          f.failed = true;
          break;
        }
        if (d.details?.type === 'suite') break;
        f.fail++;
        failures.push({ file: owner, name: [...f.path.slice(0, d.nesting), d.name].join(' › '), error: d.details?.error });
        break;
      case 'test:complete': {
        if (!isFile) break;
        f.ms = d.details?.duration_ms ?? 0;
        // A file that failed with no failing test (it crashed, or would not load) reports why here.
        if (d.details?.error !== undefined && f.fail === 0) {
          f.failed = true;
          failures.push({ file: d.file, name: '(the file itself)', error: d.details.error, out: f.out.join('') });
        }
        const bad = f.fail > 0 || f.failed;
        const counts = `${f.pass} passed${f.fail ? `, ${f.fail} failed` : ''}${f.skip ? `, ${f.skip} skipped` : ''}${f.todo ? `, ${f.todo} todo` : ''}`;
        yield `${bad ? red('✖') : green('✔')} ${rel(d.file)} ${dim(`(${counts}, ${secs(f.ms)})`)}\n`;
        break;
      }
    }
  }

  for (const { file, name, error, out } of failures) {
    const cause = error?.cause ?? error;
    yield `\n${red('FAILED')} ${rel(file)} › ${name}\n`;
    yield `${typeof cause === 'object' && cause !== null ? inspect(cause, { depth: 6, colors: tty }) : String(cause)}\n`;
    if (out) yield `${dim('--- output of the file ---')}\n${out}\n`;
  }

  let pass = 0;
  let fail = 0;
  let skip = 0;
  let todo = 0;
  for (const f of files.values()) {
    pass += f.pass;
    fail += f.fail;
    skip += f.skip;
    todo += f.todo;
  }
  const filesFailed = [...files.values()].filter((f) => f.fail > 0 || f.failed).length;
  const slowest = [...files.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 5);
  yield `\n${dim('slowest files:')} ${slowest.map(([file, f]) => `${rel(file)} ${secs(f.ms)}`).join(', ')}\n`;
  // A file can fail with no failing test: it crashed, would not load, or timed out as a whole.
  const verdict =
    fail > 0 ? red(`${fail} failed (in ${filesFailed} file(s))`) : filesFailed > 0 ? red(`${filesFailed} file(s) failed`) : green('all passed');
  yield `tests: ${pass + fail + skip + todo}, passed: ${pass}, ${verdict}${skip ? `, skipped: ${skip}` : ''}${todo ? `, todo: ${todo}` : ''}; ${files.size} files in ${secs(performance.now() - started)}\n`;
}
