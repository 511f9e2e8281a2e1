/**
 * The one collective exchange of a distributed consumer: every member of the array's team
 * contributes a record (its outcome and its partial result) and gets every member's record, in
 * team PE order. It is also the consumer's closing barrier: a member's record leaves only once
 * its part is done.
 *
 * It runs as one exchange on the team's sequenced collective channel (team/coll/channel.ts), of
 * the consumer kind (Kind.iteration) with the consumer's name as its description: the sequence
 * number is reserved when the consumer is called, so consumers issued together (Promise.all) keep
 * their order on every PE, and members that call different consumers at the same point all
 * reject with COLLECTIVE_MISMATCH. Failures travel as records, not as the channel's "bad input":
 * the failing PE keeps its own error and the others get ITER_FAILED naming it.
 *
 * A distributed consumer also opens with a barrier, which takes the number before the exchange's,
 * of the same kind and name. So a PE that meets anything but a consumer there (it called
 * barrier() instead, or went on to shut down) fails at once, on every PE, with
 * COLLECTIVE_MISMATCH naming the consumer and its line. (Were the exchange first, a PE waiting in
 * the barrier after it would send nothing, and a peer that passed its shutdown at the exchange's
 * number, its partner being "ahead", would leave it waiting forever.)
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import { encodeToBytes } from '../../serde/index.js';
import { captureSite, Kind, kTeamInternals, NOT_RECORDED, siteText, type Site, type Team } from '../../team/index.js';

/**
 * What one member contributes. `v` is the partial result; `m` the failure's message, `n` its
 * error's name, `f` the first frame of its stack outside the runtime (the user's line, where the
 * callback threw), so the other members can say where it failed.
 */
export type ExchangeRecord = { ok: true; v: unknown } | { ok: false; m: string; code: string | undefined; n?: string; f?: string };

/**
 * The failure record of `err`: its message, code, name and user frame. Never throws: a thrown
 * value that cannot even be turned into a string (a null-prototype object, a throwing getter)
 * must still be sent, or the other members (and this team's drop) wait for it for ever.
 */
export function failureRecord(err: unknown): ExchangeRecord {
  try {
    return recordOf(err);
  } catch {
    return { ok: false, m: 'a value that cannot be described (its conversion to a string threw)', code: undefined };
  }
}

function recordOf(err: unknown): ExchangeRecord {
  const x = err as { message?: unknown; code?: unknown; name?: unknown; stack?: unknown } | null | undefined;
  const rec: ExchangeRecord = { ok: false, m: x?.message === undefined ? String(err) : String(x.message), code: typeof x?.code === 'string' ? x.code : undefined };
  if (typeof x?.name === 'string') rec.n = x.name;
  if (typeof x?.stack === 'string') {
    // Only the frame lines: a message's own lines must not pass for a frame.
    const frames = x.stack.split('\n').filter((l) => /^\s+at /.test(l));
    const f = siteText({ holder: { stack: `\n${frames.join('\n')}` } });
    if (frames.length > 0 && f !== 'call site not recorded') rec.f = f;
  }
  return rec;
}

/** A reserved exchange: its place in the team's collectives is taken; `run` contributes. */
export interface PendingExchange {
  /** The consumer's opening barrier (when asked for), already running; undefined if it passed. */
  readonly opened: Promise<void> | undefined;
  /** Where the consumer was called on this PE (the user's line). */
  readonly site: Site;
  /** Resolves to every member's record, and the record this PE actually sent. */
  run(rec: ExchangeRecord): Promise<{ mine: ExchangeRecord; all: ExchangeRecord[] }>;
  /**
   * With `lockStep`: two meetings of every PE after the opening barrier, `take` run between them
   * on every PE: a GlobalLockArray's `distIterMut()` takes its one write lock there (team PE 0
   * does, global-lock.ts). Their places are reserved at the call, between the opening barrier's
   * and the exchange's, on every PE, refused or not.
   */
  readonly meet: ((take: () => Promise<void>) => Promise<void>) | undefined;
}

/**
 * Reserves the exchange of consumer `what` on the team, and with `opening` starts its opening
 * barrier first: call it when the consumer is called.
 */
export function reserveExchange(team: Team, what: string, opening: boolean, lockStep = false): PendingExchange {
  const internals = team[kTeamInternals];
  // A dropped team has no channel either: say it was dropped, not that this PE is no member.
  internals.checkLive(`${what} (a collective over the array's team)`);
  const ch = internals.channel;
  if (ch === undefined) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: this PE is not a member of the array's team`);
  }
  internals.runtime.checkOpen(what);
  // A short stack: consume.ts's two frames, running.ts's two (running() and the start it was
  // given), the iterator's consumer method and its private helper, then the user's frame (for
  // the reports of mismatched or stuck collectives); one spare.
  const site = captureSite(reserveExchange, 8);
  const barrier = opening ? ch.signal(Kind.iteration, { label: what, site }) : undefined;
  // Ends with the job too: a PE whose script threw waits in its `await using` array drop for this
  // consumer, and only once the consumer settles does that error, the job's cause, come out.
  const opened = barrier === undefined ? undefined : ch.orFailure(barrier);
  // Awaited by the consumer's first step; a mismatch there has already failed the job.
  opened?.catch(() => undefined);
  // Two meetings, as collectiveWriteLocalData's two barriers: the first after every PE's earlier
  // lock requests were granted (this PE's consumer asks for the lock only after its lock turn:
  // a read consumer called before it must have its read lock on every PE before team PE 0 asks
  // for the write lock, or a PE's read request queues behind that write, and the write waits for
  // that PE), the second once PE 0 holds it.
  const lkBefore = lockStep ? ch.reserve<number>(Kind.iteration, `${what} (write lock)`, site) : undefined;
  const lkAfter = lockStep ? ch.reserve<number>(Kind.iteration, `${what} (write lock taken)`, site) : undefined;
  const r = ch.reserve<ExchangeRecord>(Kind.iteration, what, site);
  return {
    opened,
    site,
    meet:
      lkBefore === undefined || lkAfter === undefined
        ? undefined
        : async (take) => {
            await opened;
            await lkBefore.run(0, { label: `${what} write lock` });
            try {
              await take();
            } finally {
              // Met even when taking failed (the job is failing then): nobody waits for this PE.
              await lkAfter.run(0, { label: `${what} write lock taken` });
            }
          },
    async run(rec) {
      // Only once the opening barrier has passed: if it met another collective, the job is
      // failing with that mismatch, and this PE sends nothing more.
      await opened;
      const mine = sendable(rec);
      const all = (await r.run(mine, { label: `${what} partial result` })) as ExchangeRecord[];
      return { mine, all };
    },
  };
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
 * The error a member gets when another member's part of a distributed consumer failed: it names
 * that PE, and carries its error's message, name and the user's line where it was thrown (in the
 * message, and as `cause`, an error standing for the remote one). `details.origin` names the PE
 * so that, when every PE's script fails with it, the launcher reports that PE's own error first.
 */
export function failedElsewhere(what: string, all: ExchangeRecord[], site?: Site, worldPe: (teamPe: number) => number = (i) => i): LamellarError {
  // World PEs, as every report and the launcher count them (the team's indices differ on a sub-team).
  const pes: number[] = [];
  all.forEach((r, i) => {
    if (!r.ok) pes.push(worldPe(i));
  });
  const pe = pes[0]!;
  const first = all.find((r) => !r.ok) as Extract<ExchangeRecord, { ok: false }>;
  const name = first.n ?? 'Error';
  const where = first.f === undefined ? '' : ` (${name} thrown at ${first.f})`;
  const cause = new Error(first.m);
  cause.name = name;
  cause.stack = `${name}: ${first.m}\n    at ${first.f ?? '(stack not available)'} (on PE ${pe})`;
  const err = new LamellarError(ErrorCode.ITER_FAILED, `${what} failed on PE ${pe}${pes.length > 1 ? ` (and PE${pes.length > 2 ? 's' : ''} ${pes.slice(1).join(', ')})` : ''}: ${first.m}${where}`, {
    cause,
    details: { pe, origin: pe, pes, message: first.m, name, code: first.code, ...(first.f === undefined ? {} : { frame: first.f }) },
  });
  // The error is made after the exchange, where the stack holds only the runtime's frames.
  addConsumerFrame(err, what, site);
  return err;
}

/**
 * Adds to `err`'s stack the user's line that called consumer `what` on this PE, as a last frame
 * (as Node adds an async caller's): an error that comes out of a consumer (another PE's failure,
 * or this PE's own callback's) holds the runtime's frames and the callback's, but not the
 * `.forEach(...)` that ran it. Only the stack text changes; the error stays the user's.
 */
export function addConsumerFrame(err: unknown, what: string, site: Site | undefined): void {
  if (!(err instanceof Error) || typeof err.stack !== 'string' || site === undefined) return;
  const here = siteText(site);
  if (here === NOT_RECORDED || err.stack.includes(here)) return;
  try {
    err.stack += `\n    at ${what} (${here})`;
  } catch {
    // A frozen error keeps its stack as it is.
  }
}
