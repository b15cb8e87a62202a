// openNode and the sealing in force: acme sealed by master.key, bank sealed by a passphrase.
// A passphrase that does not fit is refused at open, never ignored or left for the first signature.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { organizationSigner } from '../../src/node/signers.js';

const PASSPHRASE = 'correct horse battery staple';
let root: string;
let acme: string;
let bank: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'legate-open-'));
  acme = join(root, 'acme');
  bank = join(root, 'bank');
  await initNode({ dataDir: acme, domain: 'acme.example' });
  await initNode({ dataDir: bank, domain: 'bank.example', passphrase: PASSPHRASE });
}, 60_000);

const keyUnavailable = (reason: string) => ({ code: 'ERR_KEY_UNAVAILABLE', reason });

describe('openNode and the sealing in force', () => {
  it('says which sealing protects the keys', async () => {
    const a = await openNode({ dataDir: acme });
    const b = await openNode({ dataDir: bank, passphrase: PASSPHRASE });
    try {
      expect(a.sealing).toBe('keyfile');
      expect(b.sealing).toBe('passphrase');
      await expect(organizationSigner(b)).resolves.toMatchObject({ kid: 'did:web:bank.example#key-1' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses a passphrase given for a store sealed by master.key: ERR_KEY_UNAVAILABLE sealing-mismatch', async () => {
    await expect(openNode({ dataDir: acme, passphrase: 'mallory' })).rejects.toMatchObject(keyUnavailable('sealing-mismatch'));
  });

  it('refuses a wrong passphrase at open, not at first signature: ERR_KEY_UNAVAILABLE wrong-key', async () => {
    await expect(openNode({ dataDir: bank, passphrase: 'mallory' })).rejects.toMatchObject(keyUnavailable('wrong-key'));
  });

  it('opens a passphrase-sealed store without one for work that signs nothing, and refuses the first signature', async () => {
    const node = await openNode({ dataDir: bank });
    try {
      expect(node.sealing).toBe('passphrase');
      expect(await node.store.getOrganization()).toMatchObject({ did: 'did:web:bank.example' });
      await expect(createAgent(node, { name: 'alice', owner: 'mailto:alice@bank.example' })).rejects.toMatchObject(keyUnavailable('passphrase-required'));
    } finally {
      await node.close();
    }
  });

  it('with requireKeys, refuses at open a store whose keys cannot be unsealed', async () => {
    await expect(openNode({ dataDir: bank, requireKeys: true })).rejects.toMatchObject(keyUnavailable('passphrase-required'));
    const node = await openNode({ dataDir: bank, passphrase: PASSPHRASE, requireKeys: true });
    await node.close();
    // mallory's data directory: acme's store with another node's (self-consistent) key store beside it.
    // The check value passes; only unsealing a real key shows the mismatch.
    const other = join(root, 'other');
    await initNode({ dataDir: other, domain: 'other.example' });
    const forged = join(root, 'forged');
    await initNode({ dataDir: forged, domain: 'acme.example' });
    for (const file of ['keystore.json', 'master.key']) copyFileSync(join(other, file), join(forged, file));
    await expect(openNode({ dataDir: forged, requireKeys: true })).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    const lazy = await openNode({ dataDir: forged });
    await lazy.close();
  });
});
