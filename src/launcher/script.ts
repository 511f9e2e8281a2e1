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
 * scanner (markers.ts) skips comments, string and template literal text and regular
 * expressions. When in doubt the script runs: the scanner takes a brace it cannot tell apart
 * (a TypeScript method with a return type) for a block, so an `await` in it counts as top level.
 * A script wrongly let through fails on its first `require` with Node's own error; a script
 * wrongly refused could not run at all.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { ErrorCode, LamellarError } from '../core/index.js';
import { moduleMarkers } from './markers.js';
import { moduleByPackage } from './package-type.js';

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
  return moduleByPackage(dirname(script));
}
