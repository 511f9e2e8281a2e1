/**
 * Call sites: the user's source line that started a collective, for mismatch errors and deadlock
 * reports. Capturing a stack costs about 3-4 µs (measured with Node 20 on this project's 2-core
 * machine: `new Error()` 3.4 µs, `Error.captureStackTrace` 4.1 µs; formatting it another 6 µs),
 * several times a barrier between PEs that arrive together (~0.8 µs). So a barrier captures
 * only when it has to wait (still inside the user's synchronous call, so the user's frame is on
 * the stack) or when LAMELLAR_COLLECTIVE_SITES=1; every other collective captures at its call,
 * where the cost is small against what the collective does. Capture keeps V8's unformatted
 * trace; the string is made only when a report needs it.
 */
import { fileURLToPath } from 'node:url';
import { runtimeCodePlaces } from '../../core/index.js';

/** The runtime's own files (paths; file URLs are turned into paths before the test). */
const RUNTIME_DIRS = runtimeCodePlaces();

export interface Site {
  /** The held stack; formatted on first use. */
  readonly holder: { stack?: string };
  text?: string;
}

/**
 * Captures the current stack, skipping the frames of `above` and the runtime. Not free (see
 * above), but the cost grows with the frames kept: a public method passes itself as `above`
 * and keeps only the few frames between it and the user's (`frames`), about 4x cheaper.
 */
export function captureSite(above?: (...args: never[]) => unknown, frames = 16): Site {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = frames;
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, above);
  Error.stackTraceLimit = limit;
  return { holder };
}

/** The text of a site whose stack held no frame of the user's (a runtime AM's wait). */
export const NOT_RECORDED = 'call site not recorded';

/** The first frame outside the runtime and Node's internals, e.g. "file:///app/main.ts:12:9". */
export function siteText(site: Site | undefined): string {
  if (site === undefined) return '(call site not recorded; LAMELLAR_COLLECTIVE_SITES=1 records every barrier\'s)';
  if (site.text !== undefined) return site.text;
  const lines = (site.holder.stack ?? '').split('\n').slice(1);
  let found: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim().replace(/^at (async )?/, '');
    const loc = /\(([^()]+)\)$/.exec(line)?.[1] ?? line;
    const file = loc.startsWith('file://') ? safePath(loc) : loc;
    if (RUNTIME_DIRS.some((d) => file.startsWith(d)) || loc.startsWith('node:') || file.includes('/node_modules/')) continue;
    if (isLoweringHelper(line, loc) || isTscDisposeHelper(line, lines[i + 1])) continue;
    found = loc;
    break;
  }
  site.text = found ?? NOT_RECORDED;
  return site.text;
}

/**
 * A frame of the helpers that tsx (esbuild) puts on the first line of a file whose `await using`
 * it lowers (`__callDispose` and its inner `next`), which have no source map: a site there
 * would read `app.ts:1:1023`. The next frame is the user's scope.
 */
function isLoweringHelper(line: string, loc: string): boolean {
  const fn = line.slice(0, Math.max(0, line.length - loc.length - 2)).trim();
  return fn === '__callDispose' || fn === '__using' || (fn === 'next' && /:1:\d+$/.test(loc));
}

/**
 * A frame of the helpers tsc emits for `await using` below ES2024 (`__disposeResources` and its
 * inner `next`, which calls the disposer), at the top of the compiled file. The next frame is the
 * user's scope.
 */
function isTscDisposeHelper(line: string, following: string | undefined): boolean {
  const fn = (l: string): string => l.trim().replace(/^at (async )?/, '').split(' ')[0] ?? '';
  const name = fn(line);
  return name === '__disposeResources' || (name === 'next' && following !== undefined && fn(following) === '__disposeResources');
}

/** A site's place as a path: `file:///app/main.js:12:9` reads `/app/main.js:12:9`. */
export function sitePath(loc: string): string {
  return loc.startsWith('file://') ? safePath(loc) + (/:\d+:\d+$/.exec(loc)?.[0] ?? '') : loc;
}

function safePath(loc: string): string {
  try {
    return fileURLToPath(loc.replace(/:\d+:\d+$/, ''));
  } catch {
    return loc;
  }
}
