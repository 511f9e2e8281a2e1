/**
 * Where a syntax error in a PE's JavaScript is. Node compiles an ES module before running it and
 * keeps the failing file, line and caret in a hidden property that only its own report of an
 * uncaught error prints (`file:///app/syn.mjs:3`, the line, a caret). A PE catches the error of
 * its script's `import()` to report it under its number, and the SyntaxError it holds has only
 * its message and the module loader's frames: "SyntaxError: Unexpected token ';'" and no file.
 *
 * So when a script fails to load with such an error, the PE looks for it: it parses the entry
 * and the JavaScript files it reaches by relative imports (static, or `import()` of a string)
 * with acorn, in import order, and puts the first place that does not parse into the error's
 * stack (`at /app/syn.mjs:3:11`, the line and a caret). A file that parses but declares `using`
 * is the other case: acorn reads explicit resource management, Node 20's V8 does not, and the
 * report says what to do instead. TypeScript files are compiled by tsx, whose errors name their
 * place already; they are only read for their imports.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeCodePlaces } from '../core/index.js';

/** Files read at most, so that a large import graph cannot delay the report for long. */
const MAX_FILES = 200;

interface Place {
  file: string;
  /** 1-based. */
  line: number;
  /** 0-based, in UTF-16 units. */
  column: number;
  /** The file declares `using` (the syntax Node 20 lacks), and this is the first declaration. */
  using: boolean;
}

/**
 * Adds the place of a syntax error to `err`'s stack, when `err` is a SyntaxError without one
 * (only Node's own frames) and the place can be found from `entry`. Never throws.
 */
export function locateSyntaxError(err: unknown, entry: string): void {
  try {
    if (err instanceof Error && typeof err.stack === 'string' && err.stack.startsWith('TransformError: ')) {
      transformed(err);
      return;
    }
    if (!(err instanceof Error) || err.name !== 'SyntaxError' || typeof err.stack !== 'string') return;
    if (placed(err.stack)) return;
    const place = find(resolve(entry));
    if (place === undefined) return;
    err.stack = describe(err, place);
  } catch {}
}

/**
 * tsx's TransformError for a `.ts` file that does not parse. It reaches the PE from the loader's
 * thread as a plain Error whose stack is esbuild's own frames, and whose message alone names the
 * places (`Transform failed with 1 error:\n/app/x.ts:2:30: ERROR: Unexpected ";"`). The stack
 * becomes a SyntaxError's: that message, then each place (up to 5) with its line and a caret,
 * as for JavaScript.
 */
function transformed(err: Error): void {
  const lines = [`SyntaxError: ${err.message}`];
  let found = 0;
  for (const m of err.message.matchAll(/^(.+):(\d+):(\d+): ERROR: (.*)$/gm)) {
    if (++found > 5) break;
    const file = m[1]!;
    const line = Number(m[2]);
    const column = Number(m[3]);
    let text = '';
    try {
      text = readFileSync(file, 'utf8').split(/\r?\n/)[line - 1] ?? '';
    } catch {}
    const gutter = String(line);
    lines.push(
      `    at ${file}:${line}:${column + 1}`,
      '',
      `    ${gutter} | ${text}`,
      `    ${' '.repeat(gutter.length)} | ${text.slice(0, column).replace(/[^\t]/g, ' ')}^ ${m[4]}`,
      '',
    );
  }
  if (found === 0) return;
  err.stack = lines.join('\n').trimEnd();
  // The copy keeps esbuild's name as an own field, which a report would print after the stack.
  if (Object.prototype.hasOwnProperty.call(err, 'name')) delete (err as { name?: string }).name;
}

/** The package's code, whose frames (the PE's `import()` of its script) are no place in the user's code. */
const HERE = runtimeCodePlaces();

/** Whether a stack already names a place outside Node's internals and the launcher (`file:line`). */
function placed(stack: string): boolean {
  return stack
    .split('\n')
    .filter((l) => !/\bnode:/.test(l) && !HERE.some((h) => l.includes(h)))
    .some((l) => /(?:file:\/\/|[/\\])[^\s()]*:\d+/.test(l));
}

function describe(err: Error, p: Place): string {
  let text = '';
  try {
    text = readFileSync(p.file, 'utf8').split(/\r?\n/)[p.line - 1] ?? '';
  } catch {}
  const gutter = String(p.line);
  const caret = text.slice(0, p.column).replace(/[^\t]/g, ' ');
  const lines = [
    `${err.name}: ${err.message}`,
    `    at ${p.file}:${p.line}:${p.column + 1}`,
    '',
    `    ${gutter} | ${text}`,
    `    ${' '.repeat(gutter.length)} | ${caret}^`,
  ];
  if (p.using || /\busing\s+[\p{L}_$[{]/u.test(text)) {
    lines.push(
      '',
      `Node ${process.version} does not parse \`using\` declarations in JavaScript: write the script as .ts ` +
        '(lamellar runs TypeScript through tsx, which compiles `await using`), or call world.shutdown() ' +
        "(and a handle's drop()) yourself instead of `await using`.",
    );
  }
  return lines.join('\n');
}

/** The part of acorn (a dependency of the package, also used by am/closure-scope.ts) used here. */
interface Position {
  line: number;
  column: number;
}
interface Acorn {
  parse(source: string, options: Record<string, unknown>): unknown;
}
let acorn: Acorn | undefined;
const loadAcorn = (): Acorn => (acorn ??= createRequire(import.meta.url)('acorn') as Acorn);

/** The first place in the import graph from `entry` that Node 20 cannot parse. */
function find(entry: string): Place | undefined {
  const seen = new Set<string>();
  const visit = (file: string): Place | undefined => {
    if (seen.has(file) || seen.size >= MAX_FILES) return undefined;
    seen.add(file);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const ext = extname(file);
    let specifiers: string[];
    // A file without an extension is loaded as JavaScript too (a TypeScript one named so fails
    // there, and its place is found the same way).
    if (ext === '.js' || ext === '.mjs' || ext === '.cjs' || (ext === '' && file === entry)) {
      const parsed = parse(file, source, ext);
      if ('place' in parsed) return parsed.place;
      specifiers = parsed.specifiers;
    } else if (/^\.[cm]?tsx?$/.test(ext)) {
      specifiers = [...source.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*(['"])([^'"\n]+)\1/g)].map((m) => m[2]!);
    } else {
      return undefined;
    }
    for (const s of specifiers) {
      for (const f of targets(file, s)) {
        const found = visit(f);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  return visit(entry);
}

/** The files a relative (or absolute, or file:) import of `spec` from `from` may name. */
function targets(from: string, spec: string): string[] {
  let path: string;
  if (spec.startsWith('file:')) {
    try {
      path = fileURLToPath(spec);
    } catch {
      return [];
    }
  } else if (spec.startsWith('./') || spec.startsWith('../') || isAbsolute(spec)) {
    path = resolve(dirname(from), spec.replace(/[?#].*$/, ''));
  } else {
    return [];
  }
  // TypeScript imports name the compiled file (`./lib.js` for lib.ts).
  const ts = path.replace(/\.([mc]?)js$/, '.$1ts');
  return ts === path ? [path] : [path, ts];
}

function parse(file: string, source: string, ext: string): { place: Place } | { specifiers: string[] } {
  const a = loadAcorn();
  let program: unknown;
  try {
    program = a.parse(source, {
      ecmaVersion: 'latest',
      sourceType: ext === '.cjs' ? 'script' : 'module',
      allowHashBang: true,
      allowReturnOutsideFunction: ext === '.cjs',
      locations: true,
    });
  } catch (e) {
    const loc = (e as { loc?: { line?: unknown; column?: unknown } }).loc;
    if (typeof loc?.line !== 'number' || typeof loc.column !== 'number') return { specifiers: [] };
    return { place: { file, line: loc.line, column: loc.column, using: false } };
  }
  const specifiers: string[] = [];
  let using: Position | undefined;
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    const n = node as { type?: unknown; source?: unknown; kind?: unknown; loc?: { start: Position } };
    if (typeof n.type !== 'string') return;
    if (n.type === 'ImportDeclaration' || n.type === 'ExportNamedDeclaration' || n.type === 'ExportAllDeclaration' || n.type === 'ImportExpression') {
      const s = n.source as { type?: unknown; value?: unknown } | null | undefined;
      if (s?.type === 'Literal' && typeof s.value === 'string') specifiers.push(s.value);
    }
    if (n.type === 'VariableDeclaration' && (n.kind === 'using' || n.kind === 'await using') && using === undefined && n.loc) {
      using = n.loc.start;
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'loc' && typeof v === 'object') walk(v);
  };
  walk(program);
  if (using !== undefined) return { place: { file, line: using.line, column: using.column, using: true } };
  return { specifiers };
}
