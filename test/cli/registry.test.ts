// acme's trust list through the built CLI: accredit, recognize, show, query, remove.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { legate } from './helpers.js';

const BANK = 'did:web:bank.example';

describe('legate registry', () => {
  let d: string;
  let data: string[];
  beforeAll(async () => {
    d = join(mkdtempSync(join(tmpdir(), 'legate-registry-cli-')), 'acme');
    data = ['--data', d];
    expect((await legate([...data, 'init', '--domain', 'localhost:9'])).code).toBe(0);
  });

  it('accredits and recognizes, republishing a new signed version each time', async () => {
    const first = await legate([...data, 'registry', 'accredit', BANK, '--for', 'call:billing:*', '--for', 'read:crm:*', '--max-depth', '1', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({
      credential: {
        id: 'http://localhost:9/registry/trust-list',
        type: ['VerifiableCredential', 'TrustListCredential'],
        credentialSubject: { version: 1, accredits: [{ issuer: BANK, capabilities: ['call:billing:*', 'read:crm:*'], maxDelegationDepth: 1 }] },
        credentialStatus: [{ statusPurpose: 'revocation' }],
      },
    });
    const second = await legate([...data, 'registry', 'recognize', 'https://bank.example/registry/trust-list', '--issuer', BANK, '--hops', '1', '--for', 'call:billing:*', '--json']);
    expect(second.json()).toMatchObject({
      credential: { credentialSubject: { version: 2, recognizes: [{ url: 'https://bank.example/registry/trust-list', issuer: BANK, hops: 1, capabilities: ['call:billing:*'] }] } },
    });
    const show = await legate([...data, 'registry', 'show']);
    expect(show.stdout).toContain(`accredits   ${BANK}  for call:billing:*, read:crm:*  depth 1`);
    expect(show.stdout).toContain('recognizes  https://bank.example/registry/trust-list');
  });

  it('answers queries with exit 0 for yes and 1 for no', async () => {
    const yes = await legate([...data, 'registry', 'query', '--issuer', BANK, '--capability', 'call:billing:refund', '--json']);
    expect(yes.code, yes.stdout).toBe(0);
    expect(yes.json()).toMatchObject({ entity: BANK, authorization: 'call:billing:refund', authorized: true });
    const no = await legate([...data, 'registry', 'query', '--issuer', BANK, '--capability', 'write:crm:notes', '--json']);
    expect(no.code).toBe(1);
    expect(no.json()).toMatchObject({ authorized: false, reason: { code: 'ERR_UNTRUSTED_ISSUER' } });
    const self = await legate([...data, 'registry', 'query', '--issuer', 'did:web:localhost%3A9', '--capability', '*:*']);
    expect(self.code).toBe(0);
    expect((await legate([...data, 'registry', 'query', '--json'])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
  });

  it('names and removes approvers', async () => {
    expect((await legate([...data, 'approver', 'add', BANK, '--json'])).json()).toEqual([BANK]);
    expect((await legate([...data, 'approver', 'list'])).stdout.trim()).toBe(BANK);
    expect((await legate([...data, 'approver', 'remove', BANK, '--json'])).json()).toEqual([]);
    const again = await legate([...data, 'approver', 'remove', BANK, '--json']);
    expect(again.code).toBe(2);
    expect(again.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    expect((await legate([...data, 'approver', 'add', 'mailto:x@y.z', '--json'])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
  });

  it('rejects bad entries with exit 2, and removes entries', async () => {
    expect((await legate([...data, 'registry', 'accredit', 'not-a-did', '--for', 'a:b', '--json'])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect((await legate([...data, 'registry', 'accredit', BANK, '--for', 'nocolon', '--json'])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect((await legate([...data, 'registry', 'recognize', 'ftp://x', '--issuer', BANK, '--json'])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect((await legate([...data, 'registry', 'recognize', 'https://x.example/l', '--issuer', BANK, '--hops', '9', '--json'])).code).toBe(2);
    const removed = await legate([...data, 'registry', 'remove', BANK, '--json']);
    expect(removed.json()).toMatchObject({ credential: { credentialSubject: { accredits: [] } } });
    expect((await legate([...data, 'registry', 'query', '--issuer', BANK, '--capability', 'call:billing:refund'])).code).toBe(1);
    expect((await legate([...data, 'registry', 'remove', BANK, '--json'])).json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });
});
