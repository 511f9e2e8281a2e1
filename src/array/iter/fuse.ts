/**
 * Fused loops: an adapter chain and its consumer become one loop over the positions of a chunk,
 * with each element read straight from the typed array, the map/filter callbacks called
 * directly, and the consumer's accumulator in a local variable. No generator, promise, closure
 * or iterator-result object per element.
 *
 * Why generated code: a loop shared by every chain calls its callbacks through call sites that
 * see every callback of the program, and V8 stops inlining them. Measured here (10M f64,
 * `map(f).sum()`): a hand loop 12 ms; one generated loop per callback 12-17 ms; a shared
 * interpreted loop 50 ms, or 140 ms once it had seen other callbacks; a chain of closures
 * 140-220 ms. A loop shared by two callbacks (even two literals with the same text) fell to
 * 350-450 ms once both had run. So each callback function object gets its own compiled loop
 * (cached while the function lives): its call sites see one target. The callbacks are passed
 * in, never pasted into the source, so no user text is ever compiled.
 *
 * A compile costs about 150 µs (generating the source, compiling it, and its first run), and a
 * fresh arrow at each call (`a.localIter().map((x) => x * 2).sum()` in a loop) is a new function
 * object every time. So a chain starts on the shared interpreted loop, at 5-14 ns an element, and
 * gets its own compiled loop once its callbacks have together been given TIER_UP elements: a
 * chain over a large part compiles at once, a hoisted callback over small parts after a few
 * calls, and a fresh callback over a small part never (measured: 147 µs a call before, for
 * 100 elements). Where code generation is not allowed (--disallow-code-generation-from-strings)
 * the interpreted loop always runs.
 */

/** What the loop does with each item that survives the chain. */
export type ConsumerKind = 'each' | 'sum' | 'count' | 'reduce' | 'push' | StoreKind;
/**
 * Stores into a typed array `out` (collect into a new array), checking each item as the store
 * goes: an integer element that does not read back as the item (out of range, fractional, not
 * a number), a float item that is not a number, or a 64-bit item that is not a bigint calls `C`
 * (which throws the TYPE_MISMATCH naming it). Much cheaper than checking every item apart.
 */
export type StoreKind = 'storeInt' | 'storeFloat' | 'storeBig';
/**
 * Where items come from: `v[l]` (the ten region types), `G(v, l)` (a reader: bool, 128-bit),
 * `new R(S, l)` (element handles), or `at(k)` (zip, chunks).
 */
export type SourceKind = 'val' | 'get' | 'new' | 'fn';
export type TailKind = 'map' | 'filter' | 'filterMap' | 'monotonic';

export interface KernelShape {
  readonly src: SourceKind;
  /** Enumerates applied to the source item, innermost first. */
  readonly enums: number;
  readonly tail: readonly TailKind[];
  readonly consumer: ConsumerKind;
  /** The source's typed array, reader or item class name: loops for different ones are kept apart. */
  readonly tag: string;
}

/** Accumulator state carried from one chunk to the next. */
export interface KernelState {
  acc: unknown;
  has: boolean;
  /** One counter per monotonic stage. */
  mono: number[];
}

export interface KernelArgs {
  v: ArrayLike<unknown>;
  l0: number;
  ls: number;
  E: Float64Array;
  /** The reader of a 'get' source, or null. */
  G: ((v: never, l: number) => unknown) | null;
  R: (new (s: never, i: number) => unknown) | null;
  S: unknown;
  at: ((k: number) => unknown) | null;
  /** Tail callbacks, by stage (null for monotonic). */
  F: readonly (((...a: never[]) => unknown) | null)[];
  /** The consumer's callback (forEach, reduce), or null. */
  C: ((...a: never[]) => unknown) | null;
  st: KernelState;
  /** `push` appends here; the store kinds write typed elements at `acc`. */
  out: unknown[];
}

/** The loop over positions [k0, k1) of one chunk. */
export type Kernel = (a: KernelArgs, k0: number, k1: number) => void;

/**
 * Loops by shape, then by each callback in turn: a callback's loop lives as long as it does.
 * Until a shape's loop is compiled, its entry counts the elements given to it.
 */
interface Node {
  kernels: Map<string, Kernel | number>;
  next: WeakMap<object, Node>;
}
const root: Node = { kernels: new Map(), next: new WeakMap() };
let codegen: boolean | undefined;
/** @internal Elements a chain runs interpreted before its loop is compiled (see the top of the file). */
export const TIER_UP = 8192;
/** The interpreted loop of each shape. */
const interpretedLoops = new Map<string, Kernel>();

/**
 * The loop for `shape` with these callbacks, about to be given `span` elements: the compiled
 * one, or the interpreted one until the chain has been given TIER_UP elements.
 */
export function kernelFor(shape: KernelShape, F: KernelArgs['F'], C: KernelArgs['C'], span: number): Kernel {
  codegen ??= canGenerate();
  const key = `${shape.tag}|${shape.src}|${shape.enums}|${shape.tail.join(',')}|${shape.consumer}`;
  if (!codegen) return interpretedLoop(shape, key);
  let node = root;
  for (const f of F) if (f !== null) node = nextNode(node, f);
  if (C !== null) node = nextNode(node, C);
  const k = node.kernels.get(key) ?? 0;
  if (typeof k !== 'number') return k;
  if (k + span < TIER_UP) {
    node.kernels.set(key, k + span);
    return interpretedLoop(shape, key);
  }
  const compiled = generate(shape);
  node.kernels.set(key, compiled);
  return compiled;
}

function nextNode(node: Node, f: object): Node {
  let n = node.next.get(f);
  if (n === undefined) {
    n = { kernels: new Map(), next: new WeakMap() };
    node.next.set(f, n);
  }
  return n;
}

function interpretedLoop(shape: KernelShape, key: string): Kernel {
  let k = interpretedLoops.get(key);
  if (k === undefined) interpretedLoops.set(key, (k = interpreted(shape)));
  return k;
}

function canGenerate(): boolean {
  try {
    return (new Function('return 1') as () => number)() === 1;
  } catch {
    return false;
  }
}

function generate(shape: KernelShape): Kernel {
  const lines: string[] = ['const v = a.v, ls = a.ls, E = a.E, R = a.R, S = a.S, at = a.at, C = a.C, st = a.st, out = a.out;'];
  if (shape.src === 'get') lines.push('const G = a.G;');
  shape.tail.forEach((t, j) => lines.push(t === 'monotonic' ? `let m${j} = st.mono[${j}];` : `const f${j} = a.F[${j}];`));
  for (let j = 0; j < shape.enums; j++) lines.push(`const e${j} = E[${2 * j}], s${j} = E[${2 * j + 1}];`);
  lines.push('let acc = st.acc, has = st.has;');
  lines.push('let k = k0, l = a.l0 + k0 * ls;');
  const body: string[] = [];
  const SRC: Record<SourceKind, string> = { val: '  let x = v[l];', get: '  let x = G(v, l);', new: '  let x = new R(S, l);', fn: '  let x = at(k);' };
  body.push(SRC[shape.src]);
  for (let j = 0; j < shape.enums; j++) body.push(`  x = [e${j} + k * s${j}, x];`);
  shape.tail.forEach((t, j) => {
    if (t === 'map') body.push(`  x = f${j}(x);`);
    else if (t === 'filter') body.push(`  if (!f${j}(x)) continue;`);
    else if (t === 'filterMap') body.push(`  x = f${j}(x);`, '  if (x === undefined) continue;');
    else body.push(`  x = [m${j}++, x];`);
  });
  const loop = 'for (; k < k1; k++, l += ls) {';
  if (shape.consumer === 'sum' || shape.consumer === 'reduce') {
    // The first item is peeled off into a loop of its own: the main loop then has no branch on
    // `has`, and V8 keeps `acc` an unboxed double (with the branch it boxed it: 2-3x slower).
    lines.push('if (!has) {', loop, ...body, '  acc = x; has = true; k++; l += ls; break;', '}', '}');
  }
  lines.push(loop, ...body);
  switch (shape.consumer) {
    case 'each':
      lines.push('  C(x);');
      break;
    case 'push':
      lines.push('  out.push(x);');
      break;
    case 'storeInt':
      // A bigint or symbol cannot even be stored in a number array (TypeError): C reports it.
      lines.push("  if (typeof x === 'bigint' || typeof x === 'symbol') C(x);", '  out[acc] = x;', '  if (out[acc] !== x) C(x);', '  acc++;');
      break;
    case 'storeFloat':
      lines.push("  if (typeof x !== 'number') C(x);", '  out[acc++] = x;');
      break;
    case 'storeBig':
      lines.push("  if (typeof x !== 'bigint') C(x);", '  out[acc] = x;', '  if (out[acc] !== x) C(x);', '  acc++;');
      break;
    case 'count':
      lines.push('  acc++;');
      break;
    case 'sum':
      lines.push('  acc += x;');
      break;
    case 'reduce':
      lines.push('  acc = C(acc, x);');
      break;
  }
  lines.push('}');
  lines.push('st.acc = acc; st.has = has;');
  shape.tail.forEach((t, j) => {
    if (t === 'monotonic') lines.push(`st.mono[${j}] = m${j};`);
  });
  // A source of its own: V8 shares one compiled function, and the type feedback in it, among
  // `new Function`s of the same text, and the third callback of a shape made the loop shared by
  // all of them polymorphic (5-7x slower; the loops are generated per callback for that reason).
  lines.push(`// loop ${++generated}`);
  return new Function('a', 'k0', 'k1', lines.join('\n')) as Kernel;
}

/** Loops generated so far (each source carries its number). */
let generated = 0;

/** The same loop, interpreted: one switch per stage and element. */
function interpreted(shape: KernelShape): Kernel {
  const { src, enums, tail, consumer } = shape;
  return (a, k0, k1) => {
    const st = a.st;
    let acc = st.acc as number;
    let has = st.has;
    outer: for (let k = k0, l = a.l0 + k0 * a.ls; k < k1; k++, l += a.ls) {
      let x: unknown = src === 'val' ? a.v[l] : src === 'get' ? a.G!(a.v as never, l) : src === 'new' ? new a.R!(a.S as never, l) : a.at!(k);
      for (let j = 0; j < enums; j++) x = [a.E[2 * j]! + k * a.E[2 * j + 1]!, x];
      for (let j = 0; j < tail.length; j++) {
        const t = tail[j];
        if (t === 'monotonic') x = [st.mono[j]!++, x];
        else if (t === 'map') x = a.F[j]!(x as never);
        else if (t === 'filter') {
          if (!a.F[j]!(x as never)) continue outer;
        } else {
          x = a.F[j]!(x as never);
          if (x === undefined) continue outer;
        }
      }
      if (consumer === 'each') a.C!(x as never);
      else if (consumer === 'push') a.out.push(x);
      else if (consumer === 'count') acc++;
      else if (consumer === 'storeInt' || consumer === 'storeFloat' || consumer === 'storeBig') {
        const out = a.out as unknown[];
        const t = typeof x;
        if (consumer === 'storeFloat' ? t !== 'number' : consumer === 'storeBig' ? t !== 'bigint' : t === 'bigint' || t === 'symbol') a.C!(x as never);
        out[acc] = x;
        if (consumer !== 'storeFloat' && out[acc] !== x) a.C!(x as never);
        acc++;
      }
      else if (!has) {
        acc = x as number;
        has = true;
      } else acc = consumer === 'sum' ? acc + (x as number) : (a.C!(acc as never, x as never) as number);
    }
    st.acc = acc;
    st.has = has;
  };
}

/** @internal For tests: force the interpreted loop (true) or code generation (false). */
export function useInterpretedKernels(on: boolean): void {
  codegen = !on;
}
