/**
 * Reading bench/results/: the suite's files are `<YYYY-MM-DD>-<backend>-<pes>pe.jsonl` (other
 * files there, such as codec or startup results, are not the suite's and are left alone). For
 * each backend and PE count the newest file is "the latest results", and within it the newest
 * line for each case (name, variant, bytes) wins, so a re-run of one benchmark replaces only its
 * own lines.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ResultLine {
  name: string;
  variant: string;
  backend: string;
  pes: number;
  mode: string;
  threads: number;
  updates_per_pe: number;
  table_size_per_pe: number;
  global_time_secs: number;
  median_time_secs: number;
  reps: number;
  MUPS: number;
  ops_per_sec: number;
  us_per_op: number;
  bytes: number;
  MB_per_sec: number;
  verified: boolean;
  baseline?: string;
  ratio_to_baseline?: number;
  ratio_to_local_loop?: number;
  ratio_to_typedarray_slice?: number;
  buffer?: number;
  machine: { cores: number; model: string; node: string };
  load_avg_1m: number;
  git: string;
  date: string;
}

export interface ResultSet {
  file: string;
  day: string;
  backend: string;
  pes: number;
  lines: ResultLine[];
}

const SUITE_FILE = /^(\d{4}-\d{2}-\d{2})-([a-z]+(?:-[a-z]+)?)-(\d+)pe\.jsonl$/;

/** The latest result set for each backend and PE count found in `dir`. */
export function latestResults(dir: string): ResultSet[] {
  const newest = new Map<string, { file: string; day: string; backend: string; pes: number }>();
  for (const file of readdirSync(dir).sort()) {
    const m = SUITE_FILE.exec(file);
    if (m === null) continue;
    const [, day, backend, pes] = m as unknown as [string, string, string, string];
    newest.set(`${backend}-${pes}`, { file, day, backend, pes: Number(pes) });
  }
  return [...newest.values()].map((f) => ({ ...f, lines: latestLines(readFileSync(`${dir}/${f.file}`, 'utf8')) }));
}

function latestLines(text: string): ResultLine[] {
  const byCase = new Map<string, ResultLine>();
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    const line = JSON.parse(raw) as ResultLine;
    const key = `${line.name}/${line.variant}/${line.bytes}`;
    const prev = byCase.get(key);
    if (prev === undefined || prev.date <= line.date) byCase.set(key, line);
  }
  return [...byCase.values()];
}

/** Human-readable size: 64 KiB, 1 MiB, 8 B. */
export function sizeLabel(bytes: number): string {
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} B`;
}
