// The layering of docs/ARCHITECTURE.md, read from the code: every import of
// every src/**/*.ts file (value and type-only, static, re-export and dynamic)
// is mapped to the folders it joins, and the folder graph is checked against
// the rules. A failure prints each offending edge with the files behind it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/**
 * The layers of docs/ARCHITECTURE.md, top first; a folder may import from its
 * own layer (where no cycle forms) and from the layers below. `(root)` is
 * src/index.ts, the package entry, which re-exports the library as a face.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli', 'server', 'demo', 'console', '(root)'], // faces
  ['node', 'config'], // composition root and the configuration it reads
  ['veramo', 'resource-server', 'mcp'], // plug-in faces
  ['pool'], // the verifier pool the root runs credential verification in
  ['handshake', 'action', 'session', 'presentation', 'oauth', 'webhook'], // protocol
  ['capability', 'delegation', 'registry', 'status', 'audit'], // authority
  ['credential', 'data-integrity', 'did', 'keys'], // credentials
  ['store'], // repositories and drivers: data only
  ['lib', 'errors'], // internals
];
const FACES = new Set(LAYERS[0]);
/**
 * Below the store in the table, above it in meaning: credentials are kept by
 * the store, never know it (a key store over a `Store` is a service the root
 * builds, or a port `keys/` defines and the store implements).
 */
const NO_PERSISTENCE = new Set(LAYERS[6]);
const TOP = new Set(['node', 'server', 'cli']);
/** Files that may exceed {@link MAX_LINES}: SQLite's list of schema migrations, which only grows. */
const SIZE_EXEMPT = `store${sep}sqlite${sep}migrations.ts`;
const MAX_LINES = 400;

const layerOf = new Map<string, number>(LAYERS.flatMap((folders, rank) => folders.map((folder) => [folder, rank] as const)));

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
  file: string;
  target: string;
}

function sourceFiles(): string[] {
  return (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
}

/** The folder of a path relative to src/: its first segment, `(root)` for files directly in src/. */
function folderOf(file: string): string {
  const parts = file.split(sep);
  return parts.length === 1 ? '(root)' : (parts[0] as string);
}

/** Every relative import of `file` (relative to src/), with whether it is type-only. */
function importsOf(file: string): { target: string; typeOnly: boolean }[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      // `import { type A } from` stays an import at run time under verbatimModuleSyntax: only `import type` is type-only.
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly === true });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteralLike(argument)) found.push({ specifier: argument.text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found
    .filter(({ specifier }) => specifier.startsWith('./') || specifier.startsWith('../'))
    .map(({ specifier, typeOnly }) => ({
      target: relative(SRC, resolve(SRC, dirname(file), specifier.replace(/\.js$/, '.ts'))),
      typeOnly,
    }))
    .filter(({ target }) => !target.startsWith('..')); // schemas/, package.json: not code
}

function edges(): Edge[] {
  const all: Edge[] = [];
  for (const file of sourceFiles()) {
    for (const { target, typeOnly } of importsOf(file)) {
      const from = folderOf(file);
      const to = folderOf(target);
      if (from !== to) all.push({ from, to, typeOnly, file, target });
    }
  }
  return all;
}

/** `from → to (value|type-only): file → target, …`, one line per folder edge. */
function describeEdges(list: readonly Edge[]): string[] {
  const byEdge = new Map<string, Edge[]>();
  for (const edge of list) {
    const key = `${edge.from} → ${edge.to}`;
    byEdge.set(key, [...(byEdge.get(key) ?? []), edge]);
  }
  return [...byEdge]
    .map(([key, found]) => {
      const kind = found.some((e) => !e.typeOnly) ? 'value' : 'type-only';
      return `${key} (${kind}): ${found.map((e) => `${e.file} → ${e.target}${e.typeOnly ? ' (type)' : ''}`).join(', ')}`;
    });
}

/** The folders of every cycle of the graph (its strongly connected components of more than one folder). */
function cycles(list: readonly Edge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of list) next.set(from, (next.get(from) ?? new Set()).add(to));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) connect(v);
  return found;
}

const all = edges();

describe('imports follow the layers of docs/ARCHITECTURE.md', () => {
  it('every folder of src/ has a layer', () => {
    const folders = [...new Set(sourceFiles().map(folderOf))];
    expect(folders.filter((folder) => !layerOf.has(folder))).toEqual([]);
  });

  it('value imports form no folder cycle', () => {
    const value = all.filter((e) => !e.typeOnly);
    const found = cycles(value);
    const inCycle = value.filter((e) => found.some((c) => c.includes(e.from) && c.includes(e.to)));
    expect(describeEdges(inCycle), 'the edges of folder cycles of value imports').toEqual([]);
  });

  it('no library folder imports node/, server/ or cli/', () => {
    const upward = all.filter((e) => !FACES.has(e.from) && e.from !== 'node' && TOP.has(e.to));
    expect(describeEdges(upward), 'library folders importing node/, server/ or cli/').toEqual([]);
  });

  it('no import reaches a higher layer (nor credentials the store), nor closes a cycle within its own', () => {
    // Value and type-only alike: a type is knowledge of the layer it comes from.
    const rank = (folder: string) => layerOf.get(folder) ?? Number.NaN;
    const upward = all.filter((e) => rank(e.to) < rank(e.from) || (NO_PERSISTENCE.has(e.from) && e.to === 'store'));
    const sameLayer = all.filter((e) => rank(e.to) === rank(e.from));
    const found = cycles(sameLayer);
    const inCycle = sameLayer.filter((e) => found.some((c) => c.includes(e.from) && c.includes(e.to)));
    const offending = [...upward, ...inCycle];
    expect(describeEdges(offending), 'imports against the layering').toEqual([]);
  });
});

describe('source file sizes', () => {
  it(`no file of src/ is over ${MAX_LINES} lines, except SQLite's migrations`, () => {
    const over = sourceFiles()
      .filter((file) => file !== SIZE_EXEMPT)
      .map((file) => ({ file, lines: readFileSync(join(SRC, file), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(over).toEqual([]);
  });
});
