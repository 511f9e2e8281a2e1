/**
 * The LAMELLAR_* environment variables this runtime reads, and a check for the others: a
 * misspelt one (`LAMELLAR_BACKNED=tcp`) or one ported from a Rust Lamellar job script
 * (`LAMELLAR_THREADS=4`) would otherwise be ignored without a word. Kept beside config.ts, the
 * one reader of the environment; a unit test holds this list, config.ts and docs/env.md's table
 * to the same names.
 */
type Env = Record<string, string | undefined>;

/** Every variable config.ts reads, and the install script's. */
export const KNOWN_ENV_NAMES: readonly string[] = [
  'LAMELLAR_BACKEND',
  'LAMELLAR_NUM_PES',
  'LAMELLAR_PE_ID',
  'LAMELLAR_JOB_ID',
  'LAMELLAR_DEADLOCK_TIMEOUT',
  'LAMELLAR_DEADLOCK_TIMEOUT_ACTION',
  'LAMELLAR_COLLECTIVE_SITES',
  'LAMELLAR_GUARD_SITES',
  'LAMELLAR_AM_SIZE_THRESHOLD',
  'LAMELLAR_AM_SLICE_MS',
  'LAMELLAR_AM_GROUP_BATCH_SIZE',
  'LAMELLAR_BATCH_SLICE',
  'LAMELLAR_HEAP_SIZE',
  'LAMELLAR_WASM_KERNELS',
  'LAMELLAR_SHMEM_RING_SIZE',
  'LAMELLAR_SPIN_US',
  'LAMELLAR_OUTPUT_PREFIX',
  'LAMELLAR_MASTER_ADDR',
  'LAMELLAR_RENDEZVOUS_DIR',
  'LAMELLAR_BIND_ADDR',
  'LAMELLAR_JOB_SECRET',
  'LAMELLAR_MAX_FRAME',
  'LAMELLAR_RENDEZVOUS_TIMEOUT',
  'LAMELLAR_MALLOC_TUNING',
  'LAMELLAR_GC_TUNING',
  'LAMELLAR_CLOSURE_AMS',
  'LAMELLAR_PEER_TIMEOUT',
  'LAMELLAR_TLS',
  'LAMELLAR_AM_STACKS',
  'LAMELLAR_STATS',
  'LAMELLAR_OFI_PROVIDER',
  'LAMELLAR_OFI_ATOMICS',
  'LAMELLAR_OFI_MAX_RMA',
  'LAMELLAR_OFI_ADDON',
  'LAMELLAR_DEBUG',
  'LAMELLAR_SKIP_OFI_BUILD',
];

/** Rust Lamellar's variables that have no counterpart here (its own misspelling included). */
const RUST_ONLY = new Set([
  'LAMELLAR_THREADS',
  'LAMELLAR_BATCH_OP_THREADS',
  'LAMELLAR_BATCH_OP_SIZE',
  'LAMELLAR_OP_BATCH',
  'LAMELLAR_WS2_THREADS',
  'LAMELLAR_BARRIER_DISSEMNATION_FACTOR',
  'LAMELLAR_ARRAY_INDEX_SIZE',
  'LAMELLAR_BARRIER_DISSEMINATION_FACTOR',
  'LAMELLAR_BATCHER',
  'LAMELLAR_BLOCKING_CALL_WARNING',
  'LAMELLAR_DROPPED_UNUSED_HANDLE_WARNING',
  'LAMELLAR_UNSPAWNED_TASK_WARNING',
  'LAMELLAR_EXECUTOR',
  'LAMELLAR_HEAP_MODE',
  'LAMELLAR_MEM_SIZE',
  'LAMELLAR_ROFI_DOMAIN',
]);

/** Where a Rust variable has a near equivalent here. */
const RUST_RENAMED: Record<string, string> = {
  LAMELLAR_ROFI_PROVIDER: 'LAMELLAR_OFI_PROVIDER',
  LAMELLAR_DEADLOCK_WARNING_TIMEOUT: 'LAMELLAR_DEADLOCK_TIMEOUT',
};

const known = new Set(KNOWN_ENV_NAMES);

/**
 * One line per LAMELLAR_* variable in `env` that this runtime does not read, saying why it may
 * have been set (a Rust Lamellar setting, or a near miss of a known name); empty when there are
 * none. Error-code names (`LAMELLAR_ERR_*`, `LAMELLAR_W_*`) are not variables and are skipped.
 */
export function unknownEnvNames(env: Env): string[] {
  const lines: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('LAMELLAR_') || known.has(name) || name.startsWith('LAMELLAR_ERR_') || name.startsWith('LAMELLAR_W_')) continue;
    const renamed = RUST_RENAMED[name];
    if (renamed !== undefined) lines.push(`${name} (Rust Lamellar's; here it is ${renamed})`);
    else if (RUST_ONLY.has(name)) lines.push(`${name} (a Rust Lamellar setting with no effect here)`);
    else {
      const near = nearest(name);
      lines.push(near === undefined ? `${name} (not a Lamellar setting)` : `${name} (not a Lamellar setting; did you mean ${near}?)`);
    }
  }
  return lines;
}

/** The known name within two edits of `name`, if exactly one is nearest. */
function nearest(name: string): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of KNOWN_ENV_NAMES) {
    const d = distance(name, k, bestD);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** Levenshtein distance of `a` and `b`, or `cap` once it is at least `cap`. */
function distance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= cap) return cap;
    prev = cur;
  }
  return Math.min(prev[b.length]!, cap);
}
