// acme's node served over real HTTP on loopback: one server per data directory,
// and no local key or store failure reaches whoever sent the request.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { lockDataDir } from '../../src/node/serve-lock.js';
import { createApp } from '../../src/server/app.js';
import { startServer } from '../../src/server/serve.js';

const OWNER = 'mailto:carol@acme.example';
const PASSPHRASE = 'correct horse battery staple';
let dataDir: string;

beforeEach(() => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'legate-serve-')), 'acme');
});

describe('one server per data directory', () => {
  it('refuses a second server on the same data directory with ERR_DATA_DIR_IN_USE, and frees it on close', async () => {
    await initNode({ dataDir, domain: 'acme.example' });
    const first = await startServer({ node: await openNode({ dataDir }), port: 0 });
    const second = await openNode({ dataDir });
    try {
      await expect(startServer({ node: second, port: 0 })).rejects.toMatchObject({ code: 'ERR_DATA_DIR_IN_USE', claim: 'data' });
      // The store itself is shared: another handle still reads and writes while the first serves.
      expect(await second.store.getOrganization()).toMatchObject({ did: 'did:web:acme.example' });
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    } finally {
      await first.close();
    }
    const again = await startServer({ node: second, port: 0 });
    await again.close();
  });

  it('refuses a second lock in the same process, and frees it on release', async () => {
    await initNode({ dataDir, domain: 'acme.example' });
    const lock = lockDataDir(dataDir);
    try {
      // The holder is this process, so the message cannot name it; the code is what callers branch on.
      expect(() => lockDataDir(dataDir)).toThrow(expect.objectContaining({ code: 'ERR_DATA_DIR_IN_USE' }));
      expect(() => lockDataDir(dataDir)).toThrow(/already being served by another server/);
    } finally {
      lock.release();
    }
    lockDataDir(dataDir).release();
  });
});

describe('keys before listening', () => {
  it('refuses to serve a node whose keys cannot be unsealed: ERR_KEY_UNAVAILABLE, and frees the data directory', async () => {
    await initNode({ dataDir, domain: 'acme.example', passphrase: PASSPHRASE });
    const locked = await openNode({ dataDir });
    try {
      await expect(startServer({ node: locked, port: 0 })).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE', reason: 'passphrase-required' });
    } finally {
      await locked.close();
    }
    const server = await startServer({ node: await openNode({ dataDir, passphrase: PASSPHRASE }), port: 0 });
    await server.close();
  });
});

describe('local failures stay local', () => {
  it('answers a key failure with the generic internal problem and logs the detail locally', async () => {
    await initNode({ dataDir, domain: 'acme.example', passphrase: PASSPHRASE });
    const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    // Opened without the passphrase (no requireKeys): the first key use fails with ERR_KEY_UNAVAILABLE.
    const node = await openNode({ dataDir });
    const logged: unknown[] = [];
    const app = createApp({ node, onUnexpectedError: (error) => logged.push(error) });
    try {
      const res = await app.request('/admin/agents', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'alice', owner: OWNER }),
      });
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(JSON.parse(body)).toEqual({ type: 'https://legate.dev/problems/internal', title: 'ERR_INTERNAL', status: 500, detail: 'internal error', code: 'ERR_INTERNAL' });
      expect(body).not.toMatch(/passphrase|KEY_UNAVAILABLE/i);
      expect(logged).toEqual([expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE', reason: 'passphrase-required' })]);
      expect(String(logged[0])).toContain('LEGATE_PASSPHRASE');
      // Refusals are still the caller's to know.
      expect((await app.request('/agents/nobody/did.json')).status).toBe(404);
    } finally {
      await node.close();
    }
  });
});
