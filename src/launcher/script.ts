/**
 * Which entry scripts a PE can run. Every PE imports its script as an ES module (esm-hooks.ts),
 * so top-level await works in any project. A CommonJS script cannot be awaited: the runtime
 * would not know when its work ends, and would shut the world down under it. So a `.cts`/`.cjs`
 * entry, or a `.js`/`.ts` one written as CommonJS, is refused before any PE starts, with what to
 * change. `.mjs`/`.mts` entries are ES modules by their name and never refused.
 *
 * The rule for a `.js`/`.ts` (`.jsx`/`.tsx`) entry: it is CommonJS when its code uses `require(`,
 * `module.exports` or `exports.x =` and has no ES module marker: a static `import`/`export`,
 * `import.meta`, or an `await` outside any function (top-level await). Only code counts: a
 * scanner (`tokens` below) skips comments, string and template literal text and regular
 * expressions. When in doubt the script runs: the scanner takes a brace it cannot tell apart
 * (a TypeScript method with a return type) for a block, so an `await` in it counts as top level.
 * A script wrongly let through fails on its first `require` with Node's own error; a script
 * wrongly refused could not run at all.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { ErrorCode, LamellarError } from '../core/index.js';

/** Keywords after which `/` starts a regular expression rather than a division. */
const BEFORE_EXPRESSION = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);
/** Keywords whose `(...)` is followed by a block, not a function body. */
const CONTROL = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'await']);
/** Placeholders the scanner puts where a literal was. */
const STRING = '"';
const TEMPLATE = '`';
const REGEXP = '/re/';
const NUMBER = '0';

/**
 * The entry's code as tokens: identifiers and keywords, numbers, punctuators (one character
 * each, and `=>`), with every comment left out and every string, template text and regular
 * expression replaced by a placeholder. A template's `${...}` parts are code and scanned as such.
 * Not a full tokenizer: enough to find the markers of `checkEntryScript` without being fooled by
 * `"require('x')"` in a string.
 */
function tokens(src: string): string[] {
  const out: string[] = [];
  /** Per open `{`: true when it opened a template's `${`. */
  const braces: boolean[] = [];
  const n = src.length;
  let i = 0;
  const regexAllowed = (): boolean => {
    const p = out[out.length - 1];
    if (p === undefined) return true;
    if (p === STRING || p === TEMPLATE || p === REGEXP || p === NUMBER) return false;
    if (/^[\p{L}_$]/u.test(p)) return BEFORE_EXPRESSION.has(p);
    return p !== ')' && p !== ']' && p !== '}';
  };
  /** Scans template text from `i` (just after a backtick or a substitution's `}`). */
  const template = (): void => {
    while (i < n) {
      const c = src[i]!;
      if (c === '\\') i += 2;
      else if (c === '`') {
        i++;
        out.push(TEMPLATE);
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        out.push(TEMPLATE);
        braces.push(true);
        return;
      } else i++;
    }
  };
  while (i < n) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\ufeff' || c === '\u00a0') {
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '#' && i === 0 && src[1] === '!') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      for (i++; i < n && src[i] !== c && src[i] !== '\n'; i++) if (src[i] === '\\') i++;
      i++;
      out.push(STRING);
    } else if (c === '`') {
      i++;
      template();
    } else if (c === '/' && regexAllowed()) {
      let inClass = false;
      for (i++; i < n && src[i] !== '\n'; i++) {
        const r = src[i];
        if (r === '\\') i++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
      }
      i++;
      while (i < n && /[\w$]/.test(src[i]!)) i++;
      out.push(REGEXP);
    } else if (/[\p{L}_$]/u.test(c) || c === '\\') {
      const m = /^(?:[\p{L}\p{N}_$\u200c\u200d]|\\u[\da-fA-F{}]+)+/u.exec(src.slice(i, i + 256));
      const word = m?.[0] ?? c;
      i += word.length;
      out.push(word);
    } else if (/\d/.test(c) || (c === '.' && /\d/.test(src[i + 1] ?? ''))) {
      while (i < n && /[\w.]/.test(src[i]!)) i++;
      out.push(NUMBER);
    } else if (c === '{') {
      i++;
      braces.push(false);
      out.push('{');
    } else if (c === '}') {
      i++;
      if (braces.pop() === true) template();
      else out.push('}');
    } else if (c === '=' && src[i + 1] === '>') {
      i += 2;
      out.push('=>');
    } else {
      i++;
      out.push(c);
    }
  }
  return out;
}

/** What an entry's code shows of its module system (see the rule at the top). */
export function moduleMarkers(source: string): { esm: boolean; cjs: boolean } {
  const t = tokens(source);
  let esm = false;
  let cjs = false;
  /** Open `{`s: true for a function body. */
  const braces: boolean[] = [];
  let inFunction = 0;
  /** Per open `(`: its token index; and per `)`, the index of the `(` it closed. */
  const parens: number[] = [];
  const opener = new Map<number, number>();
  for (let k = 0; k < t.length; k++) {
    const w = t[k]!;
    const prev = t[k - 1];
    const next = t[k + 1];
    // A member (`x.require(`), not a spread (`...require(`).
    const member = prev === '.' && t[k - 2] !== '.';
    if (w === '(') parens.push(k);
    else if (w === ')') {
      const o = parens.pop();
      if (o !== undefined) opener.set(k, o);
    } else if (w === '{') {
      let fn = prev === '=>';
      if (prev === ')') {
        const o = opener.get(k - 1);
        const before = o === undefined ? undefined : t[o - 1];
        fn = before !== undefined && !CONTROL.has(before);
      }
      braces.push(fn);
      if (fn) inFunction++;
    } else if (w === '}') {
      if (braces.pop() === true) inFunction--;
    } else if (member || next === ':') {
      // A member (`x.require(`) or an object key (`{ import: ... }`) is no marker.
      continue;
    } else if (w === 'import') {
      if (next === '.' && t[k + 2] === 'meta') esm = true;
      else if (next !== '(' && next !== '.') esm = true;
    } else if (w === 'export') {
      if (next === '=') cjs = true;
      else esm = true;
    } else if (w === 'await') {
      if (inFunction === 0) esm = true;
    } else if (w === 'require') {
      if (next === '(') cjs = true;
    } else if (w === 'module') {
      if (next === '.' && t[k + 2] === 'exports') cjs = true;
    } else if (w === 'exports') {
      if (next === '.' && t[k + 3] === '=' && t[k + 4] !== '=') cjs = true;
    }
  }
  return { esm, cjs };
}

/** What an entry may be named (no extension: a script file Node is told to run all the same). */
const SCRIPT_EXTENSIONS = new Set(['', '.ts', '.mts', '.js', '.mjs', '.tsx', '.jsx']);

/** Throws UNSUPPORTED_SCRIPT for an entry that is CommonJS or not a script at all; `script` is an existing file. */
export function checkEntryScript(script: string): void {
  const ext = extname(script);
  const name = basename(script);
  if (ext === '.cts' || ext === '.cjs') {
    const stem = name.slice(0, -ext.length);
    const to = ext === '.cts' ? `${stem}.mts (or ${stem}.ts)` : `${stem}.mjs (or ${stem}.js)`;
    throw unsupported(script, `${name} is CommonJS; rename it to ${to} and use import instead of require()`);
  }
  // `lamellar run -N 2 tsconfig.json` started every PE, which failed in Node's loader.
  if (!SCRIPT_EXTENSIONS.has(ext)) {
    throw new LamellarError(ErrorCode.UNSUPPORTED_SCRIPT, `${name} is not a script: lamellar runs a .ts, .mts, .js or .mjs file (or .tsx, .jsx) on every PE`, {
      details: { script },
    });
  }
  // .mjs and .mts are ES modules by their name, whatever they contain.
  if (!['.ts', '.js', '.tsx', '.jsx'].includes(ext)) return;
  let source: string;
  try {
    source = readFileSync(script, 'utf8');
  } catch {
    return;
  }
  const m = moduleMarkers(source);
  if (m.cjs && !m.esm) {
    throw unsupported(
      script,
      `${name} is written as CommonJS (require, module.exports or exports, and no import, export, import.meta or top-level await); ` +
        `write it as an ES module: import from 'lamellar' and await at top level`,
    );
  }
}

function unsupported(script: string, why: string): LamellarError {
  return new LamellarError(
    ErrorCode.UNSUPPORTED_SCRIPT,
    `${why}. lamellar runs every PE's script as an ES module, so that the script can await its world at top level and the launcher knows when it ends`,
    { details: { script } },
  );
}

/**
 * Whether Node itself loads `script` as an ES module: `.mjs`/`.mts`, or a `.js`/`.ts` whose
 * nearest package.json says `"type": "module"`. Anything else needs esm-hooks.ts.
 */
export function isModuleByPackage(script: string): boolean {
  const ext = extname(script);
  if (ext === '.mjs' || ext === '.mts') return true;
  if (ext === '.cjs' || ext === '.cts') return false;
  for (let dir = dirname(script); ; dir = dirname(dir)) {
    let text: string | undefined;
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {}
    if (text !== undefined) {
      try {
        return (JSON.parse(text) as { type?: unknown }).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(dir) === dir) return false;
  }
}
