// The weight of `legate/mcp`: MCP server authors bring their own MCP SDK, so the helper never imports it
// (nor zod) at run time, and, like `legate/resource-server` under it, loads no store, no JSON-LD and no
// native addon (the value-import graph of src/mcp/index.ts, test/helpers/import-graph).
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachable } from '../helpers/import-graph.js';

describe('legate/mcp weight', () => {
  it('imports neither the MCP SDK nor zod, and reaches no store, node, server or CLI code, jsonld or better-sqlite3', () => {
    const { files, packages } = reachable(join('mcp', 'index.ts'));
    // The walk works: it reaches the guard, the resource-server verifier under it and the DPoP proofs.
    expect(files).toContain(join('mcp', 'protect.ts'));
    expect(files).toContain(join('resource-server', 'verify.ts'));
    expect(files).toContain(join('oauth', 'dpop.ts'));
    expect([...files].filter((file) => ['store', 'node', 'server', 'cli', 'data-integrity'].includes(file.split(sep)[0]!))).toEqual([]);
    expect([...packages].filter((name) => ['@modelcontextprotocol/sdk', 'zod', 'jsonld', 'better-sqlite3', 'pino', 'prom-client'].includes(name))).toEqual([]);
  });

  it('would see a forbidden package: the node entry reaches better-sqlite3 and jsonld', () => {
    const { packages } = reachable(join('node', 'index.ts'));
    expect(packages).toContain('better-sqlite3');
    expect(packages).toContain('jsonld');
  });
});
