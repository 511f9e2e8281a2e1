/**
 * Array kinds and their collective creation. Each array type registers how to make a handle of
 * its kind (used by creation, sub-arrays, clones, conversions and decoding) together with its
 * reference codec; `createArray` allocates the one symmetric region every type sits on.
 */
import { ErrorCode, kRefState, LamellarError } from '../core/index.js';
import { allocShared, checkCount, decodeMemberKey, refuseCollective, encodeRefKey, kRegionInternals, releaseIfDecoded, type ElemType, type HandleOrigin, type RefState, type RegionInternals } from '../memregion/internal.js';
import { registerRefCodec } from '../serde/index.js';
import { Kind, Team, World } from '../team/index.js';
import type { ArrayBase } from './base.js';
import { ARRAY_ELEM_TYPES, storageOf, type ArrayElemType } from './elem.js';
import { allocElems, kArray, kDecodedCopy, metaFor, type ArrayMeta } from './meta.js';
import { KINDS, type ArrayKind, type ArrayOptions, type Distribution } from './types.js';

export type Maker = (st: RefState, origin: HandleOrigin, meta: ArrayMeta, offset: number, length: number) => ArrayBase;
const makers = new Map<ArrayKind, Maker>();
const classes = new Map<unknown, ArrayKind>();

/** The kind of an array class (`ReadOnlyArray` → 'ReadOnlyArray'), or undefined for anything else. */
export const kindOfClass = (cls: unknown): ArrayKind | undefined => classes.get(cls);

/** How to make a handle of `kind`, as its type registered it. */
export const makerOf = (kind: ArrayKind): Maker => makers.get(kind)!;

function teamOf(t: unknown, what: string): Team {
  if (t instanceof World) return t.team;
  if (t instanceof Team) return t;
  throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what} takes a World or a Team as its first argument`);
}

export function checkArrayElemType(type: unknown, what: string): ArrayElemType {
  if (typeof type !== 'string' || !(ARRAY_ELEM_TYPES as readonly string[]).includes(type)) {
    // Ports of Rust programs write Rust's pointer-sized types; say what they become here.
    const hint = type === 'usize' || type === 'isize'
      ? ` (Rust's ${type} is '${type === 'usize' ? 'u64' : 'i64'}' here, bigint elements, or '${type === 'usize' ? 'u32' : 'i32'}' for number elements)`
      : '';
    throw new LamellarError(ErrorCode.TYPE_MISMATCH, `${what}: element type must be one of ${ARRAY_ELEM_TYPES.join(', ')}, got ${String(type)}${hint}`, {
      details: { type },
    });
  }
  return type as ArrayElemType;
}

/** The type and length `opts` asks for; throws the coded error of the first bad field. */
function checkOptions<T extends ArrayElemType>(opts: ArrayOptions<T>, what: string): { type: T; length: number } {
  if (typeof opts !== 'object' || opts === null) throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what} needs { type, length, distribution }`);
  const type = checkArrayElemType(opts.type, what) as T;
  const length = checkCount(opts.length, what);
  if (opts.distribution !== 'block' && opts.distribution !== 'cyclic') {
    throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: distribution must be 'block' or 'cyclic', got ${String(opts.distribution)}`);
  }
  if (length > 2 ** 32 - 1) throw new LamellarError(ErrorCode.INVALID_ARGUMENT, `${what}: at most 2^32 - 1 elements, got ${length}`);
  return { type, length };
}

/**
 * Collective over the team: allocates the array's one symmetric region (zeroed) and returns a
 * handle of `kind`. Mismatched calls throw COLLECTIVE_MISMATCH on every member. With fewer elements
 * than PEs, one element per PE is allocated and the
 * handle covers the first `length` (as Lamellar does). Bad options on one PE reject the call on
 * every member with that PE's error code.
 */
export async function createArray<T extends ArrayElemType>(kind: ArrayKind, teamOrWorld: World | Team, opts: ArrayOptions<T>): Promise<ArrayBase<T>> {
  const what = `${kind}.create`;
  const team = teamOf(teamOrWorld, what);
  let checked: { type: T; length: number };
  try {
    checked = checkOptions(opts, what);
  } catch (err) {
    if (err instanceof LamellarError) return refuseCollective(team, Kind.arrayCreation, `${what}(bad options)`, err);
    throw err;
  }
  const { type, length } = checked;
  const total = Math.max(length, team.numPes);
  const cap = Math.ceil(total / team.numPes);
  // Every member must create the same array: the region's collective check compares this whole
  // description, so a different kind, type, length or distribution on any PE fails everywhere
  // with COLLECTIVE_MISMATCH (lengths 7 and 8 on 4 PEs need the same region, for instance).
  const desc = `${kind}.create({ type: '${type}', length: ${length}, distribution: '${opts.distribution}' })`;
  const region = await allocShared(team, storageOf(type).region, allocElems(type, cap), desc, Kind.arrayCreation);
  const ri = region[kRegionInternals];
  const meta = metaFor(ri.state, ri, type, opts.distribution, total);
  const handle = makerOf(kind)(ri.state, 'new', meta as unknown as ArrayMeta, 0, length) as ArrayBase<T>;
  await region.drop();
  return handle;
}

/** Each array type registers its constructor, for conversions, sub-arrays and the codec. */
export function registerArrayKind(kind: ArrayKind, ctor: { readonly prototype: ArrayBase; readonly name: string }, make: Maker): void {
  makers.set(kind, make);
  classes.set(ctor, kind);
  registerRefCodec<ArrayBase>({
    name: `lamellar.${kind}`,
    ctor,
    encode(w, a) {
      const ai = a[kArray];
      encodeRefKey(w, ai.state, a);
      w.u8(KINDS.indexOf(ai.kind));
      w.u8(ARRAY_ELEM_TYPES.indexOf(ai.meta.type));
      w.u8(ai.meta.layout.dist === 'block' ? 0 : 1);
      w.f64(ai.meta.layout.total);
      w.f64(ai.offset);
      w.f64(ai.length);
    },
    again(a) {
      a[kRefState].noteEncode();
    },
    decode(r, ctx) {
      const state = decodeMemberKey(r, ctx, `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`);
      r.u8();
      const type = ARRAY_ELEM_TYPES[r.u8()]!;
      const dist: Distribution = r.u8() === 0 ? 'block' : 'cyclic';
      const total = r.f64();
      const offset = r.f64();
      const length = r.f64();
      const ri = (state.data as { internals: RegionInternals<ElemType> }).internals;
      return make(state, 'decoded', metaFor(state, ri, type, dist, total), offset, length);
    },
    copy(a) {
      return a[kDecodedCopy](make);
    },
    release(h) {
      releaseIfDecoded(h);
    },
  });
}
