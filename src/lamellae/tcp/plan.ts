/**
 * Where a tcp PE meets the others, decided on the main thread from the config before anything
 * is started, so a misconfigured job fails at `initWorld` with a message that says what to set.
 *
 * In order of preference:
 *   1. LAMELLAR_MASTER_ADDR=host:port: PE 0 listens there, every other PE connects to it.
 *   2. LAMELLAR_RENDEZVOUS_DIR=dir: each PE writes its address to dir/<job id>/pe-<n>.json.
 *   3. Under srun: PE 0's host is the first node of SLURM_NODELIST, the port comes from the job id.
 *   4. Otherwise 127.0.0.1 and a port from the job id (hand-started single-host jobs).
 * The job id is LAMELLAR_JOB_ID or the one the cluster launcher sets. The secret is
 * LAMELLAR_JOB_SECRET; only a rendezvous directory can do without it (PE 0 then writes one,
 * readable by the owner only, next to the addresses).
 */
import { ErrorCode, LamellarError } from '../../core/errors.js';
import { fnv1a32 } from '../../core/hash.js';
import { parseHostPort, type LamellarConfig } from '../../core/config.js';

export type Rendezvous = { kind: 'master'; host: string; port: number } | { kind: 'dir'; dir: string };

export interface Plan {
  jobId: string;
  secret: string | undefined;
  rendezvous: Rendezvous;
}

/** The first host of a Slurm hostlist such as `nid[007-010,012],login1` (here `nid007`). */
export function firstSlurmHost(list: string): string {
  let depth = 0;
  let end = list.length;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      end = i;
      break;
    }
  }
  // Each bracket group stands for its first value: `rack[2-3]-n[01-04]` starts with `rack2-n01`.
  const host = list.slice(0, end).trim().replace(/\[([^\]]*)\]/g, (_m, r: string) => r.split(',')[0]!.split('-')[0]!);
  if (host === '' || /[[\]]/.test(host)) throw new LamellarError(ErrorCode.CONFIG, `cannot read the Slurm node list '${list}'`);
  return host;
}

/** A port in [20000, 50000) derived from the job id, so every PE computes the same one. */
export function portForJob(jobId: string): number {
  return 20000 + (fnv1a32(jobId) % 30000);
}

export function makePlan(cfg: LamellarConfig): Plan {
  const jobId = cfg.jobId ?? cfg.launcherJobId;
  let rendezvous: Rendezvous;
  if (cfg.masterAddr !== undefined) {
    rendezvous = { kind: 'master', ...parseHostPort(cfg.masterAddr, 'LAMELLAR_MASTER_ADDR') };
  } else if (cfg.rendezvousDir !== undefined) {
    if (jobId === undefined) {
      throw new LamellarError(ErrorCode.CONFIG, 'LAMELLAR_RENDEZVOUS_DIR needs a job id shared by every PE: set LAMELLAR_JOB_ID');
    }
    rendezvous = { kind: 'dir', dir: cfg.rendezvousDir };
  } else if (jobId !== undefined) {
    const host = cfg.rankSource === 'slurm' && cfg.slurmNodelist !== undefined ? firstSlurmHost(cfg.slurmNodelist) : '127.0.0.1';
    rendezvous = { kind: 'master', host, port: portForJob(jobId) };
  } else {
    throw new LamellarError(
      ErrorCode.CONFIG,
      `a tcp job of ${cfg.numPes} PEs needs a rendezvous: set LAMELLAR_MASTER_ADDR=host:port (where PE 0 listens), ` +
        'LAMELLAR_RENDEZVOUS_DIR (a directory every PE can read and write) or LAMELLAR_JOB_ID (single host); see docs/tcp.md',
    );
  }
  if (cfg.jobSecret === undefined && rendezvous.kind !== 'dir') {
    throw new LamellarError(
      ErrorCode.CONFIG,
      'a tcp job needs a per-job secret: set LAMELLAR_JOB_SECRET to the same random string in every PE ' +
        "(e.g. mpirun -x LAMELLAR_JOB_SECRET=$(openssl rand -hex 32) ...), or use LAMELLAR_RENDEZVOUS_DIR; see docs/tcp.md",
    );
  }
  return { jobId: jobId ?? 'lamellar', secret: cfg.jobSecret, rendezvous };
}
