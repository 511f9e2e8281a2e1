/**
 * The slow path behind every encode error. The fast encoder only knows *that* it failed; this
 * walks the value again in the same order with full bookkeeping (path segments, the chain of
 * ancestors for cycle detection) to say where and what the problem is. It accepts exactly what
 * encode.ts accepts, so the first problem it finds is the one the encoder tripped on.
 */
import { ErrorCode, LamellarError } from '../core/index.js';
import { BUILTIN_KINDS, errorFields, K_MAP, K_SET, takeRefFailure } from './encode.js';
import { refsByCtor } from './refs.js';
import { MAX_DEPTH } from './tags.js';

interface Problem {
  path: string;
  what: string;
  cause?: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function keySegment(k: string): string {
  return IDENTIFIER.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

/** How a Map key reads inside `<Map value for key ...>`; non-primitive keys are named by position. */
function mapKeyLabel(k: unknown, index: number): string {
  switch (typeof k) {
    case 'string':
      return `for key ${JSON.stringify(k)}`;
    case 'number':
    case 'boolean':
    case 'undefined':
      return `for key ${String(k)}`;
    case 'bigint':
      return `for key ${k}n`;
    default:
      return k === null ? 'for key null' : `#${index}`;
  }
}

/** Names of the classes the codec supports natively, to explain a look-alike from another realm. */
const NATIVE_NAMES = new Set(['Object', 'Array', ...[...BUILTIN_KINDS.keys()].map((p) => (p as { constructor: { name: string } }).constructor.name)]);

/**
 * Classes that no codec sends but whose users usually mean something that can be sent: what the
 * SERIALIZE message says instead of listing what is sendable (a World: send its team).
 */
const unsendable = new Map<unknown, string>();

/** Names what to send instead of an instance of `ctor` (the World: `world.team`). */
export function noteUnsendable(ctor: { readonly prototype: unknown; readonly name: string }, instead: string): void {
  unsendable.set(ctor, instead);
}

function describeInstance(v: object, proto: object | null): string {
  if (v instanceof SharedArrayBuffer) return 'a SharedArrayBuffer (shared memory cannot be copied into a message)';
  // Only a constructor that owns this prototype names the class; an inherited `constructor`
  // (Object.create(someObject)) would misname it.
  const ctor: unknown = proto !== null && Object.hasOwn(proto, 'constructor') ? (proto as { constructor: unknown }).constructor : undefined;
  if (typeof ctor !== 'function' || ctor.prototype !== proto || ctor.name === '') {
    return 'an object with a non-plain prototype';
  }
  const instead = unsendable.get(ctor);
  if (instead !== undefined) return `a ${ctor.name}, which cannot be sent; ${instead}`;
  if (NATIVE_NAMES.has(ctor.name)) return `an instance of ${ctor.name} from another realm (a vm context); only this realm's built-ins are recognised`;
  return `an instance of class ${ctor.name}`;
}

class Walker {
  private readonly segs: string[] = [];
  /** Objects on the current path -> how many path segments lead to them. */
  private readonly ancestors = new Map<object, number>();
  constructor(
    private readonly root: string,
    private readonly refFailure: { value: object; error: unknown } | undefined,
  ) {}

  private pathTo(segCount: number): string {
    return this.root + this.segs.slice(0, segCount).join('');
  }

  private problem(what: string, cause?: unknown): Problem {
    return { path: this.pathTo(this.segs.length), what, cause };
  }

  private child(seg: string, v: unknown, depth: number): Problem | undefined {
    this.segs.push(seg);
    const found = this.walk(v, depth);
    this.segs.pop();
    return found;
  }

  walk(v: unknown, depth: number): Problem | undefined {
    switch (typeof v) {
      case 'function':
        return this.problem('a function');
      case 'symbol':
        return this.problem(`a symbol (${String(v)})`);
      case 'object':
        return v === null ? undefined : this.walkObject(v, depth);
      default:
        return undefined;
    }
  }

  private walkObject(v: object, depth: number): Problem | undefined {
    const back = this.ancestors.get(v);
    if (back !== undefined) return this.problem(`a circular reference (back to ${this.pathTo(back)})`);
    const proto = Object.getPrototypeOf(v) as object | null;
    const plain = proto === Object.prototype || proto === null;
    const kind = plain || proto === Array.prototype ? 0 : BUILTIN_KINDS.get(proto);
    if (kind === undefined) return this.walkRef(v, proto, depth);
    if (kind !== 0 && kind !== K_MAP && kind !== K_SET) return undefined;
    if (depth + 1 > MAX_DEPTH) return this.problem(`nested more than ${MAX_DEPTH} levels deep`);
    this.ancestors.set(v, this.segs.length);
    const found = this.walkChildren(v, proto, kind, depth + 1);
    this.ancestors.delete(v);
    return found;
  }

  private walkChildren(v: object, proto: object | null, kind: number, depth: number): Problem | undefined {
    let found: Problem | undefined;
    if (kind === K_MAP) {
      let i = 0;
      for (const [k, x] of v as Map<unknown, unknown>) {
        found = this.child(`.<Map key #${i}>`, k, depth) ?? this.child(`.<Map value ${mapKeyLabel(k, i)}>`, x, depth);
        if (found) return found;
        i++;
      }
    } else if (kind === K_SET) {
      let i = 0;
      for (const x of v as Set<unknown>) {
        if ((found = this.child(`.<Set element #${i++}>`, x, depth))) return found;
      }
    } else if (proto === Array.prototype) {
      const a = v as unknown[];
      for (let i = 0; i < a.length; i++) {
        if ((found = this.read(`[${i}]`, a as unknown as Record<number, unknown>, i, depth))) return found;
      }
    } else {
      const o = v as Record<string, unknown>;
      for (const k in o) {
        if ((found = this.read(keySegment(k), o, k, depth))) return found;
      }
    }
    return undefined;
  }

  /** Walks `o[k]` at `seg`; a getter that throws there is the problem, at its own path. */
  private read(seg: string, o: Record<string | number, unknown>, k: string | number, depth: number): Problem | undefined {
    let x: unknown;
    try {
      x = o[k];
    } catch (e) {
      this.segs.push(seg);
      const p = this.problem(`a property whose getter threw (${e instanceof Error ? e.message : String(e)})`, e);
      this.segs.pop();
      return p;
    }
    return this.child(seg, x, depth);
  }

  /** An Error: its cause and own fields are sent (encode.ts, encError). */
  private walkError(e: Error, depth: number): Problem | undefined {
    if (depth > MAX_DEPTH) return this.problem(`nested more than ${MAX_DEPTH} levels deep`);
    this.ancestors.set(e, this.segs.length);
    const fields = errorFields(e);
    let found = Object.hasOwn(e, 'cause') ? this.child('.cause', e.cause, depth) : undefined;
    for (const k in fields) if (found === undefined) found = this.read(keySegment(k), fields, k, depth);
    this.ancestors.delete(e);
    return found;
  }

  /** A class instance: fine if its class has a ref codec, unless that codec threw for this very value. */
  private walkRef(v: object, proto: object | null, depth: number): Problem | undefined {
    const entry = refsByCtor.get((v as { constructor?: unknown }).constructor);
    if (entry === undefined && v instanceof Error) return this.walkError(v, depth + 1);
    if (entry === undefined) return this.problem(describeInstance(v, proto));
    if (this.refFailure?.value !== v) return undefined;
    const e = this.refFailure.error;
    const msg = e instanceof Error ? e.message : String(e);
    return this.problem(`${describeInstance(v, proto)} whose ref codec '${entry.codec.name}' failed: ${msg}`, e);
  }
}

/** Keeps messages readable when the path is the 1000-segment chain of a too-deep value. */
function shortPath(path: string): string {
  return path.length <= 200 ? path : `${path.slice(0, 120)}…${path.slice(-60)}`;
}

/**
 * Turns whatever the fast encoder threw into the SERIALIZE error the caller sees, or, when a ref
 * codec refused its value with another coded error (USE_AFTER_RELEASE), into that code with the
 * path. `label` says what was being encoded (e.g. "argument of AM 'hello'"), `root` names the
 * value in the path.
 */
export function encodeError(err: unknown, value: unknown, label: string | undefined, root: string): LamellarError {
  const what = label ?? 'value';
  let problem: Problem | undefined;
  const refFailure = takeRefFailure();
  try {
    problem = new Walker(root, refFailure).walk(value, 0);
  } catch {
    problem = undefined; // a getter that throws: report the original error below
  }
  // A ref codec that refused its value with a coded error (a released handle: USE_AFTER_RELEASE)
  // knows the real problem; the caller gets that code, with the path, not a SERIALIZE. A nested
  // SERIALIZE (a codec encoding its own fields) keeps the outer path and the codec's name below.
  const coded = problem?.cause ?? (problem === undefined ? refFailure?.error : undefined);
  if (coded instanceof LamellarError && coded.code !== ErrorCode.SERIALIZE) return codecError(coded, what, problem?.path ?? root);
  if (problem !== undefined) {
    // The list of what can be sent helps with an unregistered class, not with a codec's failure.
    const unsendable = problem.what.startsWith('an instance of class') || problem.what === 'an object with a non-plain prototype';
    const hint = unsendable && problem.cause === undefined
      ? " (only plain objects, arrays, Map, Set, Date, Error, typed arrays, ArrayBuffer, DataView and the runtime's handles (teams, memory regions, Darcs, arrays) can be sent)"
      : '';
    return new LamellarError(ErrorCode.SERIALIZE, `cannot serialize ${what}: ${shortPath(problem.path)} is ${problem.what}${hint}`, {
      cause: problem.cause,
      details: { label, path: problem.path, what: problem.what },
    });
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new LamellarError(ErrorCode.SERIALIZE, `cannot serialize ${what}: ${msg}`, {
    cause: err,
    details: { label, path: root },
  });
}

/** A ref codec's own coded error, re-thrown with what was being sent and where in it. */
function codecError(e: LamellarError, what: string, path: string): LamellarError {
  return new LamellarError(e.code, `cannot send ${what}: ${shortPath(path)}: ${e.message}`, {
    cause: e,
    details: { ...e.details, path },
  });
}
