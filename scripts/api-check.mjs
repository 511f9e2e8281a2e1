#!/usr/bin/env node
/**
 * The published API, checked (run by `npm run lint`):
 *
 * 1. API report. The declarations the package publishes (src/index.ts and everything its types
 *    reach, as `tsc` emits them with stripInternal) are printed, comments removed, into
 *    api/lamellar.api.md, which is committed. A change to the public surface changes the report;
 *    `--check` (the default) fails when the emitted surface differs from the committed report,
 *    so an accidental export fails CI, and `--update` (`npm run api:update`) rewrites it for a
 *    deliberate change, which then shows in review. Types that exported declarations use but the
 *    package does not export are listed too: they are part of the surface.
 * 2. The emitted declarations type-check on their own (skipLibCheck off), so stripping an
 *    `@internal` declaration that a public one still uses fails here, not in a user's project;
 *    and they name no typed array with a type argument, which TypeScript before 5.7 cannot read.
 * 3. TSDoc: every export, and every public member of an exported class or interface (and of
 *    the types in 1.), has a summary and an `@example`. Members of exported object constants
 *    (ErrorCode) need a summary only.
 * 4. Every `@example` compiles: the examples are gathered into one file, each in an async
 *    function with every export of 'lamellar' and `world: World` in scope, and type-checked
 *    against the emitted declarations. A `import … from 'lamellar'` line in an example is
 *    allowed (it is dropped: the names are in scope already).
 *
 * Everything runs in memory: dist/ is neither read nor written.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPORT = join(ROOT, 'api/lamellar.api.md');
const INDEX_DTS = join(ROOT, 'dist/index.d.ts');
const EXAMPLES = join(ROOT, '__api_examples__.ts');
const mode = process.argv.includes('--update') ? 'update' : 'check';
const problems = [];
const rel = (f) => relative(ROOT, f);

// ---- 1. emit the declarations in memory ----

const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  },
});
const emitOptions = { ...parsed.options, noEmit: false, declaration: true, emitDeclarationOnly: true, sourceMap: false, declarationMap: false };
const srcProgram = ts.createProgram({ rootNames: parsed.fileNames, options: emitOptions });
const dts = new Map();
const emitted = srcProgram.emit(undefined, (file, text) => dts.set(resolve(file), text), undefined, true);
for (const d of emitted.diagnostics) problems.push(`declaration emit: ${format(d)}`);
// TypeScript before 5.7 has no type arguments on typed arrays: a project on 5.4-5.6 with
// skipLibCheck off failed on `Int32Array<ArrayBuffer>`, which tsc infers for `= new Int32Array(n)`.
const GENERIC_TYPED_ARRAY = /\b(?:Int8|Uint8|Uint8Clamped|Int16|Uint16|Int32|Uint32|Float32|Float64|BigInt64|BigUint64)Array</;
// A default import of a Node module compiles only with esModuleInterop: a project without it
// (moduleResolution node10, skipLibCheck off) failed on `import diagnostics from 'node:...'`.
const DEFAULT_NODE_IMPORT = /^import [A-Za-z_$][\w$]* from ['"]node:/;
for (const [file, text] of dts) {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => GENERIC_TYPED_ARRAY.test(l));
  if (line >= 0) problems.push(`${rel(file)}:${line + 1}: a typed array with a type argument needs TypeScript 5.7; annotate the declaration without it: ${lines[line].trim()}`);
  const imp = lines.findIndex((l) => DEFAULT_NODE_IMPORT.test(l));
  if (imp >= 0) problems.push(`${rel(file)}:${imp + 1}: a default import of a Node module needs esModuleInterop in the user's project; import names instead: ${lines[imp].trim()}`);
}

// ---- 2. a program over the emitted declarations (and the examples) ----

function dtsProgram(extra) {
  const options = { strict: true, noEmit: true, skipLibCheck: false, target: ts.ScriptTarget.ES2022, lib: ['lib.es2024.d.ts', 'lib.esnext.disposable.d.ts'], module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ['node'], noUncheckedIndexedAccess: true };
  const host = ts.createCompilerHost(options);
  const files = new Map([...dts, ...extra]);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => files.has(resolve(f)) || (!resolve(f).startsWith(join(ROOT, 'dist')) && fileExists.call(host, f));
  host.readFile = (f) => files.get(resolve(f)) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = files.get(resolve(f));
    return text !== undefined ? ts.createSourceFile(f, text, lang, true) : getSourceFile.call(host, f, lang, onError, create);
  };
  return ts.createProgram({ rootNames: [INDEX_DTS, ...extra.keys()], options, host });
}

function format(d) {
  const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (d.file === undefined || d.start === undefined) return msg;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${rel(d.file.fileName)}:${line + 1}:${character + 1}: ${msg}`;
}

const program = dtsProgram(new Map());
for (const d of ts.getPreEmitDiagnostics(program)) problems.push(`the emitted declarations do not type-check: ${format(d)}`);
const checker = program.getTypeChecker();
const indexFile = program.getSourceFile(INDEX_DTS);
if (indexFile === undefined) throw new Error('dist/index.d.ts was not emitted');
const moduleSymbol = checker.getSymbolAtLocation(indexFile);
const exportsOf = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name));
const resolveAlias = (s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
const ours = (decl) => resolve(decl.getSourceFile().fileName).startsWith(join(ROOT, 'dist'));

const exported = new Map(exportsOf.map((s) => [resolveAlias(s), s.name]));

/** The node to print for a declaration: a variable's whole statement. */
const printable = (decl) => (ts.isVariableDeclaration(decl) ? decl.parent.parent : decl);

/** Our symbols that a declaration refers to (types, heritage, typeof). */
function references(node, out) {
  const visit = (n) => {
    let id;
    if (ts.isTypeReferenceNode(n)) id = n.typeName;
    else if (ts.isExpressionWithTypeArguments(n)) id = n.expression;
    else if (ts.isTypeQueryNode(n)) id = n.exprName;
    if (id !== undefined) {
      const s = checker.getSymbolAtLocation(ts.isQualifiedName(id) ? id.right : id);
      if (s !== undefined) {
        const r = resolveAlias(s);
        // Type parameters, and members reached as `typeof X.member`, are not declarations of their own.
        const skip = ts.SymbolFlags.TypeParameter | ts.SymbolFlags.Property | ts.SymbolFlags.Method;
        if (!(r.flags & skip) && (r.declarations ?? []).some(ours)) out.add(r);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
}

// Exported symbols, then (transitively) the unexported ones they use.
const reported = new Map();
const queue = [];
for (const [sym, name] of exported) {
  reported.set(sym, { name, exported: true });
  queue.push(sym);
}
while (queue.length > 0) {
  const sym = queue.shift();
  const refs = new Set();
  for (const d of sym.declarations ?? []) if (ours(d)) references(printable(d), refs);
  for (const r of refs) {
    if (reported.has(r)) continue;
    reported.set(r, { name: r.name, exported: false });
    queue.push(r);
  }
}

// ---- the report ----

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
function printSymbol(sym) {
  return (sym.declarations ?? [])
    .filter(ours)
    .map((d) => printer.printNode(ts.EmitHint.Unspecified, printable(d), d.getSourceFile()))
    .join('\n');
}
const section = (entries) =>
  entries
    .sort((a, b) => a[1].name.localeCompare(b[1].name))
    .map(([sym, { name }]) => `### ${name}\n\n\`\`\`ts\n${printSymbol(sym)}\n\`\`\`\n`)
    .join('\n');
const all = [...reported.entries()];
const report = `# API report: lamellar

<!-- Generated by scripts/api-check.mjs from the declarations tsc emits. Do not edit: run
     \`npm run api:update\` after a deliberate change to the public API, and review the diff. -->

## Exports of 'lamellar'

${section(all.filter(([, r]) => r.exported))}
## Types the exports use that are not exported themselves

${section(all.filter(([, r]) => !r.exported)) || '(none)\n'}`;

if (mode === 'update') {
  mkdirSync(dirname(REPORT), { recursive: true });
  writeFileSync(REPORT, report);
  process.stdout.write(`api-check: wrote ${rel(REPORT)}\n`);
} else {
  let committed = '';
  try {
    committed = readFileSync(REPORT, 'utf8');
  } catch {
    // No report yet: everything counts as a change.
  }
  if (committed !== report) problems.push(`the public API differs from ${rel(REPORT)}:\n${diff(committed, report)}\n  If the change is deliberate, run \`npm run api:update\` and commit the report.`);
}

/** A small line diff: the changed lines with a little context. */
function diff(a, b) {
  const A = a.split('\n');
  const B = b.split('\n');
  let s = 0;
  while (s < A.length && s < B.length && A[s] === B[s]) s++;
  let ea = A.length;
  let eb = B.length;
  while (ea > s && eb > s && A[ea - 1] === B[eb - 1]) {
    ea--;
    eb--;
  }
  const out = [];
  for (let i = Math.max(0, s - 3); i < s; i++) out.push(`    ${A[i]}`);
  for (let i = s; i < Math.min(ea, s + 40); i++) out.push(`  - ${A[i]}`);
  for (let i = s; i < Math.min(eb, s + 40); i++) out.push(`  + ${B[i]}`);
  return out.join('\n');
}

// ---- 3. TSDoc on every export and public member ----

/** Interfaces that map keys to types (a code to its details, a name to its class): their entries need a summary, not an example each. */
const TYPE_MAPS = new Set(['ErrorDetailsMap', 'TypedArrayMap', 'WireHandles']);

/** [label, node, needs an example] for every declaration that must be documented. */
function documentables() {
  const out = [];
  for (const [sym, { name }] of reported) {
    let overloads = 0;
    for (const d of (sym.declarations ?? []).filter(ours)) {
      // A `declare module` augmentation adds members to a declaration documented elsewhere, and
      // a function's overloads share the first one's doc comment.
      const laterOverload = ts.isFunctionDeclaration(d) && overloads++ > 0;
      if (!ts.isModuleBlock(d.parent) && !laterOverload) out.push([name, d, true]);
      const members = ts.isClassDeclaration(d) || ts.isInterfaceDeclaration(d) ? d.members : [];
      const seen = new Set();
      for (const m of members) {
        if (ts.isConstructorDeclaration(m) || ts.isIndexSignatureDeclaration(m)) continue;
        const mods = ts.getCombinedModifierFlags(m);
        if (mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
        if (m.name !== undefined && ts.isPrivateIdentifier(m.name)) continue;
        const key = m.name === undefined ? '(call)' : m.name.getText();
        // Overloads and get/set pairs share one doc comment, on the first declaration.
        if (seen.has(key)) continue;
        seen.add(key);
        out.push([`${name}.${key}`, m, true]);
      }
      // Members of an exported object constant (ErrorCode.X): a summary each.
      if (ts.isVariableDeclaration(d) && d.type !== undefined && ts.isTypeLiteralNode(d.type)) {
        for (const m of d.type.members) out.push([`${name}.${m.name.getText()}`, m, false]);
      }
      // Entries of a type map (one entry per code or element type): a summary each.
      if (TYPE_MAPS.has(name)) for (const entry of out.filter(([label]) => label.startsWith(`${name}.`))) entry[2] = false;
    }
  }
  return out;
}

const examples = [];
for (const [label, node, needsExample] of documentables()) {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const doc = docs[docs.length - 1];
  const where = `${label} (${rel(node.getSourceFile().fileName).replace(/^dist\//, 'src/').replace(/\.d\.ts$/, '.ts')})`;
  const summary = doc === undefined ? '' : ts.getTextOfJSDocComment(doc.comment) ?? '';
  if (summary.trim() === '') problems.push(`${where}: no TSDoc summary`);
  if (!needsExample) continue;
  const tags = (doc?.tags ?? []).filter((t) => t.tagName.text === 'example');
  if (tags.length === 0) problems.push(`${where}: no @example`);
  for (const t of tags) {
    const text = ts.getTextOfJSDocComment(t.comment) ?? '';
    const fenced = /```(?:ts|typescript)?\n([\s\S]*?)```/.exec(text);
    examples.push({ where, code: (fenced ? fenced[1] : text).replace(/^import .* from 'lamellar';\n/gm, '') });
  }
}

// ---- 4. the examples compile ----

/**
 * What every example may use without declaring it, as rustdoc examples have hidden set-up lines:
 * a world, a team, u32 AtomicArrays `a` and `b` (and `other`, for zip), a ReadOnlyArray `ro`, a
 * running `total`, and `use(...)`, which consumes anything.
 */
const PREAMBLE = `declare const world: World;
declare const team: Team;
declare const a: AtomicArray<'u32'>;
declare const b: AtomicArray<'u32'>;
declare const other: AtomicArray<'u32'>;
declare const ro: ReadOnlyArray<'u32'>;
declare let total: number;
declare function use(...values: unknown[]): void;
void [world, team, a, b, other, ro, total, use];
`;

const valueNames = [];
const typeNames = [];
/** Exported as a value (not `export type`, not a type only). */
const isValueExport = (s) =>
  (resolveAlias(s).flags & ts.SymbolFlags.Value) !== 0 &&
  !(s.declarations ?? []).some((d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly));
for (const s of exportsOf) (isValueExport(s) ? valueNames : typeNames).push(s.name);
let text = `import { ${valueNames.join(', ')} } from 'lamellar';\nimport type { ${typeNames.join(', ')} } from 'lamellar';\n`;
text += PREAMBLE;
const spans = [];
examples.forEach((ex, i) => {
  const start = text.split('\n').length;
  text += `export async function example${i}(): Promise<void> {\n${ex.code}\n}\n`;
  spans.push({ start, end: text.split('\n').length, where: ex.where });
});
// Every name is in scope in every example, used or not.
text += `void [${valueNames.join(', ')}];\nexport type { ${typeNames.join(', ')} };\n`;
const exProgram = dtsProgram(new Map([[EXAMPLES, text]]));
const exFile = exProgram.getSourceFile(EXAMPLES);
for (const d of ts.getPreEmitDiagnostics(exProgram, exFile)) {
  const line = d.start === undefined ? 0 : exFile.getLineAndCharacterOfPosition(d.start).line + 1;
  const span = spans.find((s) => line >= s.start && line < s.end);
  const snippet = exFile.text.split('\n')[line - 1]?.trim() ?? '';
  problems.push(`@example of ${span?.where ?? '(the example file)'} does not compile: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}\n    ${snippet}`);
}

if (problems.length > 0) {
  process.stderr.write(`api-check: ${problems.length} problem(s)\n${problems.map((p) => `- ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`api-check: ok (${reported.size} declarations, ${examples.length} examples)\n`);
