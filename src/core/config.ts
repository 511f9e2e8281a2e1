/**
 * The one place that reads `process.env`. Every `LAMELLAR_*` variable (and the cluster
 * launchers' rank variables) is parsed here, once, into a frozen typed config.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | LAMELLAR_BACKEND | local | lamella: local, shmem, tcp or ofi (explicit `initWorld` options win); `lamellar run`'s default backend |
 * | LAMELLAR_NUM_PES | 1 | number of PEs in the job (set by the launcher); `lamellar run`'s default -N |
 * | LAMELLAR_PE_ID | 0 | this PE's id (set by the launcher; `lamellar run` ignores an inherited one) |
 * | LAMELLAR_JOB_ID | (random) | job identifier shared by all PEs of one job |
 * | LAMELLAR_DEADLOCK_TIMEOUT | 10 | seconds a collective, waitAll, conversion or drop may wait before the runtime reports who has not arrived (then again after 2x, 4x, ...) |
 * | LAMELLAR_DEADLOCK_TIMEOUT_ACTION | warn | `warn`, or `abort`: the first such report fails the job with LAMELLAR_ERR_DEADLOCK_TIMEOUT |
 * | LAMELLAR_COLLECTIVE_SITES | 0 | `1` records the caller's source line at every barrier, not only at barriers that have to wait (costs ~3 µs a barrier) |
 * | LAMELLAR_GUARD_SITES | 0 | `1` records where each LocalRwDarc / GlobalRwDarc guard is taken, for lock-wait reports (costs ~3 µs a guard; lock-array guards always record it) |
 * | LAMELLAR_AM_SIZE_THRESHOLD | 65536 | bytes at which a PE's aggregation buffer for one destination is flushed |
 * | LAMELLAR_AM_SLICE_MS | 2 | milliseconds incoming AMs run before the PE's own code and timers get a turn; 0: each frame to its end |
 * | LAMELLAR_AM_GROUP_BATCH_SIZE | 10000 | AMs a TypedAmGroup buffers for one destination before it sends them as one message |
 * | LAMELLAR_BATCH_SLICE | 1048576 | indices of an array batch op applied before the PE's event loop gets a turn (16x for gathers and combined histograms); 0: every batch whole |
 * | LAMELLAR_HEAP_SIZE | 4294967296 | bytes of memory-region heap each PE may grow to (virtual until used) |
 * | LAMELLAR_SHMEM_RING_SIZE | auto | bytes of each SPSC ring between two shmem PEs (32 MiB at 2 PEs, 8 MiB at 3 and 4, less beyond) |
 * | LAMELLAR_SPIN_US | 50, or 5 when PEs outnumber cores | microseconds a PE polls after activity before it sleeps |
 * | LAMELLAR_OUTPUT_PREFIX | (unset) | `1` makes the launcher prefix each output line with `[PE n]` |
 * | LAMELLAR_MASTER_ADDR | 127.0.0.1:<from job id> | tcp rendezvous: host:port of PE 0 |
 * | LAMELLAR_RENDEZVOUS_DIR | (unset) | tcp rendezvous through files in a shared directory instead |
 * | LAMELLAR_BIND_ADDR | 127.0.0.1 | tcp: interface each PE listens on |
 * | LAMELLAR_JOB_SECRET | (launcher-made) | tcp: per-job secret every connection must prove |
 * | LAMELLAR_MAX_FRAME | 268435456 | tcp: largest frame accepted from a peer, in bytes |
 * | LAMELLAR_RENDEZVOUS_TIMEOUT | 60 | tcp: seconds to wait for every PE to arrive |
 * | LAMELLAR_PEER_TIMEOUT | 5 | tcp: seconds of silence after which a peer counts as lost (heartbeats are sent every second) |
 * | LAMELLAR_TLS | auto | tcp: `1` encrypts every link, `0` none, `auto` those between hosts (not over loopback) |
 * | LAMELLAR_AM_STACKS | 0 | `1` records where each AM is launched, for RemoteAmError stacks |
 * | LAMELLAR_CLOSURE_AMS | 1 | `0`: this PE refuses every incoming closure AM (docs/closures.md) |
 * | LAMELLAR_OFI_PROVIDER | (libfabric chooses) | ofi: the libfabric provider, e.g. `tcp;ofi_rxm`, `shm`, `verbs;ofi_rxm`, `cxi`, `psm3`, `efa` |
 * | LAMELLAR_OFI_ATOMICS | auto | ofi: `auto` uses the provider's fi_atomic where it supports the op and type; `runtime` never |
 * | LAMELLAR_OFI_ADDON | (the built addon) | ofi: path of the native addon to load instead of native/ofi/build/lamellar_ofi.node |
 * | LAMELLAR_DEBUG | (unset) | comma list of topics to report on stderr at start-up: `ofi` (provider, addresses, atomics), `gc`, `malloc`, or `1`/`all`; `stacks`: a failure report keeps the runtime's stack frames; `0`: none; anything else is refused |
 * | LAMELLAR_STATS | (unset) | `1`: measure waits too, and PE 0 prints every PE's stats at shutdown; a path: also write them there as JSON (`lamellar run --stats[=file]`); `0`: off |
 *
 * Cluster launchers: OMPI_COMM_WORLD_RANK/SIZE (Open MPI), SLURM_PROCID/NTASKS/NODELIST (Slurm),
 * PMI_RANK/SIZE (MPICH/Hydra) give the rank and size when LAMELLAR_PE_ID/NUM_PES are absent, and
 * OMPI_MCA_ess_base_jobid, SLURM_JOB_ID + SLURM_STEP_ID or PMIX_NAMESPACE a job id that every
 * process of one launch shares (used when LAMELLAR_JOB_ID is absent).
 */
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { ErrorCode, LamellarError } from './errors.js';

/**
 * The lamellae this build knows, by the names `--backend`, `LAMELLAR_BACKEND` and `initWorld({
 * backend })` take.
 * @example
 * ```ts
 * const names: readonly Backend[] = ['local', 'shmem', 'tcp', 'ofi'];
 * ```
 */
export const BACKENDS = ['local', 'shmem', 'tcp', 'ofi'] as const;
/**
 * A lamella's name: `local` (1 PE in this thread), `shmem` (worker threads of one process), `tcp`
 * (processes, one or many hosts), `ofi` (processes over libfabric).
 * @example
 * ```ts
 * const b: Backend = world.backend;
 * ```
 */
export type Backend = (typeof BACKENDS)[number];

export type RankSource = 'lamellar' | 'ompi' | 'slurm' | 'pmi' | 'default';

export interface LamellarConfig {
  readonly backend: Backend;
  readonly backendFromEnv: boolean;
  readonly numPes: number;
  readonly peId: number;
  readonly rankSource: RankSource;
  /** LAMELLAR_NUM_PES where set: the size `lamellar run` starts without -N, whatever gave this process's rank. */
  readonly numPesVar: number | undefined;
  readonly jobId: string | undefined;
  readonly deadlockTimeoutSecs: number;
  readonly deadlockTimeoutAction: 'warn' | 'abort';
  readonly collectiveSites: boolean;
  /** LAMELLAR_GUARD_SITES: Darc guards record the line that took them, for lock-wait reports. */
  readonly guardSites: boolean;
  readonly amSizeThreshold: number;
  /** LAMELLAR_AM_SLICE_MS: how long incoming AMs run before the PE's event loop gets a turn; 0: to the end of each frame. */
  readonly amSliceMs: number;
  readonly amGroupBatchSize: number;
  /** LAMELLAR_BATCH_SLICE: indices of a batch op applied between event-loop turns; 0: whole. */
  readonly batchSlice: number;
  readonly heapSize: number;
  readonly shmemRingSize: number | undefined;
  readonly spinMicros: number;
  readonly outputPrefix: boolean;
  readonly masterAddr: string | undefined;
  readonly rendezvousDir: string | undefined;
  readonly bindAddr: string;
  readonly jobSecret: string | undefined;
  readonly maxFrame: number;
  readonly rendezvousTimeoutSecs: number;
  readonly peerTimeoutSecs: number;
  /** Start PEs with glibc malloc settings that keep large blocks' pages (launcher/malloc.ts). */
  readonly mallocTuning: boolean;
  /** Free ArrayBuffer memory at each young-generation GC on the PE's own thread (core/gc.ts). */
  readonly gcTuning: boolean;
  /** Record each AM's launch site for RemoteAmError stacks (costs a stack capture per launch). */
  readonly amStacks: boolean;
  /** tcp: encrypt links (TLS with a key derived from the job secret): always, never, or off loopback. */
  readonly tls: TlsMode;
  readonly slurmNodelist: string | undefined;
  /** A job id from the cluster launcher's variables, when it sets one. */
  readonly launcherJobId: string | undefined;
  /** Whether this PE compiles and runs closure AMs that other PEs (or itself) send. */
  readonly closureAms: boolean;
  readonly ofiProvider: string | undefined;
  readonly ofiAtomics: 'auto' | 'runtime';
  /** ofi: the largest part of a put or get in one fabric operation; 0 means the provider's max_msg_size. */
  readonly ofiMaxRma: number;
  readonly ofiAddon: string | undefined;
  /** LAMELLAR_DEBUG topics; `all` when set to 1 or all. */
  readonly debugTopics: readonly string[];
  /** LAMELLAR_STATS: false (off), true (a table at shutdown), or the path of a JSON file too. */
  readonly stats: boolean | string;
  /** LAMELLAR_WASM_KERNELS: heaps are shared WebAssembly memories and AtomicArray batches run as WebAssembly (default 1). */
  readonly wasmKernels: boolean;
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new LamellarError(ErrorCode.CONFIG, `${name} must be an integer in [${min}, ${max}], got '${raw}'`, {
      details: { variable: name, value: raw },
    });
  }
  return n;
}

function numVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new LamellarError(ErrorCode.CONFIG, `${name} must be a number in [${min}, ${max}], got '${raw}'`, {
      details: { variable: name, value: raw, min, max },
    });
  }
  return n;
}

/** A yes/no variable: `1` or `0`; unset or empty means `fallback`; anything else is refused. */
function flagVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (raw.trim() === '1') return true;
  if (raw.trim() === '0') return false;
  throw new LamellarError(ErrorCode.CONFIG, `${name} must be 1 or 0, got '${raw}'`, { details: { variable: name, value: raw } });
}

function choiceVar<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if ((choices as readonly string[]).includes(raw.trim())) return raw.trim() as T;
  throw new LamellarError(ErrorCode.CONFIG, `${name} must be one of ${choices.join(', ')}, got '${raw}'`, {
    details: { variable: name, value: raw },
  });
}

/** Checks a backend name; used for env values, CLI flags and `initWorld` options alike. */
export function parseBackend(value: unknown, source: string): Backend {
  if (typeof value === 'string' && (BACKENDS as readonly string[]).includes(value)) return value as Backend;
  throw new LamellarError(
    ErrorCode.UNKNOWN_BACKEND,
    `unknown backend '${String(value)}' (from ${source}); expected one of ${BACKENDS.join(', ')}`,
    { details: { backend: value, source } },
  );
}

/** The variable that gave this PE's job size, by where the rank came from. */
const SIZE_VARIABLE: Record<RankSource, string> = {
  lamellar: 'LAMELLAR_NUM_PES',
  ompi: 'OMPI_COMM_WORLD_SIZE',
  slurm: 'SLURM_NTASKS',
  pmi: 'PMI_SIZE',
  default: 'LAMELLAR_NUM_PES',
};

/**
 * The backend `initWorld` starts this PE on: `asked` (its option) if given, else the config's. A PE
 * that a launcher started as PE k of N > 1 (`lamellar run`, `lamellar exec`, mpirun, srun) must
 * join those N: the local backend (one PE, a world of its own, while the others wait for it
 * forever or run N unrelated worlds) is refused with INVALID_NUM_PES, and an option naming
 * another backend than the one the PE was launched for (LAMELLAR_BACKEND) with CONFIG. Explicit
 * options still win over LAMELLAR_BACKEND in a job of one PE, and without a launcher.
 */
export function launchBackend(cfg: LamellarConfig, asked: Backend | undefined): Backend {
  const backend = asked ?? cfg.backend;
  if (cfg.numPes <= 1) return backend;
  const size = `${SIZE_VARIABLE[cfg.rankSource]}=${cfg.numPes}`;
  const who = `PE ${cfg.peId} of a job of ${cfg.numPes} PEs (${size})`;
  const launched = cfg.backendFromEnv ? `launched for the ${cfg.backend} backend (LAMELLAR_BACKEND=${cfg.backend})` : 'launched with no LAMELLAR_BACKEND';
  const details = { variable: 'LAMELLAR_BACKEND', value: cfg.backendFromEnv ? cfg.backend : undefined, option: asked, pe: cfg.peId, numPes: cfg.numPes };
  if (backend === 'local') {
    const why =
      asked === 'local'
        ? `initWorld({ backend: 'local' }) asks for the local backend`
        : cfg.backendFromEnv
          ? 'LAMELLAR_BACKEND=local asks for the local backend'
          : 'with no LAMELLAR_BACKEND and no backend option it would start on the local backend';
    const fix = cfg.backendFromEnv && cfg.backend !== 'local' ? `remove the backend option (the launcher's ${cfg.backend} then applies)` : asked === 'local' ? 'remove the backend option and run through `lamellar run` or `lamellar exec`' : 'start it with `lamellar run` or `lamellar exec` (tcp), or set LAMELLAR_BACKEND=tcp';
    throw new LamellarError(
      ErrorCode.INVALID_NUM_PES,
      `${who}, ${launched}: ${why}, which runs exactly 1 PE, so this PE would be a world of its own while the other ${cfg.numPes - 1} PE(s) wait for it; ` +
        `${fix}, or run 1 PE (lamellar run -N 1 --backend local)`,
      { details },
    );
  }
  if (asked !== undefined && cfg.backendFromEnv && asked !== cfg.backend) {
    throw new LamellarError(
      ErrorCode.CONFIG,
      `${who}, ${launched}: initWorld({ backend: '${asked}' }) asks for another backend; every PE of a job runs on the backend it was launched for. ` +
        `Remove the backend option, or launch with --backend ${asked}`,
      { details },
    );
  }
  return backend;
}

function rank(env: Env): { peId: number; numPes: number; rankSource: RankSource } {
  const pick = (r: string, s: string, src: RankSource) => {
    if (env[r] === undefined && env[s] === undefined) return undefined;
    const found = { numPes: intVar(env, s, 1, 1, 65535), peId: intVar(env, r, 0, 0, 65534), rankSource: src };
    if (found.peId >= found.numPes) {
      throw new LamellarError(ErrorCode.CONFIG, `${r}=${found.peId} is not below ${s}=${found.numPes}`, {
        details: { variable: r, value: env[r] },
      });
    }
    return found;
  };
  // LAMELLAR_PE_ID names this process's rank; LAMELLAR_NUM_PES alone is only a size (exported
  // for `lamellar run`, and passed on by srun and `mpirun -x`), so it must not make every rank
  // PE 0 where a cluster launcher gives the rank.
  if (env['LAMELLAR_PE_ID'] !== undefined) return pick('LAMELLAR_PE_ID', 'LAMELLAR_NUM_PES', 'lamellar')!;
  // PMI before Slurm: MPICH's and Intel MPI's mpiexec inside a Slurm allocation starts one proxy
  // per node with srun, so every rank inherits its proxy's SLURM_PROCID, while PMI_RANK is its own.
  const cluster =
    pick('OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE', 'ompi') ?? pick('PMI_RANK', 'PMI_SIZE', 'pmi') ?? pick('SLURM_PROCID', 'SLURM_NTASKS', 'slurm');
  return cluster ?? pick('LAMELLAR_PE_ID', 'LAMELLAR_NUM_PES', 'lamellar') ?? { peId: 0, numPes: 1, rankSource: 'default' as const };
}

/**
 * Polling after activity pays off when every PE has a core: a reply or a partner's barrier signal
 * arrives within microseconds. When PEs outnumber this host's cores, a polling PE holds a core
 * the PE it waits for needs, so poll only briefly (measured with 4 PEs on 2 cores: barrier 101
 * µs at 50 µs of polling, 51 µs at 5; 2 PEs unchanged at 0.4 µs; no polling at all made 2 PEs
 * 25x slower).
 */
function defaultSpin(env: Env): number {
  const local = Number(env['OMPI_COMM_WORLD_LOCAL_SIZE'] ?? env['SLURM_NTASKS_PER_NODE'] ?? env['LAMELLAR_NUM_PES'] ?? 1);
  return Number.isFinite(local) && local > availableParallelism() ? 5 : 50;
}

/** Timers take at most 2^31 - 1 ms (about 24.8 days); a longer timeout would fire at once. */
const MAX_TIMER_SECS = 2_147_483;
/** Polling a ring or a word for longer than 0.1 s after activity only burns a core. */
const MAX_SPIN_US = 100_000;
/** A job secret shorter than this is guessable (16 hex digits are 64 bits). */
export const MIN_SECRET_CHARS = 16;
/** The largest LAMELLAR_HEAP_SIZE (4 GiB): what one PE's memory-region heap can ever hold. */
export const MAX_HEAP_SIZE = 4 * 1024 ** 3;

function secretVar(env: Env): string | undefined {
  const raw = env['LAMELLAR_JOB_SECRET'];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < MIN_SECRET_CHARS) {
    throw new LamellarError(
      ErrorCode.CONFIG,
      `LAMELLAR_JOB_SECRET must be at least ${MIN_SECRET_CHARS} characters (got ${raw.length}); make one with: openssl rand -hex 32`,
      { details: { variable: 'LAMELLAR_JOB_SECRET', length: raw.length, min: MIN_SECRET_CHARS } },
    );
  }
  return raw;
}

/**
 * Splits `host:port` or `[v6]:port`; `what` names the variable in the message. Checked when the
 * config is read, so `lamellar run` refuses a bad address before it starts a PE.
 */
export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || !Number.isInteger(port) || port < 1 || port > 65535 || !isHost(m[1]!)) {
    throw new LamellarError(ErrorCode.CONFIG, `${what} must be host:port (e.g. 10.0.0.1:29500 or [fd00::1]:29500), got '${text}'`, {
      details: { variable: what, value: text },
    });
  }
  return { host: m[1]!, port };
}

/** An IP address or a DNS host name (RFC 1123 labels): what a socket can listen on or dial. */
function isHost(text: string): boolean {
  return isIP(text) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(text);
}

function masterAddrVar(env: Env): string | undefined {
  const raw = env['LAMELLAR_MASTER_ADDR'];
  if (raw === undefined || raw === '') return undefined;
  parseHostPort(raw.trim(), 'LAMELLAR_MASTER_ADDR');
  return raw.trim();
}

function bindAddrVar(env: Env): string {
  const raw = env['LAMELLAR_BIND_ADDR'];
  if (raw === undefined || raw.trim() === '') return '127.0.0.1';
  const host = raw.trim();
  if (!isHost(host)) {
    throw new LamellarError(
      ErrorCode.CONFIG,
      `LAMELLAR_BIND_ADDR must be an address or host name of this host (no port), e.g. 0.0.0.0, 10.0.0.2 or ::, got '${raw}'`,
      { details: { variable: 'LAMELLAR_BIND_ADDR', value: raw } },
    );
  }
  return host;
}

export type TlsMode = 'auto' | 'on' | 'off';

function tlsVar(env: Env): TlsMode {
  const raw = env['LAMELLAR_TLS'];
  if (raw === undefined || raw.trim() === '' || raw.trim().toLowerCase() === 'auto') return 'auto';
  if (raw.trim() === '1') return 'on';
  if (raw.trim() === '0') return 'off';
  throw new LamellarError(ErrorCode.CONFIG, `LAMELLAR_TLS must be 1, 0 or auto, got '${raw}'`, { details: { variable: 'LAMELLAR_TLS', value: raw } });
}

/**
 * A frame holds up to the aggregation threshold plus one record, and the largest record is
 * LAMELLAR_MAX_FRAME minus the threshold: below twice the threshold no AM of threshold size fits,
 * and every AM would fail with a negative limit.
 */
function checkFrameSizes(cfg: LamellarConfig): void {
  const min = 2 * cfg.amSizeThreshold + 64;
  if (cfg.maxFrame < min) {
    throw new LamellarError(
      ErrorCode.CONFIG,
      `LAMELLAR_MAX_FRAME (${cfg.maxFrame}) must be at least twice LAMELLAR_AM_SIZE_THRESHOLD (${cfg.amSizeThreshold}) plus 64, ` +
        `i.e. at least ${min}: raise LAMELLAR_MAX_FRAME or lower LAMELLAR_AM_SIZE_THRESHOLD`,
      { details: { variable: 'LAMELLAR_MAX_FRAME', value: cfg.maxFrame, min } },
    );
  }
}

/** Parses an environment into a config. Exported for tests; the runtime uses `config()`. */
export function parseConfig(env: Env): LamellarConfig {
  const backendRaw = env['LAMELLAR_BACKEND'];
  const backendFromEnv = backendRaw !== undefined && backendRaw !== '';
  const cfg: LamellarConfig = {
    backend: backendFromEnv ? parseBackend(backendRaw, 'LAMELLAR_BACKEND') : 'local',
    backendFromEnv,
    ...rank(env),
    numPesVar: env['LAMELLAR_NUM_PES'] === undefined ? undefined : intVar(env, 'LAMELLAR_NUM_PES', 1, 1, 65535),
    jobId: env['LAMELLAR_JOB_ID'] || undefined,
    // 10 s: long enough that a healthy collective behind a slow PE rarely trips it, short enough
    // that a user at a terminal sees why a job stopped moving before giving up on it.
    deadlockTimeoutSecs: numVar(env, 'LAMELLAR_DEADLOCK_TIMEOUT', 10, 0.001, MAX_TIMER_SECS),
    deadlockTimeoutAction: choiceVar(env, 'LAMELLAR_DEADLOCK_TIMEOUT_ACTION', ['warn', 'abort'] as const, 'warn'),
    collectiveSites: choiceVar(env, 'LAMELLAR_COLLECTIVE_SITES', ['0', '1'] as const, '0') === '1',
    guardSites: choiceVar(env, 'LAMELLAR_GUARD_SITES', ['0', '1'] as const, '0') === '1',
    amSizeThreshold: intVar(env, 'LAMELLAR_AM_SIZE_THRESHOLD', 65536, 64, 1 << 30),
    amSliceMs: numVar(env, 'LAMELLAR_AM_SLICE_MS', 2, 0, 60_000),
    amGroupBatchSize: intVar(env, 'LAMELLAR_AM_GROUP_BATCH_SIZE', 10000, 1),
    batchSlice: intVar(env, 'LAMELLAR_BATCH_SLICE', 1 << 20, 0, 2 ** 32),
    heapSize: intVar(env, 'LAMELLAR_HEAP_SIZE', MAX_HEAP_SIZE, 1 << 16, MAX_HEAP_SIZE),
    shmemRingSize: env['LAMELLAR_SHMEM_RING_SIZE'] ? intVar(env, 'LAMELLAR_SHMEM_RING_SIZE', 0, 1 << 12, 1 << 30) : undefined,
    spinMicros: numVar(env, 'LAMELLAR_SPIN_US', defaultSpin(env), 0, MAX_SPIN_US),
    outputPrefix: flagVar(env, 'LAMELLAR_OUTPUT_PREFIX', false),
    masterAddr: masterAddrVar(env),
    rendezvousDir: env['LAMELLAR_RENDEZVOUS_DIR'] || undefined,
    bindAddr: bindAddrVar(env),
    jobSecret: secretVar(env),
    maxFrame: intVar(env, 'LAMELLAR_MAX_FRAME', 256 * 1024 * 1024, 1024, 2 ** 31 - 1),
    rendezvousTimeoutSecs: numVar(env, 'LAMELLAR_RENDEZVOUS_TIMEOUT', 60, 0.001, MAX_TIMER_SECS),
    // 5 s of silence, at most 1 s until the next heartbeat check and 3 s to stop: every PE
    // is down within 10 s of a silent link failure (docs/tcp.md, Failures).
    peerTimeoutSecs: numVar(env, 'LAMELLAR_PEER_TIMEOUT', 5, 1, 86400),
    mallocTuning: flagVar(env, 'LAMELLAR_MALLOC_TUNING', true),
    gcTuning: flagVar(env, 'LAMELLAR_GC_TUNING', true),
    amStacks: flagVar(env, 'LAMELLAR_AM_STACKS', false),
    tls: tlsVar(env),
    slurmNodelist: env['SLURM_STEP_NODELIST'] || env['SLURM_JOB_NODELIST'] || env['SLURM_NODELIST'] || undefined,
    launcherJobId: launcherJobId(env),
    closureAms: flagVar(env, 'LAMELLAR_CLOSURE_AMS', true),
    ofiProvider: env['LAMELLAR_OFI_PROVIDER'] || undefined,
    ofiAtomics: ofiAtomics(env['LAMELLAR_OFI_ATOMICS']),
    ofiMaxRma: intVar(env, 'LAMELLAR_OFI_MAX_RMA', 0, 4096, 2 ** 31),
    ofiAddon: env['LAMELLAR_OFI_ADDON'] || undefined,
    debugTopics: debugTopics(env['LAMELLAR_DEBUG']),
    stats: statsVar(env['LAMELLAR_STATS']),
    wasmKernels: flagVar(env, 'LAMELLAR_WASM_KERNELS', true),
  };
  checkFrameSizes(cfg);
  return Object.freeze(cfg);
}

function statsVar(raw: string | undefined): boolean | string {
  if (raw === undefined || raw === '' || raw === '0') return false;
  return raw === '1' ? true : raw;
}

function ofiAtomics(raw: string | undefined): 'auto' | 'runtime' {
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  if (raw === 'runtime') return 'runtime';
  throw new LamellarError(ErrorCode.CONFIG, `LAMELLAR_OFI_ATOMICS must be auto or runtime, got '${raw}'`, {
    details: { variable: 'LAMELLAR_OFI_ATOMICS', value: raw },
  });
}

/** What LAMELLAR_DEBUG's comma list may name: the topics that report, and `1`/`all` for every one. */
export const DEBUG_TOPICS = ['ofi', 'gc', 'malloc', 'stacks', '1', 'all'] as const;

function debugTopics(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '' || raw.trim() === '0') return [];
  const topics = raw.split(',').map((t) => t.trim().toLowerCase());
  const bad = topics.filter((t) => !(DEBUG_TOPICS as readonly string[]).includes(t));
  if (bad.length > 0) {
    throw new LamellarError(
      ErrorCode.CONFIG,
      `LAMELLAR_DEBUG must be a comma list of ${DEBUG_TOPICS.join(', ')} (or 0 for none), got '${raw}': ` +
        `${bad.map((t) => (t === '' ? 'an empty entry' : `'${t}'`)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not one of them`,
      { details: { variable: 'LAMELLAR_DEBUG', value: raw, allowed: [...DEBUG_TOPICS] } },
    );
  }
  return topics.includes('1') || topics.includes('all') ? ['all'] : topics;
}

/** Whether LAMELLAR_DEBUG asks for reports on `topic`. */
export function debugOn(cfg: LamellarConfig, topic: string): boolean {
  return cfg.debugTopics.includes('all') || cfg.debugTopics.includes(topic);
}

function launcherJobId(env: Env): string | undefined {
  if (env['OMPI_MCA_ess_base_jobid']) return `ompi-${env['OMPI_MCA_ess_base_jobid']}`;
  if (env['SLURM_JOB_ID']) return `slurm-${env['SLURM_JOB_ID']}.${env['SLURM_STEP_ID'] ?? '0'}`;
  if (env['PMIX_NAMESPACE']) return `pmix-${env['PMIX_NAMESPACE']}`;
  return undefined;
}

let cached: LamellarConfig | undefined;

/** This process's (or worker's) config, parsed on first use. */
export function config(): LamellarConfig {
  cached ??= parseConfig(process.env);
  return cached;
}

/**
 * Sets this process's LAMELLAR_BACKEND (`lamellar exec` makes the process one tcp PE); the config
 * is read again on next use. Explicit `initWorld` options still win.
 */
export function setBackendEnv(backend: Backend): void {
  process.env['LAMELLAR_BACKEND'] = backend;
  cached = undefined;
}

/**
 * `lamellar run` numbers its PEs and sizes the job itself. A LAMELLAR_PE_ID inherited from the
 * environment (a shell where `lamellar exec` was run by hand, a PE that starts a job of its own)
 * is dropped: it would otherwise have to be below LAMELLAR_NUM_PES for the launcher's own config
 * to parse, and would reach the runAgain process. LAMELLAR_NUM_PES is dropped too when `-N` is
 * given, which wins over it. Only the launcher calls this; `lamellar exec` reads both.
 */
export function dropInheritedRank(numPesGiven: boolean): void {
  delete process.env['LAMELLAR_PE_ID'];
  if (numPesGiven) delete process.env['LAMELLAR_NUM_PES'];
  cached = undefined;
}

/** The environment a launcher passes on to the PEs it starts. */
export function processEnv(): Env {
  return process.env;
}
