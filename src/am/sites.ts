/**
 * Launch sites for RemoteAmError stacks (LAMELLAR_AM_STACKS=1): the user's frames that launched
 * an AM, captured at the launch and formatted only if the AM fails. A capture costs microseconds
 * (V8 walks the stack), against well under a microsecond for the launch itself, so it is opt-in
 * (measured with bench/micro/am_rate.ts: see docs/errors.md).
 */
import { runtimeCodePlaces, setRuntimeFrameTest, userSite } from '../core/index.js';

const RUNTIME = runtimeCodePlaces();

export interface Site {
  stack?: string;
}

export function captureAmSite(): Site {
  const holder: Site = {};
  // Node's 10 frames, as measured for the docs: PEs keep 30 for errors (launcher/entry.ts), and
  // this capture costs by the frame on every launch.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 10;
  Error.captureStackTrace(holder);
  Error.stackTraceLimit = limit;
  return holder;
}

const isUserFrame = (l: string): boolean => !RUNTIME.some((r) => l.includes(r)) && !l.includes('(node:') && !/^\s*at node:/.test(l);

setRuntimeFrameTest((l) => RUNTIME.some((r) => l.includes(r)));

/** The captured frames outside the runtime and Node's internals, as stack lines. */
export function userFrames(site: Site): string | undefined {
  const mine = (site.stack ?? '').split('\n').slice(1).filter(isUserFrame);
  return mine.length > 0 ? mine.join('\n') : undefined;
}

/** A stack (an AM's, from its target) without the runtime's frames around the user's code. */
export function withoutRuntimeFrames(stack: string): string {
  return stack
    .split('\n')
    .filter((l, i) => i === 0 || !/^\s*at /.test(l) || isUserFrame(l))
    .join('\n');
}

/** A line of the report of a PE whose event loop ran empty, for one pending AM result. */
export function pendingLine(amName: string, pe: number | undefined, site: Site | undefined): string {
  const what = pe === undefined ? `a result of execAmAll(${amName})` : `the result of active message '${amName}' on PE ${pe}`;
  const at = site === undefined ? 'launch site not recorded (LAMELLAR_AM_STACKS=1 records it)' : `launched at ${userSite(site.stack) ?? 'an unknown line'}`;
  return `${what}, ${at}`;
}

/**
 * The name of the AM whose exec function is on the current stack (synchronous frames, or the
 * async frames of the awaits that lead here), if any: defineAm adds `[lamellar:am:<name>]` to
 * exec functions' names, and stack lines show it (`at Object.run [lamellar:am:x] [as exec] (...)`
 * when the function's own name is not the property it is called through).
 */
export function amOnStack(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const holder: Site = {};
  Error.captureStackTrace(holder);
  Error.stackTraceLimit = limit;
  return /\[lamellar:am:(.*?)\](?: \[as [^\]]*\])? \(/.exec(holder.stack ?? '')?.[1];
}
