/**
 * Where the package's own files are. The build bundles the modules (scripts/bundle.mjs), so a
 * module's `import.meta.url` is that of whichever bundle file its code landed in (dist/index.js,
 * dist/cli/main.js, a shared chunk in dist/), not of its own place in src/. Files the runtime
 * opens by path (the worker and process entry points, the native addon, package.json) are
 * therefore found from the package root, the nearest folder above this code with a
 * package.json: the same answer from a bundle, from tsc's per-module output and from src/ under
 * tsx.
 */
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let root: string | undefined;

/** The package's root folder (absolute, no trailing separator). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    // Not reached from an installed or checked-out package: the code's own folder will do.
    if (up === dir) return (root = dirname(fileURLToPath(import.meta.url)));
    dir = up;
  }
  return (root = dir);
}

/** The path of `rel` (a '/'-separated path such as 'dist/launcher/pe-main.js') in the package. */
export function packagePath(rel: string): string {
  return join(packageRoot(), ...rel.split('/'));
}

/** `packagePath(rel)` as a file URL. */
export function packageUrl(rel: string): URL {
  return pathToFileURL(packagePath(rel));
}

let code: readonly string[] | undefined;

/**
 * The runtime's own code as stack lines show it: its build (dist/) and, since source maps point
 * frames of the build at the sources, its sources (src/), each as a path and as a file URL, with
 * a trailing separator. A frame containing one of these is the runtime's, not the user's.
 */
export function runtimeCodePlaces(): readonly string[] {
  return (code ??= ['dist', 'src'].flatMap((d) => {
    const dir = `${packagePath(d)}${sep}`;
    return [dir, pathToFileURL(dir).href];
  }));
}
