/**
 * The free-identifier analysis behind closure AMs (src/am/closure-scope.ts), on sources of many
 * shapes, and `closure()`'s refusals built on it. Each case states the free names exactly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { analyzeFunctionSource, Shape, UnsupportedFunction } from '../../src/am/closure-scope.js';
import { closure, isClosureAm } from '../../src/am/closure.js';
import { ErrorCode, isLamellarError, parseConfig } from '../../src/core/index.js';

const free = (src: string): string[] => [...analyzeFunctionSource(src).free];

describe('free identifiers of a function source', () => {
  test('parameters, locals and standard globals are not free; anything else is', () => {
    assert.deepEqual(free('(ctx, env) => env.x * ctx.currentPe'), []);
    assert.deepEqual(free('(ctx) => counter + 1'), ['counter']);
    assert.deepEqual(free('() => { let a = 1; const b = a; var c = b; return a + b + c + d; }'), ['d']);
    assert.deepEqual(free('() => [Math.max(1, 2), process.pid, console, globalThis, JSON, undefined, NaN, Infinity, Buffer, setTimeout, structuredClone]'), []);
  });

  test('free names are reported once each, in source order', () => {
    assert.deepEqual(free('() => b + a + b + c(a)'), ['b', 'a', 'c']);
  });

  test('destructuring parameters with defaults, rest elements and nested patterns', () => {
    assert.deepEqual(free('({ a, b: [c, { d = 1 }], ...rest }, [e, , f = g] = []) => a + c + d + e + f + rest.x'), ['g']);
    assert.deepEqual(free('({ [key]: v }) => v'), ['key']);
    assert.deepEqual(free('(...args) => args.length'), []);
  });

  test('default parameters see earlier parameters, but not the body\'s own var declarations', () => {
    assert.deepEqual(free('function (a, b = a * 2) { return b; }'), []);
    assert.deepEqual(free('function (a = x) { var x = 1; return a + x; }'), ['x']);
  });

  test('nested functions: parameters, hoisted declarations, named expressions, recursion', () => {
    assert.deepEqual(free('() => { return inner(2); function inner(n) { return n <= 1 ? 1 : n * inner(n - 1); } }'), []);
    assert.deepEqual(free('() => (function fact(n) { return n < 2 ? 1 : n * fact(n - 1); })(5)'), []);
    assert.deepEqual(free('() => { const f = (x) => x + y; return f(1); }'), ['y']);
    assert.deepEqual(free('async function main(ctx) { return await main(ctx); }'), []);
  });

  test('blocks: let and const are block-scoped, var is function-scoped', () => {
    assert.deepEqual(free('() => { { let a = 1; } return a; }'), ['a']);
    assert.deepEqual(free('() => { { var a = 1; } return a; }'), []);
    assert.deepEqual(free('() => { if (true) { function g() {} } return g; }'), ['g']);
    assert.deepEqual(free('() => { for (let i = 0; i < 3; i++) {} return i; }'), ['i']);
    assert.deepEqual(free('() => { for (var i = 0; i < 3; i++) {} return i; }'), []);
    assert.deepEqual(free('() => { for (const [k, v] of m) use(k, v); }'), ['m', 'use']);
    assert.deepEqual(free('() => { switch (1) { case 1: let z = 2; break; default: return z; } }'), []);
  });

  test('classes: the class name, methods, fields, static blocks, computed keys and extends', () => {
    assert.deepEqual(free('() => { class K { x = 1; m() { return this.x + K.s; } static s = 2; static { this.t = K.s; } } return new K().m(); }'), []);
    assert.deepEqual(free('() => new (class extends Base {})()'), ['Base']);
    assert.deepEqual(free('() => class { [key]() {} }'), ['key']);
    assert.deepEqual(free('() => { class A { #p = 1; get p() { return this.#p; } } return new A().p; }'), []);
    assert.deepEqual(free('() => class C { m() { return super.toString() + outer; } }'), ['outer']);
  });

  test('labels, break and continue are not references', () => {
    assert.deepEqual(free('() => { outer: for (const a of [1]) { inner: for (;;) { if (a) continue outer; break inner; } } }'), []);
  });

  test('catch parameters, including destructured ones, are scoped to their clause', () => {
    assert.deepEqual(free('() => { try { f(); } catch (err) { return err; } }'), ['f']);
    assert.deepEqual(free('() => { try {} catch ({ message }) { return message; } return message; }'), ['message']);
    assert.deepEqual(free('() => { try {} catch { return 1; } }'), []);
  });

  test('`arguments` is a function\'s own, except at the top of an arrow', () => {
    assert.deepEqual(free('function () { return arguments.length; }'), []);
    assert.deepEqual(free('() => arguments[0]'), ['arguments']);
    assert.deepEqual(free('() => function () { return () => arguments[0]; }'), []);
  });

  test('property names, object keys and method names are not references; shorthand values are', () => {
    assert.deepEqual(free('(o) => ({ a: o.b, c() { return o.d; }, [o.e]: 1, f })'), ['f']);
    assert.deepEqual(free('(o) => o?.x?.[y]'), ['y']);
  });

  test('assignments and updates name the binding they write', () => {
    assert.deepEqual(free('() => { total += 1; }'), ['total']);
    assert.deepEqual(free('() => { [a, b] = [b, a]; }'), ['a', 'b']);
    assert.deepEqual(free('() => { let a, b; ({ a, b = c } = {}); count++; }'), ['c', 'count']);
  });

  test('template literals, tagged templates, spread, await and typeof', () => {
    assert.deepEqual(free('async (e) => tag`${e.x} ${await p}` + [...xs].length + typeof maybe'), ['tag', 'p', 'xs', 'maybe']);
  });

  test('`this` and `super` of the function itself are reported, those of inner functions and classes are not', () => {
    assert.equal(analyzeFunctionSource('() => this.x').usesThis, true);
    assert.equal(analyzeFunctionSource('function () { return this.x; }').usesThis, true);
    assert.equal(analyzeFunctionSource('() => { function f() { return this; } class C { m() { return () => this; } } }').usesThis, false);
    const m = analyzeFunctionSource('m(ctx) { return super.m(ctx); }');
    assert.equal(m.shape, Shape.Method);
    assert.equal(m.usesThis, true);
  });

  test('module-relative things: import.meta and relative dynamic imports', () => {
    assert.equal(analyzeFunctionSource('() => import.meta.url').usesImportMeta, true);
    assert.deepEqual(analyzeFunctionSource('async () => [await import("./x.js"), await import("../y.js"), await import("node:os"), await import("lamellar")]').relativeImports, ['./x.js', '../y.js']);
    assert.deepEqual(free('async (ctx, env) => (await import(env.url)).f()'), []);
  });

  test('esbuild\'s __name(fn, "name") helper is allowed as such, and only as such', () => {
    const r = analyzeFunctionSource('async(ctx,env)=>{function inner(a){return a*2}__name(inner,"inner");const g=__name(()=>1,"g");class K{static{__name(this,"K")}}return inner(env.x)+g()}');
    assert.deepEqual(r.free, []);
    assert.equal(r.usesNameHelper, true);
    assert.deepEqual(free('() => __name'), ['__name']);
    assert.deepEqual(free('() => __name(f)'), ['__name', 'f']);
    assert.deepEqual(free('() => __publicField(this, "x", 1)'), ['__publicField']);
  });

  test('method shorthand, async methods and computed method names parse as methods', () => {
    assert.equal(analyzeFunctionSource('m(ctx, env) { return env; }').shape, Shape.Method);
    assert.equal(analyzeFunctionSource('async m(ctx) { return 1; }').shape, Shape.Method);
    assert.deepEqual(free('[Symbol.iterator](ctx) { return ctx; }'), []);
  });

  test('classes, generators, getters and unparsable text are refused as not being functions', () => {
    for (const src of ['class A {}', 'function* g() {}', 'async *m() {}', 'get x() { return 1; }', '#p() {}', 'function f() { [native code] }']) {
      assert.throws(() => analyzeFunctionSource(src), UnsupportedFunction, src);
    }
  });

  test('sloppy-only syntax is refused: closures are compiled as strict-mode code', () => {
    assert.throws(() => analyzeFunctionSource('(o) => { with (o) { return x; } }'), UnsupportedFunction);
  });
});

let outerLet = 1;
outerLet++;
describe('closure() refusals', () => {
  const captured = (fn: () => unknown, reason: string, names?: string[]): void => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(isLamellarError(e, ErrorCode.CLOSURE_CAPTURE), `got ${String(e)}`);
      assert.equal(e.details?.['reason'], reason);
      if (names !== undefined) assert.deepEqual(e.details?.['identifiers'], names);
      return true;
    });
  };

  test('an outer let is refused, naming it and telling to pass it in env', () => {
    assert.throws(
      () => closure(() => outerLet * 2),
      (e: unknown) => isLamellarError(e, ErrorCode.CLOSURE_CAPTURE) && /'outerLet'/.test(e.message) && /pass it in env/.test(e.message) && /env\.outerLet/.test(e.message),
    );
    captured(() => closure(() => outerLet), 'free', ['outerLet']);
  });

  test('the hint for an outer binding says a function cannot travel in env and what to do instead', () => {
    assert.throws(
      () => closure(() => readFileSync('/etc/hostname')),
      (e: unknown) => {
        assert.ok(isLamellarError(e, ErrorCode.CLOSURE_CAPTURE));
        // It is called: no example passing it in env.
        assert.doesNotMatch(e.message, /pass it in env|env\.readFileSync/);
        assert.match(e.message, /A function or class cannot travel in env \(only execAmLocal, which runs the closure here, accepts one; other launches throw LAMELLAR_ERR_SERIALIZE\)/);
        assert.match(e.message, /define it inside the closure, or import its module there with await import\(specifier\)/);
        return true;
      },
    );
  });

  test('the env example names a value the closure reads, not a function it calls', () => {
    const limit = 10;
    const helper = (x: number): number => x * 2;
    assert.throws(
      () => closure(() => helper(limit) + new Date(limit).getTime()),
      (e: unknown) => {
        assert.ok(isLamellarError(e, ErrorCode.CLOSURE_CAPTURE));
        assert.match(e.message, /it reads 'helper', 'limit', declared outside/);
        assert.match(e.message, /pass them in env if they are data, e\.g\. closure\(\(ctx, env\) => \.\.\. env\.limit \.\.\., \{ limit \}\)\. A function or class cannot travel in env/);
        assert.deepEqual(e.details?.['identifiers'], ['helper', 'limit']);
        return true;
      },
    );
  });

  test('an imported binding is refused', () => {
    captured(() => closure(() => readFileSync('/etc/hostname')), 'free', ['readFileSync']);
  });

  test('a method using this, a bound function and a native function are refused', () => {
    const obj = {
      base: 2,
      m(_ctx: unknown) {
        return this.base;
      },
    };
    captured(() => closure(obj.m), 'this', ['this']);
    captured(() => closure(((_ctx: unknown) => 1).bind(null)), 'bound');
    captured(() => closure(Math.max as unknown as () => number), 'native');
  });

  test('a refused source is refused again, with the same answer, from the cache', () => {
    const f = () => outerLet;
    for (let i = 0; i < 3; i++) captured(() => closure(f), 'free', ['outerLet']);
  });

  test('a class and a non-function are INVALID_ARGUMENT', () => {
    assert.throws(() => closure(class A {} as unknown as () => void), (e: unknown) => isLamellarError(e, ErrorCode.INVALID_ARGUMENT));
    assert.throws(() => closure(42 as unknown as () => void), (e: unknown) => isLamellarError(e, ErrorCode.INVALID_ARGUMENT));
  });

  test('a self-contained function (tsx-compiled, with __name helpers) is accepted, and the same source shares one id', () => {
    const make = () =>
      closure((ctx, env: { x: number }) => {
        function twice(a: number): number {
          return a * 2;
        }
        return twice(env.x) + ctx.currentPe;
      }, { x: 1 });
    const a = make();
    const b = make();
    assert.ok(isClosureAm(a) && isClosureAm(b));
    assert.equal(a.id, b.id, 'one source, one id');
    assert.deepEqual(b.env, { x: 1 });
    assert.equal(a.am, a);
    assert.equal(a.args, undefined);
  });
});

describe('LAMELLAR_CLOSURE_AMS', () => {
  test('is on by default, 0 turns it off, 1 on, and anything else is a CONFIG error naming it', () => {
    assert.equal(parseConfig({}).closureAms, true);
    assert.equal(parseConfig({ LAMELLAR_CLOSURE_AMS: '0' }).closureAms, false);
    assert.equal(parseConfig({ LAMELLAR_CLOSURE_AMS: '1' }).closureAms, true);
    assert.throws(() => parseConfig({ LAMELLAR_CLOSURE_AMS: 'no' }), (e: unknown) => isLamellarError(e, ErrorCode.CONFIG) && /LAMELLAR_CLOSURE_AMS/.test(e.message));
  });
});
