/**
 * Compile-only type tests for errors: `isLamellarError(e, code)` narrows `e.code` and
 * `e.details` to that code's shape, and RemoteAmError's details are typed. Never executed.
 */
import { ErrorCode, isLamellarError, LamellarError, RemoteAmError, type AnyLamellarError, type ErrorCodeValue, type ErrorDetails } from 'lamellar';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertEqual = <A, B>(_eq: Equal<A, B>): void => {};

class MineWithPrivateConstructor extends LamellarError<'LAMELLAR_ERR_INTERNAL'> {
  readonly extra = 1;
  private constructor() {
    super(ErrorCode.INTERNAL, 'mine');
  }
  static make(): MineWithPrivateConstructor {
    return new MineWithPrivateConstructor();
  }
}

export function errorTypeTests(e: unknown): void {
  if (isLamellarError(e, ErrorCode.SERIALIZE)) {
    assertEqual<typeof e.code, 'LAMELLAR_ERR_SERIALIZE'>(true);
    assertEqual<typeof e.details, ErrorDetails<'LAMELLAR_ERR_SERIALIZE'> | undefined>(true);
    const path: string | undefined = e.details?.path;
    const label: string | undefined = e.details?.label;
    void [path, label];
    // @ts-expect-error a SERIALIZE error's path is a string
    const wrong: number | undefined = e.details?.path;
    void wrong;
  }
  if (isLamellarError(e, ErrorCode.FRAME_TOO_LARGE)) {
    const bytes: number | undefined = e.details?.bytes;
    void bytes;
  }
  if (isLamellarError(e)) {
    assertEqual<typeof e, AnyLamellarError>(true);
    // Any code: details are the union of every code's shape, all open.
    const anything: unknown = e.details?.['whatever'];
    void anything;
  }
  if (e instanceof MineWithPrivateConstructor) {
    // A user's subclass with a private constructor works with instanceof too.
    const n: number = e.extra;
    void n;
  }
  if (e instanceof LamellarError) {
    // Not LamellarError<any>: code and details keep their types after instanceof.
    assertEqual<typeof e, LamellarError>(true);
    // @ts-expect-error a code is a string, with no such method
    e.code.notAMethod();
  }
  if (e instanceof RemoteAmError) {
    assertEqual<typeof e.code, 'LAMELLAR_ERR_REMOTE_AM'>(true);
    const pe: number | undefined = e.details?.pe;
    void pe;
  }
  // @ts-expect-error details must fit the code's shape: a SCRIPT_NOT_FOUND error names the script
  void new LamellarError(ErrorCode.SCRIPT_NOT_FOUND, 'x', { details: { script: 42 } });
}

// Without a code, isLamellarError narrows to the union over codes: a later test of `code`
// narrows `details` too.
export function narrowsByCode(e: unknown): number | undefined {
  if (isLamellarError(e) && e.code === ErrorCode.PE_OUT_OF_RANGE) {
    const d = e.details;
    assertEqual<typeof d, ErrorDetails<'LAMELLAR_ERR_PE_OUT_OF_RANGE'> | undefined>(true);
    return d?.numPes;
  }
  if (isLamellarError(e)) {
    const plain: LamellarError = e;
    void plain;
    switch (e.code) {
      case ErrorCode.USE_AFTER_RELEASE:
        return e.details?.label === undefined ? 0 : 1;
      default:
        return undefined;
    }
  }
  return undefined;
}

// A code passed on, maybe undefined, and a code given as a type argument only, compile as before.
export function passesCodeOn(e: unknown, code?: ErrorCodeValue): boolean {
  return isLamellarError(e, code) || isLamellarError<'LAMELLAR_ERR_SERIALIZE'>(e);
}
