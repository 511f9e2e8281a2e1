/**
 * A get's destination whose buffer was detached (transferred to another thread, or by
 * structuredClone) while the get was in flight: the call checked it was attached, so only the
 * arrival can find it gone. Its bytes are dropped and the get rejects with this, instead of a
 * RangeError thrown where the arrival is handled (which ended the PE on tcp).
 */
import { ErrorCode, LamellarError } from '../../core/index.js';

export function detachedInFlight(pe: number): LamellarError {
  return new LamellarError(
    ErrorCode.INVALID_ARGUMENT,
    `get from PE ${pe}: the destination's buffer was detached (transferred to another thread, or by structuredClone) while the get was in flight; its bytes were dropped`,
    { details: { pe, detached: true } },
  );
}
