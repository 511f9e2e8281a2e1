/**
 * lamellae: the transports under the runtime. `types.ts` is the contract; each folder is one
 * implementation, and implementations never import each other.
 */
import type { Backend } from '../core/index.js';
import { LocalLamella } from './local/index.js';
import { OfiLamella } from './ofi/index.js';
import { ShmemLamella } from './shmem/index.js';
import { TcpLamella } from './tcp/index.js';
import type { Lamella } from './types.js';

export type * from './types.js';
export { createShmemJob, type ShmemJob, type ShmemBoot } from './shmem/index.js';
export { checkOfi } from './ofi/addon.js';
export { checkRendezvousDir } from './tcp/rendezvous.js';

export function createLamella(backend: Backend): Lamella {
  switch (backend) {
    case 'local':
      return new LocalLamella();
    case 'shmem':
      return new ShmemLamella();
    case 'tcp':
      return new TcpLamella();
    case 'ofi':
      // tcp's rendezvous, job secret and liveness checks bootstrap the fabric (ofi/cards.ts).
      return new OfiLamella(new TcpLamella('ofi'));
  }
}
