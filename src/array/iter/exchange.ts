/**
 * The one collective exchange of a distributed consumer: every member of the array's team
 * contributes a record (its outcome and its partial result) and gets every member's record, in
 * team PE order. It is also the consumer's closing barrier: a member's record leaves only once
 * its part is done.
 *
 * Each member sends its record to every other member in a runtime AM, which drops it into a
 * per-team mailbox under the consumer's sequence number; a member waits until its slot holds all
 * records. Sequence numbers are taken when a consumer is called (see `nextSeq`), which every
 * member does in the same order, so two consumers running at once never mix their records.
 * This is the only place that moves records between PEs: team collectives for arbitrary values
 * (`team.allGather`) can replace it without touching the consumers.
 */
import { defineAm } from '../../am/index.js';
import { ErrorCode, LamellarError } from '../../core/index.js';
import { encodeToBytes } from '../../serde/index.js';
import type { Team } from '../../team/index.js';

/** What one member contributes. `v` is the partial result; `m` the failure's message. */
export type ExchangeRecord = { ok: true; v: unknown } | { ok: false; m: string; code: string | undefined };

interface Slot {
  recs: (ExchangeRecord | undefined)[];
  have: number;
  wake: (() => void) | undefined;
}

interface Mailbox {
  next: number;
  slots: Map<number, Slot>;
}

const boxes = new WeakMap<Team, Mailbox>();

function boxOf(team: Team): Mailbox {
  let b = boxes.get(team);
  if (b === undefined) {
    b = { next: 0, slots: new Map() };
    boxes.set(team, b);
  }
  return b;
}

function slotOf(team: Team, seq: number): Slot {
  const b = boxOf(team);
  let s = b.slots.get(seq);
  if (s === undefined) {
    s = { recs: new Array<ExchangeRecord | undefined>(team.numPes), have: 0, wake: undefined };
    b.slots.set(seq, s);
  }
  return s;
}

function deposit(team: Team, seq: number, from: number, rec: ExchangeRecord): void {
  const s = slotOf(team, seq);
  s.recs[from] = rec;
  s.have++;
  if (s.have === team.numPes) s.wake?.();
}

const ExchangeAm = defineAm('lamellar/array/iter-exchange', (ctx, a: { s: number; r: ExchangeRecord }): void => {
  const team = ctx.team;
  deposit(team, a.s, team.teamPe(ctx.srcPe)!, a.r);
});

/** Takes the next sequence number of the team's consumers: call it when the consumer is called. */
export function nextSeq(team: Team): number {
  return boxOf(team).next++;
}

/** A record that can travel: if the partial result cannot be serialized, the record says so. */
function sendable(rec: ExchangeRecord): ExchangeRecord {
  if (!rec.ok) return rec;
  try {
    encodeToBytes(rec.v);
    return rec;
  } catch (err) {
    const e = err as { message?: unknown; code?: unknown };
    return { ok: false, m: `its partial result cannot be sent: ${String(e.message)}`, code: typeof e.code === 'string' ? e.code : undefined };
  }
}

/**
 * Contributes `rec` as consumer `seq` of the team and resolves to every member's record, in team
 * PE order. Also returns the record this PE actually sent (a failure if `rec.v` cannot travel).
 */
export async function exchange(team: Team, seq: number, rec: ExchangeRecord): Promise<{ mine: ExchangeRecord; all: ExchangeRecord[] }> {
  const mine = team.numPes === 1 ? rec : sendable(rec);
  const me = team.myPe;
  const sends: PromiseLike<void>[] = [];
  for (let pe = 0; pe < team.numPes; pe++) if (pe !== me) sends.push(team.execAmPe(pe, ExchangeAm, { s: seq, r: mine }));
  const s = slotOf(team, seq);
  deposit(team, seq, me, mine);
  if (s.have < team.numPes) await new Promise<void>((resolve) => (s.wake = resolve));
  boxOf(team).slots.delete(seq);
  await Promise.all(sends);
  return { mine, all: s.recs as ExchangeRecord[] };
}

/** The error a member gets when another member's part of a distributed consumer failed. */
export function failedElsewhere(what: string, all: ExchangeRecord[]): LamellarError {
  const pes: number[] = [];
  all.forEach((r, pe) => {
    if (!r.ok) pes.push(pe);
  });
  const first = all[pes[0]!] as { m: string; code: string | undefined };
  return new LamellarError(ErrorCode.ITER_FAILED, `${what} failed on PE ${pes[0]}${pes.length > 1 ? ` (and PEs ${pes.slice(1).join(', ')})` : ''}: ${first.m}`, {
    details: { pe: pes[0], pes, message: first.m, code: first.code },
  });
}
