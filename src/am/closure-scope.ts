/**
 * Which names a function's source reads from outside itself: the check that decides whether a
 * function can travel as a closure AM. JavaScript cannot serialize what a function closes over,
 * so a closure must be self-contained: every identifier it uses is one of its parameters, one of
 * its own locals, or a standard global. Anything else (an outer `let`, an imported binding, a
 * module-level constant, `this` of an enclosing method) would be missing on the target PE.
 *
 * The source is parsed with acorn (a real ECMAScript parser) and walked with the scope rules of
 * strict-mode code: `var` and function-scoped names hoist to their function, `let`/`const`/
 * `class`/function declarations to their block, parameters (and their defaults) live in their
 * own scope, catch parameters and loop heads in theirs, named function and class expressions see
 * their own name, and non-arrow functions bind `this` and `arguments`. The caller caches the
 * result per source text, so a source is parsed once per PE.
 */
import { createRequire } from 'node:module';
import type * as Acorn from 'acorn';
import type { AnyNode, Class, Function as FunctionNode, Pattern, Statement } from 'acorn';
import { STANDARD_GLOBALS } from './closure-globals.js';

// Loaded at the first closure a PE makes, not with the package: a program without closures
// should not pay for parsing the parser (tens of ms of a PE's start-up).
let acorn: typeof Acorn | undefined;
const loadAcorn = (): typeof Acorn => (acorn ??= createRequire(import.meta.url)('acorn') as typeof Acorn);

/** How the source text denotes the function. */
export const Shape = {
  /** `function f() {}`, `async (a) => a`: the text is an expression. */
  Expression: 0,
  /** `m() {}`, `async m() {}`: a method's text, an expression only inside an object literal. */
  Method: 1,
} as const;
export type Shape = (typeof Shape)[keyof typeof Shape];

/** What a function's source needs from outside itself. */
export interface ScopeReport {
  readonly shape: Shape;
  /**
   * Identifiers the function reads or assigns that nothing inside it declares and that are not
   * standard globals, each once, in source order.
   */
  readonly free: readonly string[];
  /** The standard globals it reads (a module may shadow them: closure-shadow.ts), each once. */
  readonly globals: readonly string[];
  /** Those of `free` that it calls (`f(...)`, `new F(...)`) somewhere: functions or classes. */
  readonly called: readonly string[];
  /** It uses `this` or `super` of the function itself (not of a function or class inside it). */
  readonly usesThis: boolean;
  readonly usesImportMeta: boolean;
  /** `import('./x.js')`-style specifiers: relative to a module the target does not know. */
  readonly relativeImports: readonly string[];
  /** It calls esbuild's `__name(fn, "name")` helper (what tsx emits to keep function names). */
  readonly usesNameHelper: boolean;
}

/** Why a source cannot be a closure at all (not a question of free names). */
export class UnsupportedFunction extends Error {}

const PARSE_OPTIONS = { ecmaVersion: 'latest', sourceType: 'module' } as const;

class Scope {
  readonly names = new Set<string>();
  constructor(
    readonly parent: Scope | undefined,
    /** A function (non-arrow), class field initializer or static block: has its own `this`. */
    readonly bindsThis: boolean,
  ) {}

  has(name: string): boolean {
    return this.names.has(name) || (this.parent !== undefined && this.parent.has(name));
  }

  hasThis(): boolean {
    return this.bindsThis || (this.parent !== undefined && this.parent.hasThis());
  }
}

/** Parses `source` (a function's `toString()`) and reports what it needs from outside. */
export function analyzeFunctionSource(source: string): ScopeReport {
  const { fn, shape } = rootFunction(source);
  if (fn.generator) throw new UnsupportedFunction('a generator function cannot be an active message (its result would be a generator, which cannot travel)');
  const a = new Analyzer();
  a.fn(fn, undefined, true);
  return {
    shape,
    free: [...a.free],
    globals: [...a.globals],
    called: [...a.free].filter((n) => a.callees.has(n)),
    usesThis: a.usesThis,
    usesImportMeta: a.usesImportMeta,
    relativeImports: a.relativeImports,
    usesNameHelper: a.usesNameHelper,
  };
}

function rootFunction(source: string): { fn: FunctionNode; shape: Shape } {
  // The newline keeps a trailing line comment from swallowing the closing bracket.
  const asExpression = tryParse(`(${source}\n)`);
  if (asExpression !== undefined) {
    if (asExpression.type === 'FunctionExpression' || asExpression.type === 'ArrowFunctionExpression') return { fn: asExpression, shape: Shape.Expression };
    if (asExpression.type === 'ClassExpression') throw new UnsupportedFunction('a class is not a function: pass a function (ctx, env) => result');
  }
  const asObject = tryParse(`({${source}\n})`);
  if (asObject?.type === 'ObjectExpression' && asObject.properties.length === 1) {
    const p = asObject.properties[0]!;
    if (p.type === 'Property' && p.value.type === 'FunctionExpression') {
      if (p.kind !== 'init') throw new UnsupportedFunction(`a ${p.kind}ter is not a function AM: pass a plain function`);
      return { fn: p.value, shape: Shape.Method };
    }
  }
  throw new UnsupportedFunction('its source cannot be parsed as a function expression or method (a private method, or syntax this parser does not know)');
}

/** The single expression `text` consists of, or undefined if it is not one. */
function tryParse(text: string): AnyNode | undefined {
  let program;
  try {
    program = loadAcorn().parse(text, PARSE_OPTIONS);
  } catch {
    return undefined;
  }
  const only = program.body.length === 1 ? program.body[0]! : undefined;
  return only?.type === 'ExpressionStatement' ? only.expression : undefined;
}

class Analyzer {
  readonly free = new Set<string>();
  readonly globals = new Set<string>();
  /** Names called as functions or constructors anywhere in the function. */
  readonly callees = new Set<string>();
  usesThis = false;
  usesImportMeta = false;
  usesNameHelper = false;
  readonly relativeImports: string[] = [];

  fn(node: FunctionNode, outer: Scope | undefined, root: boolean): void {
    const arrow = node.type === 'ArrowFunctionExpression';
    // The closure's own `this` is whatever receiver it was taken from: not something it may read.
    const params = new Scope(outer, !arrow && !root);
    if (!arrow) params.names.add('arguments');
    // A named function expression sees its own name (a declaration's name lives in the block).
    if (node.type === 'FunctionExpression' && node.id) params.names.add(node.id.name);
    for (const p of node.params) declarePattern(p, params);
    // Defaults are evaluated in the parameter scope, before (and without sight of) the body's vars.
    for (const p of node.params) this.patternExpressions(p, params);
    const body = new Scope(params, false);
    if (node.body.type === 'BlockStatement') {
      hoistVars(node.body.body, body);
      hoistLexical(node.body.body, body);
      for (const s of node.body.body) this.visit(s, body);
    } else {
      this.visit(node.body, body);
    }
  }

  cls(node: Class, outer: Scope): void {
    const scope = new Scope(outer, false);
    if (node.id) scope.names.add(node.id.name);
    if (node.superClass) this.visit(node.superClass, scope);
    for (const m of node.body.body) {
      if (m.type === 'StaticBlock') {
        const block = new Scope(scope, true);
        hoistVars(m.body, block);
        hoistLexical(m.body, block);
        for (const s of m.body) this.visit(s, block);
        continue;
      }
      // Computed keys run in the enclosing context (its `this`); the rest has the instance's.
      if (m.computed) this.visit(m.key, scope);
      if (m.type === 'MethodDefinition') this.fn(m.value, scope, false);
      else if (m.value) this.visit(m.value, new Scope(scope, true));
    }
  }

  /** Default values and computed keys inside a binding pattern. */
  patternExpressions(p: Pattern, scope: Scope): void {
    switch (p.type) {
      case 'ObjectPattern':
        for (const prop of p.properties) {
          if (prop.type === 'RestElement') this.patternExpressions(prop.argument, scope);
          else {
            if (prop.computed) this.visit(prop.key, scope);
            this.patternExpressions(prop.value, scope);
          }
        }
        return;
      case 'ArrayPattern':
        for (const e of p.elements) if (e) this.patternExpressions(e, scope);
        return;
      case 'RestElement':
        this.patternExpressions(p.argument, scope);
        return;
      case 'AssignmentPattern':
        this.patternExpressions(p.left, scope);
        this.visit(p.right, scope);
        return;
      case 'MemberExpression':
        this.visit(p, scope);
        return;
      default:
    }
  }

  reference(name: string, scope: Scope): void {
    if (scope.has(name)) return;
    if (STANDARD_GLOBALS.has(name)) this.globals.add(name);
    else this.free.add(name);
  }

  visit(node: AnyNode, scope: Scope): void {
    switch (node.type) {
      case 'Identifier':
        this.reference(node.name, scope);
        return;
      case 'ThisExpression':
      case 'Super':
        if (!scope.hasThis()) this.usesThis = true;
        return;
      case 'MetaProperty':
        if (node.meta.name === 'import') this.usesImportMeta = true;
        return;
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.fn(node, scope, false);
        return;
      case 'FunctionDeclaration':
        // Its name was hoisted into the enclosing block.
        this.fn(node, scope, false);
        return;
      case 'ClassExpression':
      case 'ClassDeclaration':
        this.cls(node, scope);
        return;
      case 'MemberExpression':
        this.visit(node.object, scope);
        if (node.computed) this.visit(node.property, scope);
        return;
      case 'Property':
        // In an object literal or an assignment pattern; a shorthand's value is the reference.
        if (node.computed) this.visit(node.key, scope);
        this.visit(node.value, scope);
        return;
      case 'LabeledStatement':
        this.visit(node.body, scope);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      case 'VariableDeclaration':
        // Names were hoisted (var to the function, the others to the block or loop head).
        for (const d of node.declarations) {
          this.patternExpressions(d.id, scope);
          if (d.init) this.visit(d.init, scope);
        }
        return;
      case 'BlockStatement': {
        const block = new Scope(scope, false);
        hoistLexical(node.body, block);
        for (const s of node.body) this.visit(s, block);
        return;
      }
      case 'ForStatement': {
        const head = new Scope(scope, false);
        if (node.init?.type === 'VariableDeclaration' && node.init.kind !== 'var') declareAll(node.init, head);
        if (node.init) this.visit(node.init, head);
        if (node.test) this.visit(node.test, head);
        if (node.update) this.visit(node.update, head);
        this.visit(node.body, head);
        return;
      }
      case 'ForInStatement':
      case 'ForOfStatement': {
        const head = new Scope(scope, false);
        if (node.left.type === 'VariableDeclaration' && node.left.kind !== 'var') declareAll(node.left, head);
        this.visit(node.left, head);
        this.visit(node.right, head);
        this.visit(node.body, head);
        return;
      }
      case 'SwitchStatement': {
        this.visit(node.discriminant, scope);
        const cases = new Scope(scope, false);
        for (const c of node.cases) hoistLexical(c.consequent, cases);
        for (const c of node.cases) {
          if (c.test) this.visit(c.test, cases);
          for (const s of c.consequent) this.visit(s, cases);
        }
        return;
      }
      case 'CatchClause': {
        const param = new Scope(scope, false);
        if (node.param) {
          declarePattern(node.param, param);
          this.patternExpressions(node.param, param);
        }
        this.visit(node.body, param);
        return;
      }
      case 'ImportExpression': {
        const s = node.source;
        if (s.type === 'Literal' && typeof s.value === 'string' && /^\.\.?(\/|$)/.test(s.value)) this.relativeImports.push(s.value);
        this.visit(s, scope);
        if (node.options) this.visit(node.options, scope);
        return;
      }
      case 'CallExpression':
        if (this.#nameHelperCall(node, scope)) return;
        if (node.callee.type === 'Identifier') this.callees.add(node.callee.name);
        this.children(node, scope);
        return;
      case 'NewExpression':
        if (node.callee.type === 'Identifier') this.callees.add(node.callee.name);
        this.children(node, scope);
        return;
      default:
        this.children(node, scope);
    }
  }

  /**
   * tsx compiles `.ts` scripts with esbuild's keepNames, which wraps named functions and classes
   * in `__name(value, "name")`. The target provides that helper, so such a call is not a free
   * name; any other use of `__name` still is.
   */
  #nameHelperCall(node: AnyNode & { type: 'CallExpression' }, scope: Scope): boolean {
    const [target, name] = node.arguments;
    if (node.callee.type !== 'Identifier' || node.callee.name !== '__name' || scope.has('__name')) return false;
    if (node.arguments.length !== 2 || name?.type !== 'Literal' || typeof name.value !== 'string' || target?.type === 'SpreadElement') return false;
    this.usesNameHelper = true;
    this.visit(target!, scope);
    return true;
  }

  /** Every other node: its child nodes are all expressions, statements or references. */
  children(node: AnyNode, scope: Scope): void {
    for (const key in node) {
      if (key === 'type' || key === 'start' || key === 'end' || key === 'loc' || key === 'range') continue;
      const v = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(v)) {
        for (const c of v) if (isNode(c)) this.visit(c, scope);
      } else if (isNode(v)) this.visit(v, scope);
    }
  }
}

function isNode(v: unknown): v is AnyNode {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

/** Adds the names a binding pattern declares. */
function declarePattern(p: Pattern, scope: Scope): void {
  switch (p.type) {
    case 'Identifier':
      scope.names.add(p.name);
      return;
    case 'ObjectPattern':
      for (const prop of p.properties) declarePattern(prop.type === 'RestElement' ? prop.argument : prop.value, scope);
      return;
    case 'ArrayPattern':
      for (const e of p.elements) if (e) declarePattern(e, scope);
      return;
    case 'RestElement':
      declarePattern(p.argument, scope);
      return;
    case 'AssignmentPattern':
      declarePattern(p.left, scope);
      return;
    default:
  }
}

function declareAll(d: AnyNode & { type: 'VariableDeclaration' }, scope: Scope): void {
  for (const decl of d.declarations) declarePattern(decl.id, scope);
}

/** `var` declarations anywhere in these statements, outside nested functions and classes. */
function hoistVars(stmts: readonly (Statement | AnyNode)[], scope: Scope): void {
  for (const s of stmts) hoistVarsIn(s, scope);
}

function hoistVarsIn(s: AnyNode, scope: Scope): void {
  switch (s.type) {
    case 'VariableDeclaration':
      if (s.kind === 'var') declareAll(s, scope);
      return;
    case 'BlockStatement':
      hoistVars(s.body, scope);
      return;
    case 'IfStatement':
      hoistVarsIn(s.consequent, scope);
      if (s.alternate) hoistVarsIn(s.alternate, scope);
      return;
    case 'ForStatement':
      if (s.init) hoistVarsIn(s.init, scope);
      hoistVarsIn(s.body, scope);
      return;
    case 'ForInStatement':
    case 'ForOfStatement':
      hoistVarsIn(s.left, scope);
      hoistVarsIn(s.body, scope);
      return;
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'LabeledStatement':
      hoistVarsIn(s.body, scope);
      return;
    case 'TryStatement':
      hoistVarsIn(s.block, scope);
      if (s.handler) hoistVarsIn(s.handler.body, scope);
      if (s.finalizer) hoistVarsIn(s.finalizer, scope);
      return;
    case 'SwitchStatement':
      for (const c of s.cases) hoistVars(c.consequent, scope);
      return;
    default:
  }
}

/** Block-scoped declarations made directly in a statement list. */
function hoistLexical(stmts: readonly (Statement | AnyNode)[], scope: Scope): void {
  for (const s of stmts) {
    if (s.type === 'VariableDeclaration' && s.kind !== 'var') declareAll(s, scope);
    else if ((s.type === 'FunctionDeclaration' || s.type === 'ClassDeclaration') && s.id) scope.names.add(s.id.name);
  }
}
