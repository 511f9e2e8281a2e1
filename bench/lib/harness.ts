/**
 * The benchmark harness every script under bench/ shares: size arguments, the one JSON line per
 * case on stdout (PE 0 only), progress lines on stderr as each case starts and ends, and loud
 * failure.
 *
 * Arguments: `--quick` or `--full` pick a size set (full is the default, as BENCHMARKS.md's
 * "default sizes"); `--<size> <n>` overrides one size, e.g. `--updates 1000 --table 100`.
 *
 * Fields of each line (BENCHMARKS.md, plus a few of our own):
 *   name, variant, backend, pes, threads (threads the measured code ran on), mode,
 *   updates_per_pe (operations each PE issued; for the micro-benchmarks, the sending PE),
 *   table_size_per_pe (elements, or bytes of a memory region; 0 when there is none),
 *   global_time_secs (the best of `reps` reps; median_time_secs beside it),
 *   MUPS (million operations per second, all PEs together), ops_per_sec,
 *   us_per_op, bytes (payload bytes per operation), MB_per_sec (ops_per_sec × bytes / 1e6),
 *   verified, baseline / ratio_to_baseline (kernels and bandwidths: against the same-run
 *   baseline), machine {cores, model, node}, load_avg_1m, git, date.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Backend } from 'lamellar';

export type Mode = 'quick' | 'full' | 'custom';

export interface SizeSets<S extends Record<string, number>> {
  quick: S;
  full: S;
}

/** Reads `--quick | --full | --<size> <n>` from the script's argv. */
export function parseSizes<S extends Record<string, number>>(sets: SizeSets<S>, argv = process.argv.slice(2)): { mode: Mode; sizes: S } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { quick: { type: 'boolean' }, full: { type: 'boolean' } };
  for (const key of Object.keys(sets.full)) options[key] = { type: 'string' };
  const { values } = parseArgs({ args: argv, options, allowPositionals: false });
  const base = values['quick'] === true ? sets.quick : sets.full;
  const sizes = { ...base } as Record<string, number>;
  let custom = false;
  for (const key of Object.keys(sets.full)) {
    const raw = values[key];
    if (typeof raw !== 'string') continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${key} needs a non-negative integer, got '${raw}'`);
    sizes[key] = n;
    custom = true;
  }
  const mode: Mode = custom ? 'custom' : values['quick'] === true ? 'quick' : 'full';
  return { mode, sizes: sizes as S };
}

/** What one measured case produced; the reporter derives the rates. */
export interface CaseResult {
  name: string;
  variant: string;
  updatesPerPe: number;
  tableSizePerPe: number;
  /**
   * Seconds, or the seconds of each rep: the best rep is reported (the one least disturbed by
   * other work on a shared machine), with the median beside it.
   */
  secs: number | readonly number[];
  /** Operations done in one rep, over all PEs (or threads). */
  ops: number;
  /** Payload bytes per operation. */
  bytes: number;
  verified: boolean;
  /** Threads the measured code ran on; defaults to the number of PEs. */
  threads?: number;
  baseline?: { variant: string; opsPerSec: number };
  /** Extra numeric or text fields, e.g. a second ratio. */
  extra?: Record<string, number | string>;
}

export interface Machine {
  cores: number;
  model: string;
  node: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return { cores: cpus.length, model: (cpus[0]?.model ?? 'unknown').trim(), node: process.version };
}

/**
 * Short commit of the repository, with `-dirty` when tracked files differ from it. The results
 * files do not count: a suite run appends to them, which would mark every later script dirty.
 */
export function gitRev(): string {
  const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const rev = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results') === '' ? rev : `${rev}-dirty`;
  } catch {
    return 'unknown';
  }
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** a / b to three decimals, for the ratio fields. */
export const ratio = (a: number, b: number): number => round(a / b, 3);

/** `ofi-shm`, `ofi-tcp` for the ofi lamella on a provider (LAMELLAR_OFI_PROVIDER), else the backend. */
export function backendLabel(backend: string): string {
  if (backend !== 'ofi') return backend;
  const provider = process.env['LAMELLAR_OFI_PROVIDER'];
  return provider === undefined || provider === '' ? 'ofi' : `ofi-${provider.split(';')[0]}`;
}

/** Emits result lines; only PE 0 (the `lead`) writes anything. */
export class Reporter {
  readonly #lead: boolean;
  readonly #common: Record<string, unknown>;
  readonly #tail: Record<string, unknown>;

  constructor(opts: { myPe: number; numPes: number; backend: Backend; mode: Mode }) {
    this.#lead = opts.myPe === 0;
    this.#common = { backend: backendLabel(opts.backend), pes: opts.numPes, mode: opts.mode };
    this.#tail = this.#lead
      ? { machine: machine(), load_avg_1m: round(os.loadavg()[0] ?? 0, 2), git: gitRev(), date: new Date().toISOString() }
      : {};
  }

  get lead(): boolean {
    return this.#lead;
  }

  /**
   * Says on stderr which case starts now (PE 0 only), so a long run shows what it is doing; the
   * case's result line follows when it ends. `size` is the payload in bytes, for the bandwidths.
   */
  begin(name: string, variant: string, size?: number): void {
    if (!this.#lead) return;
    const at = size === undefined ? '' : ` ${size} B`;
    process.stderr.write(`[bench] ${name}/${variant}${at} (${String(this.#common['backend'])}, ${String(this.#common['pes'])} PEs): running\n`);
  }

  /** Prints the case's JSON line (stdout) and progress line (stderr); returns ops per second. */
  emit(r: CaseResult): number {
    const reps = typeof r.secs === 'number' ? [r.secs] : [...r.secs].sort((a, b) => a - b);
    const secs = reps[0]!;
    const opsPerSec = r.ops / secs;
    if (!this.#lead) return opsPerSec;
    const line: Record<string, unknown> = {
      name: r.name,
      variant: r.variant,
      ...this.#common,
      threads: r.threads ?? this.#common['pes'],
      updates_per_pe: r.updatesPerPe,
      table_size_per_pe: r.tableSizePerPe,
      global_time_secs: round(secs, 6),
      reps: reps.length,
      median_time_secs: round(reps[reps.length >> 1]!, 6),
      MUPS: round(opsPerSec / 1e6, 3),
      ops_per_sec: Math.round(opsPerSec),
      us_per_op: round((secs * 1e6) / r.ops, 4),
      bytes: r.bytes,
      MB_per_sec: round((opsPerSec * r.bytes) / 1e6, 2),
      verified: r.verified,
    };
    if (r.baseline !== undefined) {
      line['baseline'] = r.baseline.variant;
      line['ratio_to_baseline'] = ratio(opsPerSec, r.baseline.opsPerSec);
    }
    Object.assign(line, r.extra, this.#tail);
    process.stdout.write(`${JSON.stringify(line)}\n`);
    const vs = line['ratio_to_baseline'] === undefined ? '' : `, ${String(line['ratio_to_baseline'])}x ${r.baseline!.variant}`;
    const size = r.bytes > 0 && r.name.endsWith('_bw') ? ` ${r.bytes} B` : '';
    process.stderr.write(
      `[bench] ${r.name}/${r.variant}${size} (${String(line['backend'])}, ${String(line['pes'])} PEs): ` +
        `${String(line['MUPS'])} M ops/s, ${String(line['MB_per_sec'])} MB/s, ${String(line['us_per_op'])} us/op, ` +
        `${String(line['global_time_secs'])} s${vs}${r.verified ? ', verified' : ''}\n`,
    );
    return opsPerSec;
  }
}

/** A benchmark whose result is wrong must not report a number: throw, and the job exits non-zero. */
export function verify(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(`benchmark verification failed: ${what}`);
}
