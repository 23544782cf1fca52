#!/usr/bin/env node
// Counts what the package entry point (charts/index.ts) exports, by kind, and which of those jsii would carry to
// other languages (classes, interfaces, enums) or drop silently (functions, constants, type aliases).
// Usage: node scripts/api-surface.js [--list]
const path = require('path');
const ts = require('typescript');

const root = path.join(__dirname, '..');
const entry = path.join(root, 'charts/index.ts');
const program = ts.createProgram([entry], {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  esModuleInterop: true,
  strict: true,
  skipLibCheck: true,
});
const checker = program.getTypeChecker();
const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)));

function kind(sym) {
  const s = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
  const f = s.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Enum) return 'enum';
  if (f & ts.SymbolFlags.Interface) return 'interface';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Variable) return 'constant';
  if (f & ts.SymbolFlags.TypeAlias) return 'type alias';
  return 'other';
}
const byKind = {};
for (const e of exported) (byKind[kind(e)] ??= []).push(e.getName());
const carried = ['class', 'interface', 'enum'];
console.log(`charts/index.ts exports ${exported.length} symbols`);
for (const [k, names] of Object.entries(byKind).sort((a, b) => b[1].length - a[1].length)) {
  console.log(
    `  ${String(names.length).padStart(4)} ${k}${carried.includes(k) ? '' : ' (not in a jsii assembly)'}${process.argv.includes('--list') ? `: ${names.sort().join(', ')}` : ''}`,
  );
}
