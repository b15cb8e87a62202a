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
  beforeAll(() => {
    d = join(mkdtempSync(join(tmpdir(), 'legate-registry-cli-')), 'acme');
    data = ['--data', d];
    expect(legate([...data, 'init', '--domain', 'localhost:9']).code).toBe(0);
  });

  it('accredits and recognizes, republishing a new signed version each time', () => {
    const first = legate([...data, 'registry', 'accredit', BANK, '--for', 'call:billing:*', '--for', 'read:crm:*', '--max-depth', '1', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({
      credential: {
        id: 'http://localhost:9/registry/trust-list',
        type: ['VerifiableCredential', 'TrustListCredential'],
        credentialSubject: { version: 1, accredits: [{ issuer: BANK, capabilities: ['call:billing:*', 'read:crm:*'], maxDelegationDepth: 1 }] },
        credentialStatus: [{ statusPurpose: 'revocation' }],
      },
    });
    const second = legate([...data, 'registry', 'recognize', 'https://bank.example/registry/trust-list', '--issuer', BANK, '--hops', '1', '--for', 'call:billing:*', '--json']);
    expect(second.json()).toMatchObject({
      credential: { credentialSubject: { version: 2, recognizes: [{ url: 'https://bank.example/registry/trust-list', issuer: BANK, hops: 1, capabilities: ['call:billing:*'] }] } },
    });
    const show = legate([...data, 'registry', 'show']);
    expect(show.stdout).toContain(`accredits   ${BANK}  for call:billing:*, read:crm:*  depth 1`);
    expect(show.stdout).toContain('recognizes  https://bank.example/registry/trust-list');
  });

  it('answers queries with exit 0 for yes and 1 for no', () => {
    const yes = legate([...data, 'registry', 'query', '--issuer', BANK, '--capability', 'call:billing:refund', '--json']);
    expect(yes.code, yes.stdout).toBe(0);
    expect(yes.json()).toMatchObject({ entity: BANK, authorization: 'call:billing:refund', authorized: true });
    const no = legate([...data, 'registry', 'query', '--issuer', BANK, '--capability', 'write:crm:notes', '--json']);
    expect(no.code).toBe(1);
    expect(no.json()).toMatchObject({ authorized: false, reason: { code: 'ERR_UNTRUSTED_ISSUER' } });
    const self = legate([...data, 'registry', 'query', '--issuer', 'did:web:localhost%3A9', '--capability', '*:*']);
    expect(self.code).toBe(0);
    expect(legate([...data, 'registry', 'query', '--json']).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
  });

  it('names and removes approvers', () => {
    expect(legate([...data, 'approver', 'add', BANK, '--json']).json()).toEqual([BANK]);
    expect(legate([...data, 'approver', 'list']).stdout.trim()).toBe(BANK);
    expect(legate([...data, 'approver', 'remove', BANK, '--json']).json()).toEqual([]);
    const again = legate([...data, 'approver', 'remove', BANK, '--json']);
    expect(again.code).toBe(2);
    expect(again.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    expect(legate([...data, 'approver', 'add', 'mailto:x@y.z', '--json']).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
  });

  it('rejects bad entries with exit 2, and removes entries', () => {
    expect(legate([...data, 'registry', 'accredit', 'not-a-did', '--for', 'a:b', '--json']).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect(legate([...data, 'registry', 'accredit', BANK, '--for', 'nocolon', '--json']).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect(legate([...data, 'registry', 'recognize', 'ftp://x', '--issuer', BANK, '--json']).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect(legate([...data, 'registry', 'recognize', 'https://x.example/l', '--issuer', BANK, '--hops', '9', '--json']).code).toBe(2);
    const removed = legate([...data, 'registry', 'remove', BANK, '--json']);
    expect(removed.json()).toMatchObject({ credential: { credentialSubject: { accredits: [] } } });
    expect(legate([...data, 'registry', 'query', '--issuer', BANK, '--capability', 'call:billing:refund']).code).toBe(1);
    expect(legate([...data, 'registry', 'remove', BANK, '--json']).json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });
});
