/**
 * Takes out esbuild's keepNames wrappers where V8 gives the function the same name by itself.
 *
 * esbuild (which builds this package's bundle, and which tsx compiles a user's `.ts` files with)
 * keeps names by wrapping: `const f = __name((x) => ..., "f")`, and `function g() {}` followed by
 * the statement `__name(g, "g")`. `__name` redefines the function's `name` with
 * Object.defineProperty, and inside a function body it runs on every call: 250 ns, against 13 ns
 * for making the closure alone (Node 20, this machine). An AM body that makes one such closure
 * paid about as much again as the whole AM; the engine's own local-AM path made three per AM.
 *
 * The wrapper only matters where the name would differ without it (a binding esbuild renamed to
 * keep it unique): the language names an anonymous function by the binding, assignment target,
 * property key or class field it is given to (`const f = (x) => ...` is "f"), and a declaration
 * by its own name. So `__name(fn, "f")` in those places with the same name, and a statement
 * `__name(g, "g")` beside `function g`, are dropped; any other is kept (and `__proto__: fn`,
 * which names nothing). The dropped text becomes spaces (line breaks stay), so every line
 * and column, and with them source maps and stack traces, stay where they were.
 *
 * Used when the package is built (scripts/bundle.mjs) and on a user's `.ts` modules as they load
 * (esm-hooks.ts); it needs only acorn, as the hooks thread allows.
 */
import { createRequire } from 'node:module';
import type * as Acorn from 'acorn';

let acorn: typeof Acorn | undefined;
const loadAcorn = (): typeof Acorn => (acorn ??= createRequire(import.meta.url)('acorn') as typeof Acorn);

type Node = { type: string; start: number; end: number } & Record<string, unknown>;

const PURE = '/* @__PURE__ */ ';

function isNode(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}

/** `node` is `__name(<arg>, "<name>")`: the argument, or undefined. */
function nameCall(node: unknown, name: (arg: Node) => string | undefined): Node | undefined {
  if (!isNode(node) || node.type !== 'CallExpression') return undefined;
  const callee = node['callee'] as Node;
  const args = node['arguments'] as Node[];
  if (callee.type !== 'Identifier' || callee['name'] !== '__name' || args.length !== 2) return undefined;
  const [fn, lit] = args as [Node, Node];
  return lit.type === 'Literal' && typeof lit['value'] === 'string' && lit['value'] === name(fn) ? fn : undefined;
}

/** `source` (an ES module) without the wrappers V8 does not need; `source` itself if none. */
export function unwrapInferredNames(source: string): string {
  if (!source.includes('__name(')) return source;
  let program: Node;
  try {
    program = loadAcorn().parse(source, { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as Node;
  } catch {
    // Not ours to report: the module loads as it is, and fails there if it must.
    return source;
  }
  const cuts: [number, number][] = [];
  const cut = (from: number, to: number): void => {
    if (source.slice(from - PURE.length, from) === PURE) from -= PURE.length;
    cuts.push([from, to]);
  };
  /** `value` is `__name(fn, "<name>")` around an anonymous function that `name` would name anyway. */
  const unwrap = (value: unknown, name: string | undefined): void => {
    if (name === undefined) return;
    const fn = nameCall(value, (f) => (f.type === 'ArrowFunctionExpression' || (f.type === 'FunctionExpression' && f['id'] === null) ? name : undefined));
    if (fn === undefined) return;
    const call = value as Node;
    cut(call.start, fn.start);
    cuts.push([fn.end, call.end]);
  };
  /** The name a binding, assignment target or property key gives an anonymous function. */
  const nameOf = (key: unknown, computed: unknown): string | undefined => {
    if (!isNode(key) || computed === true) return undefined;
    if (key.type === 'Identifier') return key['name'] as string;
    if (key.type === 'PrivateIdentifier') return `#${key['name'] as string}`;
    return key.type === 'Literal' && typeof key['value'] === 'string' ? key['value'] : undefined;
  };
  const visit = (node: Node): void => {
    // The places where the language itself names an anonymous function (NamedEvaluation).
    if (node.type === 'VariableDeclarator') unwrap(node['init'], (node['id'] as Node).type === 'Identifier' ? nameOf(node['id'], false) : undefined);
    else if (node.type === 'AssignmentExpression' && node['operator'] === '=') unwrap(node['right'], (node['left'] as Node).type === 'Identifier' ? nameOf(node['left'], false) : undefined);
    else if (node.type === 'Property' && node['kind'] === 'init' && node['method'] !== true && node['shorthand'] !== true) {
      // `__proto__: fn` sets the prototype; the language names nothing there.
      const key = nameOf(node['key'], node['computed']);
      if (key !== '__proto__') unwrap(node['value'], key);
    } else if (node.type === 'PropertyDefinition') unwrap(node['value'], nameOf(node['key'], node['computed']));
    if (Array.isArray(node['body'])) {
      // `__name(g, "g");` beside `function g` in the same block: the declaration names it. (A
      // class's own name may differ from its binding's, so only function declarations count.)
      const body = node['body'] as Node[];
      const declared = new Set<string>();
      for (const st of body) {
        const decl = st.type === 'ExportNamedDeclaration' || st.type === 'ExportDefaultDeclaration' ? st['declaration'] : st;
        if (isNode(decl) && decl.type === 'FunctionDeclaration' && isNode(decl['id'])) declared.add(decl['id']['name'] as string);
      }
      for (const st of body) {
        if (st.type !== 'ExpressionStatement') continue;
        const named = (f: Node): string | undefined => (f.type === 'Identifier' && declared.has(f['name'] as string) ? (f['name'] as string) : undefined);
        // The call only: its `;` stays, an empty statement, so no line runs into the next.
        const call = st['expression'] as Node;
        if (nameCall(call, named) !== undefined) cut(call.start, call.end);
      }
    }
    for (const key in node) {
      const v = node[key];
      if (Array.isArray(v)) {
        for (const x of v) if (isNode(x)) visit(x);
      } else if (isNode(v)) visit(v);
    }
  };
  visit(program);
  if (cuts.length === 0) return source;
  const chars = source.split('');
  for (const [from, to] of cuts) for (let i = from; i < to; i++) if (chars[i] !== '\n' && chars[i] !== '\r') chars[i] = ' ';
  return chars.join('');
}
