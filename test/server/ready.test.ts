// GET /readyz (readiness: one cheap store statement within a bounded time) beside GET /healthz
// (liveness: never touches the store), for acme's node on SQLite and on PostgreSQL: 200 ready while
// the store answers; 503 ERR_NOT_READY, saying nothing of the store's path or URL, once it is closed,
// gone or too slow; a hung store is asked once however often the balancer polls.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { readinessCheck } from '../../src/node/ready.js';
import { createApp } from '../../src/server/app.js';
import { describePostgres, freshDatabase } from '../helpers/postgres.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function acme(database?: string): Promise<{ node: NodeContext; dataDir: string; reported: unknown[] }> {
  const parent = mkdtempSync(join(tmpdir(), 'legate-ready-'));
  cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
  const dataDir = join(parent, 'acme');
  const onStore = database === undefined ? {} : { database };
  await initNode({ dataDir, domain: 'acme.example', ...onStore });
  const node = await openNode({ dataDir, ...onStore });
  // On PostgreSQL the test drops the database under the node: closing it then fails (its chain-close cannot be written).
  cleanups.push(() => node.close().catch((error: unknown) => {
    if (database === undefined) throw error;
  }));
  return { node, dataDir, reported: [] };
}

async function expectNotReady(res: Response, secrets: string[]): Promise<void> {
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const text = await res.text();
  expect(JSON.parse(text)).toMatchObject({ status: 503, code: 'ERR_NOT_READY' });
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('GET /readyz on SQLite', () => {
  it('answers 200 ready while the store answers, and 503 ERR_NOT_READY once it is closed, while /healthz stays 200', async () => {
    const { node, dataDir, reported } = await acme();
    const app = createApp({ node, onUnexpectedError: (e) => reported.push(e) });
    const res = await app.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready' });
    await node.store.close();
    await expectNotReady(await app.request('/readyz'), [dataDir, 'legate.db']);
    expect(reported).toMatchObject([{ code: 'ERR_STORE' }]);
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('answers 503 ERR_NOT_READY when the store does not answer in time, asking a hung store once for concurrent checks', async () => {
    const { node } = await acme();
    let asked = 0;
    const hung = Object.create(node.store) as typeof node.store;
    hung.getOrganization = () => {
      asked++;
      return new Promise(() => undefined);
    };
    const view = Object.create(node, { store: { value: hung } }) as NodeContext;
    const app = createApp({ node: view, readyTimeoutMs: 50, onUnexpectedError: () => undefined });
    const answers = await Promise.all([app.request('/readyz'), app.request('/readyz'), app.request('/readyz')]);
    for (const res of answers) await expectNotReady(res, []);
    expect(asked).toBe(1);
    // The next poll asks again.
    await expectNotReady(await app.request('/readyz'), []);
    expect(asked).toBe(2);
  });

  it('rejects with the StoreError ERR_NOT_READY, carrying the store failure as its cause only', async () => {
    const { node } = await acme();
    await node.store.close();
    const failures: unknown[] = [];
    await expect(readinessCheck(node.store, { onFailure: (e) => failures.push(e) })()).rejects.toMatchObject({ code: 'ERR_NOT_READY', name: 'StoreError' });
    expect(failures).toMatchObject([{ code: 'ERR_STORE' }]);
  });
});

describePostgres('GET /readyz on PostgreSQL', () => {
  it('answers 200 ready, then 503 ERR_NOT_READY without the URL once the database is gone, while /healthz stays 200', async () => {
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const { node } = await acme(db.url);
    const app = createApp({ node, onUnexpectedError: () => undefined });
    expect(await (await app.request('/readyz')).json()).toEqual({ status: 'ready' });
    // The database dropped under the running node: its connections end, new ones are refused.
    await db.drop();
    await expectNotReady(await app.request('/readyz'), [db.url, db.name, new URL(db.url).host]);
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
