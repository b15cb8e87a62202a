// File modes of acme's data directory: the directory 0700, every file 0600,
// including SQLite's -wal and -shm, whatever the process umask says.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';

const mode = (path: string) => statSync(path).mode & 0o777;
const OWNER = 'mailto:carol@acme.example';

let root: string;
let dataDir: string;
let savedUmask: number;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'legate-modes-'));
  dataDir = join(root, 'acme');
  // The most permissive umask: nothing but Legate's own modes keeps the files private.
  savedUmask = process.umask(0);
});
afterEach(() => {
  process.umask(savedUmask);
});

describe('data directory modes', () => {
  it('creates the directory 0700 and the database, its -wal and -shm, and the key files 0600', async () => {
    const warnings: string[] = [];
    await initNode({ dataDir, domain: 'acme.example', onWarning: (m) => warnings.push(m) });
    expect(mode(dataDir)).toBe(0o700);
    for (const file of ['legate.db', 'keystore.json', 'master.key', 'admin.token']) expect(mode(join(dataDir, file)), file).toBe(0o600);
    const node = await openNode({ dataDir, onWarning: (m) => warnings.push(m) });
    try {
      // A write while the store is open: SQLite creates -wal and -shm now.
      await createAgent(node, { name: 'alice', owner: OWNER });
      for (const file of ['legate.db', 'legate.db-wal', 'legate.db-shm']) {
        expect(existsSync(join(dataDir, file)), file).toBe(true);
        expect(mode(join(dataDir, file)), file).toBe(0o600);
      }
    } finally {
      await node.close();
    }
    expect(warnings).toEqual([]);
  });

  it('tightens its own files back to 0600 on open, and warns about a directory group or others can open', async () => {
    await initNode({ dataDir, domain: 'acme.example' });
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'legate.db'), 0o644);
    chmodSync(join(dataDir, 'admin.token'), 0o640);
    const warnings: string[] = [];
    const node = await openNode({ dataDir, onWarning: (m) => warnings.push(m) });
    await node.close();
    expect(mode(join(dataDir, 'legate.db'))).toBe(0o600);
    expect(mode(join(dataDir, 'admin.token'))).toBe(0o600);
    // The directory may be the user's: it is reported, not changed.
    expect(mode(dataDir)).toBe(0o755);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain('chmod 700');
    expect(warnings.join('\n')).toMatch(/legate\.db was readable by group or others \(mode 0644\)/);
  });

  it('warns about a readable master.key at open, and refuses to unseal with it', async () => {
    await initNode({ dataDir, domain: 'acme.example' });
    chmodSync(join(dataDir, 'master.key'), 0o644);
    const warnings: string[] = [];
    const node = await openNode({ dataDir, onWarning: (m) => warnings.push(m) });
    try {
      expect(warnings).toEqual([expect.stringContaining('master.key is readable by group or others')]);
      await expect(createAgent(node, { name: 'alice', owner: OWNER })).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE', reason: 'permissions' });
    } finally {
      await node.close();
    }
    await expect(openNode({ dataDir, requireKeys: true, onWarning: () => undefined })).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE', reason: 'permissions' });
  });

  it('warns when init is given an existing directory that group or others can open', async () => {
    mkdirSync(dataDir, { mode: 0o755 });
    const warnings: string[] = [];
    await initNode({ dataDir, domain: 'acme.example', onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringContaining(`chmod 700 ${dataDir}`)]);
    expect(mode(join(dataDir, 'legate.db'))).toBe(0o600);
  });
});
