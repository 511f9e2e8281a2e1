/**
 * Module hooks (node:module `register`) that load a PE's entry script as an ES module whatever
 * the nearest package.json says. A script written for `lamellar run` awaits at top level
 * (`await using world = await initWorld()`), which only an ES module may do; but `npm init`
 * makes a CommonJS package, where Node (and tsx) would load `app.ts` or `app.js` as CommonJS
 * and fail (ERR_REQUIRE_CYCLE_MODULE, or a syntax error at the first top-level await).
 *
 * Only the entry is forced: the modules it imports keep their package's format, as Node decides
 * it. Registered after tsx, so these hooks run first and hand tsx a module format for the entry,
 * which tsx then compiles as ESM. Runs on Node's hooks thread: no imports from the runtime.
 */
interface Resolved {
  url: string;
  format?: string | null;
}
interface Loaded {
  format: string;
  source?: unknown;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: unknown) => Promise<Resolved>;
type NextLoad = (url: string, context: { format?: string | null }) => Promise<Loaded>;

let entryUrl: string | undefined;

export function initialize(data: { entryUrl: string }): void {
  entryUrl = data.entryUrl;
}

export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<Resolved> {
  const r = await next(specifier, context);
  return r.url === entryUrl ? { ...r, format: 'module' } : r;
}

export async function load(url: string, context: { format?: string | null }, next: NextLoad): Promise<Loaded> {
  if (url !== entryUrl) return next(url, context);
  const r = await next(url, { ...context, format: 'module' });
  return { ...r, format: 'module' };
}
