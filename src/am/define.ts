/**
 * Defining active messages. `defineAm(name, exec)` runs at module level, so under SPMD every PE
 * builds the same registry. The wire carries a 32-bit id hashed from the name, so PEs need not
 * agree on definition order; two names that hash alike fail at definition, like duplicates.
 *
 * The definition object carries its argument and result types (a phantom `$types`), so
 * `execAmPe(pe, Hello, args)` checks `args` and infers the result with no casts.
 */
import { ErrorCode, LamellarError } from '../core/index.js';
import type { AmContext } from './context.js';

/** Brands a ReturnedAm; closures carry it too (closure.ts). Not exported from the package. */
export const kReturnedAm = Symbol('lamellar.returnedAm');
/** Marks definitions made by this module and by `closure` (a forged object lacks it). */
export const kAmDef = Symbol('lamellar.amDef');

/** An AM to run back on the PE that launched the current one (Lamellar's `return_am`). */
export interface ReturnedAm<R> {
  readonly [kReturnedAm]: true;
  readonly am: AmDef<any, R>;
  readonly args: unknown;
}

/** What an exec function may produce: the handle resolves to the value, or to the returned AM's result. */
export type AmResultOf<R> = Awaited<R> extends infer V ? (V extends ReturnedAm<infer U> ? U : V) : never;

export type AmExec<A, R> = (ctx: AmContext, args: A) => R;

export interface AmDef<A, R> {
  readonly name: string;
  /** The compact id the wire carries. */
  readonly id: number;
  readonly exec: AmExec<A, unknown>;
  /** @internal How encode errors name this AM's arguments (built once, not per launch). */
  readonly argLabel?: string;
  /** Phantom: never set at runtime. Lets TypeScript read the argument and result types. */
  readonly $types?: { readonly args: A; readonly result: R };
}

/** Argument list for launching `am`: `args` may be omitted when the AM takes none. */
export type AmArgs<A> = undefined extends A ? [args?: A] : [args: A];

const byId = new Map<number, AmDef<unknown, unknown>>();
const byName = new Map<string, AmDef<unknown, unknown>>();

/** 32-bit FNV-1a of the UTF-16 code units; stable across PEs and runs. */
export function amIdOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function defineAm<A = undefined, R = void>(name: string, exec: AmExec<A, R>): AmDef<A, AmResultOf<R>> {
  if (typeof name !== 'string' || name.length === 0) {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, 'defineAm needs a non-empty name');
  }
  if (typeof exec !== 'function') {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `defineAm('${name}') needs an exec function`);
  }
  if (byName.has(name)) {
    throw new LamellarError(ErrorCode.DUPLICATE_AM, `an active message named '${name}' is already defined`, { details: { name } });
  }
  const id = amIdOf(name);
  const clash = byId.get(id);
  if (clash !== undefined) {
    throw new LamellarError(
      ErrorCode.DUPLICATE_AM,
      `active message names '${name}' and '${clash.name}' hash to the same wire id ${id}; rename one`,
      { details: { name, other: clash.name, id } },
    );
  }
  // Stack traces show the exec's name for its frames (sync and async); the AM's name is added to
  // it (`explodeOnTarget [lamellar:am:boom]`), so a frame says which AM it belongs to and
  // Engine.checkNotInAm can find a waitAll() called from inside an AM.
  try {
    const own = typeof exec.name === 'string' ? exec.name : '';
    Object.defineProperty(exec, 'name', { value: `${own === '' ? '' : `${own} `}[lamellar:am:${name}]`, configurable: true });
  } catch {
    // A non-configurable name (a frozen function): its frames keep their own name.
  }
  const def: AmDef<A, AmResultOf<R>> = Object.freeze({ name, id, exec, argLabel: `argument of AM '${name}'`, [kAmDef]: true });
  byId.set(id, def as AmDef<unknown, unknown>);
  byName.set(name, def as AmDef<unknown, unknown>);
  return def;
}

export function lookupAm(id: number): AmDef<unknown, unknown> | undefined {
  return byId.get(id);
}

/** Checks that `am` came from `defineAm` in this realm. */
export function checkAm(am: unknown): AmDef<unknown, unknown> {
  const def = am as (AmDef<unknown, unknown> & { [kAmDef]?: true }) | undefined;
  if (def === undefined || def === null || def[kAmDef] !== true) {
    throw new LamellarError(ErrorCode.UNKNOWN_AM, 'not an active message: pass the object returned by defineAm', {
      details: { value: typeof am },
    });
  }
  return def;
}

/** Return this from an AM's exec to run `am(args)` back on the launching PE. */
export function returnAm<A, R>(am: AmDef<A, R>, ...[args]: AmArgs<A>): ReturnedAm<R> {
  checkAm(am);
  return { [kReturnedAm]: true, am, args };
}

export function isReturnedAm(value: unknown): value is ReturnedAm<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kReturnedAm] === true;
}
