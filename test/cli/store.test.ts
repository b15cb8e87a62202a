// `legate store check|sweep` and how the CLI meets a damaged database
// (issue #13 item 8): a real store made by `legate init`, grown, then 4 KiB
// of garbage written over a page in its middle. `store check` exits 1 with
// ERR_STORE_CORRUPT, `serve` refuses to start, `audit verify` reports it.
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/index.js';
import { legate } from './helpers.js';

const PAGE = 4096;
let root: string;

/** A node made by the CLI, with a few thousand usage rows so its file has a middle. */
async function grownNode(name: string): Promise<string> {
  const data = join(root, name);
  const init = await legate(['--data', data, 'init', '--domain', 'localhost:9', '--name', 'Acme']);
  expect(init.code).toBe(0);
  const store = await openSqliteStore(join(data, 'legate.db'));
  await store.transaction(async (tx) => {
    for (let i = 0; i < 6000; i++) {
      await tx.recordUsage({ key: 'alice|urn:uuid:c1|*', at: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(), amount: `${i}.5`, currency: 'USD' });
    }
  });
  await store.close();
  return data;
}

async function corruptMiddlePage(file: string): Promise<void> {
  const { size } = await stat(file);
  const garbage = Buffer.alloc(PAGE);
  for (let i = 0; i < PAGE; i++) garbage[i] = (i * 131 + 7) % 253;
  const handle = await open(file, 'r+');
  try {
    await handle.write(garbage, 0, PAGE, Math.floor(size / PAGE / 2) * PAGE);
  } finally {
    await handle.close();
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'legate-cli-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('legate store', () => {
  it('checks a sound store (exit 0) and sweeps it', async () => {
    const data = await grownNode('sound');
    const check = await legate(['--data', data, 'store', 'check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('store ok');
    expect((await legate(['--data', data, '--json', 'store', 'check', '--quick'])).json()).toEqual({ ok: true, mode: 'quick', problems: [] });
    const sweep = await legate(['--data', data, '--json', 'store', 'sweep']);
    expect(sweep.code).toBe(0);
    expect(sweep.json()).toEqual({ sessions: 0, peerSessions: 0, acknowledges: 0, oneTimeKeys: 0, usage: 0 });
    expect((await legate(['--data', data, 'audit', 'verify'])).code).toBe(0);
  }, 120_000);

  it('refuses a directory with no node with ERR_NOT_FOUND', async () => {
    const check = await legate(['--data', join(root, 'nothing'), 'store', 'check']);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('ERR_NOT_FOUND');
  });

  describe('with 4 KiB of garbage in the middle of legate.db', () => {
    let data: string;
    beforeAll(async () => {
      data = await grownNode('damaged');
      await corruptMiddlePage(join(data, 'legate.db'));
    }, 120_000);

    it('store check exits 1 with ERR_STORE_CORRUPT and lists what SQLite found', async () => {
      const check = await legate(['--data', data, 'store', 'check']);
      expect(check.code).toBe(1);
      expect(check.stderr).toContain('legate: ERR_STORE_CORRUPT');
      expect(check.stdout.trim().length).toBeGreaterThan(0);
      const json = await legate(['--data', data, '--json', 'store', 'check', '--quick']);
      expect(json.code).toBe(1);
      expect(json.json()).toMatchObject({ ok: false, mode: 'quick', error: { code: 'ERR_STORE_CORRUPT' } });
    });

    it('serve refuses to start with ERR_STORE_CORRUPT', async () => {
      const serve = await legate(['--data', data, 'serve', '--port', '0']);
      expect(serve.code).toBe(2);
      expect(serve.stderr).toContain('ERR_STORE_CORRUPT');
      expect(serve.stdout).not.toContain('serving on');
    });

    it('audit verify reports it and exits 1', async () => {
      const verify = await legate(['--data', data, 'audit', 'verify']);
      expect(verify.code).toBe(1);
      expect(verify.stderr).toContain('ERR_STORE_CORRUPT');
      const json = await legate(['--data', data, '--json', 'audit', 'verify']);
      expect(json.json()).toMatchObject({ ok: false, error: { code: 'ERR_STORE_CORRUPT' } });
    });
  });
});
