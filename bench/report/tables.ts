/**
 * The Markdown tables of the latest results for bench/README.md: the headline numbers next to
 * their BENCHMARKS.md targets, the kernels with their same-run baselines, and bandwidth at a few
 * sizes.
 */
import { sizeLabel, type ResultLine, type ResultSet } from './results.js';

const fmt = (x: number | undefined, digits = 3): string => (x === undefined || !Number.isFinite(x) ? '–' : String(Number(x.toPrecision(digits))));

const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;

function table(head: string[], rows: string[][]): string {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
}

const pick = (lines: ResultLine[], name: string, variant: string): ResultLine[] =>
  lines.filter((l) => l.name === name && l.variant === variant).sort((a, b) => a.bytes - b.bytes);

/** min–max of `f` over the lines of `name/variant` with bytes >= 64 KiB. */
function rangeFrom64K(lines: ResultLine[], name: string, variant: string, f: (l: ResultLine) => number | undefined, digits = 3): string {
  const vals = pick(lines, name, variant)
    .filter((l) => l.bytes >= 65536)
    .map(f)
    .filter((v): v is number => v !== undefined);
  if (vals.length === 0) return '–';
  return `${fmt(Math.min(...vals), digits)} – ${fmt(Math.max(...vals), digits)}`;
}

/** BENCHMARKS.md's targets: for shmem with 2 PEs, and the two it sets for tcp over loopback. */
function target(backend: string, shmem: string, tcp = '–'): string {
  return backend === 'shmem' ? shmem : backend === 'tcp' ? tcp : '–';
}

function headline(set: ResultSet): string {
  const l = set.lines;
  const b = set.backend;
  const one = (name: string, variant: string): ResultLine | undefined => pick(l, name, variant)[0];
  const at1M = (name: string, variant: string): string => `${fmt(pick(l, name, variant).find((x) => x.bytes === 1 << 20)?.MB_per_sec)} MB/s`;
  const barrier = l.find((x) => x.name === 'barrier');
  const rows: string[][] = [
    ['am_rate, no return', `${fmt(one('am_rate', 'no_return')?.MUPS)} M AMs/s`, target(b, '≥ 3 M AMs/s', '≥ 1 M AMs/s')],
    ['am_rate, small return', `${fmt(one('am_rate', 'small_return')?.MUPS)} M AMs/s`, target(b, '≥ 3 M AMs/s', '≥ 1 M AMs/s')],
    ['AM round trip, awaited', `${fmt(one('am_rate', 'round_trip')?.us_per_op)} µs`, target(b, '< 10 µs')],
    ['am_rate, closure AM no return, × registered', fmt(one('am_rate', 'closure_no_return')?.ratio_to_baseline), target(b, '≥ 0.5', '≥ 0.5')],
    ['am_rate, closure AM small return, × registered', fmt(one('am_rate', 'closure_small_return')?.ratio_to_baseline), target(b, '≥ 0.5', '≥ 0.5')],
    ['am_bw, 64 KiB – 1 MiB', `${rangeFrom64K(l, 'am_bw', 'am_payload', (x) => x.MB_per_sec)} MB/s`, target(b, '≥ 2,000 MB/s')],
    ['put_bw, ≥ 64 KiB, × TypedArray.set', rangeFrom64K(l, 'put_bw', 'region_put', (x) => x.ratio_to_baseline), target(b, '≥ 0.8')],
    ['get_bw, ≥ 64 KiB, × TypedArray.set', rangeFrom64K(l, 'get_bw', 'region_get', (x) => x.ratio_to_baseline), target(b, '≥ 0.8')],
    ['put_bw at 1 MiB', at1M('put_bw', 'region_put'), target(b, '–', '≥ 500 MB/s')],
    ['get_bw at 1 MiB', at1M('get_bw', 'region_get'), target(b, '–', '≥ 500 MB/s')],
    [`barrier, ${set.pes} PEs`, `${fmt(barrier?.us_per_op)} µs`, target(b, '≤ 1 µs')],
    ['histo buffered AM, plain adds at the target, × postMessage', fmt(one('histo', 'buffered_am')?.ratio_to_baseline), target(b, '≥ 1.2')],
    ['histo buffered AM, atomics at the target, × postMessage', fmt(one('histo', 'buffered_am_atomic')?.ratio_to_baseline), target(b, '≥ 1.2')],
    ['index_gather buffered AM, × postMessage', fmt(one('index_gather', 'buffered_am')?.ratio_to_baseline), target(b, '≥ 1.2')],
    ['histo AtomicArray.batchAdd, × postMessage', fmt(one('histo_array', 'atomic_array_batch_add')?.ratio_to_baseline), target(b, '≥ 1.2')],
    ['histo AtomicArray.batchAdd', `${fmt(one('histo_array', 'atomic_array_batch_add')?.MUPS)} MUPS`, target(b, '≥ 70 MUPS')],
    ['index_gather ReadOnlyArray.batchLoad, × postMessage', fmt(one('index_gather_array', 'read_only_batch_load')?.ratio_to_baseline), target(b, '≥ 1.2')],
    ['index_gather ReadOnlyArray.batchLoad', `${fmt(one('index_gather_array', 'read_only_batch_load')?.MUPS)} M/s`, target(b, '≥ 80 M/s')],
  ];
  const startup = one('tcp_startup', 'empty_job');
  if (startup !== undefined) rows.push([`tcp start-up, ${set.pes} PEs (empty job, wall)`, `${fmt(startup.global_time_secs)} s`, '–']);
  return table(['benchmark', 'result', 'target (BENCHMARKS.md)'], rows);
}

function kernels(set: ResultSet): string {
  const rows = set.lines
    .filter((l) => KERNELS.includes(l.name))
    .map((l) => [
      l.name,
      l.variant,
      String(l.threads),
      String(l.updates_per_pe),
      String(l.table_size_per_pe),
      fmt(l.MUPS),
      l.ratio_to_baseline === undefined ? '' : `${fmt(l.ratio_to_baseline)} × ${l.baseline}`,
      l.ratio_to_local_loop === undefined ? '' : fmt(l.ratio_to_local_loop),
      l.verified ? 'yes' : 'NO',
    ]);
  return table(['kernel', 'variant', 'threads', 'updates per PE', 'table per PE', 'MUPS', 'vs baseline', 'vs local loop', 'verified'], rows);
}

/** The kernels, in the order the tables and charts show them. */
export const KERNELS = ['histo', 'histo_array', 'index_gather', 'index_gather_array', 'randperm'];

const BW_SIZES = [8, 1024, 65536, 1 << 20, 1 << 24];

function bandwidth(set: ResultSet): string {
  const series: [string, string, string][] = [
    ['am_bw', 'am_payload', 'AM payload'],
    ['put_bw', 'region_put', 'region put'],
    ['get_bw', 'region_get', 'region get'],
    ['put_bw', 'typedarray_set', 'TypedArray.set'],
  ];
  const rows = series.map(([name, variant, label]) => {
    const ls = pick(set.lines, name, variant);
    return [label, ...BW_SIZES.map((s) => fmt(ls.find((x) => x.bytes === s)?.MB_per_sec))];
  });
  return table(['MB/s', ...BW_SIZES.map(sizeLabel)], rows);
}

/** The README section for one result set; `charts` are paths relative to bench/. */
export function resultSection(set: ResultSet, charts: string[]): string {
  const any = set.lines[0]!;
  const modes = [...new Set(set.lines.map((l) => l.mode))].join(', ');
  const loads = set.lines.map((l) => l.load_avg_1m);
  const gits = [...new Set(set.lines.map((l) => l.git))].join(', ');
  return [
    `### ${set.backend}, ${set.pes} PEs: ${set.day}`,
    '',
    `From \`results/${set.file}\`: ${modes} sizes; ${any.machine.cores} cores (${any.machine.model}), Node ${any.machine.node}; ` +
      `commit ${gits}; 1-minute load average ${fmt(Math.min(...loads), 2)} – ${fmt(Math.max(...loads), 2)} during the runs.`,
    '',
    headline(set),
    '',
    kernels(set),
    '',
    bandwidth(set),
    '',
    ...charts.map((c) => `![${c}](${c})`),
  ].join('\n');
}
