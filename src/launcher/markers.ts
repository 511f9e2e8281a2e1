/**
 * What a module's code shows of its module system, from its code only: a scanner (`tokens`)
 * skips comments, string and template literal text and regular expressions, so that a comment
 * saying "no require() here" is no CommonJS. The launcher's entry check (script.ts) and the
 * module hooks (esm-hooks.ts, on Node's hooks thread: this file imports nothing) both read it.
 *
 * The rule for an entry (script.ts): CommonJS when its code uses `require(`, `module.exports` or
 * `exports.x =` and has no ES module marker: a static `import`/`export`, `import.meta`, or an
 * `await` outside any function (top-level await).
 */

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
 * A module's code as tokens: identifiers and keywords, numbers, punctuators (one character
 * each, and `=>`), with every comment left out and every string, template text and regular
 * expression replaced by a placeholder. A template's `${...}` parts are code and scanned as such.
 * Not a full tokenizer: enough to find the markers below without being fooled by
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

/** What a module's code shows of its module system (see the rule at the top). */
export interface ModuleMarkers {
  /** A static `import`/`export`, `import.meta`, or a top-level `await`. */
  esm: boolean;
  /** `require(`, `module.exports`, `exports.x =` or `export =`. */
  cjs: boolean;
  /** `import.meta`: a file that uses it is an ES module whatever else it uses (`createRequire(import.meta.url)`). */
  importMeta: boolean;
  /** `__dirname` or `__filename`, which only CommonJS defines. */
  cjsGlobals: boolean;
}

/** What a module's code shows of its module system (see the rule at the top). */
export function moduleMarkers(source: string): ModuleMarkers {
  const t = tokens(source);
  let esm = false;
  let cjs = false;
  let importMeta = false;
  let cjsGlobals = false;
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
      if (next === '.' && t[k + 2] === 'meta') esm = importMeta = true;
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
    } else if (w === '__dirname' || w === '__filename') {
      cjsGlobals = true;
    }
  }
  return { esm, cjs, importMeta, cjsGlobals };
}
