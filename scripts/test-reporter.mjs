/**
 * Short test output for `npm test` (scripts/test.mjs): one line per test file as it finishes,
 * every failure in full (its suite path, the error, the cause's stack, and the file's output when
 * the file itself failed: it crashed, would not load or timed out), then totals and the slowest
 * files. The default reporters print every test (tens of thousands of lines of TAP here), which
 * buries the one line that matters.
 *
 * scripts/test.mjs runs each file through its own node:test `run()`, so every event of a stream
 * belongs to that file: `collect()` follows one stream. The default export is the same output as
 * a node:test reporter (`node --test --test-reporter=./scripts/test-reporter.mjs`), for files run
 * one at a time.
 */
import { inspect } from 'node:util';
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';

const tty = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
const paint = (code, s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const red = (s) => paint(31, s);
const green = (s) => paint(32, s);
const dim = (s) => paint(2, s);
export const secs = (ms) => (ms >= 60000 ? `${Math.floor(ms / 60000)} min ${((ms % 60000) / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(1)} s`);
const rel = (file) => (file === undefined ? '(no file)' : relative(process.cwd(), file));

/** Lines of a crashed file's output shown at most (its end, where the crash is). */
const OUTPUT_LINES = 300;

/** Stack frames of Node's own test runner and internals: the same in every failure, never the news. */
const NODE_FRAME = /^\s+at (?:.*[( ])?node:/;

/**
 * An error as its message and the stack frames of this project's code (the message includes an
 * assertion's diff), then its cause's. inspect() would add the error's own fields (actual,
 * expected, operator: the diff again), so only a `code` the text does not already name is added.
 * Anything that is not an Error is inspected.
 */
function brief(error) {
  if (typeof error !== 'object' || error === null) return String(error);
  if (typeof error.stack !== 'string') return inspect(error, { depth: 6, colors: tty });
  let text = error.stack
    .split('\n')
    .filter((l) => !NODE_FRAME.test(l))
    .join('\n');
  if (typeof error.message === 'string' && !text.includes(error.message)) text = `${error.name ?? 'Error'}: ${error.message}\n${text}`;
  if (typeof error.code === 'string' && !text.includes(error.code)) text += `\n(code ${error.code})`;
  if (error.cause !== undefined) text += `\n[cause] ${brief(error.cause)}`;
  return text;
}

/**
 * What one test file did, built from its events by `event()`: counts, failures, its output and,
 * when the file as a whole failed, why.
 */
export class FileResult {
  constructor(file) {
    this.file = file;
    this.pass = 0;
    this.fail = 0;
    this.skip = 0;
    this.todo = 0;
    this.ms = 0;
    /** The file itself failed (crashed, would not load, timed out), not only tests in it. */
    this.failed = false;
    this.done = false;
    /** `{ name, error, out? }` per failure, in order. */
    this.failures = [];
    this.out = [];
    this.path = [];
    /** Tests dequeued and not yet complete: what was running when the file crashed or timed out. */
    this.running = new Map();
  }

  get bad() {
    return this.fail > 0 || this.failed;
  }

  /** Takes one node:test event of this file. */
  event({ type, data: d = {} }) {
    // The file's own test: in a stream of several files, named by its path at nesting 0.
    const isFile = d.file !== undefined && d.name === d.file && d.nesting === 0;
    if (!isFile && d.name !== undefined) {
      const key = `${d.nesting}\0${d.name}`;
      if (type === 'test:dequeue') this.running.set(key, d.name);
      else if (type === 'test:complete') this.running.delete(key);
    }
    switch (type) {
      case 'test:start':
        if (!isFile) this.path[d.nesting] = d.name;
        break;
      case 'test:stdout':
      case 'test:stderr':
        this.out.push(d.message);
        break;
      case 'test:pass':
        if (isFile || d.details?.type === 'suite') break;
        if (d.skip) this.skip++;
        else if (d.todo) this.todo++;
        else this.pass++;
        break;
      case 'test:fail':
        if (isFile) {
          this.failed = true;
          break;
        }
        if (d.details?.type === 'suite') break;
        this.fail++;
        this.failures.push({ name: [...this.path.slice(0, d.nesting), d.name].join(' › '), error: d.details?.error });
        break;
      case 'test:complete': {
        if (!isFile) break;
        this.ms = d.details?.duration_ms ?? 0;
        this.done = true;
        const error = d.details?.error;
        if (error === undefined) break;
        this.failed = true;
        // A file that failed with no failing test crashed or would not load; one that timed out
        // may have failing tests too, but the timeout is the news. Either way, show why, with
        // what it printed.
        if (this.fail === 0 || error.failureType === 'testTimeoutFailure') {
          const how = error.exitCode != null ? `its process exited with code ${error.exitCode}` : error.signal != null ? `its process was killed by ${error.signal}` : undefined;
          const still = [...this.running.values()];
          const why = [
            String(error.cause ?? error.message),
            ...(how === undefined ? [] : [how]),
            ...(still.length > 0
              ? [`still running: ${still.join('; ')}`]
              : error.failureType === 'testTimeoutFailure'
                ? ['every test had ended: something kept the process alive']
                : []),
          ].join('; ');
          this.failures.push({ name: '(the file itself)', error: why, out: this.out.join('') });
        }
        break;
      }
    }
  }

  /** The file's line: ✔/✖, its path, counts and time. */
  line() {
    const counts = `${this.pass} passed${this.fail ? `, ${this.fail} failed` : ''}${this.skip ? `, ${this.skip} skipped` : ''}${this.todo ? `, ${this.todo} todo` : ''}`;
    return `${this.bad ? red('✖') : green('✔')} ${rel(this.file)} ${dim(`(${counts}, ${secs(this.ms)})`)}\n`;
  }

  /** Every failure in full. */
  *failureText() {
    for (const { name, error, out } of this.failures) {
      const cause = error?.cause ?? error;
      yield `\n${red('FAILED')} ${rel(this.file)} › ${name}\n`;
      yield `${brief(cause)}\n`;
      if (out) {
        const lines = out.split('\n');
        const cut = lines.length > OUTPUT_LINES ? `${dim(`(the first ${lines.length - OUTPUT_LINES} lines are left out)`)}\n` : '';
        yield `${dim('--- output of the file ---')}\n${cut}${lines.slice(-OUTPUT_LINES).join('\n')}\n`;
      }
    }
  }
}

/**
 * The totals: every failure in full, the slowest files, and counts, with the wall time and (where
 * known) the CPU time of every process the run started.
 */
export function* summary(results, wallMs, cpuSecs) {
  for (const f of results) yield* f.failureText();
  let pass = 0;
  let fail = 0;
  let skip = 0;
  let todo = 0;
  for (const f of results) {
    pass += f.pass;
    fail += f.fail;
    skip += f.skip;
    todo += f.todo;
  }
  const filesFailed = results.filter((f) => f.bad).length;
  const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 10);
  yield `\n${dim('slowest files:')} ${slowest.map((f) => `${rel(f.file)} ${secs(f.ms)}`).join(', ')}\n`;
  // A file can fail with no failing test: it crashed, would not load, or timed out as a whole.
  const verdict =
    fail > 0 ? red(`${fail} failed (in ${filesFailed} file(s))`) : filesFailed > 0 ? red(`${filesFailed} file(s) failed`) : green('all passed');
  const cpu = cpuSecs === undefined ? '' : `, ${secs(cpuSecs * 1000)} of CPU`;
  yield `tests: ${pass + fail + skip + todo}, passed: ${pass}, ${verdict}${skip ? `, skipped: ${skip}` : ''}${todo ? `, todo: ${todo}` : ''}; ${results.length} files in ${secs(wallMs)}${cpu}\n`;
}

/**
 * As a node:test reporter, for files run one at a time. Events name the file that *defines* a
 * test, which for shared helpers (conformance.ts) is not the test file that runs it; so the file
 * dequeued last owns what follows.
 */
export default async function* reporter(source) {
  const started = performance.now();
  const files = new Map();
  let current;
  for await (const event of source) {
    const d = event.data ?? {};
    const isFile = d.file !== undefined && d.name === d.file && d.nesting === 0;
    if (isFile && event.type === 'test:dequeue') current = d.file;
    const owner = isFile ? d.file : (current ?? d.file);
    if (owner === undefined) continue;
    let f = files.get(owner);
    if (f === undefined) files.set(owner, (f = new FileResult(owner)));
    f.event(event);
    if (isFile && event.type === 'test:complete') yield f.line();
  }
  yield* summary([...files.values()], performance.now() - started);
}
