/**
 * @module test/store/corruption
 *
 * A damaged database file is noticed (issue #13 item 8): 4 KiB of garbage
 * written over a page in the middle of a real store file. SQLite's checks
 * report it, an operation that reads the page fails with
 * `ERR_STORE_CORRUPT`, and from then on the store refuses writes with that
 * code while reads of sound pages go on. `checkSqliteFile` checks without
 * writing, even a file too damaged to open as a store.
 */

import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { checkSqliteFile, openSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { alice, bob, organization } from './contract.js';

const PAGE = 4096;
const KEY = 'alice|urn:uuid:c1|*';

let dir: string;
let path: string;

/** A real store file of a few hundred pages, mostly usage rows of one key, checkpointed and closed. */
async function filledStore(): Promise<void> {
  const store = await openSqliteStore(path);
  await store.putOrganization(organization);
  await store.putAgent(alice);
  await store.transaction(async (tx) => {
    for (let i = 0; i < 6000; i++) {
      await tx.recordUsage({ key: KEY, at: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(), amount: `${i}.25`, currency: 'USD' });
    }
  });
  await store.close();
}

/** Writes 4 KiB of garbage over the page in the middle of the file. */
async function corruptMiddlePage(file: string): Promise<void> {
  const { size } = await stat(file);
  const offset = Math.floor(size / PAGE / 2) * PAGE;
  const garbage = Buffer.alloc(PAGE);
  for (let i = 0; i < PAGE; i++) garbage[i] = (i * 167 + 13) % 251;
  const handle = await open(file, 'r+');
  try {
    await handle.write(garbage, 0, PAGE, offset);
  } finally {
    await handle.close();
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'legate-corrupt-'));
  path = join(dir, 'legate.db');
  await filledStore();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a damaged store', () => {
  it('passes both checks before the damage', async () => {
    expect(await checkSqliteFile(path)).toEqual({ ok: true, problems: [], mode: 'full' });
    expect(await checkSqliteFile(path, { quick: true })).toEqual({ ok: true, problems: [], mode: 'quick' });
  });

  it('fails the full and the quick check, read-only from the file', async () => {
    await corruptMiddlePage(path);
    const full = await checkSqliteFile(path);
    expect(full.ok).toBe(false);
    expect(full.mode).toBe('full');
    expect(full.problems.length).toBeGreaterThan(0);
    expect((await checkSqliteFile(path, { quick: true })).ok).toBe(false);
  });

  describe('opened as a store', () => {
    let store: Store;
    beforeEach(async () => {
      await corruptMiddlePage(path);
      store = await openSqliteStore(path);
    });
    afterEach(async () => {
      await store.close();
    });

    it('reports the damage, then refuses every write with ERR_STORE_CORRUPT while reads go on', async () => {
      // Pages nothing has read yet: the store has not noticed.
      await store.putAgent(bob);
      const report = await store.checkIntegrity({ quick: true });
      expect(report.ok).toBe(false);
      await expect(store.putAgent({ ...bob, name: 'bob-2', did: `${bob.did}-2` })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
      await expect(store.putSetting('x', 'y')).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
      await expect(store.sweep('2030-01-01T00:00:00.000Z')).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
      await expect(store.transaction((tx) => tx.getAgent('alice'))).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
      expect(await store.getAgent('alice')).toEqual(alice);
      expect(await store.getOrganization()).toEqual(organization);
    });

    it('turns a read of the damaged page into ERR_STORE_CORRUPT, and refuses writes after it', async () => {
      await expect(store.listUsage(KEY, '2024-01-01T00:00:00.000Z')).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
      await expect(store.putAgent(bob)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
      await expect(store.recordUsage({ key: KEY, at: '2026-01-01T00:00:00.000Z' })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
      expect(await store.getAgent('alice')).toEqual(alice);
    });
  });

  it('reports a file that is no database at all, without throwing', async () => {
    await writeFile(path, Buffer.alloc(8 * PAGE, 0x5a));
    const report = await checkSqliteFile(path);
    expect(report.ok).toBe(false);
    expect(report.problems.join(' ')).toMatch(/not a database|SQLITE_NOTADB/i);
    await expect(openSqliteStore(path)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
  });

  it('throws ERR_STORE for a file that is not there', async () => {
    await expect(checkSqliteFile(join(dir, 'missing.db'))).rejects.toMatchObject({ code: 'ERR_STORE' });
  });
});
