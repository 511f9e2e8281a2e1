/**
 * Where the outcomes of this PE's launches go: the table of requests waiting for a reply, keyed
 * by request id (an execAmPe launch's entry is its slab, whose slot takes the outcome; an
 * execAmAll part's is its MultiPart), the launch sites (LAMELLAR_AM_STACKS=1), and the failures
 * nobody awaited. Settling an entry also counts the launch done in the engine's work counter and
 * in its group's, which is what waitAll() waits on.
 */
import { config, ErrorCode, LamellarError, userSite } from '../core/index.js';
import type { Counter } from './counter.js';
import { bindSlab, kGroup, kObserved, kSettle, MultiPart, type AmHandle, type HandleCounter, type LocalAmHandle, type MultiAmHandle } from './handle.js';
import { PendingTable } from './pending.js';
import { remoteError } from './remote-error.js';
import { pendingLine, type Site } from './sites.js';
import { Slab, SLAB_SIZE } from './slab.js';
import { Unobserved } from './unobserved.js';
import type { WireError } from './wire.js';

/** The oldest launch waiting for its result (Outcomes.oldestPending). */
export interface OldestPending {
  id: number;
  /** The result it is, whole: "the result of active message 'x' on PE 1", "a result of execAmAll(x)". */
  what: string;
  site: string;
  /** The PE it runs on (undefined for a part of an execAmAll). */
  pe: number | undefined;
  /** Whether its handle is awaited (`then` was called): someone waits for this result. */
  awaited: boolean;
}

export type Settleable = AmHandle<unknown> | MultiPart | LocalAmHandle<unknown>;
/** What the pending table holds per request id: a handle, or (for execAmPe) the slab of its outcome. */
export type Pending = Settleable | Slab;

const observed = (h: Settleable): boolean => (h instanceof MultiPart ? h.multi[kObserved] : h[kObserved]);

export class Outcomes {
  readonly #myPe: number;
  readonly #pending = new PendingTable<Pending>();
  /** The slab that takes the next execAmPe launches' outcomes (slab.ts). */
  #slab: Slab | undefined;
  /** Everything launched from here and not settled, plus everything executing here (the engine's). */
  readonly #work: Counter;
  /**
   * Failures whose handles were not awaited when they settled (any value a local AM threw), with
   * the group counter the launch reported to (a sub-team's, a TaskGroup's, or both).
   */
  readonly #unobserved: Unobserved;
  /** Launch sites by handle (LAMELLAR_AM_STACKS=1); undefined when not recorded. */
  readonly #sites: WeakMap<object, Site> | undefined = config().amStacks ? new WeakMap() : undefined;
  /** Whether launch sites are recorded (LAMELLAR_AM_STACKS=1): launches then pass theirs. */
  readonly recordsSites = this.#sites !== undefined;

  constructor(myPe: number, work: Counter) {
    this.#myPe = myPe;
    this.#work = work;
    this.#unobserved = new Unobserved(myPe);
  }

  // ---- launching ----

  /**
   * Opens the entry of an execAmPe launch of AM `name` (its outcome goes to a slab slot the
   * handle is bound to) and counts it as work; returns the request id the wire carries. Called
   * only once the request is encoded, so a failed launch leaves no pending entry. `site` is the
   * launch site when `recordsSites` (captured by the launching frame, so that the stack's frame
   * limit is spent on the user's frames, not on this one).
   */
  openPe(name: string, handle: AmHandle<unknown>, site: Site | undefined): number {
    const id = this.#pending.nextId;
    let slab = this.#slab;
    if (slab === undefined || id - slab.first >= SLAB_SIZE) this.#slab = slab = new Slab(id);
    const slot = id - slab.first;
    const group = handle[kGroup];
    slab.open(slot, name, handle.pe, group, site);
    bindSlab(handle, slab, slot);
    const reqId = this.#pending.add(slab);
    this.#work.add();
    group?.add();
    return reqId;
  }

  /**
   * Records the launch site of an execAmAll launch, once for all its parts, or of an execAmLocal
   * one (only when `recordsSites`).
   */
  noteSite(handle: MultiAmHandle<unknown> | LocalAmHandle<unknown>, site: Site): void {
    this.#sites!.set(handle, site);
  }

  /** Opens the entry of part `i` of an execAmAll launch (the multi's group is `group`); returns its request id. */
  openPart(multi: MultiAmHandle<unknown>, i: number, group: HandleCounter | undefined): number {
    const reqId = this.#pending.add(new MultiPart(multi, i));
    this.#work.add();
    group?.add();
    return reqId;
  }

  // ---- settling ----

  /** The reply to request `reqId` (its wire id) arrived: settles its entry. */
  reply(reqId: number, ok: boolean, value: unknown): void {
    const h = this.#pending.take(reqId);
    if (h === undefined) {
      throw new LamellarError(ErrorCode.PROTOCOL, `reply for unknown request ${reqId} on PE ${this.#myPe}`);
    }
    this.settleEntry(h, this.#pending.lastId, ok, value);
  }

  /** A REPLY_UNITS record: requests `first` to `first + count - 1` (wire ids) returned nothing. */
  replyUnits(first: number, count: number): void {
    for (let k = 0; k < count; k++) this.reply((first + k) >>> 0, true, undefined);
  }

  /** Takes the entry of request `reqId` out of the table, to settle later; `lastId` is then its full id. */
  take(reqId: number): Pending | undefined {
    return this.#pending.take(reqId);
  }

  /** The full id of the entry the last `take` found. */
  get lastId(): number {
    return this.#pending.lastId;
  }

  /** Settles the pending entry of request `id` (its full id). */
  settleEntry(h: Pending, id: number, ok: boolean, value: unknown): void {
    if (!(h instanceof Slab)) {
      this.settle(h, ok, value);
      return;
    }
    const slot = id - h.first;
    h.settle(slot, ok, value);
    const group = h.group(slot);
    if (!ok && !h.observed(slot)) this.#unobserved.keep(() => h.observed(slot), h.names[slot]!, value, group, h.site(slot));
    group?.done();
    this.#work.done();
  }

  /** Settles a handle (one not kept in a slab: a local AM's, an execAmAll part's). */
  settle(h: Settleable, ok: boolean, value: unknown): void {
    h[kSettle](ok, value);
    const group = h[kGroup];
    if (!ok && !observed(h)) this.#unobserved.keep(() => observed(h), h.amName, value, group, this.#sites?.get(h instanceof MultiPart ? h.multi : h));
    group?.done();
    this.#work.done();
  }

  /** The error that request `reqId`'s handle rejects with, PE `src` having answered it with `e`. */
  remoteError(src: number, reqId: number, e: WireError): Error {
    const h = this.#pending.peek(reqId);
    const slot = h instanceof Slab ? this.#pending.lastId - h.first : 0;
    const name = (h instanceof Slab ? h.names[slot] : h?.amName) ?? '?';
    const site = h === undefined ? undefined : h instanceof Slab ? h.site(slot) : this.#sites?.get(h instanceof MultiPart ? h.multi : h);
    return remoteError(src, name, site, e);
  }

  // ---- waiting and reports ----

  /** Resolves once the engine's work counter is zero, then reports the failures nobody awaited. */
  waitAll(): Promise<void> {
    if (this.#work.value === 0 && !this.#unobserved.pending) return Promise.resolve();
    // The failures are looked at when the wait ends, not when it starts: those of the AMs it waits
    // for arrive during the wait. (Deciding at the call lost the usual case: a script that never
    // calls waitAll, whose shutdown calls it while an unawaited AM's failed reply is on its way.)
    return this.#work.idle().then(() => this.#unobserved.report(undefined));
  }

  /**
   * Reports the unobserved failures of the AMs launched through `counter` (a sub-team's or a
   * TaskGroup's), once its waitAll() has resolved: the user waited for exactly those AMs, so they
   * hear of their failures then, as world.waitAll() reports every AM's. Each failure is reported
   * once: it leaves the list, so the world's waitAll and shutdown do not report it again.
   */
  reportUnobservedIn(counter: HandleCounter): void {
    if (this.#unobserved.pending) this.#unobserved.report(counter);
  }

  /**
   * The oldest launch still waiting for its result, for this PE's status board: its request id,
   * what it is (`active message 'x' on PE 2`, or `a result of execAmAll(x)`) and its launch site
   * text ('' unless recorded).
   */
  oldestPending(): OldestPending | undefined {
    const id = this.#pending.oldestId();
    if (id === undefined) return undefined;
    const h = this.#pending.get(id)!;
    let name: string;
    let pe: number | undefined;
    let site: Site | undefined;
    let awaited: boolean;
    if (h instanceof Slab) {
      const slot = id - h.first;
      name = h.names[slot]!;
      pe = h.pes[slot];
      site = h.site(slot);
      awaited = h.observed(slot);
    } else {
      const multi = h instanceof MultiPart;
      name = h.amName;
      pe = multi ? undefined : (h as { pe?: number }).pe;
      site = this.#sites?.get(multi ? h.multi : h);
      awaited = observed(h);
    }
    const what = pe === undefined ? `a result of execAmAll(${name})` : `the result of active message '${name}' on PE ${pe}`;
    return { id, what, site: site === undefined ? '' : (userSite(site.stack) ?? ''), pe, awaited };
  }

  /**
   * What this PE's AMs still wait for, for the report printed if the event loop runs empty;
   * `executing` AMs run here now.
   */
  pendingReport(executing: number): string[] {
    const lines: string[] = [];
    let n = 0;
    this.#pending.forEach((h, id) => {
      if (n++ >= 20) return;
      if (h instanceof Slab) {
        const slot = id - h.first;
        lines.push(pendingLine(h.names[slot]!, h.pes[slot], h.site(slot)));
        return;
      }
      const multi = h instanceof MultiPart;
      lines.push(pendingLine(h.amName, multi ? undefined : (h as { pe?: number }).pe, this.#sites?.get(multi ? h.multi : h)));
    });
    if (n > 20) lines.push(`... and ${n - 20} more active message results`);
    if (executing > 0) lines.push(`${executing} active message(s) running on this PE, suspended at an await that never resumed`);
    // A failure nobody awaited is the likely reason the script waits for something (its effect).
    lines.push(...this.#unobserved.lines());
    return lines;
  }
}
