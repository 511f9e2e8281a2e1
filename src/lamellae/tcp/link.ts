/**
 * The link between a tcp PE's main thread and its network thread: two SPSC rings (main → net
 * "out", net → main "in") and a control block with one doorbell per side.
 *
 * control (Int32 words; each doorbell on its own 64-byte line):
 *   line 0: net doorbell (word 0: sequence bumped by the main thread; word 1: 1 while net sleeps)
 *           word 2: 1 once the network thread has closed every connection (see NET_DONE)
 *   line 1: main doorbell (the same, bumped by the network thread)
 *
 * Sleep protocol (as in the shmem lamella): a side reads its doorbell sequence, drains, and if it
 * found nothing sets its sleep flag and waits with Atomics.waitAsync on that sequence. The other
 * side writes first and bumps the sequence after, so a record that lands between the drain and
 * the wait makes waitAsync return at once; the flag lets a writer skip notify while the reader is
 * awake. waitAsync keeps both event loops free: the network thread keeps serving sockets, the
 * main thread keeps running user code.
 */
import { RING_HEADER, RingEnd } from '../common/ring.js';

export interface LinkShared {
  readonly control: SharedArrayBuffer;
  readonly rings: SharedArrayBuffer;
  readonly cap: number;
}

export const NET_BELL = 0;
export const NET_SLEEP = 1;
/**
 * Set to 1 (and notified) by the network thread when its close has finished: every connection
 * said goodbye or ABORT and closed. A main thread that aborted waits for it before its process
 * exits, since an exit closes sockets at once, and a socket closed with unread bytes is reset,
 * which can destroy the ABORT before the peer has read it.
 */
export const NET_DONE = 2;
export const MAIN_BELL = 16;
export const MAIN_SLEEP = 17;

/** 4 MiB each way: a 1 MiB put or several 64 KiB AM frames fit without waiting. */
export const LINK_RING_CAP = 4 << 20;

export function createLink(cap = LINK_RING_CAP): LinkShared {
  return {
    control: new SharedArrayBuffer(2 * 64),
    rings: new SharedArrayBuffer(2 * (RING_HEADER + cap)),
    cap,
  };
}

export const outRing = (l: LinkShared): RingEnd => new RingEnd(l.rings, 0, l.cap);
export const inRing = (l: LinkShared): RingEnd => new RingEnd(l.rings, RING_HEADER + l.cap, l.cap);

/** Bumps a doorbell and wakes its owner if it said it sleeps. */
export function ringBell(ctl: Int32Array, bell: number, sleep: number): void {
  Atomics.add(ctl, bell, 1);
  if (Atomics.load(ctl, sleep) !== 0) Atomics.notify(ctl, bell);
}

/** Sleeps until the doorbell moves past `seq` (returns at once if it already has). */
export async function sleepOnBell(ctl: Int32Array, bell: number, sleep: number, seq: number): Promise<void> {
  Atomics.store(ctl, sleep, 1);
  const r = Atomics.waitAsync(ctl, bell, seq);
  if (r.async) await r.value;
  Atomics.store(ctl, sleep, 0);
}
