/**
 * A tiny WebAssembly binary encoder: just what the batch kernels need (one imported shared
 * memory, functions over i32/i64, and their exports). The module is built from the definitions
 * in kernels.ts when first needed, so the package needs no toolchain, no download and no
 * generated binary; the instruction encodings below are the WebAssembly core spec's (section 5,
 * "Binary format") and the threads proposal's (atomic instructions behind the 0xFE prefix).
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export type ValType = typeof I32 | typeof I64;

/** Opcodes used by kernels.ts (core spec 5.4). */
export const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  drop: 0x1a,
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Load8u: 0x2d,
  i32Load16u: 0x2f,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Store8: 0x3a,
  i32Store16: 0x3b,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Shl: 0x74,
  /** The threads proposal's prefix: an atomic opcode follows as an unsigned LEB128. */
  atomic: 0xfe,
  /** Block type of a block or loop with no result. */
  void: 0x40,
} as const;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

export interface WasmFunc {
  readonly name: string;
  readonly params: readonly ValType[];
  /** Extra locals, after the parameters. */
  readonly locals: readonly ValType[];
  /** The body's instructions, without the final `end`. */
  readonly body: readonly number[];
}

/**
 * A module that imports `env.mem`, a shared memory of up to 65,536 pages, and exports `funcs`
 * (no results). Each function gets its own type; duplicates cost a few bytes, nothing more.
 */
export function encodeModule(funcs: readonly WasmFunc[]): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec([])]);
  // Memory import: limits flag 3 = shared, with a maximum.
  const imports = [[...name('env'), ...name('mem'), 0x02, 0x03, ...uleb(0), ...uleb(65536)]];
  const codes = funcs.map((f) => {
    const locals = f.locals.length === 0 ? vec([]) : vec(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.body, op.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(codes)),
  ]);
}
