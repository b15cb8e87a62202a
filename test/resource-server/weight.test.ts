// The weight of `legate/resource-server` (#15 item 5): a service installs and imports it without a store,
// JSON-LD or a native addon (the value-import graph of src/resource-server/index.ts, test/helpers/import-graph).
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachable } from '../helpers/import-graph.js';

const ENTRY = 'resource-server/index.ts';
const FORBIDDEN_FOLDERS = ['store', 'node', 'server', 'cli', 'data-integrity'];
const FORBIDDEN_PACKAGES = ['jsonld', 'better-sqlite3', 'pino', 'prom-client'];

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

  it('leaves logs and metrics to the server: the node entry reaches neither pino nor prom-client, the server app both', () => {
    const { packages } = reachable(join('node', 'index.ts'));
    expect([...packages].filter((name) => ['pino', 'prom-client'].includes(name))).toEqual([]);
    expect(packages).toContain('@opentelemetry/api');
    const server = reachable(join('server', 'index.ts')).packages;
    expect(server).toContain('pino');
    expect(server).toContain('prom-client');
  });
});
