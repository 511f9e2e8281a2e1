/**
 * The coordinator side of distributed reference counting (see refstate.ts), as internal AMs.
 *
 * Protocol for one object, coordinated by one PE C (team PE 0, or a one-sided region's owner):
 * 1. A PE whose count falls to its baseline sends C `quiet` {seq, mode, encoded}. C keeps the
 *    newest report per PE (by seq: replies and quiet reports can be handled out of order).
 * 2. When every participant is quiet in the same mode, C starts a round: `probe` to every
 *    participant, naming the *markers* (PEs that reported handles written into messages).
 * 3. A probed marker sends `mark` to every participant. AMs from one PE to another are handled
 *    in the order they were sent, so once a PE has the marks of every marker, every message that
 *    carried a handle before its sender's probe has been decoded here (and counted).
 * 4. Each PE answers its probe *clean* only if its count sat at the baseline from the probe to
 *    the answer (no acquire, no encode). A handle sent after a sender's probe means the sender
 *    held one inside the round, so the sender is not clean.
 * 5. All clean: C sends `finish` (free, or complete the conversion) to every participant.
 *    Otherwise the round failed: C sends `resume` to the PEs that answered clean, and starts
 *    another round once every PE reports quiet again. Between a clean answer and its verdict a
 *    PE takes no new handle out of nothing (WeakDarc upgrades wait), since C may be freeing.
 * Mixed modes among quiet PEs (one PE converts while another dropped, or two targets) abort the
 * conversion with COLLECTIVE_MISMATCH instead of hanging.
 */
import { defineAm, type AmContext, type AmDef } from '../am/index.js';
import { debug, ErrorCode, LamellarError } from '../core/index.js';
import { kTeamInternals, type Team, type WorldRuntime } from '../team/index.js';
import { describeMode, FREE, registryOf, sameMode, setRefProtocol, type QuietMode, type RefState } from './refstate.js';

/** Step 1: a PE's count fell to its baseline. */
interface QuietReport {
  /** The object's key. */
  key: string;
  /** This PE's report number for the object: the coordinator keeps the newest. */
  seq: number;
  mode: QuietMode;
  /** Handles to the object were written into messages since this PE last sent marks. */
  encoded: boolean;
}
/** Step 2: the coordinator asks a participant. */
interface ProbeRequest {
  key: string;
  round: number;
  /** The PEs that must send marks before the answer (they reported handles in messages). */
  markers: number[];
  mode: QuietMode;
}
/** Step 4: a participant's answer, which also refreshes the coordinator's view of it. */
interface ProbeReply {
  /** The count sat at the baseline from the probe to the answer (no acquire, no encode). */
  clean: boolean;
  seq: number;
  /** At the baseline now. */
  quiet: boolean;
  mode: QuietMode;
  encoded: boolean;
}

/** The coordinator's view of every participant, kept on the coordinator's RefState. */
class Coord {
  readonly quiet: boolean[];
  readonly mode: QuietMode[];
  readonly encoded: boolean[];
  readonly seq: number[];
  running = false;
  round = 0;

  constructor(st: RefState) {
    const n = st.participants.length;
    // A one-sided region starts known only to its owner: everyone else holds nothing.
    this.quiet = st.participants.map((pe) => st.privateUntilSent && pe !== st.coord);
    this.mode = new Array<QuietMode>(n).fill(FREE);
    this.encoded = new Array<boolean>(n).fill(false);
    this.seq = new Array<number>(n).fill(0);
  }

  apply(i: number, seq: number, quiet: boolean, mode: QuietMode, encoded: boolean): void {
    if (seq <= this.seq[i]!) return;
    this.seq[i] = seq;
    this.quiet[i] = quiet;
    this.mode[i] = mode;
    this.encoded[i] = encoded;
  }
}

const coords = new WeakMap<RefState, Coord>();
function coordOf(st: RefState): Coord {
  let c = coords.get(st);
  if (c === undefined) {
    c = new Coord(st);
    coords.set(st, c);
  }
  return c;
}

/**
 * Fire-and-forget for runtime messages. Lifetime traffic may still be due while a world shuts
 * down (a handle dropped just before shutdown()); the object then simply dies with the world.
 */
export function post<A>(rt: WorldRuntime, pe: number, am: AmDef<A, unknown>, args: A): void {
  if (rt.closed) return;
  try {
    rt.world.execAmPe(pe, am as AmDef<unknown, unknown>, args).then(undefined, (err: unknown) => debug('%s to PE %d failed: %o', am.name, pe, err));
  } catch (err) {
    debug('%s to PE %d not sent: %o', am.name, pe, err);
  }
}

const runtimeOf = (ctx: AmContext): WorldRuntime => (ctx.world as unknown as Team)[kTeamInternals].runtime;

/** Marks received per (object, round), and who waits for them. */
const marks = new Map<string, { got: Set<number>; wake: (() => void) | undefined }>();

function markEntry(k: string, r: number): { got: Set<number>; wake: (() => void) | undefined } {
  const id = `${k}#${r}`;
  let e = marks.get(id);
  if (e === undefined) {
    e = { got: new Set(), wake: undefined };
    marks.set(id, e);
  }
  return e;
}

async function waitMarks(k: string, r: number, markers: number[]): Promise<void> {
  if (markers.length === 0) return;
  const e = markEntry(k, r);
  while (!markers.every((pe) => e.got.has(pe))) await new Promise<void>((resolve) => (e.wake = resolve));
  marks.delete(`${k}#${r}`);
}

const Quiet = defineAm('lamellar/ref-quiet', (ctx, a: QuietReport): void => {
  const st = registryOf(runtimeOf(ctx)).states.get(a.key);
  if (st === undefined) return;
  const i = st.participants.indexOf(ctx.srcPe);
  if (i < 0) return;
  // A report from a conversion that already completed here (the sender's count fell back to
  // its baseline before the Finish reached it, e.g. a handle from a PE that had finished
  // arrived and left first) is stale: the sender's next report will carry the next epoch.
  if (a.mode.kind === 'convert' && a.mode.epoch < st.conversions) return;
  const c = coordOf(st);
  c.apply(i, a.seq, true, a.mode, a.encoded);
  const why = st.hooks.onQuiet?.(ctx.srcPe, a.mode);
  if (why !== undefined && a.mode.kind !== 'free') abortConversionOn(st, ctx.srcPe, why);
  maybeStart(st);
});

const Mark = defineAm('lamellar/ref-mark', (ctx, a: { key: string; round: number }): void => {
  const e = markEntry(a.key, a.round);
  e.got.add(ctx.srcPe);
  e.wake?.();
});

const Probe = defineAm('lamellar/ref-probe', async (ctx, a: ProbeRequest): Promise<ProbeReply> => {
  const rt = runtimeOf(ctx);
  const states = registryOf(rt).states;
  const st = states.get(a.key);
  if (st !== undefined && a.markers.includes(ctx.currentPe)) {
    // Sent after everything this PE has already queued for each participant: see step 3.
    st.encodes = 0;
    for (const pe of st.participants) post(rt, pe, Mark, { key: a.key, round: a.round });
  }
  const acquires = st?.acquires ?? 0;
  const atProbe = st === undefined || (st.refs === st.baseline && sameMode(st.mode, a.mode) && st.encodes === 0);
  await waitMarks(a.key, a.round, a.markers);
  const now = states.get(a.key);
  if (now === undefined) return { clean: atProbe && st === undefined, seq: 0, quiet: true, mode: FREE, encoded: false };
  const stable = now === st && now.refs === now.baseline && now.acquires === acquires && sameMode(now.mode, a.mode) && now.encodes === 0;
  const clean = atProbe && stable;
  if (clean) now.awaitingVerdict();
  return { clean, seq: ++now.seq, quiet: now.refs === now.baseline, mode: now.mode, encoded: now.encodes > 0 };
});

const Finish = defineAm('lamellar/ref-finish', (ctx, a: { key: string; mode: QuietMode }): void => {
  registryOf(runtimeOf(ctx)).states.get(a.key)?.finish(a.mode);
});

const Resume = defineAm('lamellar/ref-resume', (ctx, a: { key: string }): void => {
  registryOf(runtimeOf(ctx)).states.get(a.key)?.settleVerdict();
});

const Abort = defineAm('lamellar/ref-abort', (ctx, a: { key: string; message: string }): void => {
  registryOf(runtimeOf(ctx)).states.get(a.key)?.abortConversion(new LamellarError(ErrorCode.COLLECTIVE_MISMATCH, a.message));
});

/** On the coordinator: which participants are quiet, and in which mode (for mismatch checks). */
export function quietView(st: RefState): { quiet: readonly boolean[]; mode: readonly QuietMode[] } {
  const c = coordOf(st);
  return { quiet: c.quiet, mode: c.mode };
}

/**
 * On the coordinator: the other participants not quiet yet, that is, not converting or still
 * holding handles beyond the converting one (a conversion's report names them); undefined
 * elsewhere, where only the boards tell.
 */
export function unquietPes(st: RefState): number[] | undefined {
  const me = st.rt.lamella.myPe;
  if (st.coord !== me) return undefined;
  const c = coordOf(st);
  return st.participants.filter((pe, i) => pe !== me && !c.quiet[i]);
}

/** On the coordinator: fails world PE `pe`'s pending conversion with COLLECTIVE_MISMATCH. */
export function abortConversionOn(st: RefState, pe: number, msg: string): void {
  const i = st.participants.indexOf(pe);
  if (i < 0) return;
  const c = coordOf(st);
  c.quiet[i] = false;
  c.mode[i] = FREE;
  post(st.rt, pe, Abort, { key: st.key, message: msg });
}

function maybeStart(st: RefState): void {
  const c = coordOf(st);
  if (c.running || st.freed || !c.quiet.every(Boolean)) return;
  const mode = c.mode[0]!;
  if (c.mode.every((m) => sameMode(m, mode))) {
    void runRound(st, c, mode);
    return;
  }
  const desc = st.participants.map((pe, i) => `PE ${pe} ${describeMode(c.mode[i]!)}`).join(', ');
  const msg = `mismatched collective conversion: every PE must convert its handle to the same type (${desc})`;
  st.participants.forEach((pe, i) => {
    if (c.mode[i]!.kind !== 'free') abortConversionOn(st, pe, msg);
  });
}

async function runRound(st: RefState, c: Coord, mode: QuietMode): Promise<void> {
  if (st.rt.closed) return;
  c.running = true;
  const r = ++c.round;
  const markers = st.participants.filter((_, i) => c.encoded[i]);
  const world = st.rt.world;
  let replies: ProbeReply[];
  try {
    replies = await Promise.all(st.participants.map((pe) => world.execAmPe(pe, Probe, { key: st.key, round: r, markers, mode })));
  } catch {
    // Only a world that is shutting down gets here; there is nothing left to free.
    c.running = false;
    return;
  }
  c.running = false;
  if (st.freed) return;
  let clean = true;
  replies.forEach((rep, i) => {
    c.apply(i, rep.seq, rep.quiet, rep.mode, rep.encoded);
    clean &&= rep.clean;
  });
  if (!clean) {
    // The PEs that answered clean wait for a verdict (see RefState.verdict): this one is "go on".
    st.participants.forEach((pe, i) => {
      if (replies[i]!.clean) post(st.rt, pe, Resume, { key: st.key });
    });
    maybeStart(st);
    return;
  }
  if (mode.kind !== 'free') {
    // After a conversion every PE holds exactly the new handle again: nobody is quiet.
    c.quiet.fill(false);
    c.mode.fill(FREE);
    c.encoded.fill(false);
  }
  for (const pe of st.participants) if (pe !== st.rt.lamella.myPe) post(st.rt, pe, Finish, { key: st.key, mode });
  st.finish(mode);
}

setRefProtocol({
  quiet(st: RefState): void {
    post(st.rt, st.coord, Quiet, { key: st.key, seq: ++st.seq, mode: st.mode, encoded: st.encodes > 0 });
  },
});
