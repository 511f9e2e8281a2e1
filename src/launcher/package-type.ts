/**
 * Whether a directory's nearest package.json says `"type": "module"`, the rule Node (and tsx)
 * load `.js` and `.ts` files by. Shared by the launcher (script.ts) and the module hooks
 * (esm-hooks.ts), which run on Node's hooks thread: only Node's own modules here.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Per directory: whether its nearest package.json says "type": "module". */
const byDir = new Map<string, boolean>();

/** Whether the nearest package.json at or above `dir` says `"type": "module"` (an unreadable one says no). */
export function moduleByPackage(dir: string): boolean {
  const known = byDir.get(dir);
  if (known !== undefined) return known;
  let text: string | undefined;
  try {
    text = readFileSync(join(dir, 'package.json'), 'utf8');
  } catch {}
  let module: boolean;
  if (text !== undefined) {
    try {
      module = (JSON.parse(text) as { type?: unknown }).type === 'module';
    } catch {
      module = false;
    }
  } else {
    module = dirname(dir) === dir ? false : moduleByPackage(dirname(dir));
  }
  byDir.set(dir, module);
  return module;
}
