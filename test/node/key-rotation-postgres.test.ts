// Key rotation in a fleet sharing one PostgreSQL store: acme's two instances, a and b.
// A rotation on a is what b signs with next; b retires the old key once nothing it signed is live,
// and the scheduled policy runs on one instance only (the key-rotation lease).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { setSharedSetting } from '../../src/config/shared.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { createAgent } from '../../src/node/agents.js';
import { organizationDocument } from '../../src/node/documents.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { retireKeys } from '../../src/node/key-retire.js';
import { revokeKey } from '../../src/node/key-revoke.js';
import { rotateOrganizationKey } from '../../src/node/key-rotate.js';
import { runKeyRotation } from '../../src/node/key-schedule.js';
import { openNode } from '../../src/node/open.js';
import { NOW } from '../fixtures.js';
import { describePostgres, freshDatabase, type FreshDatabase } from '../helpers/postgres.js';

const DAY = 86_400_000;
const ORG = 'did:web:acme.example';
const databases: FreshDatabase[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  for (const path of dirs) rmSync(path, { recursive: true, force: true });
});

describePostgres('key rotation on PostgreSQL', () => {
  it('rotates on one instance, signs with the new key on the other, retires and revokes there', async () => {
    const db = await freshDatabase();
    databases.push(db);
    const parent = mkdtempSync(join(tmpdir(), 'legate-pg-keys-'));
    dirs.push(parent);
    let now = NOW.getTime();
    const clock = () => new Date(now);
    const first = join(parent, 'acme-1');
    await initNode({ dataDir: first, domain: 'acme.example', database: db.url, clock });
    const second = join(parent, 'acme-2');
    mkdirSync(second, { mode: 0o700 });
    for (const file of ['keystore.json', 'master.key']) copyFileSync(join(first, file), join(second, file));
    const a = await openNode({ dataDir: first, database: db.url, databasePoolSize: 2, clock });
    const b = await openNode({ dataDir: second, database: db.url, databasePoolSize: 2, clock });
    try {
      await createAgent(a, { name: 'alice', owner: 'mailto:carol@acme.example' });
      const early = await issueToAgent(b, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }], validFor: 'P1D' });
      expect(decodeCompactJws(early.jwt).header.kid).toBe(`${ORG}#key-1`);

      expect(await rotateOrganizationKey(a)).toMatchObject({ oldKid: `${ORG}#key-1`, newKid: `${ORG}#key-2` });
      const late = await issueToAgent(b, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }], validFor: 'P1D' });
      expect(decodeCompactJws(late.jwt).header.kid).toBe(`${ORG}#key-2`);
      expect((await organizationDocument(b.store, b.organization)).verificationMethod!.map((m) => m.id)).toEqual([`${ORG}#key-1`, `${ORG}#key-2`]);

      now += 2 * DAY;
      expect(await retireKeys(b)).toEqual([{ kid: `${ORG}#key-1`, controller: ORG }]);
      expect(await retireKeys(a)).toEqual([]);

      // The policy: one instance of the two does the rotation.
      await setSharedSetting(a.store, 'rotation.organizationKey', 'P1D');
      now += DAY;
      const runs = await Promise.all([runKeyRotation(a, { holder: 'a' }), runKeyRotation(b, { holder: 'b' })]);
      expect(runs.filter((r) => r.ran)).toHaveLength(1);
      expect(runs.flatMap((r) => r.rotated).map((r) => r.newKid)).toEqual([`${ORG}#key-3`]);

      const revoked = await revokeKey(a, `${ORG}#key-2`, { compromisedSince: new Date(NOW.getTime()).toISOString() });
      expect(revoked.revoked).toEqual([late.id]); // expired already, revoked all the same: what a compromised key signed is never trusted again
      expect((await organizationDocument(b.store, b.organization)).verificationMethod!.map((m) => m.id)).toEqual([`${ORG}#key-3`]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
