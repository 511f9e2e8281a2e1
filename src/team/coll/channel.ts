/**
 * One sequenced collective path per team. Every collective on a team (barrier, shutdown,
 * allocation, array/Darc/team creation, conversion, reduction, team collective, team drop) takes
 * the team's next sequence number at its call, synchronously, so calls issued in the same order
 * on every member (including through Promise.all) get the same numbers everywhere. Each has its
 * own slot keyed by that number and its own result: any number may be in flight at once.
 *
 * Two ways to run one:
 * - *signal* collectives (barrier, shutdown, conversion, drop) carry no data and run over the
 *   dissemination barrier's signal words, which hold the sequence number and the kind
 *   (barrier.ts). They run one after another on each PE, in sequence order, so the words this PE
 *   writes only grow.
 * - *exchange* collectives send every other member one internal AM with the team id, sequence
 *   number, kind, a description of the call's arguments, and this PE's value encoded by the
 *   project's codec (or a token, when only the root needs it). A collective completes when a
 *   message from every member has arrived, so a PE that has passed collective s knows that every
 *   member has arrived at s.
 *
 * Matching: a message whose kind differs from this PE's collective with the same number, or that
 * arrives for a number this PE ran as a signal collective, is a mismatch; so is a signal word
 * with this number and another kind. A mismatch breaks the team's sequence for good, so it fails
 * the job (COLLECTIVE_MISMATCH through the host's fatal path, which aborts the lamella) naming
 * both calls and their source lines. Arguments that differ within the same kind (two PEs passing
 * different ops to allReduce) are found by every member alike from the descriptions, so those
 * reject with COLLECTIVE_MISMATCH on every member and leave the team usable.
 *
 * A collective may carry a name of its own beyond its kind (a distributed iterator's consumer,
 * "DistIter.count", see kinds.ts): mismatch and deadlock reports name the call by it, on this PE
 * from the label kept with its number, on the peer from its exchange message or status board.
 */
import { decodeOwned, defineAm, markUrgentAm, newAmHandle, type AmDef, type Engine } from '../../am/index.js';
import { deferred, ErrorCode, isLamellarError, LamellarError, type Deferred, type ErrorCodeValue } from '../../core/index.js';
import type { Lamella } from '../../lamellae/types.js';
import { decodeFromBytes, encodeToBytes, tags, type WireTypedArray } from '../../serde/index.js';
import { DisseminationBarrier, LATER, STALE_GAP, type BarrierHooks } from '../barrier.js';
import { Kind, kindName, UNKNOWN_KIND } from './kinds.js';
import { captureSite, NOT_RECORDED, siteText, type Site } from './site.js';
import { readPeerCall, State, type PeerCall, type StatusBoard } from './status.js';
import type { Watch, Waiting } from './watch.js';

/** What a channel needs from its PE's runtime. */
export interface ChannelHost {
  readonly lamella: Lamella;
  readonly engine: Engine;
  readonly watch: Watch;
  readonly board: StatusBoard | undefined;
  readonly decodeContext: unknown;
  /**
   * Fails this PE and the job (lamella abort), naming `err`; returns the error the job failed
   * with, which is an earlier one's if this PE had already failed it.
   */
  fatal(err: Error): Error;
  teamName(id: number): string;
  /** Messages that arrived for team `id` before its channel existed here. */
  takeEarly(id: number): [number, CollMsg][] | undefined;
  channel(id: number): Channel | undefined;
  keepEarly(id: number, src: number, m: CollMsg): void;
  /**
   * Where this PE's world shutdown was called (`shutdown()`, or the end of an `await using`
   * scope), once it has been: no collective but that shutdown and teams' drops follows it.
   */
  readonly shutdownSite: Site | undefined;
  /** Numbers without a signal collective before the barrier's slots are lowered (STALE_GAP). */
  readonly staleGap?: number;
}

/** One member's part of an exchange collective, as it travels. */
export interface CollMsg {
  /** team id */ t: number;
  /** sequence number */ s: number;
  /** kind */ k: number;
  /** FLAG_* */ f: number;
  /** description of the call's arguments, compared across members */ d: string;
  /**
   * the encoded value, for FLAG_INVALID the encoded [code, message], for FLAG_ARRAY the value
   * itself (a typed array, which the AM's own encoding carries)
   */
  b: Uint8Array | NumericView;
}

type NumericView = WireTypedArray;

const FLAG_VALUE = 0;
const FLAG_INVALID = 1;
const FLAG_TOKEN = 2;
/**
 * The value is a large typed array, sent as it is: the AM's encoding copies it once at the launch
 * and the receiver's decoding once into a fresh array, which is the value. Encoding it into bytes
 * first, and decoding those on arrival, were two more copies of it (an allReduce of 8 MB spent
 * most of its time in copies and in the GC of their buffers).
 */
const FLAG_ARRAY = 3;
/** Typed-array values from this many bytes up travel as FLAG_ARRAY. */
const ARRAY_MIN = 64 << 10;
const NOTHING_HELD = (): void => undefined;

/** The built-in typed arrays: a subclass (a Node Buffer, whose `slice` shares) keeps the bytes path. */
const TYPED_ARRAYS: ReadonlySet<unknown> = new Set(tags.TYPED_ARRAY_KINDS);

function isLargeTypedArray(v: unknown): v is NumericView {
  // 4 GiB and more is refused by the encoding (a u32 length), which the bytes path turns into a
  // refusal every member sees; a launch failing here would reject on this PE alone.
  return ArrayBuffer.isView(v) && TYPED_ARRAYS.has(v.constructor) && v.byteLength >= ARRAY_MIN && v.byteLength <= 0xffffffff;
}
const EMPTY = new Uint8Array(0);
/** How many recent sequence numbers keep their kind and site (a power of two). */
const RECENT = 256;
const RECENT_MASK = RECENT - 1;

let host: ChannelHost | undefined;

/** The runtime that receives collective messages on this PE (one world per PE). */
export function setChannelHost(h: ChannelHost | undefined): void {
  host = h;
}

/**
 * A member's value decoded as its message arrived (CollAm), with how to release the handles in it
 * if it reaches nobody. Decoded then, not when the collective completes: the reference counting
 * of Darcs and regions (memregion/quiesce.ts) counts a handle once the message carrying it has
 * been handled here, so a Darc waiting in a message's bytes for a member that has not yet called
 * the collective could be freed under it (and its decode then failed).
 */
interface Arrival {
  readonly value: unknown;
  readonly release: () => void;
}

const arrivals = new WeakMap<CollMsg, Arrival>();

/** Releases what `m` brought, if it was decoded and will now reach nobody. */
function dropArrival(m: CollMsg): void {
  const a = arrivals.get(m);
  if (a === undefined) return;
  arrivals.delete(m);
  a.release();
}

/**
 * Collective messages this PE has launched and run: work the engine counts like any AM's, which
 * the shutdown's count of work started (World's #quiet) leaves out, since its own exchanges
 * would otherwise move it every round.
 */
let collWork = 0;
export function collectiveWork(): number {
  return collWork;
}

const CollAm: AmDef<CollMsg, void> = defineAm('lamellar/coll', (ctx, m: CollMsg): void => {
  collWork++;
  const h = host;
  if (h === undefined) return;
  if (m.f === FLAG_ARRAY) arrivals.set(m, { value: m.b, release: NOTHING_HELD });
  else if (m.f === FLAG_VALUE && m.b.byteLength > 0) {
    try {
      arrivals.set(m, decodeOwned(() => decodeFromBytes(m.b as Uint8Array, h.decodeContext)));
    } catch {
      // Decoded again when the collective completes, which then rejects with this error.
    }
  }
  const ch = h.channel(m.t);
  if (ch === undefined) h.keepEarly(m.t, ctx.srcPe, m);
  else ch.receive(ctx.srcPe, m);
});
// A PE busy with a burst of AMs still takes its part in a collective: the message is taken out of
// turn (its order among the program's AMs means nothing; each collective has its own number).
markUrgentAm(CollAm);

interface Slot {
  readonly kind: number;
  readonly desc: string;
  site: Site | undefined;
  readonly bytes: (Uint8Array | NumericView)[];
  /** The other members' values, decoded as they arrived (see Arrival); undefined: decode the bytes. */
  readonly values: (Arrival | undefined)[];
  readonly flags: Uint8Array;
  readonly descs: string[];
  got: number;
  mine: boolean;
  readonly d: Deferred<(Uint8Array | NumericView)[]>;
  waiting: Waiting | undefined;
}

/** A reserved exchange: its sequence number is taken; `run` contributes this PE's value. */
export interface Reserved<T> {
  readonly seq: number;
  run(value: T, opts?: ExchangeOptions): Promise<unknown[]>;
}

export interface ExchangeOptions {
  /** Send the value only to this team PE; the others get a token (gather). */
  onlyTo?: number;
  /** This PE's input was bad: every member rejects, this PE with this error. */
  invalid?: LamellarError;
  /** This PE contributes no value (a broadcast's non-roots): only its arrival travels. */
  token?: boolean;
  /** Codec label for an unserializable value ("allGather() value"). */
  label?: string;
  /** The caller's site, captured cheaply by the public method (else captured here). */
  site?: Site;
}

/** A signal collective's own name and call site (a distributed iterator's opening barrier). */
export interface SignalCall {
  readonly label: string;
  readonly site: Site;
  /**
   * Not a wait of its own for the deadlock watch: the world's shutdown run on a team (see
   * WorldRuntime.endTeams), which the world's own shutdown wait already diagnoses (its members
   * are all in the world).
   */
  readonly unwatched?: boolean;
}

export class Channel implements BarrierHooks {
  readonly teamId: number;
  /** World ids of the members, in team order. */
  readonly pes: readonly number[];
  /** This PE's team index. */
  readonly me: number;
  readonly #h: ChannelHost;
  readonly #barrier: DisseminationBarrier;
  #seq = 0;
  /**
   * Kinds of the last RECENT sequence numbers, and the call sites of those this PE ran as signal
   * collectives (when captured), for naming this PE's side of a mismatch that a message shows
   * only after that collective has passed or while it waits its turn.
   */
  readonly #kinds = new Uint8Array(RECENT);
  readonly #sites = new Array<Site | undefined>(RECENT);
  /** The names of those that have one beyond their kind (SignalCall, Kind.iteration exchanges). */
  readonly #labels = new Array<string | undefined>(RECENT);
  readonly #slots = new Map<number, Slot>();
  readonly #early = new Map<number, [number, CollMsg][]>();
  /** The signal collective in flight; later ones run after it. */
  #sigTail: Promise<void> | undefined;
  /** The number of the last signal collective taken, or of the last lowering of the slots. */
  #freshAt = 0;
  /** The signal collective running now (one at a time): its number, kind, site and wait. */
  #curSeq = 0;
  #curKind = 0;
  #curSite: Site | undefined;
  #curWaiting: Waiting | undefined;
  #curUnwatched = false;
  readonly #alwaysSite: boolean;
  #closed = false;
  /** This PE took the number of the team's last collective (a shutdown, a drop). */
  #ended = false;
  /** Rejected with the job's failure by failPending (see orFailure). */
  readonly #failure = deferred<never>();

  constructor(h: ChannelHost, teamId: number, pes: readonly number[], barrierAddrs: readonly number[], alwaysSite: boolean) {
    this.#h = h;
    this.teamId = teamId;
    this.pes = pes;
    this.me = pes.indexOf(h.lamella.myPe);
    this.#barrier = new DisseminationBarrier(h.lamella, pes, barrierAddrs, this.me);
    this.#alwaysSite = alwaysSite;
    this.#failure.promise.catch(() => undefined);
  }

  /** Delivers messages that arrived before this channel was registered. */
  drainEarly(): void {
    for (const [src, m] of this.#h.takeEarly(this.teamId) ?? []) this.receive(src, m);
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
  }

  /**
   * Settles once every exchange this PE has taken a number for is complete (or failed): those
   * it has run and those only reserved, which their callers run later (a distributed consumer's
   * closing exchange, taken at its call). A team's drop waits for this before the channel goes
   * away: the drop meets the members by signal words, which can overtake another member's
   * exchange message for an earlier collective (an allReduce or a distIter left running, then
   * drop), and a message for a channel that is gone is never delivered.
   */
  async idle(): Promise<void> {
    const open = [...this.#slots.values()].map((s) => s.d.promise);
    if (open.length > 0) await Promise.allSettled(open);
  }

  /** Whether this PE has called the team's last collective (a shutdown or a drop), run or not. */
  get ended(): boolean {
    return this.#ended;
  }

  // ---- signal collectives ----

  /**
   * A signal collective (barrier, shutdown, conversion, drop). Returns undefined when it
   * completed synchronously (every member arrived within the spin window).
   */
  signal(kind: number, call?: SignalCall): Promise<void> | undefined {
    const seq = this.#take(kind, call?.label);
    this.#freshAt = seq;
    const unwatched = call?.unwatched === true;
    if (this.#sigTail === undefined) {
      const p = this.#runSignal(seq, kind, call?.site ?? (this.#alwaysSite ? captureSite() : undefined), unwatched);
      return p === undefined ? undefined : this.#track(p);
    }
    // Queued behind another: capture the site now, while the caller's frame is on the stack.
    const site = call?.site ?? captureSite();
    this.#sites[seq & RECENT_MASK] = site;
    return this.#track(this.#sigTail.then(() => this.#runSignal(seq, kind, site, unwatched)));
  }

  /** Takes a sequence number for a signal collective that runs later, in its turn, on `run()`. `given`: its call site, already captured. */
  reserveSignal(kind: number, call?: SignalCall, given?: Site): { seq: number; run(): Promise<void> } {
    const seq = this.#take(kind, call?.label);
    this.#freshAt = seq;
    const site = call?.site ?? given ?? captureSite();
    this.#sites[seq & RECENT_MASK] = site;
    const gate = deferred<void>();
    const p = this.#track((this.#sigTail ?? Promise.resolve()).then(() => gate.promise).then(() => this.#runSignal(seq, kind, site)));
    return {
      seq,
      run: () => {
        gate.resolve();
        return p;
      },
    };
  }

  /**
   * Has the barrier lower this PE's slots after the signal collectives before `seq` (see
   * barrier.ts: after 2^27 numbers without one, a slot's last word would pass the next barrier).
   */
  #lowerSlots(seq: number): void {
    this.#freshAt = seq;
    if (this.#sigTail === undefined) this.#barrier.lower(seq);
    else void this.#track(this.#sigTail.then(() => this.#barrier.lower(seq)));
  }

  #track(p: Promise<void>): Promise<void> {
    this.#sigTail = p;
    const clear = (): void => {
      if (this.#sigTail === p) this.#sigTail = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  #runSignal(seq: number, kind: number, site: Site | undefined, unwatched = false): Promise<void> | undefined {
    if (this.pes.length === 1) return undefined;
    const early = this.#early.get(seq);
    if (early !== undefined) {
      // Another member's message for this number may still be on its way: keep the site where
      // receive() looks for it, so that report names this call too.
      const here = site ?? captureSite();
      this.#sites[seq & RECENT_MASK] = here;
      const [src, m] = early[0]!;
      return this.#mismatch(seq, this.#callName(seq, kind), kind, here, src, m.k, msgName(m), refusedSite(m));
    }
    this.#curSeq = seq;
    this.#curKind = kind;
    this.#curSite = site;
    this.#sites[seq & RECENT_MASK] = site;
    this.#curWaiting = undefined;
    this.#curUnwatched = unwatched;
    // Nothing follows a shutdown or a drop on this team: a partner already past it never made it.
    const final = kind === Kind.shutdown || kind === Kind.teamDrop;
    const p = final ? this.#barrier.runFinal(seq, kind, this) : this.#barrier.run(seq, kind, this);
    if (p === undefined) return undefined;
    const w = this.#curWaiting as Waiting | undefined;
    if (w === undefined) return p;
    const watch = this.#h.watch;
    return p.then(
      () => watch.end(w),
      (err: unknown) => {
        watch.end(w);
        throw err;
      },
    );
  }

  /** BarrierHooks: a round has to wait; still inside the caller's synchronous call. */
  slow(): void {
    if (this.#curUnwatched) return;
    this.#curWaiting = this.#wait(this.#curSeq, this.#curKind, this.#siteNow(), undefined);
  }

  /**
   * BarrierHooks: a partner is already in a later collective; still inside the caller's call.
   * If that partner ran this number as an exchange, its message will show the mismatch after
   * this barrier has passed, and the report needs this call's site: capture it now, the only
   * time it can be (rare between matched calls, see barrier.ts).
   */
  ahead(): void {
    this.#siteNow();
  }

  /** BarrierHooks: a partner signalled this number with another kind. */
  mismatch(fromTeamPe: number, theirKind: number): Promise<never> {
    const seq = this.#curSeq;
    return this.#mismatch(seq, this.#callName(seq, this.#curKind), this.#curKind, this.#siteNow(), this.pes[fromTeamPe]!, theirKind);
  }

  /** The running signal collective's site, captured now if it was not (the caller's frame must be on the stack). */
  #siteNow(): Site {
    if (this.#curSite === undefined) {
      this.#curSite = captureSite();
      this.#sites[this.#curSeq & RECENT_MASK] = this.#curSite;
    }
    return this.#curSite;
  }

  // ---- exchange collectives ----

  /** An exchange collective: every member contributes `value` and gets every member's, in team order. */
  exchange<T>(kind: number, desc: string, value: T, opts?: ExchangeOptions): Promise<unknown[]> {
    return this.reserve<T>(kind, desc, opts?.site, opts?.invalid !== undefined).run(value, opts);
  }

  /**
   * Takes the next sequence number for an exchange whose value is known only later (after a
   * lock, say), so that concurrent calls keep the order in which they were made.
   */
  reserve<T>(kind: number, desc: string, site?: Site, named = false): Reserved<T> {
    // A consumer's exchange, and a call already known to be refused ("AtomicArray.create(bad
    // options)"): the description is the call's name (kinds.ts). Named here, not when the value
    // comes: a peer's message already waiting for this number is matched below, at once.
    const seq = this.#take(kind, kind === Kind.iteration || named ? desc : undefined);
    this.#sites[seq & RECENT_MASK] = undefined;
    if (seq - this.#freshAt >= (this.#h.staleGap ?? STALE_GAP)) this.#lowerSlots(seq);
    const n = this.pes.length;
    const slot: Slot = {
      kind,
      desc,
      site: site ?? captureSite(),
      bytes: new Array<Uint8Array>(n),
      values: new Array<Arrival | undefined>(n),
      flags: new Uint8Array(n),
      descs: new Array<string>(n),
      got: 0,
      mine: false,
      d: deferred<(Uint8Array | NumericView)[]>(),
      waiting: undefined,
    };
    this.#slots.set(seq, slot);
    const early = this.#early.get(seq);
    if (early !== undefined) {
      this.#early.delete(seq);
      for (const [src, m] of early) this.receive(src, m);
    }
    return { seq, run: (value, opts) => this.#contribute(seq, slot, value, opts ?? {}) };
  }

  #contribute(seq: number, slot: Slot, value: unknown, opts: ExchangeOptions): Promise<unknown[]> {
    let flag = FLAG_VALUE;
    let bytes: Uint8Array | NumericView;
    let invalid = opts.invalid;
    if (invalid === undefined && opts.token === true) {
      flag = FLAG_TOKEN;
      bytes = EMPTY;
    } else if (invalid === undefined && isLargeTypedArray(value)) {
      flag = FLAG_ARRAY;
      bytes = value;
    } else if (invalid === undefined) {
      try {
        bytes = encodeToBytes(value, opts.label ?? `${kindName(slot.kind)} value`, 'value');
      } catch (err) {
        invalid = err instanceof LamellarError ? err : new LamellarError(ErrorCode.SERIALIZE, String(err), { cause: err });
        bytes = EMPTY;
      }
    } else bytes = EMPTY;
    const me = this.me;
    const carries = flag === FLAG_VALUE || flag === FLAG_ARRAY;
    // The first message that carries the value goes out before any other: if its frame is larger
    // than the lamella takes (LAMELLAR_MAX_FRAME on tcp and ofi), nothing has been sent yet, and
    // the call becomes a refusal every member sees. Rejecting on this PE alone left the others
    // waiting in it for ever (a broadcast root's value only it could not send).
    let sentTo = -1;
    if (invalid === undefined && carries) {
      const first = opts.onlyTo !== undefined ? (opts.onlyTo === me ? -1 : opts.onlyTo) : me === 0 ? 1 : 0;
      if (first >= 0 && first < this.pes.length) {
        try {
          this.#send(seq, slot, first, flag, bytes);
          sentTo = first;
        } catch (err) {
          if (!isLamellarError(err, ErrorCode.FRAME_TOO_LARGE)) throw err;
          invalid = new LamellarError(ErrorCode.FRAME_TOO_LARGE, `${slot.desc}: this PE's value does not fit in one message: ${err.message}`, { cause: err, details: err.details });
        }
      }
    }
    if (invalid !== undefined) {
      flag = FLAG_INVALID;
      // The call's site travels with the refusal: this PE rejects at once and its board moves
      // on, so a peer that finds a mismatch with this call cannot read the site there.
      bytes = encodeToBytes([invalid.code, invalid.message, siteText(slot.site)]);
      // Named as the peers name it (msgName): "UnsafeArray.create(bad options)"; only while its
      // number is recent, or the slot is a newer collective's.
      if (this.#seq - seq < RECENT) this.#labels[seq & RECENT_MASK] = slot.desc;
    }
    slot.mine = true;
    slot.bytes[me] = bytes;
    // A value only the root receives (gather) is not this PE's to decode: decoding it would
    // make a handle (a Darc's reference, say) that nobody gets, and so nobody releases.
    slot.flags[me] = opts.onlyTo !== undefined && opts.onlyTo !== me && flag !== FLAG_INVALID && flag !== FLAG_TOKEN ? FLAG_TOKEN : flag;
    // Its own value is decoded now, as the others' are on arrival (see Arrival): the handles in
    // it are counted from here, whatever the program drops before the collective completes.
    // This PE's own array is copied now: the program may change it before the collective ends.
    if (slot.flags[me] === FLAG_ARRAY) slot.values[me] = { value: (bytes as NumericView).slice(), release: NOTHING_HELD };
    else if (slot.flags[me] === FLAG_VALUE && bytes.byteLength > 0) {
      try {
        slot.values[me] = decodeOwned(() => decodeFromBytes(bytes as Uint8Array, this.#h.decodeContext));
      } catch {
        // Decoded again at completion, which then rejects with this error.
      }
    }
    slot.descs[me] = slot.desc;
    slot.got++;
    for (let i = 0; i < this.pes.length; i++) {
      if (i === me || i === sentTo) continue;
      const token = opts.onlyTo !== undefined && opts.onlyTo !== i && (flag === FLAG_VALUE || flag === FLAG_ARRAY);
      this.#send(seq, slot, i, token ? FLAG_TOKEN : flag, token ? EMPTY : bytes);
    }
    const result = slot.d.promise.then((all) => this.#finish(slot, all));
    if (invalid !== undefined) {
      // Thrown here at once; the others learn of it from the message and reject too.
      result.catch(() => undefined);
      if (slot.got === this.pes.length) this.#complete(seq, slot);
      return Promise.reject(invalid);
    }
    if (slot.got === this.pes.length) this.#complete(seq, slot);
    else {
      slot.waiting = this.#wait(seq, slot.kind, slot.site, () => this.pes.filter((_, i) => slot.bytes[i] === undefined));
    }
    return result;
  }

  /** Sends team PE `i` this PE's part of exchange `seq`. */
  #send(seq: number, slot: Slot, i: number, flag: number, b: Uint8Array | NumericView): void {
    const m: CollMsg = { t: this.teamId, s: seq, k: slot.kind, f: flag, d: slot.desc, b };
    this.#h.engine.launchPe(0, this.pes[i]!, CollAm as AmDef<unknown, unknown>, m, newAmHandle<unknown>(CollAm.name, this.pes[i]!, undefined));
    collWork++;
  }

  /** A member's message for this team. */
  receive(src: number, m: CollMsg): void {
    const i = this.pes.indexOf(src);
    if (i < 0) return;
    const slot = this.#slots.get(m.s);
    if (slot === undefined) {
      if (m.s > this.#seq) {
        let list = this.#early.get(m.s);
        if (list === undefined) this.#early.set(m.s, (list = []));
        list.push([src, m]);
        return;
      }
      // This PE took that number for a signal collective (running, passed, or waiting its turn):
      // the two PEs paired different calls. Name ours from the number, not from the collective
      // running now, which may be a later one.
      const known = this.#seq - m.s < RECENT;
      const mine = known ? this.#kinds[m.s & RECENT_MASK]! : UNKNOWN_KIND;
      const site = known ? this.#sites[m.s & RECENT_MASK] : undefined;
      const name = known ? this.#callName(m.s, mine) : kindName(mine);
      dropArrival(m);
      void this.#mismatch(m.s, name, mine, site, src, m.k, msgName(m), refusedSite(m)).catch(() => undefined);
      return;
    }
    if (slot.kind !== m.k) {
      dropArrival(m);
      void this.#mismatch(m.s, this.#callName(m.s, slot.kind), slot.kind, slot.site, src, m.k, msgName(m), refusedSite(m)).catch(() => undefined);
      return;
    }
    slot.values[i] = arrivals.get(m);
    arrivals.delete(m);
    slot.bytes[i] = m.b;
    slot.flags[i] = m.f;
    slot.descs[i] = m.d;
    if (++slot.got === this.pes.length && slot.mine) this.#complete(m.s, slot);
  }

  /**
   * The job failed on this PE (runtime.fatal): every exchange still waiting here rejects with
   * `err`, since nothing can complete it any more. A script that is unwinding an error of its own
   * may be waiting for one (an `await using` array's drop waits for the consumer it started), and
   * only then does its own error, the job's cause, reach the launcher.
   */
  failPending(err: Error): void {
    for (const [seq, slot] of this.#slots) {
      this.#slots.delete(seq);
      releaseValues(slot);
      if (slot.waiting !== undefined) this.#h.watch.end(slot.waiting);
      // A reserved exchange not yet run has no caller to take the rejection.
      slot.d.promise.catch(() => undefined);
      slot.d.reject(err);
    }
    this.#failure.reject(err);
  }

  /**
   * `p`, or the job's failure once failPending has run. A signal collective waits on signal
   * words that no failure wakes; a distributed consumer's opening barrier uses this, so that a
   * consumer left running ends with the job (a barrier() call does not: it would cost every
   * barrier that waits a race).
   */
  orFailure<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.#failure.promise]);
  }

  #complete(seq: number, slot: Slot): void {
    this.#slots.delete(seq);
    if (slot.waiting !== undefined) this.#h.watch.end(slot.waiting);
    slot.d.resolve(slot.bytes);
  }

  #finish(slot: Slot, all: (Uint8Array | NumericView)[]): unknown[] {
    try {
      return this.#values(slot, all);
    } catch (err) {
      // The values reach nobody: their handles go (a Darc another member sent, say).
      releaseValues(slot);
      throw err;
    }
  }

  #values(slot: Slot, all: (Uint8Array | NumericView)[]): unknown[] {
    const name = kindName(slot.kind);
    const bad = this.#indices(slot.flags, FLAG_INVALID);
    if (bad.length > 0) {
      const [code, msg] = decodeFromBytes(all[bad[0]!]! as Uint8Array) as [ErrorCodeValue, string];
      throw new LamellarError(
        code,
        `${name} on ${this.#h.teamName(this.teamId)}: team PE(s) ${bad.join(', ')} passed bad input, so every member rejects this call (the team stays usable): ${msg}`,
        // causedBy: the world PE whose own error says what was bad (the launcher reports that first).
        { details: { pes: bad, causedBy: this.pes[bad[0]!] } },
      );
    }
    const odd = slot.descs.map((d, i) => (d === slot.desc ? -1 : i)).filter((i) => i >= 0);
    if (odd.length > 0) {
      throw new LamellarError(
        ErrorCode.COLLECTIVE_MISMATCH,
        `mismatched collective call on ${this.#h.teamName(this.teamId)}: this PE (team PE ${this.me}) called ${slot.desc} at ${siteText(slot.site)}, ` +
          `but team PE(s) ${odd.map((i) => `${i} called ${slot.descs[i]}`).join(', ')}; every team PE must make the same collective calls with the same arguments`,
        { details: { desc: slot.desc, pes: odd } },
      );
    }
    const ctx = this.#h.decodeContext;
    const out = all.map((b, i) => {
      if (slot.flags[i] === FLAG_TOKEN) return undefined;
      const a = slot.values[i];
      return a === undefined ? decodeFromBytes(b as Uint8Array, ctx) : a.value;
    });
    // Handed out: the caller owns them now.
    slot.values.fill(undefined);
    return out;
  }

  #indices(flags: Uint8Array, f: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < flags.length; i++) if (flags[i] === f) out.push(i);
    return out;
  }

  // ---- shared ----

  #take(kind: number, label?: string): number {
    if (this.#closed) {
      throw new LamellarError(ErrorCode.USE_AFTER_RELEASE, `${label ?? kindName(kind)} on ${this.#h.teamName(this.teamId)} after team.drop()`);
    }
    const final = kind === Kind.shutdown || kind === Kind.teamDrop;
    const ending = this.#h.shutdownSite;
    if (ending !== undefined && !final && followOn === 0) {
      // The shutdown takes its number later (after this PE's work has finished, and a disposal's
      // a turn later): a collective called meanwhile went through, or met the others' shutdown.
      const text = siteText(ending);
      const at = text === NOT_RECORDED ? '' : ` at ${text}`;
      throw new LamellarError(
        ErrorCode.WORLD_SHUT_DOWN,
        `${label ?? kindName(kind)} after the world's shutdown began${at} (shutdown(), or the end of an \`await using\` scope that holds the world, or the launcher's once the script returned): no collective follows it`,
      );
    }
    const seq = ++this.#seq;
    if (final) this.#ended = true;
    this.#kinds[seq & RECENT_MASK] = kind;
    this.#labels[seq & RECENT_MASK] = label;
    return seq;
  }

  /** How this PE's call of recent collective `seq` is named: its own name, else its kind's. */
  #callName(seq: number, kind: number): string {
    return this.#labels[seq & RECENT_MASK] ?? kindName(kind);
  }

  #wait(seq: number, kind: number, site: Site | undefined, missing: (() => number[]) | undefined): Waiting {
    const label = this.#seq - seq < RECENT ? (this.#labels[seq & RECENT_MASK] ?? '') : '';
    const w: Waiting = {
      what: `${label || kindName(kind)} #${seq} on ${this.#h.teamName(this.teamId)}`,
      state: State.inCollective,
      team: this.teamId,
      seq,
      kind,
      label,
      site,
      missing: missing ?? (() => undefined),
      members: this.pes,
      start: 0,
      nextAt: 0,
      reports: 0,
    };
    this.#h.watch.begin(w);
    return w;
  }

  /**
   * Fails the job: this PE's collective `seq` (named `name`, of `kind`) met world PE `pe`'s
   * `theirKind` (named `theirName` when its message told), or, with LATER, found `pe` already past
   * it in a collective after which the team can have no other (barrier.ts). `theirSite` is the
   * site a refusal carried (the peer's board no longer shows that call).
   */
  async #mismatch(seq: number, name: string, kind: number, site: Site | undefined, pe: number, theirKind: number, theirName?: string, theirSite?: string): Promise<never> {
    // The peer may be reading this PE's board for the same reason: show this call and its site
    // at once (a barrier that found the mismatch without waiting had not published it).
    this.#wait(seq, kind, site, undefined);
    this.#h.watch.flushSite();
    const their: PeerCall = theirSite === undefined ? await readPeerCall(this.#h.board, pe, this.teamId, seq, theirKind) : { site: theirSite, kind: theirKind, label: '' };
    // The job may have failed while the peer's board was read: by the peer, for this mismatch,
    // or by another check of this PE that found it too (a shutdown that found the peer past it,
    // and the peer's message). Its first report is the job's; a read cut short by it names less.
    if (their.stopped !== undefined) throw this.#h.fatal(their.stopped);
    const k = theirKind === LATER ? their.kind : theirKind;
    const theirs = theirName ?? (their.label || (k === undefined ? 'another collective (it has gone past this one)' : kindName(k)));
    const err = new LamellarError(
      ErrorCode.COLLECTIVE_MISMATCH,
      `collective mismatch on ${this.#h.teamName(this.teamId)}: world PE ${this.#h.lamella.myPe} called ${name} at ${siteText(site)}, ` +
        `while world PE ${pe} called ${theirs}${their.site === undefined ? '' : ` at ${their.site}`}, both as collective #${seq} of this team. ` +
        // A shutdown on a team is the world's, run there as the team's last collective (WorldRuntime.endTeams).
        (this.teamId !== 0 && (kind === Kind.shutdown || k === Kind.shutdown)
          ? "The world's shutdown() is the last collective of every team too: a PE in it can never join another collective on this team. "
          : '') +
        'Every PE of a team must call the same collectives in the same order (a PE skipped or added one); the job stops.',
      { details: { seq, kind: kindName(kind), call: name, peer: pe, peerKind: k === undefined ? undefined : kindName(k), peerCall: theirs, teamId: this.teamId } },
    );
    throw this.#h.fatal(err);
  }
}

/** Depth of followOnCollective calls running now. */
let followOn = 0;

/**
 * Runs `take`, which takes a collective's turn at once (a creation, a barrier), as a step of work
 * the program started earlier: a collect's creation and barrier, print()'s closing barrier. Such
 * a step may come after the world's shutdown was called, which waits for that work first; a
 * collective the program itself calls then is refused (WORLD_SHUT_DOWN).
 */
export function followOnCollective<T>(take: () => T): T {
  followOn++;
  try {
    return take();
  } finally {
    followOn--;
  }
}

/** The name a collective message gives its call, if it has one beyond its kind (kinds.ts). */
/** Releases the handles in a slot's values decoded on arrival and not yet handed out. */
function releaseValues(slot: Slot): void {
  for (let i = 0; i < slot.values.length; i++) {
    const a = slot.values[i];
    if (a === undefined) continue;
    slot.values[i] = undefined;
    a.release();
  }
}

function msgName(m: CollMsg): string | undefined {
  // A refused call's description names the call ("UnsafeArray.create(bad options)").
  return m.k === Kind.iteration || m.f === FLAG_INVALID ? m.d : undefined;
}

/** The call site a refusal carries (#contribute), if recorded. */
function refusedSite(m: CollMsg): string | undefined {
  if (m.f !== FLAG_INVALID) return undefined;
  try {
    const site = (decodeFromBytes(m.b as Uint8Array) as unknown[])[2];
    return typeof site === 'string' && site !== NOT_RECORDED ? site : undefined;
  } catch {
    return undefined;
  }
}
