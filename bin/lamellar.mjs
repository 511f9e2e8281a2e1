#!/usr/bin/env node
// The CLI lives in the compiled package; `npm install` builds it (the `prepare` script).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('lamellar: the package is not built yet; run `npm install` (or `npm run build`) first\n');
  process.exit(2);
}
await import(main.href);
