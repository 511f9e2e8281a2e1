/**
 * A farewell from a PE that ends without ever calling initWorld(), to PE 0's rendezvous, so the
 * job stops at once instead of waiting LAMELLAR_RENDEZVOUS_TIMEOUT for it. Under mpirun nothing
 * else tells the other ranks: a rank whose script exits with code 0 before initWorld() left them
 * waiting 60 s, then failing with a timeout that did not say which rank never came.
 *
 * `lamellar exec` runs this file as a short child process from the ending PE's 'exit' handler
 * (spawnSync: nothing asynchronous runs there). It dials PE 0 where the tcp rendezvous would
 * (LAMELLAR_MASTER_ADDR, the Slurm or job-id port), proves the job secret as that PE, and sends
 * one ABORT frame: PE 0 stops the job with it, as it would for that PE's own failure, and tells
 * the others. Tries for `budget` ms while PE 0 is not listening yet; gives up quietly (the old
 * behaviour) when it never answers, or when the job meets through a rendezvous directory.
 *
 *   node farewell.js <budget ms> <reason>     (the PE's LAMELLAR_* environment; exit code 0 once
 *                                             PE 0 has the frame, 1 if it could not be given)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { config, ErrorCode } from '../../core/index.js';
import { makePlan } from './plan.js';
import { dial } from './rendezvous.js';
import { connectPeer } from './tls.js';
import { abortBody, Header, T } from './wire.js';

const HANDSHAKE_MS = 2000;
const RETRY_MS = 100;

async function farewell(budgetMs: number, reason: string): Promise<boolean> {
  const cfg = config();
  const plan = makePlan(cfg);
  if (plan.rendezvous.kind !== 'master' || plan.secret === undefined || cfg.peId === 0) return false;
  const { host, port } = plan.rendezvous;
  const keys = { secret: plan.secret, jobId: plan.jobId };
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    try {
      const raw = await dial(host, port, Math.min(left, HANDSHAKE_MS));
      const { socket } = await connectPeer(raw, keys, cfg.peId, cfg.tls, Math.min(Math.max(1, deadline - Date.now()), HANDSHAKE_MS));
      const body = abortBody(ErrorCode.PE_FAILED, reason);
      const hdr = new Header().set(T.ABORT, cfg.peId, body.length);
      // Done once the frame is handed to the kernel ('finish'): it is delivered after this exits.
      return await new Promise<boolean>((resolve) => {
        socket.on('error', () => resolve(false));
        socket.end(Buffer.concat([hdr, body]), () => resolve(true));
      });
    } catch {
      // Not listening yet, or refused: try again until the budget is spent.
      await sleep(RETRY_MS);
    }
  }
}

const [budget = '3000', reason = 'this PE ended without calling initWorld()'] = process.argv.slice(2);
// Exit code 0: PE 0 has the farewell; 1: it could not be given.
process.exitCode = (await farewell(Number(budget), reason).catch(() => false)) ? 0 : 1;
