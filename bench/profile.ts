/**
 * Summarizes V8 CPU profiles: the functions with the most self time, per profile (one profile per
 * thread: the launcher's main thread and one per PE). To see where a benchmark's time goes:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/lamellar.mjs run -N 2 --backend shmem bench/kernels/histo.ts --quick
 *   node --import tsx bench/profile.ts /tmp/prof [--top 15]
 *
 * Idle time ("(idle)", "(program)", "(garbage collector)") is listed like any other entry, so the
 * percentages add up to the thread's wall time.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' } } });
const top = Number(values.top);
const files = positionals.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p)
        .filter((f) => f.endsWith('.cpuprofile'))
        .sort()
        .map((f) => join(p, f))
    : [p],
);
if (files.length === 0) throw new Error('usage: bench/profile.ts <.cpuprofile file or directory>... [--top N]');

const where = (n: ProfileNode): string => {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url === '' ? '' : ` ${url.replace(/^.*\/(src|bench|dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${file}`;
};

for (const file of files) {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i] ?? 0;
    total += dt;
    const key = where(byId.get(prof.samples[i]!)!);
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  process.stdout.write(`\n${basename(file)}: ${(total / 1000).toFixed(0)} ms sampled\n`);
  for (const [fn, us] of rows) {
    process.stdout.write(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(8)} ms  ${fn}\n`);
  }
}
