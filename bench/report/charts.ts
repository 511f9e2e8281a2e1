/**
 * The charts, as Vega-Lite specs rendered to SVG by Vega in Node (no browser, no canvas):
 *
 *   bandwidth  MB/s against message size, both on log axes: am_bw, region put and get, and the
 *              TypedArray.set baseline (dashed)
 *   kernels    MUPS per kernel and variant, the baselines beside them in their own colour
 *   micro      AM rate and latencies (AM round trip, barrier), each with its target marked
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ResultLine, ResultSet } from './results.js';
import { KERNELS } from './tables.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const BASELINES = new Set(['postmessage', 'local_loop', 'typedarray_set', 'postmessage_large_table', 'local_loop_large_table']);

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const title = (set: ResultSet, what: string): string => `${what} (${set.backend}, ${set.pes} PEs, ${set.day})`;

const BW_SERIES: Record<string, string> = {
  'am_bw/am_payload': 'AM carrying a payload',
  'put_bw/region_put': 'memory-region put',
  'get_bw/region_get': 'memory-region get',
  'put_bw/typedarray_set': 'TypedArray.set (baseline)',
};

export function bandwidthSpec(set: ResultSet): TopLevelSpec | undefined {
  const rows = set.lines
    .filter((l) => BW_SERIES[`${l.name}/${l.variant}`] !== undefined)
    .map((l) => ({ size: l.bytes, MBps: l.MB_per_sec, series: BW_SERIES[`${l.name}/${l.variant}`], baseline: BASELINES.has(l.variant) }));
  if (rows.length === 0) return undefined;
  return {
    $schema: SCHEMA,
    title: title(set, 'Bandwidth, PE 0 to the last PE'),
    width: 600,
    height: 360,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'size',
        type: 'quantitative',
        title: 'message size',
        scale: { type: 'log', base: 2 },
        axis: {
          values: [1, 8, 64, 512, 4096, 32768, 262144, 2097152, 16777216],
          labelExpr: "datum.value >= 1048576 ? datum.value / 1048576 + ' MiB' : datum.value >= 1024 ? datum.value / 1024 + ' KiB' : datum.value + ' B'",
        },
      },
      y: { field: 'MBps', type: 'quantitative', title: 'MB/s', scale: { type: 'log' } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2, labelLimit: 320 } },
      strokeDash: { field: 'baseline', type: 'nominal', legend: null },
    },
  };
}

type VConcat = Extract<TopLevelSpec, { vconcat: unknown }>;
type Layered = Extract<VConcat['vconcat'][number], { layer: unknown }>;

/** One layered chart per group, stacked: each with its own scales (a facet would share them). */
function groupedBars(groups: string[], chart: Layered): Layered[] {
  return groups.map((g) => ({ ...chart, title: g, transform: [{ filter: { field: 'group', equal: g } }] }));
}

export function kernelsSpec(set: ResultSet): TopLevelSpec | undefined {
  const kernels = KERNELS;
  const rows = set.lines
    .filter((l) => kernels.includes(l.name))
    .map((l) => ({
      group: l.name,
      variant: l.threads === 1 ? `${l.variant} (1 thread)` : l.variant,
      MUPS: l.MUPS,
      kind: BASELINES.has(l.variant) ? 'baseline' : 'lamellar',
    }));
  if (rows.length === 0) return undefined;
  const present = kernels.filter((k) => rows.some((r) => r.group === k));
  return {
    $schema: SCHEMA,
    title: title(set, 'Kernels: million updates per second, all PEs'),
    data: { values: rows },
    vconcat: groupedBars(present, {
      width: 460,
      encoding: {
        y: { field: 'variant', type: 'nominal', title: null },
        x: { field: 'MUPS', type: 'quantitative', title: 'MUPS' },
      },
      layer: [
        {
          mark: 'bar',
          encoding: {
            color: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['lamellar', 'baseline'], range: ['#1f77b4', '#aaaaaa'] } },
          },
        },
        { mark: { type: 'text', align: 'left', dx: 3 }, encoding: { text: { field: 'MUPS', type: 'quantitative', format: '.1f' } } },
      ],
    }),
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

const find = (lines: ResultLine[], name: string, variant: string): ResultLine | undefined =>
  lines.find((l) => l.name === name && l.variant === variant);

export function microSpec(set: ResultSet): TopLevelSpec | undefined {
  const RATE = 'million AMs per second (higher is better)';
  const TIME = 'microseconds (lower is better)';
  const rows: { group: string; label: string; value: number; target: number }[] = [];
  for (const v of ['no_return', 'small_return']) {
    const l = find(set.lines, 'am_rate', v);
    if (l !== undefined) rows.push({ group: RATE, label: `am_rate ${v}`, value: l.MUPS, target: 3 });
  }
  const rtt = find(set.lines, 'am_rate', 'round_trip');
  if (rtt !== undefined) rows.push({ group: TIME, label: 'AM round trip', value: rtt.us_per_op, target: 10 });
  const barrier = set.lines.find((l) => l.name === 'barrier');
  if (barrier !== undefined) rows.push({ group: TIME, label: 'barrier', value: barrier.us_per_op, target: 1 });
  if (rows.length === 0) return undefined;
  const present = [RATE, TIME].filter((g) => rows.some((r) => r.group === g));
  return {
    $schema: SCHEMA,
    title: title(set, 'Active messages and barrier (red tick: target)'),
    data: { values: rows },
    vconcat: groupedBars(present, {
      width: 460,
      encoding: { y: { field: 'label', type: 'nominal', title: null } },
      layer: [
        { mark: 'bar', encoding: { x: { field: 'value', type: 'quantitative', title: null } } },
        { mark: { type: 'tick', color: '#d62728', thickness: 3 }, encoding: { x: { field: 'target', type: 'quantitative' } } },
        {
          mark: { type: 'text', align: 'left', dx: 3 },
          encoding: { x: { field: 'value', type: 'quantitative' }, text: { field: 'value', type: 'quantitative', format: '.3~r' } },
        },
      ],
    }),
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}
