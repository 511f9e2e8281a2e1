/**
 * `lamellar run`'s options. A small parser of its own rather than node:util's parseArgs, for two
 * reasons: every mistake must be a LamellarError with a code and a sentence a user can act on
 * (parseArgs throws ERR_PARSE_ARGS_* TypeErrors), and `--stats` takes an optional value
 * (`--stats` or `--stats=file.json`), which parseArgs cannot express.
 *
 * Options end at the first argument that is not an option (the script) or at `--`; everything
 * after the script belongs to the script.
 */
import { ErrorCode, LamellarError } from '../core/index.js';

export interface RunArgs {
  /** `-N`, as given (checked by `numPesOf`); undefined when absent. */
  numPes: string | undefined;
  backend: string | undefined;
  prefix: boolean;
  help: boolean;
  /** `--stats`: true for a table on stderr, a path for a JSON file too; false when absent. */
  stats: boolean | string;
  script: string | undefined;
  args: string[];
  /**
   * The first launcher option written after the script (`run app.ts -N 4`) that was not also
   * given before it: the script gets it, as every argument after the script.
   */
  misplaced: string | undefined;
}

type Key = 'numPes' | 'backend' | 'prefix' | 'help' | 'stats';

const OPTIONS: Readonly<Record<string, { key: Key; value: 'required' | 'none' | 'optional' }>> = {
  '-N': { key: 'numPes', value: 'required' },
  '--num-pes': { key: 'numPes', value: 'required' },
  '-b': { key: 'backend', value: 'required' },
  '--backend': { key: 'backend', value: 'required' },
  '-p': { key: 'prefix', value: 'none' },
  '--prefix': { key: 'prefix', value: 'none' },
  '-h': { key: 'help', value: 'none' },
  '--help': { key: 'help', value: 'none' },
  '--stats': { key: 'stats', value: 'optional' },
};

function bad(message: string, details: Record<string, unknown>): LamellarError {
  return new LamellarError(ErrorCode.INVALID_ARGUMENT, `${message} (see lamellar run --help)`, { details });
}

/**
 * Parses `lamellar run`'s arguments (after `run`). Throws INVALID_ARGUMENT for unknown or
 * incomplete options.
 */
export function parseRunArgs(argv: readonly string[]): RunArgs {
  const out: RunArgs = { numPes: undefined, backend: undefined, prefix: false, help: false, stats: false, script: undefined, args: [], misplaced: undefined };
  const given = new Map<Key, { name: string; value: string }>();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    // `--name=value`, `-Nvalue` (short options with a value attached), or a bare option.
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    let name = eq < 0 ? a : a.slice(0, eq);
    let attached: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    if (!a.startsWith('--') && a.length > 2) {
      name = a.slice(0, 2);
      // `-N=2` as `--num-pes=2` is written: the '=' is not part of the value.
      attached = a[2] === '=' ? a.slice(3) : a.slice(2);
    }
    const opt = OPTIONS[name];
    if (opt === undefined) throw bad(`unknown option '${name}' for lamellar run`, { option: name });
    let value: string | undefined;
    if (opt.value === 'required') {
      value = attached ?? argv[++i];
      // Any next word is this option's value, even one starting with '-': `-N -1` is a bad
      // number of PEs, not a missing value.
      if (value === undefined || value === '') throw bad(`option '${name}' needs a value`, { option: name });
    } else if (attached !== undefined) {
      if (opt.value === 'none') throw bad(`option '${name}' takes no value, got '${attached}'`, { option: name, value: attached });
      if (attached === '') throw bad(`option '${name}=' needs a file name after '='`, { option: name });
      value = attached;
    }
    // A value given twice is a mistake to point out, not a choice to make: a script that
    // wraps the command and a user who appends `-N 3` to it would otherwise disagree silently.
    const before = given.get(opt.key);
    if (value !== undefined && before !== undefined && before.value !== value) {
      throw bad(`option '${name}' was given twice, as '${before.value}' (${before.name}) and as '${value}'`, { option: name, values: [before.value, value] });
    }
    if (value !== undefined) given.set(opt.key, { name, value });
    switch (opt.key) {
      case 'numPes':
        out.numPes = value;
        break;
      case 'backend':
        out.backend = value;
        break;
      case 'prefix':
        out.prefix = true;
        break;
      case 'help':
        out.help = true;
        break;
      case 'stats':
        out.stats = value ?? true;
        break;
    }
  }
  out.script = argv[i];
  out.args = argv.slice(i + 1);
  // Only the options that say what job to start, written whole (`-N 4`, `-N4`, `--backend=tcp`):
  // a script's own `-p 8080` or `-bar` is no launcher option misplaced.
  for (const a of out.args) {
    if (a === '--') break;
    const numPes = /^(-N\d*|--num-pes(=.*)?)$/.test(a);
    const backend = /^(-b|--backend(=.*)?)$/.test(a);
    if ((numPes && out.numPes === undefined) || (backend && out.backend === undefined)) {
      out.misplaced = a;
      break;
    }
  }
  return out;
}

/**
 * `-N`'s value as a number of PEs; a value that is not a whole number in range is INVALID_NUM_PES.
 */
export function numPesOf(raw: string): number {
  const t = raw.trim();
  const n = /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new LamellarError(ErrorCode.INVALID_NUM_PES, `the number of PEs (-N) must be a whole number from 1 to 65535, got '${raw}'`, {
      details: { value: raw, min: 1, max: 65535 },
    });
  }
  return n;
}
