/**
 * The engine's side of closure AMs: which destinations already have which source, and on the
 * receiving side the compiled closures each sender defined.
 *
 * Wire (wire.ts): the first launch of a source to a destination writes a CLOSURE_SRC record
 * (`id shape name source`) just before the request, in the same per-destination buffer. Frames
 * from one sender arrive in order, and a frame's records are handled in order, so the source is
 * defined on the target before any request that uses its id. Ids are the sender's own (sequential
 * per PE), so the receiver keys them by sender. Both sides keep their tables for the life of the
 * world: a program has as many sources as it has closure functions in its code.
 *
 * Compiling: `new Function` in the PE's own realm, once per distinct source text on each PE,
 * whichever PEs sent it. Not `vm.compileFunction`: on Node 20 a function it compiles can use
 * `import()` only with an experimental loader option (warning on every PE) or the
 * `--experimental-vm-modules` flag, and closures reach modules through `await import(...)`. A
 * `new Function` body imports like code of this module (bare names resolve from the application's
 * node_modules, as for this package), runs in strict mode, and a `sourceURL` names it in stacks.
 */
import { channels, ErrorCode, LamellarError } from '../core/index.js';
import type { Reader, Writer } from '../serde/index.js';
import { kClosure, type ClosureAm, type ClosureSource } from './closure.js';
import { Shape } from './closure-scope.js';
import { tagAmFrames, type AmDef } from './define.js';
import { CLOSURE_SRC, type WireError } from './wire.js';

/** What a definition or returned AM holds if it is a closure; undefined for registered AMs. */
export function closureSourceOf(def: object): ClosureSource | undefined {
  return (def as { [kClosure]?: ClosureSource })[kClosure];
}

/** The env to encode for a closure launch; a closure takes no separate arguments. */
export function closureEnv(def: AmDef<unknown, unknown>, args: unknown): unknown {
  if (args !== undefined) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${def.name} takes its values in env (closure(fn, env)), not as launch arguments`);
  }
  return (def as unknown as ClosureAm<unknown>).env;
}

/** esbuild's keepNames helper, which tsx-compiled closures call (see closure-scope.ts). */
const nameHelper = (target: unknown, value: string): unknown => Object.defineProperty(target, 'name', { value, configurable: true });

type Compiled = AmDef<unknown, unknown>;

export class ClosureTable {
  readonly #myPe: number;
  readonly #numPes: number;
  /** LAMELLAR_CLOSURE_AMS: false makes this PE refuse every incoming closure. */
  readonly enabled: boolean;
  /** Sender side, per source id: 1 for each destination that has the source. */
  readonly #sent: (Uint8Array | undefined)[] = [];
  /** Receiver side, per sending PE: the closure it defined here, by its id. */
  readonly #bySender: (Compiled[] | undefined)[];
  /** Each distinct source compiled here, whoever sent it. */
  readonly #compiled = new Map<string, Compiled>();

  constructor(myPe: number, numPes: number, enabled: boolean) {
    this.#myPe = myPe;
    this.#numPes = numPes;
    this.enabled = enabled;
    this.#bySender = new Array<Compiled[] | undefined>(numPes);
  }

  // ---- sending ----

  /**
   * Writes `src`'s CLOSURE_SRC record into `w` unless `pe` already has the source. Returns true
   * if it wrote one; the caller calls `sent` once the launch that follows it is written too (a
   * launch that fails rolls the buffer back, record and all).
   */
  writeSource(w: Writer, pe: number, src: ClosureSource): boolean {
    if (this.#sent[src.id]?.[pe] === 1) return false;
    w.u8(CLOSURE_SRC);
    w.u32(src.id);
    w.u8(src.shape);
    w.str(src.name);
    w.str(src.source);
    return true;
  }

  sent(pe: number, src: ClosureSource): void {
    (this.#sent[src.id] ??= new Uint8Array(this.#numPes))[pe] = 1;
    if (channels.closureSource.hasSubscribers) channels.closureSource.publish({ pe, id: src.id, name: src.name, bytes: src.source.length });
  }

  // ---- receiving ----

  /** Reads a CLOSURE_SRC record from PE `sender` (after its kind byte) and defines its id. */
  onSource(sender: number, r: Reader): void {
    const id = r.u32();
    const shape = r.u8() as Shape;
    const name = r.str();
    const source = r.str();
    if (!this.enabled) {
      if (channels.closureCompile.hasSubscribers) channels.closureCompile.publish({ src: sender, name, ok: false, refused: true });
      return;
    }
    let def = this.#compiled.get(source);
    if (def === undefined) {
      def = compile(id, shape, name, source);
      this.#compiled.set(source, def);
      if (channels.closureCompile.hasSubscribers) channels.closureCompile.publish({ src: sender, name, ok: !(def as { failed?: true }).failed });
    }
    (this.#bySender[sender] ??= [])[id] = def;
  }

  /** The closure PE `sender` defined here as `id`; undefined when refused (see `refusal`). */
  lookup(sender: number, id: number): Compiled | undefined {
    return this.enabled ? this.#bySender[sender]?.[id] : undefined;
  }

  /** Why `lookup(sender, id)` found nothing, as the reply that tells the launching PE. */
  refusal(sender: number, id: number): WireError {
    const e = this.refusalError(sender, id);
    return { name: e.name, message: e.message, stack: '', code: e.code, refused: true };
  }

  refusalError(sender: number, id: number): LamellarError {
    if (!this.enabled) {
      return new LamellarError(
        ErrorCode.CLOSURES_DISABLED,
        `PE ${this.#myPe} refuses closure AMs (LAMELLAR_CLOSURE_AMS=0 there); the closure was not run`,
        { details: { pe: this.#myPe } },
      );
    }
    return new LamellarError(ErrorCode.PROTOCOL, `closure id ${id} from PE ${sender} is unknown on PE ${this.#myPe} (its source never arrived)`, {
      details: { pe: this.#myPe, sender, id },
    });
  }
}

function compile(id: number, shape: Shape, name: string, source: string): Compiled {
  // The newline before each closing bracket keeps a trailing line comment in the source from
  // swallowing it. A method's text (`m(ctx) {}`) is an expression only inside an object literal.
  const body =
    shape === Shape.Method
      ? `'use strict';\nconst o = ({${source}\n});\nreturn o[Reflect.ownKeys(o)[0]];`
      : `'use strict';\nreturn (${source}\n);`;
  try {
    const factory = new Function('__name', `${body}\n//# sourceURL=lamellar-closure-${id}.js`) as (helper: typeof nameHelper) => unknown;
    const fn = factory(nameHelper);
    if (typeof fn !== 'function') throw new TypeError(`the source of ${name} does not evaluate to a function`);
    // This PE's own copy: its frames name the closure, as a registered AM's do.
    tagAmFrames(fn as (...args: never[]) => unknown, name);
    return { name, id, exec: fn as Compiled['exec'], argLabel: `env of ${name}` };
  } catch (e) {
    // Defined anyway, as a closure that fails: every launch of it gets this error as a
    // RemoteAmError, and the PE goes on.
    const err = e instanceof Error ? e : new Error(String(e));
    const failure = new Error(`the source of ${name} does not compile on this PE: ${err.message}`);
    failure.name = err.name;
    return {
      name,
      id,
      exec: () => {
        throw failure;
      },
      failed: true,
    } as Compiled & { failed: true };
  }
}
