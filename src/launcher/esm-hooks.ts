/**
 * Module hooks (node:module `register`) that load a PE's entry script as an ES module whatever
 * the nearest package.json says. A script written for `lamellar run` awaits at top level
 * (`await using world = await initWorld()`), which only an ES module may do; but `npm init`
 * makes a CommonJS package, where Node (and tsx) would load `app.ts` or `app.js` as CommonJS
 * and fail (ERR_REQUIRE_CYCLE_MODULE, or a syntax error at the first top-level await).
 *
 * The project's own TypeScript files that the entry reaches by `import` are loaded as ES modules
 * too, unless their code uses CommonJS (`require(`, `export =`, `module.exports`, `exports.x =`,
 * `__dirname`, `__filename`) and not `import.meta` (`createRequire(import.meta.url)` is an ES
 * module's idiom). Only code counts (markers.ts): a comment that says "no require() here" made a
 * helper CommonJS, and its top-level await failed. Loaded as CommonJS from an ES module, tsx
 * hands Node such a file as a `data:` URL without a source map, so an error thrown in it named a
 * long URL and a line of the compiled code in place of `lib.ts:2:9`. The project's JavaScript
 * files are loaded as ES modules when they are written as ES modules (an `import`/`export`
 * statement, `import.meta` or top-level await, under the same CommonJS rule): `tsc` output of such
 * a project in an `npm init` package, whose `./lib.js` Node would load as CommonJS (`does not
 * provide an export named 'check'`). Files under node_modules, `.cts` files and other JavaScript
 * keep the format Node gives them, as do files in a package whose package.json says
 * `"type": "module"`: Node and tsx load those as ES modules already. Reading and scanning them had
 * cost each PE a tenth of a second where `lamellar` is installed by path (`npm install ../lamellar`
 * links it, and its 360 KB bundle is then not under node_modules).
 *
 * Registered after tsx, so these hooks run first and hand tsx a module format, which tsx then
 * compiles to. What tsx returns for the project's TypeScript modules loses keepNames' per-call
 * wrappers (names.ts), in any project. Runs on Node's hooks thread: no imports from the runtime.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { moduleMarkers } from './markers.js';
import { unwrapInferredNames } from './names.js';
import { moduleByPackage } from './package-type.js';

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
/** Per file path: whether it is left to load as Node and tsx decide (it uses CommonJS, or is JavaScript not written as a module). */
const usesCommonJs = new Map<string, boolean>();

/** Whether a project file is left to load as CommonJS: see the rule at the top. */
function leftAsCommonJs(src: string, ts: boolean): boolean {
  const m = moduleMarkers(src);
  if ((m.cjs || m.cjsGlobals) && !m.importMeta) return true;
  // A TypeScript file is compiled to either; JavaScript must already be written as a module.
  return !ts && !m.esm;
}

/**
 * The URL to load `url` from as an ES module, or undefined to leave it to Node and tsx. tsx marks
 * a TypeScript file that it means to load as CommonJS with `tsx-*` queries (in the path and the
 * search); the plain URL, with the format set, makes tsx compile it as an ES module instead.
 */
function asModule(url: string): string | undefined {
  if (url === entryUrl) return url;
  if (!url.startsWith('file:') || url.includes('/node_modules/')) return undefined;
  const u = new URL(url);
  const path = decodeURIComponent(u.pathname).split('?tsx-')[0]!;
  const ts = /\.tsx?$/.test(path);
  if (!ts && !/\.jsx?$/.test(path)) return undefined;
  if (moduleByPackage(dirname(path))) return undefined;
  let cjs = usesCommonJs.get(path);
  if (cjs === undefined) {
    try {
      cjs = leftAsCommonJs(readFileSync(path, 'utf8'), ts);
    } catch {
      cjs = true;
    }
    usesCommonJs.set(path, cjs);
  }
  if (cjs) return undefined;
  const plain = pathToFileURL(path);
  for (const [k, v] of u.searchParams) if (!k.startsWith('tsx-')) plain.searchParams.append(k, v);
  return plain.href;
}

export function initialize(data: { entryUrl: string }): void {
  entryUrl = data.entryUrl;
}

export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<Resolved> {
  const r = await next(specifier, context);
  const url = asModule(r.url);
  return url === undefined ? r : { ...r, url, format: 'module' };
}

/** A project's TypeScript module (not under node_modules), which tsx compiles with esbuild's keepNames. */
function projectTs(url: string): boolean {
  return url.startsWith('file:') && !url.includes('/node_modules/') && /\.m?tsx?$/.test(new URL(url).pathname.split('?tsx-')[0]!);
}

export async function load(url: string, context: { format?: string | null }, next: NextLoad): Promise<Loaded> {
  const plain = asModule(url);
  const r = plain === undefined ? await next(url, context) : { ...(await next(plain, { ...context, format: 'module' })), format: 'module' };
  if (r.format !== 'module' || !projectTs(url)) return r;
  // Take out the keepNames wrappers that cost each call (names.ts).
  const source = typeof r.source === 'string' ? r.source : r.source instanceof Uint8Array ? Buffer.from(r.source).toString('utf8') : undefined;
  return source === undefined ? r : { ...r, source: unwrapInferredNames(source) };
}
