/**
 * Errors. Every error the runtime throws is a `LamellarError` with a stable `code`.
 *
 * `instanceof` must hold across realms and module copies (each shmem PE is its own realm with
 * its own copy of this module, and a user's bundle may carry another), so the check is a
 * `Symbol.for` brand rather than the prototype chain (as undici does). An error never crosses a
 * thread or process as an object: structured cloning keeps only name and message, so the
 * runtime sends code, message and stack and rebuilds a LamellarError on the other side.
 */

/** Stable error codes. Documented in docs/errors.md; never renumber or reuse. */
export const ErrorCode = {
  INVALID_ARGUMENT: 'LAMELLAR_ERR_INVALID_ARGUMENT',
  INVALID_NUM_PES: 'LAMELLAR_ERR_INVALID_NUM_PES',
  UNKNOWN_BACKEND: 'LAMELLAR_ERR_UNKNOWN_BACKEND',
  SCRIPT_NOT_FOUND: 'LAMELLAR_ERR_SCRIPT_NOT_FOUND',
  CONFIG: 'LAMELLAR_ERR_CONFIG',
  NOT_LAUNCHED: 'LAMELLAR_ERR_NOT_LAUNCHED',
  ALREADY_INITIALIZED: 'LAMELLAR_ERR_ALREADY_INITIALIZED',
  WORLD_SHUT_DOWN: 'LAMELLAR_ERR_WORLD_SHUT_DOWN',
  PE_OUT_OF_RANGE: 'LAMELLAR_ERR_PE_OUT_OF_RANGE',
  INDEX_OUT_OF_BOUNDS: 'LAMELLAR_ERR_INDEX_OUT_OF_BOUNDS',
  TYPE_MISMATCH: 'LAMELLAR_ERR_TYPE_MISMATCH',
  UNSUPPORTED_OP: 'LAMELLAR_ERR_UNSUPPORTED_OP',
  SERIALIZE: 'LAMELLAR_ERR_SERIALIZE',
  DESERIALIZE: 'LAMELLAR_ERR_DESERIALIZE',
  DUPLICATE_AM: 'LAMELLAR_ERR_DUPLICATE_AM',
  UNKNOWN_AM: 'LAMELLAR_ERR_UNKNOWN_AM',
  REMOTE_AM: 'LAMELLAR_ERR_REMOTE_AM',
  OUT_OF_MEMORY: 'LAMELLAR_ERR_OUT_OF_MEMORY',
  USE_AFTER_RELEASE: 'LAMELLAR_ERR_USE_AFTER_RELEASE',
  TEAM_MISMATCH: 'LAMELLAR_ERR_TEAM_MISMATCH',
  COLLECTIVE_MISMATCH: 'LAMELLAR_ERR_COLLECTIVE_MISMATCH',
  PE_FAILED: 'LAMELLAR_ERR_PE_FAILED',
  DEADLOCK_TIMEOUT: 'LAMELLAR_ERR_DEADLOCK_TIMEOUT',
  AUTH: 'LAMELLAR_ERR_AUTH',
  FRAME_TOO_LARGE: 'LAMELLAR_ERR_FRAME_TOO_LARGE',
  PROTOCOL: 'LAMELLAR_ERR_PROTOCOL',
  RENDEZVOUS_TIMEOUT: 'LAMELLAR_ERR_RENDEZVOUS_TIMEOUT',
  WAIT_ALL_IN_AM: 'LAMELLAR_ERR_WAIT_ALL_IN_AM',
  OFI_UNAVAILABLE: 'LAMELLAR_ERR_OFI_UNAVAILABLE',
  OFI_PROVIDER: 'LAMELLAR_ERR_OFI_PROVIDER',
  INTERNAL: 'LAMELLAR_ERR_INTERNAL',
  ITER_FAILED: 'LAMELLAR_ERR_ITER_FAILED',
  CLOSURE_CAPTURE: 'LAMELLAR_ERR_CLOSURE_CAPTURE',
  CLOSURES_DISABLED: 'LAMELLAR_ERR_CLOSURES_DISABLED',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const kLamellarError = Symbol.for('lamellar.error');
const kRemoteAmError = Symbol.for('lamellar.error.remoteAm');

export interface LamellarErrorOptions {
  cause?: unknown;
  /** Structured details that tests and tools can read without parsing the message. */
  details?: Record<string, unknown>;
}

export class LamellarError extends Error {
  readonly code: ErrorCodeValue;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCodeValue, message: string, options: LamellarErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    Object.defineProperty(this, kLamellarError, { value: true });
  }

  override get name(): string {
    return 'LamellarError';
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kLamellarError] === true;
  }
}

/**
 * An AM threw on its target PE; carries where and what, including the remote stack. Its own stack
 * is the remote one, then the user's frames that launched the AM when they were recorded
 * (LAMELLAR_AM_STACKS=1): the reply arrives in the runtime's frame handling, whose frames say
 * nothing about the program.
 */
export class RemoteAmError extends LamellarError {
  readonly pe: number;
  readonly amName: string;
  readonly remoteMessage: string;
  readonly remoteStack: string;
  readonly remoteName: string;

  constructor(pe: number, amName: string, remoteName: string, remoteMessage: string, remoteStack: string, launchedAt?: string) {
    super(ErrorCode.REMOTE_AM, `active message '${amName}' failed on PE ${pe}: ${remoteName}: ${remoteMessage}`, {
      details: { pe, amName },
    });
    this.pe = pe;
    this.amName = amName;
    this.remoteName = remoteName;
    this.remoteMessage = remoteMessage;
    this.remoteStack = remoteStack;
    Object.defineProperty(this, kRemoteAmError, { value: true });
    const launched =
      launchedAt === undefined
        ? '    --- launched at: not recorded (LAMELLAR_AM_STACKS=1 records it) ---'
        : `    --- launched at ---\n${launchedAt}`;
    this.stack = `${this.name}: ${this.message}\n    --- remote stack (PE ${pe}) ---\n${remoteStack}\n${launched}`;
  }

  override get name(): string {
    return 'RemoteAmError';
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kRemoteAmError] === true;
  }
}

/** Narrowing helper that also works across realms. */
export function isLamellarError(value: unknown, code?: ErrorCodeValue): value is LamellarError {
  return value instanceof LamellarError && (code === undefined || value.code === code);
}

/** Throws INVALID_ARGUMENT unless `value` is an integer in [min, max]. Used at API edges. */
export function checkInteger(value: unknown, what: string, min: number, max: number, code: ErrorCodeValue = ErrorCode.INVALID_ARGUMENT): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new LamellarError(code, `${what} must be an integer in [${min}, ${max}], got ${String(value)}`, {
      details: { value, min, max },
    });
  }
  return value;
}

/** Throws PE_OUT_OF_RANGE unless `pe` names a PE of a team of `numPes`. */
export function checkPe(pe: unknown, numPes: number, what = 'PE'): number {
  return checkInteger(pe, what, 0, numPes - 1, ErrorCode.PE_OUT_OF_RANGE);
}
