#!/usr/bin/env node
// Builds the ofi lamella's native addon (native/ofi/*.c) with the system C compiler,
// libfabric's headers and library, and the Node-API headers of the node-api-headers package (so
// nothing is downloaded). Node-API symbols resolve when Node loads the addon, so it is linked
// against libfabric only.
//
//   node scripts/build-ofi.mjs              build, or exit 1 saying what is missing
//   node scripts/build-ofi.mjs --if-possible   the package's install script: never fails the
//                                           install; without a compiler or libfabric it prints
//                                           one line and the ofi backend stays unavailable
//
// CC picks the compiler (default cc). OFI_DIR points at a libfabric installed outside the
// system paths (its include/ and lib/ are used, and lib/ is put in the addon's run path);
// otherwise pkg-config's libfabric flags are used when pkg-config knows libfabric.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC_DIR = join(ROOT, 'native/ofi');
const OUT_DIR = join(ROOT, 'native/ofi/build');
const OUT = join(OUT_DIR, 'lamellar_ofi.node');
const lenient = process.argv.includes('--if-possible');

function giveUp(why) {
  if (lenient) {
    process.stdout.write(`lamellar: the ofi backend was not built (${why}); the other backends work. See docs/ofi.md.\n`);
    process.exit(0);
  }
  process.stderr.write(`lamellar build-ofi: ${why}\n`);
  process.exit(1);
}

function napiInclude() {
  try {
    return createRequire(join(ROOT, 'package.json'))('node-api-headers').include_dir;
  } catch {
    for (const dir of [join(dirname(process.execPath), '../include/node'), '/usr/include/node', '/usr/local/include/node']) {
      if (existsSync(join(dir, 'node_api.h'))) return dir;
    }
    return undefined;
  }
}

function fabricFlags() {
  const dir = process.env.OFI_DIR;
  if (dir) return { cflags: [`-I${join(dir, 'include')}`], libs: [`-L${join(dir, 'lib')}`, `-Wl,-rpath,${join(dir, 'lib')}`, '-lfabric'] };
  const pc = spawnSync('pkg-config', ['--cflags', '--libs', 'libfabric'], { encoding: 'utf8' });
  if (pc.status === 0) {
    const all = pc.stdout.trim().split(/\s+/).filter(Boolean);
    return { cflags: all.filter((f) => f.startsWith('-I')), libs: all.filter((f) => !f.startsWith('-I')) };
  }
  return { cflags: [], libs: ['-lfabric'] };
}

if (process.env.LAMELLAR_SKIP_OFI_BUILD === '1') giveUp('LAMELLAR_SKIP_OFI_BUILD=1');
const sources = existsSync(SRC_DIR) ? readdirSync(SRC_DIR).filter((f) => f.endsWith('.c')).sort().map((f) => join(SRC_DIR, f)) : [];
if (sources.length === 0) giveUp(`its sources in ${SRC_DIR} are missing`);
const cc = process.env.CC || 'cc';
const inc = napiInclude();
if (inc === undefined) giveUp('the Node-API headers were not found (the node-api-headers package is missing)');
try {
  execFileSync(cc, ['--version'], { stdio: 'ignore' });
} catch {
  giveUp(`no C compiler ('${cc}'; install one, e.g. apt-get install gcc, or set CC)`);
}
const { cflags, libs } = fabricFlags();
mkdirSync(OUT_DIR, { recursive: true });
const tmp = `${OUT}.${process.pid}.tmp`;
const args = [
  '-O2', '-fPIC', '-shared', '-std=gnu11', '-Wall', '-fvisibility=hidden',
  '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=lamellar_ofi', `-I${inc}`, ...cflags, ...sources, '-o', tmp, ...libs, '-lpthread', '-lrt',
];
const r = spawnSync(cc, args, { encoding: 'utf8' });
if (r.status !== 0) {
  rmSync(tmp, { force: true });
  const text = `${r.stderr ?? ''}${r.stdout ?? ''}`;
  const why = /rdma\/fabric\.h/.test(text)
    ? "libfabric's headers are missing (apt-get install libfabric-dev, or set OFI_DIR)"
    : /-lfabric|cannot find -l/.test(text)
      ? "libfabric's library is missing (apt-get install libfabric-dev, or set OFI_DIR)"
      : `the compiler failed:\n${text.trim()}`;
  giveUp(why);
}
renameSync(tmp, OUT);
process.stdout.write(`lamellar: built the ofi addon: ${OUT}\n`);
