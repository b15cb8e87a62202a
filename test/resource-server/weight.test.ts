// The weight of `legate/resource-server` (#15 item 5): a service installs and imports it without a store,
// JSON-LD or a native addon (the value-import graph of src/resource-server/index.ts, test/helpers/import-graph).
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachable } from '../helpers/import-graph.js';

const ENTRY = 'resource-server/index.ts';
const FORBIDDEN_FOLDERS = ['store', 'node', 'server', 'cli', 'data-integrity'];
const FORBIDDEN_PACKAGES = ['jsonld', 'better-sqlite3'];

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
