/**
 * Dissemination barrier over memory signals (Hensgen, Finkel and Manber; Lamellar's barrier.rs
 * with factor 1). In round r, team PE k signals PE (k + 2^r) mod P and waits for the signal from
 * PE (k - 2^r) mod P; after ceil(log2 P) rounds every PE has heard, directly or not, from all.
 *
 * Each member has one i32 slot per round in its heap. A signal word is the collective's sequence
 * number on the team (28 bits, wrapping) shifted left by 4, with the collective's kind in the low
 * 4 bits. Sequence numbers only grow and a waiter waits for "slot >= seq << 4", so one slot per
 * round suffices: a fast PE that already signals a later collective only makes the condition
 * true earlier. Matching is free: when the slot holds this very sequence number, its kind must be
 * ours, else the two PEs are in different collectives (a barrier against a shutdown, say) and the
 * caller is told at once. A PE forwards a round only after checking it, so before any PE passes
 * collective s, every check on the way saw exactly s: a mismatch among signalling collectives is
 * always caught by someone. (Kinds that exchange values are caught by their messages instead;
 * see channel.ts. A barrier whose partner ran that number as an exchange passes as soon as the
 * partner signals a later collective; the partner's message then shows the mismatch. A shutdown
 * or a drop, which nothing follows, fails there instead: see runFinal.) Calls on
 * one PE run one after another (the channel orders them), so the values this PE writes into a
 * slot only grow.
 *
 * The wrapping compare ("slot - target" as an i32) holds while a slot lags its target by fewer
 * than 2^27 sequence numbers. Exchanges signal nothing, so a team that ran more than that many
 * of them between two barriers (about 7 minutes of nothing but allReduce on shmem) would find
 * its slot's last word "ahead" of the next target and pass without its partner. So every
 * STALE_GAP numbers without a signal collective the channel has each PE lower its own slots
 * (`lower`), in turn after its signal collectives before: by compare-and-swap against the word
 * it last found there, to a word just below every later target. The partner has written nothing
 * since, or it has written the word of its next barrier (a later number, not taken here yet),
 * which is never the word swapped out (fewer than 2^28 numbers on, or a kind other than 0), so
 * the swap fails and that word stands.
 *
 * On shmem a signal is an Atomics.store plus notify into the partner's heap, and the wait spins
 * briefly before sleeping in Atomics.waitAsync, so PEs that arrive together pass in well under a
 * microsecond per round and an idle PE costs no CPU.
 */
import type { Lamella } from '../lamellae/types.js';

export const barrierRounds = (numPes: number): number => (numPes <= 1 ? 0 : Math.ceil(Math.log2(numPes)));

export const SEQ_MASK = 0x0fffffff;

/** BarrierHooks.mismatch's `theirKind` for a partner already past a final collective. */
export const LATER = -1;

/** How many sequence numbers a team runs without a signal collective before its slots are lowered. */
export const STALE_GAP = 2 ** 26;

/** Set above the kind's 4 bits (never in a signal word): the collective is the team's last. */
const FINAL = 16;

/** The signal word of collective `seq` of `kind`. */
export const signalWord = (seq: number, kind: number): number => (((seq & SEQ_MASK) << 4) | kind) | 0;

export interface BarrierHooks {
  /** A round has to wait: called once, synchronously, before the first asynchronous step. */
  slow(): void;
  /**
   * A partner's word already holds a later collective, found while still inside the caller's
   * synchronous call (the rounds that did not wait). May be called more than once.
   */
  ahead(): void;
  /**
   * The partner `fromTeamPe` signalled this sequence number with another kind, or (`theirKind`
   * LATER) is already past this collective, which was one that no other can follow.
   */
  mismatch(fromTeamPe: number, theirKind: number): Promise<never>;
}

export class DisseminationBarrier {
  readonly #lamella: Lamella;
  /** World ids of the members, in team order. */
  readonly #pes: readonly number[];
  /** Each member's slot array address, in team order. */
  readonly #addrs: readonly number[];
  readonly #me: number;
  readonly #own: Int32Array;
  /** Per round: the word this PE last found in its slot there (or lowered it to). */
  readonly #lastWord: Int32Array;

  constructor(lamella: Lamella, pes: readonly number[], addrs: readonly number[], me: number) {
    this.#lamella = lamella;
    this.#pes = pes;
    this.#addrs = addrs;
    this.#me = me;
    this.#own = new Int32Array(lamella.heap(lamella.myPe)!);
    this.#lastWord = new Int32Array(barrierRounds(pes.length));
  }

  /** Bytes of heap each member needs for its slots. */
  static bytes(numPes: number): number {
    return Math.max(4, barrierRounds(numPes) * 4);
  }

  /**
   * Runs collective `seq` of `kind` as a barrier. Rounds whose partner signal is already there
   * (or arrives within the spin window) complete synchronously, so PEs arriving together pay no
   * promise hops; returns undefined when the whole barrier completed synchronously.
   */
  run(seq: number, kind: number, hooks: BarrierHooks): Promise<void> | undefined {
    return this.#rounds(signalWord(seq, kind), (seq & SEQ_MASK) << 4, kind, 0, hooks);
  }

  /**
   * Runs collective `seq` of `kind` as the team's last (a shutdown, a drop): a partner found in
   * a later collective did not make this call at this number (it ran an exchange here, which
   * signals nothing, and went on), and it never will, so that is a mismatch too. Passing on would
   * leave that partner waiting forever for this PE, which has gone.
   */
  runFinal(seq: number, kind: number, hooks: BarrierHooks): Promise<void> | undefined {
    return this.#rounds(signalWord(seq, kind), (seq & SEQ_MASK) << 4, kind | FINAL, 0, hooks);
  }

  /**
   * Lowers this PE's slots, unless a partner has signalled there since this PE last looked, to
   * the word of exchange `seq` with kind 0, below the target of every later collective for the
   * next 2^27 numbers. Runs between signal collectives, never during one.
   */
  lower(seq: number): void {
    const mine = this.#addrs[this.#me]! >>> 2;
    const low = (seq & SEQ_MASK) << 4;
    for (let r = 0; r < this.#lastWord.length; r++) {
      const was = this.#lastWord[r]!;
      if (Atomics.compareExchange(this.#own, mine + r, was, low) === was) this.#lastWord[r] = low;
    }
  }

  /** Runs rounds `from`.. : signal the partner, then wait for ours and check its kind. */
  #rounds(word: number, target: number, kind: number, from: number, hooks: BarrierHooks): Promise<void> | undefined {
    const p = this.#pes.length;
    const mine = this.#addrs[this.#me]!;
    for (let r = from, d = 1 << from; d < p; r++, d <<= 1) {
      const to = (this.#me + d) % p;
      this.#lamella.signal(this.#pes[to]!, this.#addrs[to]! + 4 * r, word);
      const w = this.#lamella.waitSignal(mine + 4 * r, target);
      if (w !== undefined) {
        if (from === 0) hooks.slow();
        return w.then(() => this.#check(r, mine + 4 * r, target, kind, d, hooks, false) ?? this.#rounds(word, target, kind, r + 1, hooks));
      }
      const bad = this.#check(r, mine + 4 * r, target, kind, d, hooks, from === 0);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }

  /** Checks round `r`'s word (already >= target) and keeps it; `sync`: still inside the caller's call. */
  #check(r: number, addr: number, target: number, kind: number, d: number, hooks: BarrierHooks, sync: boolean): Promise<never> | undefined {
    const got = Atomics.load(this.#own, addr >>> 2);
    this.#lastWord[r] = got;
    const p = this.#pes.length;
    if ((got & ~15) !== target) {
      if ((kind & FINAL) !== 0) return hooks.mismatch((this.#me - d + p) % p, LATER);
      // The partner is in a later collective. Between matched calls that is rare here (it has to
      // finish this one, which needs our signal, between our signal and this load), but it is how
      // a collective this PE runs as a barrier passes when the partner ran that number as an
      // exchange: only the exchange's message shows the mismatch, later, and the report then
      // needs this call's site, which only this synchronous part can still capture.
      if (sync) hooks.ahead();
      return undefined;
    }
    if ((got & 15) === (kind & 15)) return undefined;
    return hooks.mismatch((this.#me - d + p) % p, got & 15);
  }
}
