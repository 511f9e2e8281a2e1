/**
 * How the worker-thread launcher stops the PEs of a failed job: it posts each PE this message,
 * and the PE ends itself (pe-main.ts). A worker that ends itself is never inside the report of
 * an uncaught error of its own at that moment, which a terminate() from the launcher's thread
 * can land in (see index.ts).
 */
export const STOP_MESSAGE = { lamellar: 'stop' } as const;

export function isStopMessage(m: unknown): boolean {
  return typeof m === 'object' && m !== null && (m as { lamellar?: unknown }).lamellar === 'stop';
}
