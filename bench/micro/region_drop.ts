/**
 * region_drop: the cost of dropping a large one-sided region, untouched (never written) and
 * fully written. Freed heap space is zeroed for its next user; the time is the drop's, and
 * `rss_growth_mib` what the drop added to the process's resident memory (a zeroing fill commits
 * every page of an untouched region). Verified by reading a fresh region of the same size back
 * as zeros where the written one stood.
 *
 *   npx lamellar run -N 1 bench/micro/region_drop.ts [--quick|--full] [--mib N]
 */
import { initWorld } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';

const { mode, sizes } = parseSizes({ quick: { mib: 256 }, full: { mib: 1024 } });

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
const bytes = sizes.mib << 20;
const rss = (): number => process.memoryUsage().rss;
for (const variant of ['untouched', 'written']) {
  report.begin('region_drop', variant, bytes);
  const r = world.allocOneSidedMemRegion('u8', bytes);
  if (variant === 'written') r.unsafeLocalData().fill(7);
  const before = rss();
  const t0 = performance.now();
  await r.drop();
  const secs = (performance.now() - t0) / 1000;
  const grew = Math.max(0, rss() - before);
  // The space comes back zeroed: a region of the same size reads zero at both ends.
  const again = world.allocOneSidedMemRegion('u8', bytes);
  const d = again.unsafeLocalData();
  verify(d[0] === 0 && d[bytes - 1] === 0 && d[bytes >> 1] === 0, 'region_drop: the space comes back zeroed');
  await again.drop();
  report.emit({
    name: 'region_drop', variant, updatesPerPe: 1, tableSizePerPe: bytes, secs, ops: 1, bytes, verified: true, threads: 1,
    extra: { rss_growth_mib: Math.round(grew / 1048576) },
  });
}
await world.shutdown();
