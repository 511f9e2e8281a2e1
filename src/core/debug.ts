/**
 * Diagnostics without console: `NODE_DEBUG=lamellar` turns on debug logging, warnings go
 * through `process.emitWarning` with a code, and AM/frame events are published on
 * diagnostics_channel so tools can observe without patching.
 */
import { debuglog } from 'node:util';
import { channel } from 'node:diagnostics_channel';

export const debug = debuglog('lamellar');

export const channels = {
  amSend: channel('lamellar:am:send'),
  amExec: channel('lamellar:am:exec'),
  frameSend: channel('lamellar:frame:send'),
  /** A closure AM's source written for a destination (once per source and destination). */
  closureSource: channel('lamellar:closure:source'),
  /** A closure source compiled on this PE (once per distinct source), or refused. */
  closureCompile: channel('lamellar:closure:compile'),
} as const;

export const WarningCode = {
  UNRELEASED_HANDLE: 'LAMELLAR_W_UNRELEASED_HANDLE',
  UNOBSERVED_AM_ERROR: 'LAMELLAR_W_UNOBSERVED_AM_ERROR',
  DEADLOCK: 'LAMELLAR_W_DEADLOCK',
  UNAUTHENTICATED_PEER: 'LAMELLAR_W_UNAUTHENTICATED_PEER',
  UNKNOWN_ENV: 'LAMELLAR_W_UNKNOWN_ENV',
  WORLD_NOT_AWAITED: 'LAMELLAR_W_WORLD_NOT_AWAITED',
} as const;

export function warn(code: (typeof WarningCode)[keyof typeof WarningCode], message: string): void {
  process.emitWarning(message, { type: 'LamellarWarning', code });
}
