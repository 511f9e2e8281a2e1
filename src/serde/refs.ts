/**
 * Registry of runtime-reference codecs (memory regions, Darcs, teams, arrays). A registered
 * class is written as REF + codec id + whatever the codec writes, and decoded by the same codec
 * with the receiving PE's runtime object so it can hand back the receiver's own handle.
 *
 * The wire id is a hash of the codec name, not a registration counter: PEs may register codecs
 * in different orders (lazily, as modules load), and the id must still agree across them.
 */
import { ErrorCode, fnv1a32, LamellarError } from '../core/index.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';
import { TYPED_ARRAY_KINDS } from './tags.js';

export interface RefCodec<T> {
  /** Unique; used in error messages and hashed into the wire id. */
  name: string;
  /**
   * The class, matched by its prototype (else by `value.constructor === ctor`); subclasses need their
   * own codec. Any class, its constructor public or not.
   */
  ctor: { readonly prototype: T; readonly name: string };
  encode(w: Writer, value: T): void;
  decode(r: Reader, ctx: unknown): T;
  /**
   * Optional: `value`, encoded earlier in the same frame, is written again as a back-reference
   * (REF_AGAIN) instead of through `encode`. Does what `encode` does besides writing bytes (count
   * the handle as sent, refuse a released one). Codecs without it are always written in full.
   */
  again?(value: T): void;
  /**
   * Optional: another handle to the object `value` (decoded earlier in the same frame) names,
   * made without decoding its bytes again. A decode memo (memo.ts) calls it for each later AM of
   * the frame that carries the same reference, so every AM owns its own handle and one AM's
   * `drop()` cannot release another's. Codecs without it hand out the earlier value itself.
   */
  copy?(value: T): T;
  /**
   * Optional: `value` was decoded as a result that reaches nobody (release.ts): releases this
   * PE's handle. Codecs without it (a Team) have nothing to give back.
   */
  release?(value: T): void;
}

export interface RefEntry {
  readonly id: number;
  readonly codec: RefCodec<unknown>;
}

/** Constructor -> entry, for the encoder's exact-constructor lookup. */
export const refsByCtor = new Map<unknown, RefEntry>();
/**
 * Prototype -> entry: the encoder already holds the value's prototype, so this finds a codec
 * without reading `value.constructor` (a megamorphic load across handle classes).
 */
export const refsByProto = new Map<unknown, RefEntry>();
/** Wire id -> entry, for the decoder. */
export const refsById = new Map<number, RefEntry>();
const refsByName = new Map<string, RefEntry>();

/** Classes the codec encodes itself; a ref codec for one of them would never be consulted. */
const BUILTIN_CTORS = new Set<unknown>([Object, Array, Map, Set, Date, ArrayBuffer, DataView, Buffer, ...TYPED_ARRAY_KINDS]);

/** The wire id of a codec name. */
export function refCodecId(name: string): number {
  return fnv1a32(name);
}

function invalid(message: string, details: Record<string, unknown>): LamellarError {
  return new LamellarError(ErrorCode.INVALID_ARGUMENT, message, { details });
}

export function registerRefCodec<T>(codec: RefCodec<T>): void {
  const { name, ctor } = codec;
  if (typeof name !== 'string' || name.length === 0) {
    throw invalid('ref codec name must be a non-empty string', { name });
  }
  if (typeof (ctor as unknown) !== 'function' || typeof codec.encode !== 'function' || typeof codec.decode !== 'function') {
    throw invalid(`ref codec '${name}' needs a ctor function and encode/decode functions`, { name });
  }
  if (refsByName.has(name)) {
    throw invalid(`a ref codec named '${name}' is already registered`, { name });
  }
  if (BUILTIN_CTORS.has(ctor)) {
    throw invalid(`ref codec '${name}': ${ctor.name} is encoded natively and cannot take a ref codec`, { name });
  }
  const other = refsByCtor.get(ctor);
  if (other !== undefined) {
    throw invalid(`ref codec '${name}': class ${ctor.name} already has ref codec '${other.codec.name}'`, {
      name,
      existing: other.codec.name,
    });
  }
  const id = refCodecId(name);
  const clash = refsById.get(id);
  if (clash !== undefined) {
    throw invalid(`ref codec names '${name}' and '${clash.codec.name}' hash to the same wire id; rename one`, {
      name,
      existing: clash.codec.name,
      id,
    });
  }
  const entry: RefEntry = { id, codec: codec as RefCodec<unknown> };
  refsByName.set(name, entry);
  refsByCtor.set(ctor, entry);
  refsByProto.set(ctor.prototype, entry);
  refsById.set(id, entry);
}
