/**
 * Renders the latest results (bench/results/<date>-<backend>-<pes>pe.jsonl, newest file per
 * backend and PE count) as SVG charts under bench/results/charts/, and rewrites the results part
 * of bench/README.md (between its `results:begin` and `results:end` markers) with tables of
 * the same numbers and links to the charts.
 *
 *   npm run bench:charts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TopLevelSpec } from 'vega-lite';
import { bandwidthSpec, kernelsSpec, microSpec, renderSvg } from './report/charts.js';
import { latestResults, type ResultSet } from './report/results.js';
import { resultSection } from './report/tables.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const CHARTS = `${RESULTS}charts/`;
const README = fileURLToPath(new URL('./README.md', import.meta.url));
const BEGIN = '<!-- results:begin -->';
const END = '<!-- results:end -->';

const specs: [string, (set: ResultSet) => TopLevelSpec | undefined][] = [
  ['micro', microSpec],
  ['bandwidth', bandwidthSpec],
  ['kernels', kernelsSpec],
];

const sets = latestResults(RESULTS);
if (sets.length === 0) throw new Error(`no suite results in ${RESULTS}: run \`npm run bench\` first`);
mkdirSync(CHARTS, { recursive: true });
const sections: string[] = [];
for (const set of sets) {
  const links: string[] = [];
  for (const [kind, make] of specs) {
    const spec = make(set);
    if (spec === undefined) continue;
    const file = `${set.backend}-${set.pes}pe-${kind}.svg`;
    writeFileSync(`${CHARTS}${file}`, await renderSvg(spec));
    links.push(`results/charts/${file}`);
    process.stderr.write(`[charts] wrote bench/results/charts/${file}\n`);
  }
  sections.push(resultSection(set, links));
}

const readme = readFileSync(README, 'utf8');
const from = readme.indexOf(BEGIN);
const to = readme.indexOf(END);
if (from < 0 || to < from) throw new Error(`bench/README.md lacks the ${BEGIN} … ${END} markers`);
writeFileSync(README, `${readme.slice(0, from + BEGIN.length)}\n${sections.join('\n\n')}\n${readme.slice(to)}`);
process.stderr.write('[charts] updated the results in bench/README.md\n');
