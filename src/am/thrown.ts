/**
 * What an AM threw, made safe to send back to its caller. An AM may throw anything: null, a
 * number, a symbol, a null-prototype or cyclic object, a Proxy, an Error whose `message` is a
 * function or whose `name` is a symbol, whose getters throw, or one whose message and stack run
 * to megabytes. None of that may kill the target PE or fail to arrive: every property is read
 * once inside a try, turned into a string without calling the value's own toString or inspect
 * hooks, and cut to a bounded size that says it was cut. The caller always gets a RemoteAmError.
 */
import { inspect, types } from 'node:util';
import { RemoteAmError } from '../core/index.js';
import type { WireError } from './wire.js';

/** Bounds per field, in UTF-16 code units; the record is shrunk further if a frame is smaller. */
export const MAX_NAME = 256;
export const MAX_MESSAGE = 16 * 1024;
export const MAX_STACK = 32 * 1024;

const THREW = Symbol('threw');

/** `obj[key]`, or THREW if reading it threw (a getter, a Proxy trap). */
function read(obj: object, key: string): unknown {
  try {
    return (obj as Record<string, unknown>)[key];
  } catch {
    return THREW;
  }
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** A readable rendering of any value that never runs the value's own code. */
export function render(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'symbol':
      // Symbol.prototype.toString is the intrinsic here; a symbol has no own hooks.
      return v.toString();
    case 'function':
      return `[function ${safeName(v)}]`;
    default:
      if (v === null) return 'null';
      try {
        return inspect(v, { depth: 2, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 1024, customInspect: false, getters: false, showProxy: true });
      } catch {
        try {
          return Object.prototype.toString.call(v);
        } catch {
          return '[object]';
        }
      }
  }
}

function safeName(f: unknown): string {
  try {
    const n = (f as { name?: unknown }).name;
    return typeof n === 'string' && n !== '' ? n : '(anonymous)';
  } catch {
    return '(anonymous)';
  }
}

/** A field of an Error, as a string: strings as they are, anything else rendered and labelled. */
function field(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (v === THREW) return `(reading its ${what} threw)`;
  if (v === undefined) return '';
  return `(its ${what} is a ${kindOf(v)}: ${render(v)})`;
}

/** `s` cut to `max` code units, saying how much was cut. Never splits a surrogate pair. */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = Math.max(0, max - 64);
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)} … [truncated: ${s.length - end} more characters]`;
}

/**
 * `s` cut to `max` code units in the middle, keeping its end: where a chain of AMs failed, the
 * root cause (the innermost error and its line) is at the end of the message and of the stack.
 */
export function cutMiddle(s: string, max: number): string {
  if (s.length <= max) return s;
  const keep = Math.max(0, max - 64);
  let head = keep >> 2;
  let tail = s.length - (keep - head);
  if (head > 0) {
    const c = s.charCodeAt(head - 1);
    if (c >= 0xd800 && c <= 0xdbff) head--;
  }
  const d = s.charCodeAt(tail);
  if (d >= 0xdc00 && d <= 0xdfff) tail++;
  return `${s.slice(0, head)} … [${tail - head} characters cut] … ${s.slice(tail)}`;
}

/**
 * An AM that awaited another AM's failure and threw it on: its stack as this PE's caller gets it.
 * A RemoteAmError's stack starts with its whole message, which holds every failure below it, so a
 * chain of 40 AMs repeated the nested messages at every level (64 KB, and the innermost line cut
 * off). Each level now heads its part with only the AM and PE, followed by its launch site, then
 * the stack of the AM below; the message, once, says the whole chain.
 */
function forwarded(e: RemoteAmError): WireError | undefined {
  // Read once each, as any thrown value's fields are: an AM may have changed them (a getter, a
  // code that is not a string) before throwing the error on.
  const [amName, pe, remoteStack, rawMessage, rawStack, code] = ['amName', 'pe', 'remoteStack', 'message', 'stack', 'code'].map((k) => read(e, k));
  if (typeof amName !== 'string' || typeof pe !== 'number' || typeof remoteStack !== 'string' || typeof rawMessage !== 'string') return undefined;
  const full = field(rawStack, 'stack');
  const header = `RemoteAmError: active message '${amName}' failed on PE ${pe}`;
  const remote = `\n    --- remote stack (PE ${pe}) ---\n`;
  const body = `RemoteAmError: ${rawMessage}${remote}${remoteStack}\n`;
  // The launch site (or the line saying it was not recorded) closes a RemoteAmError's stack.
  const stack = full.startsWith(body) ? `${header}\n${full.slice(body.length)}${remote}${remoteStack}` : full;
  return {
    name: 'RemoteAmError',
    message: cutMiddle(rawMessage, MAX_MESSAGE),
    stack: cutMiddle(stack, MAX_STACK),
    ...(typeof code === 'string' ? { code: cut(code, MAX_NAME) } : {}),
  };
}

/** A RemoteAmError (its brand read inside a try: a Proxy's traps may throw). */
function isRemote(v: unknown): v is RemoteAmError {
  try {
    return v instanceof RemoteAmError;
  } catch {
    return false;
  }
}

function isError(v: unknown): v is object {
  try {
    return types.isNativeError(v) || v instanceof Error;
  } catch {
    return false;
  }
}

/** Turns whatever an AM threw into the error record its caller gets. Never throws. */
export function toWireError(err: unknown): WireError {
  try {
    const chain = isRemote(err) ? forwarded(err) : undefined;
    if (chain !== undefined) return chain;
    if (isError(err)) {
      const code = read(err, 'code');
      return {
        name: cut(field(read(err, 'name'), 'name') || 'Error', MAX_NAME),
        message: cut(field(read(err, 'message'), 'message'), MAX_MESSAGE),
        stack: cut(field(read(err, 'stack'), 'stack'), MAX_STACK),
        ...(typeof code === 'string' ? { code: cut(code, MAX_NAME) } : {}),
      };
    }
    const kind = kindOf(err);
    return { name: kind, message: cut(`the active message threw ${kind === 'undefined' || kind === 'null' ? kind : `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`}, not an Error: ${render(err)}`, MAX_MESSAGE), stack: '' };
  } catch {
    return { name: 'Error', message: 'the active message threw a value that could not be described', stack: '' };
  }
}

/** The same record made smaller (for a frame too small to carry it): stack first, then the message. */
export function shrink(e: WireError): WireError {
  if (e.stack.length > 0) return { ...e, stack: '' };
  const keep = e.message.length >> 1;
  // From the middle: a chain of AMs' root cause is at the end.
  return { ...e, message: keep < 64 ? e.message.slice(0, 64) : cutMiddle(e.message, keep), name: e.name.slice(0, 64) };
}

/** A record received from a peer, checked: every field a string whatever the bytes said. */
export function asWireError(v: unknown): WireError {
  if (v === null || typeof v !== 'object') return { name: 'Error', message: render(v), stack: '' };
  const o = v as Record<string, unknown>;
  const str = (x: unknown): string => (typeof x === 'string' ? x : x === undefined ? '' : render(x));
  return {
    name: str(o['name']) || 'Error',
    message: str(o['message']),
    stack: str(o['stack']),
    ...(typeof o['code'] === 'string' ? { code: o['code'] } : {}),
    ...(o['refused'] === true ? { refused: true as const } : {}),
  };
}
