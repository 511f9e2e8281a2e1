/** Whether a LAMELLAR_BIND_ADDR value binds every interface (no address a peer can reach). */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}
