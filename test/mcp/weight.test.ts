// The weight of `legate/mcp`: MCP server authors bring their own MCP SDK, so the helper never imports it
// (nor zod) at run time, and, like `legate/resource-server` under it, loads no store, no JSON-LD and no
// native addon. The value-import graph of src/mcp/index.ts is walked (`import type` is erased at run
// time; dynamic imports and `createRequire` loads count), through src/ files, collecting the packages named on the way.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** `require` or `createRequire(…)`: how CommonJS packages (better-sqlite3) are loaded on first use. */
function isRequire(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return callee.text === 'require';
  return ts.isCallExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'createRequire';
}

function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(SRC, file), 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (node.importClause?.isTypeOnly !== true) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || isRequire(node.expression))) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteralLike(argument)) found.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of valueImports(file)) {
      if (specifier.startsWith('.')) {
        const target = relative(SRC, resolve(SRC, dirname(file), specifier.replace(/\.js$/, '.ts')));
        if (!target.startsWith('..')) queue.push(target);
      } else if (!specifier.startsWith('node:')) {
        const parts = specifier.split('/');
        packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
  }
  return { files, packages };
}

describe('legate/mcp weight', () => {
  it('imports neither the MCP SDK nor zod, and reaches no store, node, server or CLI code, jsonld or better-sqlite3', () => {
    const { files, packages } = reachable(join('mcp', 'index.ts'));
    // The walk works: it reaches the guard, the resource-server verifier under it and the DPoP proofs.
    expect(files).toContain(join('mcp', 'protect.ts'));
    expect(files).toContain(join('resource-server', 'verify.ts'));
    expect(files).toContain(join('oauth', 'dpop.ts'));
    expect([...files].filter((file) => ['store', 'node', 'server', 'cli', 'data-integrity'].includes(file.split(sep)[0]!))).toEqual([]);
    expect([...packages].filter((name) => ['@modelcontextprotocol/sdk', 'zod', 'jsonld', 'better-sqlite3'].includes(name))).toEqual([]);
  });

  it('would see a forbidden package: the node entry reaches better-sqlite3 and jsonld', () => {
    const { packages } = reachable(join('node', 'index.ts'));
    expect(packages).toContain('better-sqlite3');
    expect(packages).toContain('jsonld');
  });
});
