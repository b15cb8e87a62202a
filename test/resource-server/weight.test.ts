// The weight of `legate/resource-server` (#15 item 5): a service installs
// and imports it without a store, JSON-LD or a native addon. The static
// import graph of src/resource-server/index.ts is walked, value imports
// only (static, re-export, dynamic and `createRequire` loads; `import type` is
// erased at run time),
// through src/ files, collecting the packages named on the way.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const ENTRY = 'resource-server/index.ts';
const FORBIDDEN_FOLDERS = ['store', 'node', 'server', 'cli', 'data-integrity'];
const FORBIDDEN_PACKAGES = ['jsonld', 'better-sqlite3'];

/** `require` or `createRequire(…)`: how CommonJS packages (better-sqlite3) are loaded on first use. */
function isRequire(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return callee.text === 'require';
  return ts.isCallExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'createRequire';
}

/** The value imports of one file: relative specifiers and package names. */
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

/** Every src/ file and package reachable from `entry`. */
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
        // `@scope/name/sub` → `@scope/name`; `name/sub` → `name`.
        const parts = specifier.split('/');
        packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
  }
  return { files, packages };
}

describe('legate/resource-server weight', () => {
  it('reaches no store, node, server, CLI or JSON-LD code, and neither jsonld nor better-sqlite3', () => {
    const { files, packages } = reachable(ENTRY);
    // The walk works: it reaches the verifier and the OAuth checks it is built on.
    expect(files).toContain(join('resource-server', 'verify.ts'));
    expect(files).toContain(join('oauth', 'access-token.ts'));
    expect(files).toContain(join('capability', 'authorize.ts'));
    const heavy = [...files].filter((file) => FORBIDDEN_FOLDERS.includes(file.split(sep)[0]!));
    expect(heavy).toEqual([]);
    expect([...packages].filter((name) => FORBIDDEN_PACKAGES.includes(name))).toEqual([]);
  });

  it('would see a forbidden module: the node entry reaches the store, better-sqlite3 and jsonld', () => {
    const { files, packages } = reachable(join('node', 'index.ts'));
    expect([...files].some((file) => file.startsWith(`store${sep}`))).toBe(true);
    expect(packages).toContain('better-sqlite3');
    expect(packages).toContain('jsonld');
  });
});
