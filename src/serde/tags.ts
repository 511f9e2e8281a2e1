/**
 * Wire tags. Every encoded value starts with one tag byte, so a decoder can parse or skip any
 * value without a schema. The layout borrows msgpack's idea of folding small payloads into the
 * tag itself: a small integer, a short string's length or a small container's count costs no
 * extra byte, which is what makes `{ from: 3, idx: 42 }` cheap. All multi-byte fields are
 * little-endian.
 *
 *   0x00-0x7f  integer 0..127 (the tag is the value)
 *   0x80-0x8f  plain object with 0..15 keys (low nibble), then key/value pairs
 *   0x90-0x9f  array with 0..15 elements (low nibble), then the elements
 *   0xa0-0xbf  string of 0..31 UTF-8 bytes (low 5 bits), then the bytes
 *   0xc0..0xd5 the fixed tags below
 *   0xd6-0xdf  reserved (decoding one is an error)
 *   0xe0-0xff  integer -32..-1 (the tag as an int8)
 *
 * Object keys are ordinary string values (any of the three string tags), so the key bytes are
 * also self-describing.
 */

export const FIXOBJ = 0x80;
export const FIXARR = 0x90;
export const FIXSTR = 0xa0;
export const NEG_FIXINT = 0xe0;

export const UNDEFINED = 0xc0;
export const NULL = 0xc1;
export const FALSE = 0xc2;
export const TRUE = 0xc3;
/** i32 payload: integers outside the fixint ranges that fit 32 bits. */
export const INT32 = 0xc4;
/** f64 payload: everything else, including -0, NaN, ±Infinity and integers beyond 32 bits. */
export const FLOAT64 = 0xc5;
/** u8 byte length, then UTF-8 (32..255 bytes). */
export const STR8 = 0xc6;
/** u32 byte length, then UTF-8 (256+ bytes). */
export const STR32 = 0xc7;
/** u32 key count, then pairs: a plain object with 16+ keys. */
export const OBJ32 = 0xc8;
/** u32 key count, then pairs: an object whose prototype is null (any key count). */
export const OBJ_NULL_PROTO = 0xc9;
/** u32 element count, then elements: an array of 16+ elements. */
export const ARR32 = 0xca;
/** u32 entry count, then key, value, key, value... */
export const MAP = 0xcb;
/** u32 element count, then elements. */
export const SET = 0xcc;
/** f64 milliseconds since the epoch (NaN for an invalid Date). */
export const DATE = 0xcd;
/** i64 payload: a bigint in [-2^63, 2^63). */
export const BIGINT64 = 0xce;
/** u8 sign (0 = +, 1 = -), u32 word count, then the magnitude as u32 words, least significant first. */
export const BIGINT_BIG = 0xcf;
/** u8 kind (TYPED_ARRAY_KINDS index), u32 byte length, then the raw element bytes. */
export const TYPED_ARRAY = 0xd0;
/** u32 byte length, then the bytes. */
export const ARRAY_BUFFER = 0xd1;
/** u32 byte length, then the bytes. */
export const DATA_VIEW = 0xd2;
/** u32 codec id (FNV-1a of the codec name), then whatever that codec wrote. */
export const REF = 0xd3;
/**
 * u32 byte offset, from the start of the frame, of an earlier REF in the same frame: the same
 * runtime reference again (a frame of AMs that all carry one array or Darc). Only AM frames
 * written by the engine carry it (Writer.backRefs); a decoder resolves it from its memo or by
 * decoding the REF at that offset again.
 */
export const REF_AGAIN = 0xd4;
/**
 * An Error: u8 kind (ERROR_KINDS index: the built-in class it is, or the nearest it extends),
 * then as values its name, message, stack (a string or undefined), whether it has an own
 * `cause`, the cause if so, and a plain object of its own enumerable properties (`code`, ...).
 */
export const ERROR = 0xd5;

/** The kind byte of an ERROR value is an index into this list. Never reorder; append only. */
export const ERROR_KINDS: readonly ErrorConstructor[] = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];

/** Names an Error's fields may not take: what it has as an Error (sent apart, or its methods). */
export const ERROR_MEMBERS: ReadonlySet<string> = new Set(['name', 'message', 'stack', 'cause', 'toString', 'constructor']);

/** Largest count / byte length a u32 field can carry. */
export const MAX_U32 = 0xffff_ffff;

/**
 * Containers nested deeper than this are refused. The encoder recurses, and a cycle would
 * otherwise recurse until the stack overflows; the limit turns both into a clear error.
 */
export const MAX_DEPTH = 1000;

export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

export interface TypedArrayCtor {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

/** The kind byte of a TYPED_ARRAY value is an index into this list. Never reorder; append only. */
export const TYPED_ARRAY_KINDS: readonly TypedArrayCtor[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

// Typed arrays are copied as raw bytes in host order and the wire is little-endian, so a
// big-endian host would corrupt every multi-byte element. Node has no supported big-endian
// platform left, but fail loudly rather than silently.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('lamellar serde requires a little-endian host');
}
