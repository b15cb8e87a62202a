// The fleet's settings live in the store: set once, every open of that store applies them,
// and they reach the verifier (work limits, status ages) and the session lifetime.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSharedConfig, setSharedSetting, SHARED_SETTINGS_ROW, unsetSharedSetting } from '../../src/config/shared.js';
import { DATA_FILES } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { verificationOptions } from '../../src/node/verify.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/types.js';

const NOW = new Date('2026-03-02T10:00:00Z');
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'legate-shared-'));
});

/** A fresh acme node's data directory. */
async function acme(name: string): Promise<string> {
  const dataDir = join(root, name);
  await initNode({ dataDir, domain: 'acme.example', clock: () => NOW });
  return dataDir;
}

async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openSqliteStore(join(dataDir, DATA_FILES.database));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('shared settings in the store', () => {
  it('round-trip: set, read with source store, unset back to the default', async () => {
    const dataDir = await acme('round-trip');
    await withStore(dataDir, async (store) => {
      expect((await readSharedConfig(store)).maxStatusAge).toEqual({ value: 300, source: 'default' });
      await expect(setSharedSetting(store, 'maxStatusAge', '2m')).resolves.toBe(120);
      await setSharedSetting(store, 'workLimits.resolutions', '7');
      const shared = await readSharedConfig(store);
      expect(shared.maxStatusAge).toEqual({ value: 120, source: 'store' });
      expect(shared['workLimits.resolutions']).toEqual({ value: 7, source: 'store' });
      await unsetSharedSetting(store, 'maxStatusAge');
      expect((await readSharedConfig(store)).maxStatusAge).toEqual({ value: 300, source: 'default' });
      expect((await readSharedConfig(store))['workLimits.resolutions']?.value).toBe(7);
    });
  });

  it("reach an opened node's verifier policy and session lifetime; what code passes wins field by field", async () => {
    const dataDir = await acme('reach');
    await withStore(dataDir, async (store) => {
      await setSharedSetting(store, 'sessionLifetime', '10m');
      await setSharedSetting(store, 'maxStatusAge', '45');
      await setSharedSetting(store, 'workLimits.signatures', '9');
      await setSharedSetting(store, 'statusAgePolicy', '[{"action":"pay","resource":"https://bank.example/*","maxStatusAge":"PT30S"}]');
    });
    const node = await openNode({ dataDir, clock: () => NOW });
    try {
      expect(node.sessionLifetimeSeconds).toBe(600);
      expect(node.verifier).toEqual({
        workLimits: { resolutions: 40, statusLists: 32, inflatedBytes: 16 * 1024 * 1024, signatures: 9 },
        maxStatusAgeSeconds: 45,
        statusAgePolicy: [{ action: 'pay', resource: 'https://bank.example/*', maxStatusAge: 'PT30S' }],
      });
      expect(verificationOptions(node).budget?.limits.signatures).toBe(9);
    } finally {
      await node.close();
    }
    const explicit = await openNode({ dataDir, clock: () => NOW, sessionLifetimeSeconds: 60, verifier: { workLimits: { resolutions: 3 } } });
    try {
      expect(explicit.sessionLifetimeSeconds).toBe(60);
      expect(explicit.verifier?.workLimits).toMatchObject({ resolutions: 3, signatures: 9 });
      expect(explicit.verifier?.maxStatusAgeSeconds).toBe(45);
    } finally {
      await explicit.close();
    }
  });

  it('a node with no shared settings keeps the defaults it had before', async () => {
    const node = await openNode({ dataDir: await acme('defaults'), clock: () => NOW });
    try {
      expect(node.sessionLifetimeSeconds).toBe(300);
      expect(node.verifier).toMatchObject({ maxStatusAgeSeconds: 300, statusAgePolicy: [], workLimits: { resolutions: 40 } });
    } finally {
      await node.close();
    }
  });

  it('refuses node-scoped and unknown settings, and bad values: ERR_INVALID_ARGUMENT, claim = the name; nothing stored', async () => {
    const dataDir = await acme('refusals');
    await withStore(dataDir, async (store) => {
      const nodeScoped = await setSharedSetting(store, 'timeout', '5').catch((error: unknown) => error);
      expect(nodeScoped).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'timeout' });
      expect((nodeScoped as Error).message).toContain('LEGATE_TIMEOUT');
      await expect(unsetSharedSetting(store, 'port')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'port' });
      await expect(setSharedSetting(store, 'maxStatusAges', '5')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'maxStatusAges' });
      await expect(setSharedSetting(store, 'sessionLifetime', '0')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'sessionLifetime' });
      await expect(setSharedSetting(store, 'workLimits.signatures', 'many')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'workLimits.signatures' });
      expect(await store.getSetting(SHARED_SETTINGS_ROW)).toBeUndefined();
    });
  });

  it('refuses to open on a stored value that fails its check (ERR_STORE_CORRUPT), and unset repairs it', async () => {
    const dataDir = await acme('damaged');
    await withStore(dataDir, async (store) => {
      await store.putSetting(SHARED_SETTINGS_ROW, JSON.stringify({ maxStatusAge: -5, fromANewerVersion: true }));
    });
    await expect(openNode({ dataDir, clock: () => NOW })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', claim: 'maxStatusAge' });
    await withStore(dataDir, async (store) => {
      await unsetSharedSetting(store, 'maxStatusAge');
      // Names this version does not know are left for the version that set them.
      expect(JSON.parse((await store.getSetting(SHARED_SETTINGS_ROW))!) as unknown).toEqual({ fromANewerVersion: true });
    });
    const node = await openNode({ dataDir, clock: () => NOW });
    await node.close();
    await withStore(dataDir, async (store) => {
      await store.putSetting(SHARED_SETTINGS_ROW, 'not json');
      await expect(readSharedConfig(store)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', claim: SHARED_SETTINGS_ROW });
    });
  });
});
