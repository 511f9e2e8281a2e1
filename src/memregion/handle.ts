/**
 * The base of every handle with a distributed lifetime (memory regions, Darcs): one handle is
 * one reference on this PE. Release is explicit (`drop()`, `await using`); a handle that is
 * garbage-collected without release is reported with a warning and then released, so the
 * object can still be freed. A released handle throws USE_AFTER_RELEASE on every use.
 *
 * Where handles come from: `'new'` (allocation, create, clone) and `'converted'` (a conversion
 * hands the old handle's reference to the new one) are owned by the caller; `'decoded'` came
 * out of a message: inside an AM's arguments it lives until that AM finishes, elsewhere (an AM
 * result) the receiver owns it.
 */
import { holdWhileAmRuns } from '../am/index.js';
import { checkConstruct, deferred, ErrorCode, kReleaseHeld, LamellarError, warn, WarningCode } from '../core/index.js';
import type { Reader, Writer } from '../serde/index.js';
import { captureSite, siteText, State, type WorldRuntime } from '../team/index.js';
import { unquietPes } from './quiesce.js';
import { moved, refKey, registryOf, released, releasedWithOwner, type RefState, type Registry } from './refstate.js';

export type HandleOrigin = 'new' | 'cloned' | 'decoded' | 'converted';

/**
 * Module-private access to a handle's move on send (assigned in RefHandle's static block).
 * Lamellar's `MyAm { d: d.clone() }` moves the clone into the AM, which drops it once sent;
 * ported line by line as `execAmPe(pe, MyAm, { d: d.clone() })`, the clone is released once the
 * AM is sent, so it does not keep the object alive.
 */
let movesOnSend!: (h: RefHandle) => boolean;
let moveOut!: (h: RefHandle) => void;
let dropOwned!: (h: RefHandle) => void;
let dropDecoded!: (h: RefHandle) => void;

/**
 * Releases `h` if it came out of a message (serde/release.ts: a result that reaches nobody). A
 * handle the program made (a returned AM, run on its origin, may return one of the program's
 * own) is left alone.
 */
export function releaseIfDecoded(h: RefHandle): void {
  dropDecoded(h);
}

/**
 * Releases `h` as part of the value of a Darc that was freed (darc/owned.ts) if it was made by
 * `clone()`: as drop(), but a later use says why it was released. Any other handle (one the
 * program put in the value itself), and one being converted, is left alone.
 */
export function releaseWithOwner(h: RefHandle): void {
  dropOwned(h);
}

interface Held {
  state: RefState;
  label: string;
  /**
   * A region handle's window, recorded by the subclass after construction (numbers only: the
   * warning's text is built only if it is ever needed, never per handle). -1: not a region.
   */
  offset: number;
  length: number;
  perPe: boolean;
  /**
   * An array handle's element type and whole length (an array's state holds neither in a form
   * `describe` can read); '' for a region, whose state's data says.
   */
  type: string;
  total: number;
}

/** What the unreleased-handle warning names: the kind, and for a region or array its type and window. */
function describe(held: Held): string {
  if (held.offset < 0) return `${held.label} handle`;
  const array = held.type !== '';
  const data = array ? { type: held.type, length: held.total } : (held.state.data as { readonly type: string; readonly length: number });
  const per = held.perPe ? ' per PE' : '';
  const whole = held.offset === 0 && held.length === data.length;
  const sub = array ? 'a sub-array' : 'a sub-region';
  const what = whole ? `${data.type}, ${data.length} elements${per}` : `${sub}: elements [${held.offset}, ${held.offset + held.length}) of ${data.length} ${data.type}${per}`;
  return `${held.label} handle (${what})`;
}

/** 'an' before a vowel sound ("an UnsafeArray handle", "a one-sided ..."), else 'a'. */
const article = (label: string): string => (/^[aeiu]|^o(?!ne)/i.test(label) ? 'an' : 'a');

/**
 * Warnings per kind of handle before the rest go silent: a loop that leaves a sub-region view
 * per transfer undropped (Rust's `sub_region` style) printed some 10,000 of them on tcp.
 */
const MAX_UNRELEASED_WARNINGS = 5;
const unreleasedWarned = new Map<string, number>();

const finalizer = new FinalizationRegistry<Held>((held) => {
  const { state, label } = held;
  if (state.freed || state.rt.closed) return;
  const n = (unreleasedWarned.get(label) ?? 0) + 1;
  unreleasedWarned.set(label, n);
  if (n <= MAX_UNRELEASED_WARNINGS) {
    const more = n === MAX_UNRELEASED_WARNINGS ? ` (${n} reported; further ${label} handles released this way on this PE are not)` : '';
    warn(
      WarningCode.UNRELEASED_HANDLE,
      `${article(held.label)} ${describe(held)} on PE ${state.rt.lamella.myPe} was garbage-collected without drop(); call drop() or use \`await using\` so it is freed promptly${more}`,
    );
  }
  state.release();
});

/**
 * The base of every handle with a distributed lifetime (memory regions, Darcs, arrays): one handle
 * is one reference on this PE. Release is explicit, with `drop()` or `await using`; a handle
 * garbage-collected without release is reported with LAMELLAR_W_UNRELEASED_HANDLE and then
 * released. A released handle throws USE_AFTER_RELEASE on every use. A handle that arrived in an
 * AM's arguments lives until that AM finishes (clone it to keep it).
 * @example
 * ```ts
 * {
 *   await using d = await Darc.create(world, 0);
 *   console.log(d.isReleased); // false
 * } // dropped here
 * ```
 */
export abstract class RefHandle {
  #state: RefState | undefined;
  #token: object | undefined;
  #converting = false;
  /** Made by `clone()`: moves into the first of the program's AMs that sends it. */
  #moves = false;
  /** Released by being sent in an AM (a clone moved into it), for the error's wording. */
  #moved = false;
  /** Released with the freed Darc whose value held it (releaseWithOwner), for the error's wording. */
  #withOwner = false;
  /** Made by decoding a message (not by the program), for releaseIfDecoded. */
  #decoded = false;
  /** The AM that held this handle ended during its conversion (kReleaseHeld). */
  #heldEnded = false;

  static {
    movesOnSend = (h) => h.#moves;
    // A clone being converted stays: its reference is the conversion's baseline, and releasing
    // it under the conversion would leave this PE's count below it for good (a hang).
    moveOut = (h) => {
      if (!h.#converting) h.#moveOut();
    };
    dropDecoded = (h) => {
      if (h.#decoded && !h.#converting) h.#release();
    };
    dropOwned = (h) => {
      // Only a clone() belongs to the value: a handle the program put there itself may still be
      // in use elsewhere (and the value is freed at a different moment on each PE).
      if (h.#state === undefined || h.#converting || !h.#moves) return;
      h.#withOwner = true;
      h.#release();
    };
  }
  /** What the finalizer reports if this handle is never released (undefined: not registered). */
  #held: Held | undefined;

  /** @internal Subclasses' constructors are private: the runtime makes handles (checkConstruct). */
  protected constructor(token: symbol, state: RefState, origin: HandleOrigin) {
    checkConstruct(token, new.target.name, 'the allocation or create() function that returns one');
    if (origin !== 'converted') state.acquire();
    this.#state = state;
    if (origin === 'decoded') {
      if (holdWhileAmRuns(this)) return;
      this.#decoded = true;
    }
    this.#moves = origin === 'cloned';
    this.#token = {};
    const held: Held = { state, label: state.label, offset: -1, length: 0, perPe: false, type: '', total: 0 };
    this.#held = held;
    finalizer.register(this, held, this.#token);
  }

  /**
   * @internal Regions and arrays: records this handle's window (`length` elements from `offset`;
   * per team PE when `perPe`), so the unreleased-handle warning can say which region or array,
   * and which sub-region or sub-array, it was. An array also gives its element type, whole length
   * and kind (its state is its region's, labelled as a region).
   */
  protected noteWindow(offset: number, length: number, perPe: boolean, type = '', total = 0, label?: string): void {
    const held = this.#held;
    if (held === undefined) return;
    if (label !== undefined) held.label = label;
    held.offset = offset;
    held.length = length;
    held.perPe = perPe;
    held.type = type;
    held.total = total;
  }

  /**
   * @internal Darcs: the kind the unreleased-handle warning names (their shared state says only
   * "Darc"), set once the subclass knows it.
   */
  protected noteLabel(label: string): void {
    if (this.#held !== undefined) this.#held.label = label;
  }

  /** @internal The AM layer: the AM whose arguments held this handle has finished. */
  [kReleaseHeld](): void {
    // A handle being converted is the conversion's baseline: released under it, this PE's count
    // would stay below the baseline for good (a hang). The conversion takes its reference over,
    // or, if it fails, releases it then.
    if (this.#converting) {
      this.#heldEnded = true;
      return;
    }
    this.#release();
  }

  /**
   * @internal Whether the unreleased-handle warning watches this handle (not one held by an AM,
   * which releases it): only then is `noteWindow` or `noteLabel` worth its arguments.
   */
  protected get watched(): boolean {
    return this.#held !== undefined;
  }

  /** @internal The shared state; throws USE_AFTER_RELEASE once this handle is released. */
  protected get refState(): RefState {
    const st = this.#state;
    if (st === undefined) throw this.#moved ? moved(this.refLabel) : this.#withOwner ? releasedWithOwner(this.refLabel) : released(this.refLabel);
    return st;
  }

  /** @internal For messages, before and after release. */
  protected abstract get refLabel(): string;

  /**
   * True once this handle was dropped, converted, or (for one that arrived in an AM's arguments)
   * its AM finished.
   * @example
   * ```ts
   * const d = await Darc.create(world, 1);
   * await d.drop();
   * console.log(d.isReleased); // true
   * ```
   */
  get isReleased(): boolean {
    return this.#state === undefined;
  }

  #moveOut(): void {
    if (this.#state === undefined) return;
    this.#moved = true;
    this.#release();
  }

  #release(): void {
    const st = this.#state;
    if (st === undefined) return;
    this.#state = undefined;
    if (this.#token !== undefined) finalizer.unregister(this.#token);
    st.release();
  }

  /**
   * Releases this PE's reference. The object lives on while any PE holds a handle (or one is in a
   * message) and is freed everywhere after the last release. Dropping twice is a no-op; dropping
   * during a conversion of this handle throws INVALID_ARGUMENT.
   * @example
   * ```ts
   * const r = await world.allocSharedMemRegion('u8', 8);
   * await r.drop();
   * ```
   */
  drop(): Promise<void> {
    if (this.#converting) {
      throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `cannot drop a ${this.refLabel} handle while it is being converted`);
    }
    this.#release();
    return Promise.resolve();
  }

  /**
   * Drops the handle at the end of an `await using` scope.
   * @example
   * ```ts
   * {
   *   await using r = await world.allocSharedMemRegion('u8', 8);
   * } // r.drop() runs here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.drop();
  }

  /**
   * Collective over the object's PEs: waits until every PE holds only the handle it converts
   * (no clones, guards, or handles in messages), then gives this PE's reference to `make`'s
   * handle. This handle is released afterwards. On a mismatch it rejects and stays usable.
   * @internal
   */
  protected async convertInto<H>(target: string, make: (st: RefState) => H, targetName = target): Promise<H> {
    const st = this.refState;
    // After shutdown no PE takes part: the conversion would never settle.
    st.rt.checkOpen(`${this.refLabel} conversion to ${targetName}`);
    if (st.conversion !== undefined) {
      throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `this ${this.refLabel} is already being converted on this PE`);
    }
    this.#converting = true;
    const done = deferred<void>();
    st.conversion = done;
    const what = `conversion of ${article(this.refLabel)} ${this.refLabel} to ${targetName}`;
    const site = captureSite();
    st.mode = { kind: 'convert', target, epoch: st.conversions };
    st.baseline = 1;
    // Diagnosed like a collective: after LAMELLAR_DEADLOCK_TIMEOUT the report names the PEs not
    // converting yet and what each is doing.
    const end = st.rt.watchWait(
      `converting ${article(this.refLabel)} ${this.refLabel} to ${targetName} (every PE must convert, and drop every other handle to it: clones, guards)`,
      State.inConversion,
      st.participants,
      () => {
        // The converting handle is the baseline; anything above it is held on this PE.
        const others = st.refs - st.baseline;
        return others > 0 ? `which still holds ${others} other handle${others === 1 ? '' : 's'} to it (clones, guards, AMs or operations using it): drop ${others === 1 ? 'it' : 'them'}` : undefined;
      },
      // The coordinator knows which PEs have not converted every handle yet; a PE converting
      // with a clone still out shows on its board as converting, like those that are ready.
      () => unquietPes(st),
    );
    if (st.refs === 1) st.quiet();
    let converted = false;
    try {
      await done.promise;
      converted = true;
    } catch (err) {
      // The coordinator's verdict arrives in a runtime AM: made again here, the error's stack
      // and message lead to the conversion the program called.
      if (err instanceof LamellarError && err.code === ErrorCode.COLLECTIVE_MISMATCH) {
        throw new LamellarError(err.code, `${err.message}; this PE's ${what} at ${siteText(site)}`, { cause: err });
      }
      throw err;
    } finally {
      end();
      st.conversion = undefined;
      this.#converting = false;
      // Failed after the AM holding this handle ended: its release was left to us.
      if (!converted && this.#heldEnded) this.#release();
    }
    this.#state = undefined;
    if (this.#token !== undefined) finalizer.unregister(this.#token);
    return make(st);
  }
}

/** Counts a pin (an operation or guard in progress) against the handle's object. */
export function pin(st: RefState): void {
  st.acquire();
}

export function unpin(st: RefState): void {
  st.release();
}

/**
 * Writes the object's key and counts handle `h` as sent. A handle made by `clone()` is released
 * once the launch that writes it has sent it (`Writer.afterSend`, run by the AM engine for the
 * program's AMs): a plain field test here, and a closure only for a clone.
 */
export function encodeRefKey(w: Writer, st: RefState, h: RefHandle): void {
  if (movesOnSend(h) && w.keep?.has(h) !== true) (w.afterSend ??= []).push(() => moveOut(h));
  st.noteEncode();
  w.u32(st.coord);
  w.f64(st.id);
}

/** Reads a key written by `encodeRefKey` and finds this PE's state for it. */
export function decodeRefKey(r: Reader, registry: Registry): { coord: number; id: number; key: string; state: RefState | undefined } {
  const coord = r.u32();
  const id = r.f64();
  const key = refKey(coord, id);
  return { coord, id, key, state: registry.states.get(key) };
}

/**
 * Reads the key of a team-collective object (shared region, Darc, array) and returns this PE's
 * state for it. Only team members have one: anywhere else the object cannot be used, so its
 * arrival is a TEAM_MISMATCH naming `what`.
 */
export function decodeMemberKey(r: Reader, ctx: unknown, what: string): RefState {
  const rt = ctx as WorldRuntime;
  const { key, state } = decodeRefKey(r, registryOf(rt));
  if (state === undefined) {
    throw new LamellarError(ErrorCode.TEAM_MISMATCH, `${what} (${key}) arrived on PE ${rt.lamella.myPe}, which is not a member of its team`);
  }
  return state;
}
