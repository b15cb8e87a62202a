// What the PostgreSQL change stamp buys a node, and what it costs in freshness: instance A keeps its
// organization's newest signing key (and its own lists) without a statement per use while nothing
// changed; a key retired through instance B is dropped by A once B's commit notice arrives, and A
// reads again. Statements are counted by the store's opt-in counters (databaseCounters).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { pgCounters } from '../../src/store/postgres/statements.js';
import { describePostgres, freshDatabase, type FreshDatabase } from '../helpers/postgres.js';

describePostgres('the change stamp in a node on PostgreSQL', () => {
  let root: string;
  let db: FreshDatabase;
  let a: NodeContext;
  let b: NodeContext;
  const counters = pgCounters();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'legate-pg-stamp-'));
    db = await freshDatabase();
    const dirs = [join(root, 'acme-1'), join(root, 'acme-2')];
    await initNode({ dataDir: dirs[0]!, domain: 'acme.example', database: db.url });
    mkdirSync(dirs[1]!, { mode: 0o700 });
    for (const file of ['keystore.json', 'master.key']) copyFileSync(join(dirs[0]!, file), join(dirs[1]!, file));
    a = await openNode({ dataDir: dirs[0]!, database: db.url, databasePoolSize: 2, databaseCounters: counters });
    b = await openNode({ dataDir: dirs[1]!, database: db.url, databasePoolSize: 2 });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps the newest signer without a statement while nothing changed, and reads again after a change through another instance', async () => {
    const did = a.organization.did;
    const first = await a.keys.newestSigner(did);
    const before = counters.statements;
    expect((await a.keys.newestSigner(did)).kid).toBe(first.kid);
    expect(counters.statements).toBe(before);

    // Instance B retires the key: A keeps it until the notice of B's commit arrives (milliseconds), then reads again.
    const stamp = a.store.changeStamp?.();
    expect(stamp).toBeDefined();
    await b.store.setKeyStatus(first.kid, 'retired');
    await vi.waitFor(() => expect(a.store.changeStamp?.()).not.toBe(stamp), { timeout: 20_000, interval: 10 });
    await expect(a.keys.newestSigner(did)).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    expect(counters.statements).toBeGreaterThan(before);
  });
});
