/**
 * Closure AMs (Lamellar's unregistered AMs): `closure(fn, env)` makes an active message from a
 * function written inline, with no `defineAm`. Every launch method accepts it where it accepts a
 * definition; the function runs on the target as `fn(ctx, env)`.
 *
 * The function travels as source text, so it must be self-contained: the values it needs go in
 * `env`, which travels through the AM codec like arguments do (arrays, Darcs, regions and teams
 * arrive as the receiver's own handles). `closure` checks this at the call (closure-scope.ts) and
 * refuses a function that reads anything else, naming what it read. The check runs once per
 * distinct source text on each PE; the result, and the source's wire id, are cached.
 *
 * On the wire (closure-table.ts) a source goes to each destination once, then launches carry
 * its id; each PE compiles a source once.
 */
import { ErrorCode, kClosure, kClosureFn, LamellarError, userSite, type ErrorCodeValue } from '../core/index.js';
import { STANDARD_GLOBALS } from './closure-globals.js';
import { analyzeFunctionSource, Shape, UnsupportedFunction } from './closure-scope.js';
import { shadowedGlobals } from './closure-shadow.js';
import type { AmContext } from './context.js';
import type { WireReceived } from '../serde/index.js';
import { kAmDef, kReturnedAm, tagAmFrames, type AmDef, type AmResultOf, type ReturnedAm } from './define.js';
import { captureAmSite } from './sites.js';

/** The per-source record a closure carries; read by the engine (closure-table.ts). */
export { kClosure };

/**
 * An active message made by {@link closure}: a self-contained function and the values it
 * captured (`env`). Launch it wherever an AM definition goes: `execAmPe`, `execAmAll`,
 * `execAmLocal` on a World or Team, `AmGroup`, `TaskGroup`. Returned from an AM, it runs back on
 * the launching PE (a returned AM) and the handle resolves to its result.
 *
 * @example
 * ```ts
 * const c: ClosureAm<number> = closure((ctx, env) => env.x * ctx.currentPe, { x: 3 });
 * const r = await world.execAmPe(1, c); // 3
 * ```
 */
export interface ClosureAm<R> extends AmDef<undefined, R>, ReturnedAm<R> {
  /**
   * The values the function receives as its second parameter; encoded at each launch.
   * @example
   * ```ts
   * const c = closure((ctx, env) => env.base + ctx.currentPe, { base: 100 });
   * console.log(c.env); // { base: 100 }
   * ```
   */
  readonly env: unknown;
}

/** One distinct function source, as this PE knows it. */
export interface ClosureSource {
  /** This PE's id for the source: what its launches carry once the destination has the source. */
  readonly id: number;
  /** How handles and errors name closures of this source. */
  readonly name: string;
  readonly shape: Shape;
  readonly source: string;
  /** How encode errors name the env. */
  readonly envLabel: string;
}

type ClosureFn = (ctx: AmContext, env: any) => unknown;

class Closure {
  readonly [kClosure]: ClosureSource;
  readonly [kClosureFn]: ClosureFn;
  readonly env: unknown;

  constructor(src: ClosureSource, fn: ClosureFn, env: unknown) {
    this[kClosure] = src;
    this[kClosureFn] = fn;
    this.env = env;
  }

  get name(): string {
    return this[kClosure].name;
  }

  get id(): number {
    return this[kClosure].id;
  }

  get argLabel(): string {
    return this[kClosure].envLabel;
  }

  /** As a returned AM: the AM to run is this closure, with no arguments beyond its env. */
  get am(): this {
    return this;
  }

  get args(): undefined {
    return undefined;
  }

  /**
   * Runs the function here with the live env: what `execAmLocal` and a closure returned to this
   * PE by a local AM do. Launches to a PE (this one included) send the source and run a compiled
   * copy there instead, with the env decoded, exactly as on a remote PE.
   */
  exec(ctx: AmContext): unknown {
    return localRunner(this[kClosure])(this[kClosureFn], ctx, this.env);
  }
}

type Runner = (fn: ClosureFn, ctx: AmContext, env: unknown) => Promise<unknown>;
const runners = new WeakMap<ClosureSource, Runner>();

/**
 * Runs a closure's own function here inside a frame named for it (tagAmFrames): the caller's
 * function keeps its name, and Engine.checkNotInAm still finds a waitAll() called from the
 * closure, before or after its awaits (the runner awaits it, so it stays among the async frames).
 */
function localRunner(src: ClosureSource): Runner {
  let r = runners.get(src);
  if (r === undefined) {
    r = async (fn, ctx, env) => await fn(ctx, env);
    tagAmFrames(r, src.name);
    runners.set(src, r);
  }
  return r;
}
// Brands on the prototype: one per class, not per launch.
Object.defineProperty(Closure.prototype, kAmDef, { value: true });
Object.defineProperty(Closure.prototype, kReturnedAm, { value: true });

/** A source that cannot be a closure; kept so a refused source is not parsed again. */
interface Refusal {
  readonly code: ErrorCodeValue;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

const bySource = new Map<string, ClosureSource | Refusal>();
let nextId = 0;
// The last function and source seen. A loop launching the same function object skips the
// toString and the lookup. A closure written inline is a new function object at every call, with
// the same text as the last one: its toString and that comparison are what it costs (~0.3 µs).
// Function objects whose text differed from the last one's (functions defined once and used in
// turn) are also remembered by identity; inline ones are not, so they add no WeakMap entries.
let lastFn: unknown;
let lastText = '';
let lastSrc: ClosureSource | undefined;
const byFn = new WeakMap<object, ClosureSource>();

/**
 * Makes an active message from a self-contained function: `fn(ctx, env)` runs on the target PE
 * with `ctx` as for any AM and `env` decoded there (so arrays, Darcs, regions and teams in it
 * arrive as the target's own handles). The result type is inferred from `fn`, as it arrives (a
 * Buffer as a Uint8Array, readonly arrays mutable: `WireReceived`); a returned closure or
 * `returnAm(...)` runs back on the launching PE.
 *
 * The function may use only its parameters, its own locals and the standard globals (`Math`,
 * `process`, `console`, `globalThis`, ...). Anything else it needs goes in `env`; modules are
 * reached with `await import(...)` inside it. A function that reads an outer binding, uses
 * `this` of a method, is native or bound, or imports a path relative to its own module is refused
 * here with `LAMELLAR_ERR_CLOSURE_CAPTURE` naming what it read.
 *
 * @example
 * ```ts
 * import { closure, initWorld } from 'lamellar';
 * await using world = await initWorld();
 * const rss = await world.execAmAll(closure(() => process.memoryUsage().rss)); // number[]
 * const r = await world.execAmPe(0, closure((ctx, env) => env.x * ctx.currentPe, { x: 3 }));
 * ```
 */
export function closure<R>(fn: (ctx: AmContext) => R): ClosureAm<WireReceived<AmResultOf<R>>>;
export function closure<E, R>(fn: (ctx: AmContext, env: E) => R, env: E): ClosureAm<WireReceived<AmResultOf<R>>>;
export function closure(fn: ClosureFn, env?: unknown): ClosureAm<unknown> {
  if (fn !== lastFn) {
    if (typeof fn !== 'function') {
      throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `closure(fn, env) needs a function, got ${fn === null ? 'null' : typeof fn}`);
    }
    const known = byFn.get(fn);
    if (known !== undefined) {
      lastSrc = known;
      lastText = known.source;
    } else {
      const text = Function.prototype.toString.call(fn);
      if (text !== lastText) {
        lastSrc = sourceOf(fn, text);
        lastText = text;
        byFn.set(fn, lastSrc);
      }
    }
    lastFn = fn;
  }
  return new Closure(lastSrc!, fn, env) as unknown as ClosureAm<unknown>;
}

/** True for what `closure` returns. */
export function isClosureAm(value: unknown): value is ClosureAm<unknown> {
  return value instanceof Closure;
}

/** The source entry for `text`; throws the refusal if it cannot be a closure. */
function sourceOf(fn: ClosureFn, text: string): ClosureSource {
  let entry = bySource.get(text);
  if (entry === undefined) {
    entry = examine(fn, text);
    bySource.set(text, entry);
  }
  if ('code' in entry) throw new LamellarError(entry.code, entry.message, { details: { ...entry.details } });
  return entry;
}

/** At most this many characters of an anonymous function's source name it. */
const EXCERPT = 40;

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= EXCERPT ? flat : `${flat.slice(0, EXCERPT - 1)}…`;
}

function examine(fn: ClosureFn, text: string): ClosureSource | Refusal {
  const what = fn.name ? `function '${fn.name}'` : `the function ${excerpt(text)}`;
  const refuse = (code: ErrorCodeValue, why: string, details: Record<string, unknown> = {}): Refusal => ({
    code,
    message: `cannot make a closure AM of ${what}: ${why}`,
    details: { function: fn.name || excerpt(text), ...details },
  });
  if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
    return fn.name.startsWith('bound ')
      ? refuse(ErrorCode.CLOSURE_CAPTURE, 'it is a bound function, whose bound `this` and arguments cannot travel; pass the unbound function and put those values in env', { reason: 'bound' })
      : refuse(ErrorCode.CLOSURE_CAPTURE, 'it is a native function (or a proxy), with no JavaScript source to send', { reason: 'native' });
  }
  let report;
  try {
    report = analyzeFunctionSource(text);
  } catch (e) {
    if (e instanceof UnsupportedFunction) return refuse(ErrorCode.INVALID_ARGUMENT, e.message, { reason: 'unsupported' });
    throw e;
  }
  if (report.free.length > 0) {
    const names = report.free;
    // The env example names something that may be data: not a name the function calls.
    const data = names.filter((n) => !report.called.includes(n));
    const helper = names.find((n) => /^__[A-Za-z]+$/.test(n));
    // esbuild (which tsx uses) renames a binding of the program's that shadows a global: `Math`
    // becomes `Math2` in the function's source.
    const renamed = names.find((n) => /\d$/.test(n) && STANDARD_GLOBALS.has(n.replace(/\d+$/, '')));
    const hint = renamed !== undefined
      ? ` ('${renamed}' is the name esbuild, which tsx uses, gave your own '${renamed.replace(/\d+$/, '')}', which shadows the global of that name)`
      : helper === undefined
        ? ''
        : ` ('${helper}', if you did not write it, is a helper that a compiler such as esbuild, which tsx uses, inserted for syntax it rewrote; write that part without it, or in a .js file)`;
    return refuse(
      ErrorCode.CLOSURE_CAPTURE,
      `it reads ${names.map((n) => `'${n}'`).join(', ')}, declared outside the function${hint}. A closure runs on other PEs, where only its parameters, its own locals and the standard globals exist: ` +
        (data.length === 0
          ? ''
          : `pass ${names.length === 1 ? 'it' : 'them'} in env if ${names.length === 1 ? 'it is' : 'they are'} data, e.g. closure((ctx, env) => ... env.${data[0]} ..., { ${data[0]} }). `) +
        // env is encoded for every launch but execAmLocal, and the codec refuses functions.
        'A function or class cannot travel in env (only execAmLocal, which runs the closure here, accepts one; other launches throw LAMELLAR_ERR_SERIALIZE): ' +
        "define it inside the closure, or import its module there with await import(specifier) (a module of your own by the URL import.meta.resolve('./mod.js') passed in env)",
      { reason: 'free', identifiers: [...names] },
    );
  }
  const shadowed = shadowedGlobals(report.globals);
  if (shadowed.length > 0) {
    const s = shadowed[0]!;
    const fix = s.from === undefined
      ? `give your binding another name (and pass its data in env)`
      : `import it inside the closure: const { ${s.name} } = await import(${JSON.stringify(s.from)})`;
    return refuse(
      ErrorCode.CLOSURE_CAPTURE,
      `it uses '${s.name}', which its module ${s.how}; on another PE the closure would get the global '${s.name}' instead (only execAmLocal would run yours): ${fix}`,
      { reason: 'shadowed-global', identifiers: shadowed.map((x) => x.name) },
    );
  }
  if (report.usesThis) {
    return refuse(ErrorCode.CLOSURE_CAPTURE, 'it uses `this` (or `super`) of its receiver, which does not travel; pass what it needs in env', {
      reason: 'this',
      identifiers: ['this'],
    });
  }
  if (report.usesImportMeta) {
    return refuse(ErrorCode.CLOSURE_CAPTURE, 'it uses import.meta, which belongs to the module that defines it; pass import.meta.url (or what you need of it) in env', {
      reason: 'import.meta',
      identifiers: ['import.meta'],
    });
  }
  if (report.relativeImports.length > 0) {
    const spec = report.relativeImports[0]!;
    return refuse(
      ErrorCode.CLOSURE_CAPTURE,
      `it imports '${spec}', relative to a module the target does not know; pass import.meta.resolve('${spec}') in env and import that`,
      { reason: 'relative-import', specifier: spec },
    );
  }
  // Named with the program's line that made it (the first closure of this source): a compiled
  // copy's frames on another PE show no line of the program's, only lamellar-closure-<id>.js.
  const at = definedAt();
  const name = `${fn.name ? `closure ${fn.name}` : `closure ${excerpt(text)}`}${at === undefined ? '' : ` (${at})`}`;
  return { id: nextId++, name, shape: report.shape, source: text, envLabel: `env of ${name}` };
}

/** "app.ts:12" (relative to the working directory when under it): the caller's line of closure(). */
function definedAt(): string | undefined {
  const at = userSite(captureAmSite().stack);
  if (at === undefined) return undefined;
  const path = at.replace(/^file:\/\//, '').replace(/:\d+$/, '');
  const cwd = `${process.cwd()}/`;
  return path.startsWith(cwd) ? path.slice(cwd.length) : path;
}
