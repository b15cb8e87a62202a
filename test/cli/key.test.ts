// acme (did:web:acme.example) with alice (did:web) and carol (did:key): the key lifecycle through the built binary.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { legate, spawnLegate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';
const ORG = 'did:web:acme.example';
const ALICE = 'did:web:acme.example:agents:alice';

describe('legate key rotate|list|revoke|retire', () => {
  let d: string[];

  beforeAll(async () => {
    d = ['--data', join(mkdtempSync(join(tmpdir(), 'legate-key-cli-')), 'acme')];
    expect((await legate([...d, 'init', '--domain', 'acme.example'])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'alice', '--owner', OWNER])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'carol', '--owner', OWNER, '--method', 'key'])).code).toBe(0);
    expect((await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund'])).code).toBe(0);
  });

  it('rotates, lists, revokes a compromised key and refuses the last one, round trip through the binary', async () => {
    const rotated = await spawnLegate([...d, 'key', 'rotate', '--json']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.json()).toMatchObject({ controller: ORG, oldKid: `${ORG}#key-1`, newKid: `${ORG}#key-2`, retired: [] });

    const listed = await spawnLegate([...d, 'key', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const keys = listed.json() as { kid: string; status: string; current: boolean; signs: { credentials: number } }[];
    expect(keys.filter((k) => k.kid.startsWith(`${ORG}#`))).toMatchObject([
      { kid: `${ORG}#key-1`, status: 'active', current: false, signs: { credentials: 1 } },
      { kid: `${ORG}#key-2`, status: 'active', current: true, signs: { credentials: 0 } },
    ]);
    expect(keys.find((k) => k.kid === `${ALICE}#key-1`)).toMatchObject({ status: 'active', current: true });

    const revoked = await spawnLegate([...d, 'key', 'revoke', `${ORG}#key-1`, '--compromised-since', '2020-01-01T00:00:00Z', '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.json()).toMatchObject({ kid: `${ORG}#key-1`, compromisedSince: '2020-01-01T00:00:00.000Z', signedBefore: [] });
    expect((revoked.json() as { revoked: string[] }).revoked).toHaveLength(1);

    const last = await spawnLegate([...d, 'key', 'revoke', `${ORG}#key-2`, '--compromised-since', '2020-01-01T00:00:00Z', '--json']);
    expect(last.code).toBe(2);
    expect(last.json()).toMatchObject({ error: { code: 'ERR_LAST_KEY' } });

    // The DID document lists the remaining key only; the audit log still verifies.
    const doc = await legate([...d, 'did', 'resolve', ORG, '--json']);
    expect(doc.code, doc.stderr).toBe(0);
    expect(JSON.stringify(doc.json())).toContain(`${ORG}#key-2`);
    expect(JSON.stringify(doc.json())).not.toContain(`${ORG}#key-1`);
    const audit = await legate([...d, 'audit', 'verify', '--json']);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  });

  it("rotates a did:web agent's key, refuses a did:key agent in place with ERR_KEY_ROTATION_UNSUPPORTED but rotates it into a successor, and retires nothing early", async () => {
    const agent = await legate([...d, 'key', 'rotate', '--agent', 'alice', '--json']);
    expect(agent.code, agent.stderr).toBe(0);
    expect(agent.json()).toMatchObject({ controller: ALICE, agent: 'alice', oldKid: `${ALICE}#key-1`, newKid: `${ALICE}#key-2` });
    const didKey = await legate([...d, 'key', 'rotate', '--agent', 'carol', '--json']);
    expect(didKey.code).toBe(2);
    expect(didKey.json()).toMatchObject({ error: { code: 'ERR_KEY_ROTATION_UNSUPPORTED' } });
    const successor = await legate([...d, 'key', 'rotate', '--agent', 'carol', '--as', 'carol-2', '--json']);
    expect(successor.code, successor.stderr).toBe(0);
    expect(successor.json()).toMatchObject({ agent: 'carol', successor: 'carol-2', reissued: [], notReissued: [] });
    expect((successor.json() as { newDid: string }).newDid).toMatch(/^did:key:z6Mk/);
    const alone = await legate([...d, 'key', 'rotate', '--as', 'carol-3', '--json']);
    expect(alone.code).toBe(2);
    expect(alone.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    const retire = await legate([...d, 'key', 'retire', '--json']);
    expect(retire.code).toBe(0);
    expect(retire.json()).toEqual([]);
    const text = await legate([...d, 'key', 'list']);
    expect(text.stdout).toContain(`${ALICE}#key-2  alice  current`);
  });
});
