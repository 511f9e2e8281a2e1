/**
 * Which entry scripts a PE can run. Every PE imports its script as an ES module (esm-hooks.ts),
 * so top-level await works in any project. A CommonJS script cannot be awaited: the runtime
 * would not know when its work ends, and would shut the world down under it. So a `.cts`/`.cjs`
 * entry, or a `.js`/`.ts` one written with `require` and no `import`/`export`, is refused before
 * any PE starts, with what to change.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { ErrorCode, LamellarError } from '../core/index.js';

const ESM_SYNTAX = /^\s*(import|export)\b/m;
const CJS_SYNTAX = /\brequire\s*\(|\bmodule\.exports\b|^\s*exports\.\w+\s*=/m;

/**
 * Drops comments well enough for the syntax checks above (a `//` inside a string is rare in an
 * entry).
 */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\])\/\/.*$/gm, '$1');
}

/** Throws UNSUPPORTED_SCRIPT for an entry that is CommonJS; `script` is an existing file. */
export function checkEntryScript(script: string): void {
  const ext = extname(script);
  const name = basename(script);
  if (ext === '.cts' || ext === '.cjs') {
    const stem = name.slice(0, -ext.length);
    const to = ext === '.cts' ? `${stem}.mts (or ${stem}.ts)` : `${stem}.mjs (or ${stem}.js)`;
    throw unsupported(script, `${name} is CommonJS; rename it to ${to} and use import instead of require()`);
  }
  if (!['.ts', '.mts', '.js', '.mjs', '.tsx', '.jsx'].includes(ext)) return;
  let source: string;
  try {
    source = code(readFileSync(script, 'utf8'));
  } catch {
    return;
  }
  if (!ESM_SYNTAX.test(source) && CJS_SYNTAX.test(source)) {
    throw unsupported(script, `${name} is written as CommonJS (require/module.exports, no import or export); write it as an ES module: import from 'lamellar' and await at top level`);
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
