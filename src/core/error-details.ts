/**
 * What `LamellarError.details` holds for each error code, so that `isLamellarError(e, code)`
 * narrows `e.details` too. Fields every error of a code carries are required; fields only some
 * carry are optional. Every shape is open (other fields may appear), so adding a field where an
 * error is thrown never breaks a reader; a field named here must have the type named here.
 */

/**
 * What every error's details are: open, so fields beyond the ones ErrorDetailsMap names may be
 * present (read them as `unknown`).
 * @example
 * ```ts
 * const d: ErrorDetailsBase = { anything: 1 };
 * ```
 */
export interface ErrorDetailsBase {
  readonly [key: string]: unknown;
}

/**
 * The `details` of each error code, keyed by the code string. Read it through
 * `isLamellarError(e, ErrorCode.X)`, which narrows `e.details` to the entry for X.
 * @example
 * ```ts
 * try {
 *   world.team.worldPe(7);
 * } catch (e) {
 *   if (isLamellarError(e, ErrorCode.PE_OUT_OF_RANGE)) {
 *     const max: number | undefined = e.details?.max; // typed per code
 *     console.error(`PE ${String(e.details?.value)} is not in [0, ${max}]`);
 *   }
 * }
 * ```
 */
export interface ErrorDetailsMap {
  /** Free-form: the offending value or option, when there is one. */
  LAMELLAR_ERR_INVALID_ARGUMENT: ErrorDetailsBase;
  /** The `-N` given. */
  LAMELLAR_ERR_INVALID_NUM_PES: ErrorDetailsBase & { readonly value?: unknown; readonly min?: number; readonly max?: number };
  /** The backend named, and where it came from (`--backend`, `LAMELLAR_BACKEND`, `initWorld`). */
  LAMELLAR_ERR_UNKNOWN_BACKEND: ErrorDetailsBase & { readonly backend: unknown; readonly source: string };
  /** The script's absolute path. */
  LAMELLAR_ERR_SCRIPT_NOT_FOUND: ErrorDetailsBase & { readonly script: string };
  /** The script's absolute path. */
  LAMELLAR_ERR_UNSUPPORTED_SCRIPT: ErrorDetailsBase & { readonly script: string };
  /** The variable, its value (as given, or as parsed), and the range it must be in. */
  LAMELLAR_ERR_CONFIG: ErrorDetailsBase & { readonly variable?: string; readonly value?: unknown; readonly min?: number; readonly max?: number };
  /** None. */
  LAMELLAR_ERR_NOT_LAUNCHED: ErrorDetailsBase;
  /** None. */
  LAMELLAR_ERR_ALREADY_INITIALIZED: ErrorDetailsBase;
  /** None. */
  LAMELLAR_ERR_WORLD_SHUT_DOWN: ErrorDetailsBase;
  /** The PE given and the team's range `[min, max]`, or the arch that does not fit its parent. */
  LAMELLAR_ERR_PE_OUT_OF_RANGE: ErrorDetailsBase & {
    readonly value?: unknown;
    readonly min?: number;
    readonly max?: number;
    readonly numPes?: number;
    readonly startPe?: number;
    readonly endPe?: number;
    readonly parentNumPes?: number;
  };
  /** The index (or range, or heap address) and the length it had to fit. */
  LAMELLAR_ERR_INDEX_OUT_OF_BOUNDS: ErrorDetailsBase & {
    readonly index?: unknown;
    readonly count?: number;
    readonly length?: number;
    readonly position?: number;
    readonly start?: unknown;
    readonly end?: unknown;
    readonly pe?: number;
    readonly addr?: number;
    readonly len?: number;
  };
  /** The element type expected and what was given. */
  LAMELLAR_ERR_TYPE_MISMATCH: ErrorDetailsBase & { readonly type?: unknown; readonly expected?: string; readonly got?: string; readonly value?: string };
  /** The element type and op, or the PE that is not a one-sided region's owner. */
  LAMELLAR_ERR_UNSUPPORTED_OP: ErrorDetailsBase & { readonly type?: string; readonly op?: string; readonly owner?: number; readonly pe?: number };
  /**
   * What was being encoded (e.g. "argument of AM 'hello'"), the path to the bad value, and what it
   * is.
   */
  LAMELLAR_ERR_SERIALIZE: ErrorDetailsBase & { readonly label: string | undefined; readonly path: string; readonly what?: string };
  /** Where in the bytes decoding failed. */
  LAMELLAR_ERR_DESERIALIZE: ErrorDetailsBase & { readonly offset?: number; readonly pos?: number; readonly end?: number; readonly length?: number };
  /** The name, and the other name with the same wire id. */
  LAMELLAR_ERR_DUPLICATE_AM: ErrorDetailsBase & { readonly name: string; readonly other?: string; readonly id?: number };
  /** The AM and the PE that does not define it. */
  LAMELLAR_ERR_UNKNOWN_AM: ErrorDetailsBase & { readonly value?: string; readonly pe?: number; readonly amName?: string };
  /** The AM and the PE it failed on (also `RemoteAmError.pe`/`amName`), and the code the AM's error had, if any (`RemoteAmError.remoteCode`). */
  LAMELLAR_ERR_REMOTE_AM: ErrorDetailsBase & { readonly pe: number; readonly amName: string; readonly remoteCode?: string };
  /** The bytes asked for and the heap limit, or the team PEs that ran out. */
  LAMELLAR_ERR_OUT_OF_MEMORY: ErrorDetailsBase & {
    readonly requested?: number;
    /** This PE's heap size (LAMELLAR_HEAP_SIZE), what of it was in use, and the setting's cap. */
    readonly limit?: number;
    readonly inUse?: number;
    readonly max?: number;
    readonly pes?: readonly number[];
  };
  /**
   * What was released ("Darc", "shared memory region"...) and, for a released handle in an AM's
   * arguments or result, the path to it (`args.region`).
   */
  LAMELLAR_ERR_USE_AFTER_RELEASE: ErrorDetailsBase & { readonly label?: string; readonly path?: string };
  /** The teams involved and the PEs that disagreed. */
  LAMELLAR_ERR_TEAM_MISMATCH: ErrorDetailsBase & {
    readonly teamId?: number;
    readonly pe?: number;
    readonly parentTeamId?: number;
    readonly creation?: number;
    readonly members?: readonly number[];
    readonly invalidArchPes?: readonly number[];
    readonly disagreeingPes?: readonly number[];
  };
  /** The call and the PEs that made another one. */
  LAMELLAR_ERR_COLLECTIVE_MISMATCH: ErrorDetailsBase & { readonly desc?: string; readonly pes?: readonly number[]; readonly seq?: number };
  /** The PE that failed. */
  LAMELLAR_ERR_PE_FAILED: ErrorDetailsBase & { readonly pe?: number };
  /** Who has not arrived where. */
  LAMELLAR_ERR_DEADLOCK_TIMEOUT: ErrorDetailsBase;
  /** The rendezvous path that failed the check. */
  LAMELLAR_ERR_AUTH: ErrorDetailsBase & { readonly path?: string };
  /** The frame's size, the limit, and the peer. */
  LAMELLAR_ERR_FRAME_TOO_LARGE: ErrorDetailsBase & { readonly bytes: number; readonly max: number; readonly pe?: number };
  /** The peer, AM and team the corrupt or refused record named. */
  LAMELLAR_ERR_PROTOCOL: ErrorDetailsBase & { readonly pe?: number; readonly amName?: string; readonly teamId?: number };
  /** None. */
  LAMELLAR_ERR_RENDEZVOUS_TIMEOUT: ErrorDetailsBase;
  /** The AM whose code called `waitAll()`. */
  LAMELLAR_ERR_WAIT_ALL_IN_AM: ErrorDetailsBase & { readonly amName?: string };
  /** The addon path that would not load. */
  LAMELLAR_ERR_OFI_UNAVAILABLE: ErrorDetailsBase & { readonly path?: string };
  /** The provider asked for, the ones available, or the PE that opened another. */
  LAMELLAR_ERR_OFI_PROVIDER: ErrorDetailsBase & { readonly provider?: string; readonly available?: readonly string[]; readonly pe?: number };
  /** None. */
  LAMELLAR_ERR_INTERNAL: ErrorDetailsBase;
  /** The first PE whose consumer failed, and its error's message. */
  LAMELLAR_ERR_ITER_FAILED: ErrorDetailsBase & {
    /** The first PE that failed (also `origin`, so the launcher reports that PE's own error first), every PE that failed. */
    readonly pe?: number;
    readonly origin?: number;
    readonly pes?: readonly number[];
    /** Its error's message, name, code (a LamellarError's) and first frame outside the runtime (the user's line). */
    readonly message?: string;
    readonly name?: string;
    readonly code?: string;
    readonly frame?: string;
  };
  /** Why the function is not self-contained (`free`, `this`, `bound`, `native`, `import-meta`...), and the outer names it reads. */
  LAMELLAR_ERR_CLOSURE_CAPTURE: ErrorDetailsBase & { readonly reason?: string; readonly identifiers?: readonly string[]; readonly specifier?: string };
  /** The PE that refuses closure AMs. */
  LAMELLAR_ERR_CLOSURES_DISABLED: ErrorDetailsBase & { readonly pe?: number };
}
