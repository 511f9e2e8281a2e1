/**
 * Errors. Every error the runtime throws is a `LamellarError` with a stable `code`.
 *
 * `instanceof` must hold across realms and module copies (each shmem PE is its own realm with
 * its own copy of this module, and a user's bundle may carry another), so the check is a
 * `Symbol.for` brand rather than the prototype chain (as undici does). An error never crosses a
 * thread or process as an object: structured cloning keeps only name and message, so the
 * runtime sends code, message and stack and rebuilds a LamellarError on the other side.
 */
import type { ErrorDetailsMap } from './error-details.js';

/**
 * The stable code of every error the runtime throws, as `LamellarError.code`. Documented in
 * docs/errors.md; codes are never renumbered or reused.
 * @example
 * ```ts
 * try {
 *   await world.execAmPe(99, defineAm('errors/ping', () => 1));
 * } catch (e) {
 *   if (isLamellarError(e, ErrorCode.PE_OUT_OF_RANGE)) console.error('no such PE:', e.details);
 * }
 * ```
 */
export const ErrorCode = {
  /** An argument of the wrong kind (a bad option, an unknown CLI command or option). */
  INVALID_ARGUMENT: 'LAMELLAR_ERR_INVALID_ARGUMENT',
  /**
   * `lamellar run -N` is not a whole number from 1 to 65535, or is above 1 with the local backend.
   */
  INVALID_NUM_PES: 'LAMELLAR_ERR_INVALID_NUM_PES',
  /** A backend name other than the known lamellae. */
  UNKNOWN_BACKEND: 'LAMELLAR_ERR_UNKNOWN_BACKEND',
  /** `lamellar run` without a script, or with a path that is not a file. */
  SCRIPT_NOT_FOUND: 'LAMELLAR_ERR_SCRIPT_NOT_FOUND',
  /**
   * A CommonJS entry script (`.cts`, `.cjs`, or `require` without `import`): PEs run ES modules.
   */
  UNSUPPORTED_SCRIPT: 'LAMELLAR_ERR_UNSUPPORTED_SCRIPT',
  /** A `LAMELLAR_*` (or cluster launcher) variable with a bad value. */
  CONFIG: 'LAMELLAR_ERR_CONFIG',
  /** A backend that needs the launcher (shmem) used without `lamellar run`. */
  NOT_LAUNCHED: 'LAMELLAR_ERR_NOT_LAUNCHED',
  /** `initWorld()` called a second time on a PE. */
  ALREADY_INITIALIZED: 'LAMELLAR_ERR_ALREADY_INITIALIZED',
  /** A world (or anything made from it) used after `shutdown()`. */
  WORLD_SHUT_DOWN: 'LAMELLAR_ERR_WORLD_SHUT_DOWN',
  /** A PE number that is not an integer in `[0, numPes)` of the team. */
  PE_OUT_OF_RANGE: 'LAMELLAR_ERR_PE_OUT_OF_RANGE',
  /** An index or range outside a region or array. */
  INDEX_OUT_OF_BOUNDS: 'LAMELLAR_ERR_INDEX_OUT_OF_BOUNDS',
  /** Data of the wrong element type. */
  TYPE_MISMATCH: 'LAMELLAR_ERR_TYPE_MISMATCH',
  /** An operation the element type does not support (bit ops on floats...). */
  UNSUPPORTED_OP: 'LAMELLAR_ERR_UNSUPPORTED_OP',
  /**
   * A value the codec cannot carry (function, symbol, class instance...); names the AM and the
   * path.
   */
  SERIALIZE: 'LAMELLAR_ERR_SERIALIZE',
  /** Corrupt or truncated bytes. */
  DESERIALIZE: 'LAMELLAR_ERR_DESERIALIZE',
  /** `defineAm` with a name already defined, or one hashing to the same wire id. */
  DUPLICATE_AM: 'LAMELLAR_ERR_DUPLICATE_AM',
  /** Not a `defineAm` result, or an AM the target PE does not define. */
  UNKNOWN_AM: 'LAMELLAR_ERR_UNKNOWN_AM',
  /** An AM threw on its target PE (a `RemoteAmError`). */
  REMOTE_AM: 'LAMELLAR_ERR_REMOTE_AM',
  /** A PE's memory-region heap is exhausted. */
  OUT_OF_MEMORY: 'LAMELLAR_ERR_OUT_OF_MEMORY',
  /** A dropped Darc, freed region, released guard or converted array used again. */
  USE_AFTER_RELEASE: 'LAMELLAR_ERR_USE_AFTER_RELEASE',
  /** PEs created teams differently, or a team-only object reached a non-member. */
  TEAM_MISMATCH: 'LAMELLAR_ERR_TEAM_MISMATCH',
  /** PEs called a collective with different arguments or in a different order. */
  COLLECTIVE_MISMATCH: 'LAMELLAR_ERR_COLLECTIVE_MISMATCH',
  /** Another PE of the job died. */
  PE_FAILED: 'LAMELLAR_ERR_PE_FAILED',
  /** A collective waited longer than `LAMELLAR_DEADLOCK_TIMEOUT`. */
  DEADLOCK_TIMEOUT: 'LAMELLAR_ERR_DEADLOCK_TIMEOUT',
  /** (tcp) A peer or a rendezvous directory failed the job-secret check. */
  AUTH: 'LAMELLAR_ERR_AUTH',
  /** (tcp) A frame above `LAMELLAR_MAX_FRAME`. */
  FRAME_TOO_LARGE: 'LAMELLAR_ERR_FRAME_TOO_LARGE',
  /** Corrupt frames or records, or an AM naming a team the target does not know. */
  PROTOCOL: 'LAMELLAR_ERR_PROTOCOL',
  /** (tcp) Not every PE arrived at the rendezvous in time. */
  RENDEZVOUS_TIMEOUT: 'LAMELLAR_ERR_RENDEZVOUS_TIMEOUT',
  /** `waitAll()` (or `world.waitAll()`) called inside an AM: it would wait for that AM itself. */
  WAIT_ALL_IN_AM: 'LAMELLAR_ERR_WAIT_ALL_IN_AM',
  /** (ofi) The ofi lamella cannot start here: no native addon, or no libfabric. */
  OFI_UNAVAILABLE: 'LAMELLAR_ERR_OFI_UNAVAILABLE',
  /** (ofi) The libfabric provider asked for is missing or lacks what the lamella needs. */
  OFI_PROVIDER: 'LAMELLAR_ERR_OFI_PROVIDER',
  /** A broken internal invariant: a bug, please report it. */
  INTERNAL: 'LAMELLAR_ERR_INTERNAL',
  /** A distributed iteration failed on some PE (every PE's consumer rejects with it). */
  ITER_FAILED: 'LAMELLAR_ERR_ITER_FAILED',
  /** A closure AM's function uses a binding from outside it (put it in `env`). */
  CLOSURE_CAPTURE: 'LAMELLAR_ERR_CLOSURE_CAPTURE',
  /** The target PE refuses closure AMs (`LAMELLAR_CLOSURE_AMS=0`). */
  CLOSURES_DISABLED: 'LAMELLAR_ERR_CLOSURES_DISABLED',
} as const;

/**
 * One of the `ErrorCode` strings, e.g. `'LAMELLAR_ERR_PE_OUT_OF_RANGE'`.
 * @example
 * ```ts
 * const code: ErrorCodeValue = ErrorCode.USE_AFTER_RELEASE;
 * ```
 */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const kLamellarError = Symbol.for('lamellar.error');
const kRemoteAmError = Symbol.for('lamellar.error.remoteAm');

/**
 * The `details` of an error with code `C` (see ErrorDetailsMap).
 * @example
 * ```ts
 * const d: ErrorDetails<typeof ErrorCode.SERIALIZE> = { label: "argument of AM 'x'", path: 'args.cb', what: 'a function' };
 * ```
 */
export type ErrorDetails<C extends ErrorCodeValue = ErrorCodeValue> = ErrorDetailsMap[C];

/**
 * Options of `new LamellarError(code, message, options)`.
 * @example
 * ```ts
 * const e = new LamellarError(ErrorCode.CONFIG, 'LAMELLAR_SPIN_US must be a number', {
 *   details: { variable: 'LAMELLAR_SPIN_US', value: 'fast' },
 * });
 * ```
 */
export interface LamellarErrorOptions<C extends ErrorCodeValue = ErrorCodeValue> {
  /**
   * The error that caused this one, kept as the standard `Error.cause`.
   * @example
   * ```ts
   * const e = new LamellarError(ErrorCode.INTERNAL, 'wrapped', { cause: new Error('root') });
   * ```
   */
  cause?: unknown;
  /**
   * Structured details that tests and tools can read without parsing the message; their shape
   * per code is ErrorDetailsMap.
   * @example
   * ```ts
   * const e = new LamellarError(ErrorCode.SCRIPT_NOT_FOUND, 'script not found: app.ts', { details: { script: '/work/app.ts' } });
   * ```
   */
  details?: ErrorDetails<C> | undefined;
}

/**
 * Every error the runtime throws: a message and a stable `code` (one of ErrorCode), and
 * `details` whose shape depends on the code. `instanceof LamellarError` holds across realms
 * and two copies of the package (the check is a `Symbol.for` brand), not for a structured
 * clone (a `Worker`'s 'error' event): read its `code` there.
 * @example
 * ```ts
 * try {
 *   await world.barrier();
 * } catch (e) {
 *   if (e instanceof LamellarError) console.error(e.code, e.message, e.details);
 *   else throw e;
 * }
 * ```
 */
export class LamellarError<C extends ErrorCodeValue = ErrorCodeValue> extends Error {
  /**
   * The error's code, e.g. `'LAMELLAR_ERR_PE_OUT_OF_RANGE'`.
   * @example
   * ```ts
   * const e = new LamellarError(ErrorCode.INTERNAL, 'oops');
   * if (e.code === ErrorCode.INTERNAL) console.error('a runtime bug:', e.message);
   * ```
   */
  readonly code: C;
  /**
   * Structured fields about the error (the bad value, the PE, the path), or undefined; typed per
   * code (ErrorDetailsMap) once the code is known, e.g. through `isLamellarError(e, code)`.
   * @example
   * ```ts
   * const e = new LamellarError(ErrorCode.USE_AFTER_RELEASE, 'released', { details: { label: 'Darc' } });
   * const what: string | undefined = e.details?.label;
   * ```
   */
  // Declared, not a field: an error without details gets no own `details` property, so Node's
  // printout of it does not end in `details: undefined`.
  declare readonly details: ErrorDetails<C> | undefined;

  /**
   * An error with `code`, `message` and optional `cause` and `details`.
   * @example
   * ```ts
   * throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'the batch size must be positive', { details: { batch: 0 } });
   * ```
   */
  constructor(code: C, message: string, options: LamellarErrorOptions<C> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
    Object.defineProperty(this, kLamellarError, { value: true });
  }

  /**
   * `'LamellarError'`, as printed in stack traces.
   * @example
   * ```ts
   * console.log(new LamellarError(ErrorCode.INTERNAL, 'x').name); // LamellarError
   * ```
   */
  override get name(): string {
    return 'LamellarError';
  }

  /**
   * `value instanceof LamellarError`: true for a LamellarError from any copy of the package or
   * any worker thread. A subclass without a brand of its own answers by the prototype chain.
   * @example
   * ```ts
   * const isOurs = new RemoteAmError(1, 'am', 'Error', 'boom', '') instanceof LamellarError; // true
   * ```
   */
  // Typed as a predicate on the class it is called on: TypeScript would otherwise narrow
  // `e instanceof LamellarError` to the generic class's prototype type, LamellarError<any>, and
  // `e.code` and `e.details` would be `any` (TypeScript 5.3+ reads this signature). The second
  // signature serves a subclass with a private constructor, which the first cannot take.
  static override [Symbol.hasInstance]<T>(this: abstract new (...args: never[]) => T, value: unknown): value is T;
  static override [Symbol.hasInstance](value: unknown): boolean;
  static override [Symbol.hasInstance](value: unknown): boolean {
    // Inherited by subclasses: one with no brand of its own (HandshakeError) must not answer
    // with LamellarError's brand, or every LamellarError would be an instance of it.
    if (this !== LamellarError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kLamellarError] === true;
  }
}

/**
 * An AM threw on its target PE: the caller's handle rejects with this. It names the AM and the
 * PE, and keeps the remote error's name, message and stack. Its own `stack` is the remote one,
 * then the user's frames that launched the AM when they were recorded (LAMELLAR_AM_STACKS=1):
 * the reply arrives in the runtime's frame handling, whose frames say nothing about the program.
 * @example
 * ```ts
 * const Fails = defineAm('errors/fails', () => {
 *   throw new Error('no');
 * });
 * try {
 *   await world.execAmPe(0, Fails);
 * } catch (e) {
 *   if (e instanceof RemoteAmError) console.error(`${e.amName} failed on PE ${e.pe}: ${e.remoteMessage}`);
 * }
 * ```
 */
export class RemoteAmError extends LamellarError<typeof ErrorCode.REMOTE_AM> {
  /**
   * The world PE the AM ran (and threw) on: a world PE number also for an AM launched through a
   * team (`team.execAmPe(1, ...)` on a team of world PEs 2 and 3 names PE 3).
   * @example
   * ```ts
   * const e = new RemoteAmError(3, 'hello', 'TypeError', 'bad', '');
   * console.log(e.pe); // 3
   * ```
   */
  readonly pe: number;
  /**
   * The AM's name, as given to defineAm.
   * @example
   * ```ts
   * console.log(new RemoteAmError(3, 'hello', 'TypeError', 'bad', '').amName); // hello
   * ```
   */
  readonly amName: string;
  /**
   * The remote error's message.
   * @example
   * ```ts
   * console.log(new RemoteAmError(3, 'hello', 'TypeError', 'bad', '').remoteMessage); // bad
   * ```
   */
  readonly remoteMessage: string;
  /**
   * The remote error's stack on the target PE, without the runtime's own frames.
   * @example
   * ```ts
   * const e = new RemoteAmError(3, 'hello', 'TypeError', 'bad', 'TypeError: bad\n    at exec');
   * console.log(e.remoteStack.split('\n')[1]);
   * ```
   */
  readonly remoteStack: string;
  /**
   * The remote error's name (its class), e.g. `'TypeError'`.
   * @example
   * ```ts
   * console.log(new RemoteAmError(3, 'hello', 'TypeError', 'bad', '').remoteName); // TypeError
   * ```
   */
  readonly remoteName: string;
  /**
   * The remote error's `code` when it had a string one (a LamellarError's, e.g.
   * `'LAMELLAR_ERR_INDEX_OUT_OF_BOUNDS'`, or a Node error's), else undefined.
   * @example
   * ```ts
   * const e = new RemoteAmError(1, 'work', 'LamellarError', 'index 9', '', undefined, ErrorCode.INDEX_OUT_OF_BOUNDS);
   * if (e.remoteCode === ErrorCode.INDEX_OUT_OF_BOUNDS) console.log('the AM indexed past the end');
   * ```
   */
  readonly remoteCode: string | undefined;

  /**
   * Made by the runtime when a reply carries an AM's error; construct one only to test code
   * that handles them.
   * @example
   * ```ts
   * const e = new RemoteAmError(1, 'work', 'RangeError', 'index 9', 'RangeError: index 9');
   * ```
   */
  constructor(pe: number, amName: string, remoteName: string, remoteMessage: string, remoteStack: string, launchedAt?: string, remoteCode?: string) {
    super(ErrorCode.REMOTE_AM, `active message '${amName}' failed on PE ${pe}: ${remoteName}: ${remoteMessage}`, {
      details: remoteCode === undefined ? { pe, amName } : { pe, amName, remoteCode },
    });
    this.pe = pe;
    this.amName = amName;
    this.remoteName = remoteName;
    this.remoteMessage = remoteMessage;
    this.remoteStack = remoteStack;
    this.remoteCode = remoteCode;
    Object.defineProperty(this, kRemoteAmError, { value: true });
    const launched =
      launchedAt === undefined
        ? '    --- launched at: not recorded (LAMELLAR_AM_STACKS=1 records it) ---'
        : `    --- launched at ---\n${launchedAt}`;
    this.stack = `${this.name}: ${this.message}\n    --- remote stack (PE ${pe}) ---\n${remoteStack}\n${launched}`;
  }

  /**
   * `'RemoteAmError'`, as printed in stack traces.
   * @example
   * ```ts
   * console.log(new RemoteAmError(1, 'a', 'Error', 'm', '').name); // RemoteAmError
   * ```
   */
  override get name(): string {
    return 'RemoteAmError';
  }

  /**
   * `value instanceof RemoteAmError`, across threads and package copies (a `Symbol.for` brand).
   * @example
   * ```ts
   * const plain = new LamellarError(ErrorCode.INTERNAL, 'x') instanceof RemoteAmError; // false
   * ```
   */
  static override [Symbol.hasInstance]<T>(this: abstract new (...args: never[]) => T, value: unknown): value is T;
  static override [Symbol.hasInstance](value: unknown): boolean;
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kRemoteAmError] === true;
  }
}

/**
 * A LamellarError of any code, as a union over the codes: testing `e.code` narrows `e.details`
 * to that code's shape, as a `switch (e.code)` over a discriminated union does.
 * @example
 * ```ts
 * const describe = (e: AnyLamellarError): string =>
 *   e.code === ErrorCode.PE_OUT_OF_RANGE ? `PE ${String(e.details?.value)} does not exist` : e.message;
 * ```
 */
export type AnyLamellarError = { [C in ErrorCodeValue]: LamellarError<C> }[ErrorCodeValue];

/**
 * True when `value` is a LamellarError (from any thread or package copy), and, if `code` is
 * given, one with that code; it then narrows `value.details` to that code's shape. Without a
 * code it narrows to `AnyLamellarError`, so a later test of `value.code` narrows the details.
 * @example
 * ```ts
 * try {
 *   await world.execAmPe(5, defineAm('errors/where', (ctx) => ctx.currentPe));
 * } catch (e) {
 *   if (isLamellarError(e, ErrorCode.PE_OUT_OF_RANGE)) console.error(`PE ${String(e.details?.value)} does not exist`);
 *   else if (isLamellarError(e) && e.code === ErrorCode.WORLD_SHUT_DOWN) console.error('the world was shut down');
 *   else throw e;
 * }
 * ```
 */
export function isLamellarError(value: unknown): value is AnyLamellarError;
export function isLamellarError<C extends ErrorCodeValue>(value: unknown, code: C): value is LamellarError<C>;
export function isLamellarError<C extends ErrorCodeValue = ErrorCodeValue>(value: unknown, code?: C): value is LamellarError<C>;
export function isLamellarError<C extends ErrorCodeValue = ErrorCodeValue>(value: unknown, code?: C): value is LamellarError<C> {
  return value instanceof LamellarError && (code === undefined || value.code === code);
}

/** A bad number argument as a message shows it: `'1' (a string)`, so that `got 1` never hides a string. */
export function shownNumber(value: unknown): string {
  if (typeof value === 'string') return `'${value}' (a string)`;
  if (typeof value === 'bigint') return `${value}n (a bigint)`;
  if (typeof value === 'number' || value === undefined || value === null || typeof value === 'boolean') return String(value);
  return `a ${typeof value === 'object' ? (Array.isArray(value) ? 'array' : 'object') : typeof value}`;
}

/**
 * Throws INVALID_ARGUMENT (or `code`) unless `value` is an integer in [min, max]. Used at API
 * edges.
 */
export function checkInteger(value: unknown, what: string, min: number, max: number, code: ErrorCodeValue = ErrorCode.INVALID_ARGUMENT): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new LamellarError(code, `${what} must be an integer in [${min}, ${max}], got ${shownNumber(value)}`, {
      details: { value, min, max },
    });
  }
  return value;
}

/** Throws PE_OUT_OF_RANGE unless `pe` names a PE of a team of `numPes`. */
export function checkPe(pe: unknown, numPes: number, what = 'PE'): number {
  return checkInteger(pe, what, 0, numPes - 1, ErrorCode.PE_OUT_OF_RANGE);
}

/**
 * Throws PE_OUT_OF_RANGE unless `pe` is a PE of the team whose world ids are `pes` (the world
 * team when `world`). Only the failure builds a message, so the check costs what checkPe does.
 * The message says what the number means, because the common mistake is a world id given to a
 * sub-team (or to a team this PE is not a member of). `method` (e.g. `TaskGroup.execAmPe`)
 * prefixes the message, as the region and array checks name theirs.
 */
export function checkTeamPe(pe: unknown, pes: readonly number[], world: boolean, member: boolean, what = 'PE', method?: string): number {
  if (typeof pe === 'number' && Number.isInteger(pe) && pe >= 0 && pe < pes.length) return pe;
  const n = pes.length;
  const size = `${n} PE${n === 1 ? '' : 's'}`;
  const shown = n <= 8 ? pes.join(', ') : `${pes.slice(0, 8).join(', ')}, ...`;
  const about = world
    ? `the world has ${size}`
    : `team of ${size}, world PEs [${shown}]; team PEs are team-relative: team.teamPe(worldPe) converts${member ? '' : '; this PE is not a member'}`;
  const prefix = method === undefined ? '' : `${method}: `;
  throw new LamellarError(ErrorCode.PE_OUT_OF_RANGE, `${prefix}${world ? what : `team ${what}`} must be an integer in [0, ${n - 1}] (${about}), got ${shownNumber(pe)}`, {
    details: { value: pe, min: 0, max: n - 1 },
  });
}
