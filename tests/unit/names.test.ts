/** keepNames' wrappers taken out where V8 names the function anyway (src/launcher/names.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { transformSync } from 'esbuild';
import { unwrapInferredNames } from '../../src/launcher/names.js';

/** What tsx hands Node for `ts`: esbuild with keepNames and minified whitespace, as tsx runs it. */
const compile = (ts: string, minifyWhitespace = true): string => transformSync(ts, { loader: 'ts', format: 'esm', target: 'node20', keepNames: true, minifyWhitespace }).code;

/** Evaluates a compiled module's text and returns what its `result` function returns. */
async function run(js: string): Promise<unknown> {
  const mod = (await import(`data:text/javascript,${encodeURIComponent(js)}`)) as { result: () => unknown };
  return mod.result();
}

const SOURCE = `
const top = (x: number): number => x + 1;
export function result() {
  const arrow = (x: number): number => x * 2;
  const fexpr = function (x: number): number { return x * 3; };
  function decl(x: number): number { return x * 4; }
  let later: (x: number) => number;
  later = (x) => x * 5;
  const o = { prop: (x: number): number => x * 6, 'quoted': (x: number): number => x * 7 };
  class C { #priv = (x: number): number => x * 8; field = (x: number): number => this.#priv(x); }
  const c = new C();
  const fns = [top, arrow, fexpr, decl, later, o.prop, o.quoted, c.field];
  return fns.map((f) => [f.name, f(1)]);
}
`;
const EXPECTED = [['top', 2], ['arrow', 2], ['fexpr', 3], ['decl', 4], ['later', 5], ['prop', 6], ['quoted', 7], ['field', 8]];

describe('unwrapInferredNames (launcher/names.ts)', () => {
  for (const minify of [true, false]) {
    test(`every function keeps its name and behaviour, and no wrapper runs inside a function (${minify ? "tsx's" : 'the bundle\'s'} whitespace)`, async () => {
      const js = compile(SOURCE, minify);
      assert.match(js, /__name\(/, 'esbuild wraps them to begin with');
      const out = unwrapInferredNames(js);
      assert.deepEqual(await run(js), EXPECTED);
      assert.deepEqual(await run(out), EXPECTED);
      // Only the helper's definition and the class's static block (one call per class) are left.
      const body = out.slice(out.indexOf('function result'));
      assert.deepEqual(body.match(/__name\([^)]*\)/g), ['__name(this,"C")'.replace(',', minify ? ',' : ', ')]);
    });
  }

  test('lines and columns stay where they were', () => {
    const js = compile(SOURCE, false);
    const out = unwrapInferredNames(js);
    assert.equal(out.length, js.length);
    assert.deepEqual(out.split('\n').map((l) => l.length), js.split('\n').map((l) => l.length));
    // Every character kept is where it was; the rest became spaces.
    for (let i = 0; i < js.length; i++) if (out[i] !== js[i]) assert.equal(out[i], ' ', `at ${i}`);
  });

  test('a wrapper whose name differs from its binding (a name made unique) is kept', () => {
    const js = 'var __name=(t,v)=>Object.defineProperty(t,"name",{value:v,configurable:true});\nfunction f(){const checkPe2=__name(()=>1,"checkPe");return checkPe2}\nfunction g(){}__name(h,"g");function h(){}\n';
    const out = unwrapInferredNames(js);
    assert.match(out, /__name\(\(\)=>1,"checkPe"\)/);
    assert.match(out, /__name\(h,"g"\)/);
  });

  test('`__proto__: fn` keeps its wrapper (the key sets the prototype, names nothing); a statement keeps its `;`', () => {
    const js = 'var __name=(t,v)=>0;\nfunction f(){return [{__proto__:__name(()=>1,"__proto__")},{"__proto__":__name(()=>2,"__proto__")}]}\nfunction g(){let y=(a)=>a\n__name(h,"h");(2);function h(){}}\n';
    const out = unwrapInferredNames(js);
    assert.equal((out.match(/__name\(\(\)=>/g) ?? []).length, 2);
    assert.match(out, /let y=\(a\)=>a\n {13};\(2\)/);
  });

  test("a class's own name is never taken for its binding's", () => {
    const js = 'var __name=(t,v)=>0;\nvar Team = class _Team {};\n__name(Team, "Team");\n';
    assert.equal(unwrapInferredNames(js), js);
  });

  test('text without wrappers, or that does not parse, comes back as it is', () => {
    assert.equal(unwrapInferredNames('const a = () => 1;'), 'const a = () => 1;');
    const broken = 'const f = __name(() => {, "f");';
    assert.equal(unwrapInferredNames(broken), broken);
  });
});
