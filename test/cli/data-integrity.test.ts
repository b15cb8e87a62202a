// acme (did:web:acme.example) -> alice -> helper (did:key), with Data Integrity
// credentials (--format di), through the built CLI.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { legate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';
const ACME = 'did:web:acme.example';

interface Verdict {
  verified: boolean;
  errors: { code: string }[];
  credential?: Record<string, unknown>;
}

describe('legate cap issue --format di, verify, delegate, present', () => {
  let dir: string;
  let d: string[];
  let helperDid: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-di-'));
    d = ['--data', join(dir, 'acme')];
    expect((await legate([...d, 'init', '--domain', 'acme.example'])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'alice', '--owner', OWNER])).code).toBe(0);
    helperDid = ((await legate([...d, 'agent', 'create', 'helper', '--owner', OWNER, '--method', 'key', '--json'])).json() as { did: string }).did;
  });

  it('issues a DI credential and verifies it from a file, then refuses it tampered', async () => {
    const issue = await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund', '--max-amount', '100USD', '--format', 'di']);
    expect(issue.code, issue.stderr).toBe(0);
    const secured = JSON.parse(issue.stdout) as { id: string; proof: { cryptosuite: string; verificationMethod: string } };
    expect(secured.proof.cryptosuite).toBe('eddsa-rdfc-2022');
    expect(secured.proof.verificationMethod.startsWith(`${ACME}#`)).toBe(true);
    const file = join(dir, 'alice-di.json');
    writeFileSync(file, issue.stdout);

    const verified = await legate([...d, 'verify', file, '--json']);
    expect(verified.code, verified.stdout).toBe(0);
    const verdict = verified.json() as Verdict;
    expect(verdict).toMatchObject({ verified: true, errors: [] });
    expect(verdict.credential).toMatchObject({ id: secured.id });
    expect((await legate([...d, 'verify', file])).stdout).toMatch(/^verified\n/);
    // From stdin too.
    expect((await legate([...d, 'verify', '-'], { input: issue.stdout })).code).toBe(0);

    const tampered = issue.stdout.replace('"value":100', '"value":1000');
    expect(tampered).not.toBe(issue.stdout);
    writeFileSync(file, tampered);
    const refused = await legate([...d, 'verify', file, '--json']);
    expect(refused.code).toBe(1);
    expect((refused.json() as Verdict).errors.map((e) => e.code)).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('verifies the --json output of cap issue --format di, and sees a revocation', async () => {
    const issue = await legate([...d, 'cap', 'issue', 'alice', '--action', 'read', '--resource', 'crm:notes', '--format', 'di', '--json']);
    const body = issue.json() as { id: string; format: string; secured: { proof: unknown }; credential: Record<string, unknown> };
    expect(body.format).toBe('di');
    expect(body.credential).not.toHaveProperty('proof');
    const file = join(dir, 'issued.json');
    writeFileSync(file, issue.stdout);
    expect((await legate([...d, 'verify', file])).code).toBe(0);

    expect((await legate([...d, 'cap', 'revoke', body.id])).code).toBe(0);
    const revoked = await legate([...d, 'verify', file, '--json']);
    expect(revoked.code).toBe(1);
    expect((revoked.json() as Verdict).errors.map((e) => e.code)).toEqual(['ERR_REVOKED']);
    const status = await legate([...d, 'status', 'check', file, '--json']);
    expect(status.json()).toMatchObject({ ok: false, entries: [{ outcome: 'revoked' }, { outcome: 'ok' }] });
  });

  it('delegates from a DI parent held in the store as a DI child, and presents the chain', async () => {
    const parent = await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:*', '--max-amount', '50USD', '--delegable', '1', '--format', 'di', '--json']);
    const parentId = (parent.json() as { id: string }).id;
    const child = await legate([...d, 'cap', 'delegate', '--from', 'alice', '--credential', parentId, '--to', helperDid, '--action', 'call', '--resource', 'billing:refund', '--format', 'di', '--json']);
    expect(child.code, child.stdout + child.stderr).toBe(0);
    const childBody = child.json() as { secured: { issuer: string; credentialSubject: { delegation: unknown } } };
    expect(childBody.secured.issuer).toMatch(/^did:web:acme\.example:agents:alice$/);
    expect(childBody.secured.credentialSubject.delegation).toMatchObject({ parent: parentId, depth: 1 });

    // The parent may also come from a file holding the DI credential.
    const parentFile = join(dir, 'parent-di.json');
    writeFileSync(parentFile, JSON.stringify((parent.json() as { secured: unknown }).secured));
    const again = await legate([...d, 'cap', 'delegate', '--from', 'alice', '--credential', parentFile, '--to', helperDid, '--action', 'call', '--resource', 'billing:refund']);
    expect(again.code, again.stderr).toBe(0);

    const nonce = 'n-cli-di-1';
    const vp = await legate([...d, 'present', '--agent', 'helper', '--aud', ACME, '--nonce', nonce, '--json']);
    expect(vp.code, vp.stderr).toBe(0);
    const vpFile = join(dir, 'helper.vp');
    writeFileSync(vpFile, (vp.json() as { jwt: string }).jwt);
    const decision = await legate([...d, 'authorize', '--presentation', vpFile, '--nonce', nonce, '--action', 'call', '--resource', 'billing:refund', '--amount', '20USD', '--json']);
    expect(decision.code, decision.stdout).toBe(0);
    expect(decision.json()).toMatchObject({ decision: 'allow' });
  });

  it('refuses an unknown --format with exit 2', async () => {
    const run = await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'x', '--format', 'ldp', '--json']);
    expect(run.code).toBe(2);
    expect(run.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: '--format' } });
  });
});
