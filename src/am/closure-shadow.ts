/**
 * Standard globals that the closure's own module shadows. A closure's source only shows that it
 * reads `setTimeout` or `Math`; when its module imports `setTimeout` from 'node:timers/promises'
 * or declares its own `Math` at the top level, the function means that binding, and on another
 * PE it would silently get the global instead (execAmLocal, which runs the function itself, got
 * the module's). The module is the file of the line that called `closure()`, read once per
 * closure source; its imports and its unindented top-level declarations are looked for by
 * pattern, which serves JavaScript and TypeScript alike. Best effort: a file that cannot be read
 * adds nothing.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { userSite } from '../core/index.js';

/** How the module binds a name: "imports from 'x'" or "declares at its top level". */
export interface Shadow {
  readonly name: string;
  readonly how: string;
  readonly from?: string;
}

const IMPORT = /^[ \t]*import\s+(?!type\b)([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm;
const DECLARATION = /^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:const|let|var|class|enum|(?:async\s+)?function\s*\*?)\s+([A-Za-z_$][\w$]*)/gm;
const DESTRUCTURED = /^(?:export\s+)?(?:const|let|var)\s*\{([^}]*)\}\s*=\s*(?:await\s+import|require)\s*\(\s*['"]([^'"]+)['"]/gm;

const byFile = new Map<string, Map<string, Shadow>>();

/** The names `file` binds at module level, by name. */
function bindingsOf(file: string): Map<string, Shadow> {
  let found = byFile.get(file);
  if (found !== undefined) return found;
  found = new Map();
  byFile.set(file, found);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return found;
  }
  const add = (local: string, from: string): void => {
    const name = local.trim();
    if (/^[A-Za-z_$][\w$]*$/.test(name) && !found.has(name)) found.set(name, { name, how: `imports from '${from}'`, from });
  };
  for (const m of text.matchAll(IMPORT)) {
    const clause = m[1]!;
    const from = m[2]!;
    const named = /\{([^}]*)\}/.exec(clause);
    for (const part of named?.[1]?.split(',') ?? []) {
      const p = part.trim().replace(/^type\s+/, '');
      if (p === '' || part.trim().startsWith('type ')) continue;
      add(p.split(/\s+as\s+/).pop()!, from);
    }
    const rest = clause.replace(/\{[^}]*\}/, '');
    const ns = /\*\s*as\s+([A-Za-z_$][\w$]*)/.exec(rest);
    if (ns !== null) add(ns[1]!, from);
    const def = /^\s*([A-Za-z_$][\w$]*)/.exec(rest);
    if (def !== null && def[1] !== 'type') add(def[1]!, from);
  }
  for (const m of text.matchAll(DESTRUCTURED)) for (const part of m[1]!.split(',')) add(part.split(':').pop()!, m[2]!);
  for (const m of text.matchAll(DECLARATION)) {
    const name = m[1]!;
    if (!found.has(name)) found.set(name, { name, how: 'declares at its top level' });
  }
  return found;
}

/** The file of the program's line that is calling `closure()` now, if it can be read. */
function callerFile(): string | undefined {
  const at = userSite(new Error().stack);
  if (at === undefined) return undefined;
  const path = at.replace(/:\d+:\d+$/, '');
  try {
    return path.startsWith('file://') ? fileURLToPath(path) : path;
  } catch {
    return undefined;
  }
}

/** Of `globals` (standard globals a closure reads), those its calling module binds itself. */
export function shadowedGlobals(globals: readonly string[]): Shadow[] {
  if (globals.length === 0) return [];
  const file = callerFile();
  if (file === undefined) return [];
  const bound = bindingsOf(file);
  const out: Shadow[] = [];
  for (const g of globals) {
    const s = bound.get(g);
    if (s !== undefined) out.push(s);
  }
  return out;
}
