// acme (did:web:acme.example) -> alice -> helper (did:key): revocation through the built CLI, no server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { legate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';
const vector = (name: string) => fileURLToPath(new URL(`../vectors/bitstring-status-list/${name}`, import.meta.url));

describe('legate cap revoke|suspend|reinstate, status, agent retire', () => {
  let dir: string;
  let d: string[];
  const issue = async (agent = 'alice', extra: string[] = []) => {
    const run = await legate([...d, 'cap', 'issue', agent, '--action', 'call', '--resource', 'billing:refund', '--json', ...extra]);
    expect(run.code, run.stderr).toBe(0);
    const body = run.json() as { id: string; jwt: string; credential: { credentialStatus: { statusListCredential: string }[] } };
    const file = join(dir, `${body.id.slice(-12)}.jwt`);
    writeFileSync(file, body.jwt);
    return { ...body, file };
  };
  const verify = async (file: string, extra: string[] = []) => await legate([...d, 'verify', file, '--json', ...extra]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-status-cli-'));
    d = ['--data', join(dir, 'acme')];
    // A loopback domain with a closed port: a verifier without the node's data must fail to fetch, never reach the internet.
    expect((await legate([...d, 'init', '--domain', 'localhost:9'])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'alice', '--owner', OWNER])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'helper', '--owner', OWNER, '--method', 'key'])).code).toBe(0);
  });

  it('revokes a credential: verify sees it from the store at once, exit 1 with ERR_REVOKED; --no-status skips the check', async () => {
    const cred = await issue();
    expect((await verify(cred.file)).code).toBe(0);
    const revoked = await legate([...d, 'cap', 'revoke', cred.id, '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.json()).toMatchObject({ credentialId: cred.id, purpose: 'revocation', version: 2 });
    const run = await verify(cred.file);
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ verified: false, errors: [{ code: 'ERR_REVOKED' }] });
    expect((await verify(cred.file, ['--no-status'])).code).toBe(0);
    const reinstate = await legate([...d, 'cap', 'reinstate', cred.id, '--json']);
    expect(reinstate.code).toBe(2);
    expect(reinstate.json()).toMatchObject({ error: { code: 'ERR_CONFLICT' } });
  });

  it('suspends and reinstates', async () => {
    const cred = await issue();
    expect((await legate([...d, 'cap', 'suspend', cred.id])).code).toBe(0);
    expect((await verify(cred.file)).json()).toMatchObject({ errors: [{ code: 'ERR_SUSPENDED' }] });
    expect((await legate([...d, 'cap', 'reinstate', cred.id])).code).toBe(0);
    expect((await verify(cred.file)).code).toBe(0);
    expect((await legate([...d, 'cap', 'revoke', 'urn:uuid:00000000-0000-4000-8000-000000000000', '--json'])).json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });

  it('shows a list and checks a credential entry by entry', async () => {
    const cred = await issue();
    const listId = cred.credential.credentialStatus[0]!.statusListCredential.split('/').pop()!;
    const show = await legate([...d, 'status', 'show', listId, '--json']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.json()).toMatchObject({ id: listId, purpose: 'revocation', size: 131072, set: 1, ttlMs: 300000 });
    const check = await legate([...d, 'status', 'check', cred.file, '--json']);
    expect(check.code).toBe(0);
    expect(check.json()).toMatchObject({ ok: true, entries: [{ outcome: 'ok', purpose: 'revocation' }, { outcome: 'ok', purpose: 'suspension' }] });
    await legate([...d, 'cap', 'suspend', cred.id]);
    const suspended = await legate([...d, 'status', 'check', cred.file, '--json']);
    expect(suspended.code).toBe(1);
    expect(suspended.json()).toMatchObject({ ok: false, entries: [{ outcome: 'ok' }, { outcome: 'suspended', code: 'ERR_SUSPENDED' }] });
    expect((await legate([...d, 'status', 'show', 'r-nope', '--json'])).json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    // Lists signed moments ago are not due: the re-signing job runs, takes the lease, and leaves them alone.
    const refresh = await legate([...d, 'status', 'refresh', '--json']);
    expect(refresh.code, refresh.stderr).toBe(0);
    expect(refresh.json()).toEqual({ ran: true, resigned: [], trustListResigned: false, failed: [] });
  });

  it('fails closed when a list cannot be fetched (no node data, no network)', async () => {
    const cred = await issue();
    const elsewhere = ['--data', join(dir, 'nowhere')];
    // The issuer's DID cannot be resolved here either, so the signature fails first; status is not even looked up.
    expect((await legate([...elsewhere, 'verify', cred.file, '--json'])).json()).toMatchObject({ verified: false, errors: [{ code: 'ERR_DID_UNRESOLVABLE' }] });
    const check = await legate([...elsewhere, 'status', 'check', cred.file, '--json']);
    expect(check.code).toBe(1);
    expect(check.json()).toMatchObject({ ok: false, entries: [{ outcome: 'unavailable', code: 'ERR_STATUS_UNAVAILABLE' }, { outcome: 'unavailable' }] });
  });

  it('decodes bits of the W3C test lists, and rejects a short list', async () => {
    const set = await legate(['status', 'decode', vector('single-purpose-ok.jsonld'), '--index', '201', '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toEqual({ index: 201, set: true, purpose: 'revocation' });
    expect((await legate(['status', 'decode', vector('single-purpose-ok.jsonld'), '--index', '200', '--json'])).json()).toMatchObject({ set: false });
    expect((await legate(['status', 'decode', vector('multi-purpose-ok.jsonld'), '--index', '94023', '--json'])).json()).toEqual({
      index: 94023,
      set: true,
      purpose: ['revocation', 'suspension'],
    });
    const short = await legate(['status', 'decode', vector('short-encoded-list-fail.jsonld'), '--index', '0', '--json']);
    expect(short.code).toBe(2);
    expect(short.json()).toMatchObject({ error: { code: 'ERR_STATUS_LIST_LENGTH' } });
    expect((await legate(['status', 'decode', vector('single-purpose-ok.jsonld'), '--index', '200000', '--json'])).json()).toMatchObject({ error: { code: 'ERR_STATUS_LIST_LENGTH' } });
    expect((await legate(['status', 'decode', vector('single-purpose-fail.jsonld'), '--index', '1', '--json'])).json()).toMatchObject({ error: { code: 'ERR_STATUS_PURPOSE' } });
  });

  it('retires an agent: its credentials and delegates are revoked', async () => {
    const root = await issue('alice', ['--delegable', '1']);
    const helperDid = ((await legate([...d, 'agent', 'show', 'helper', '--json'])).json() as { agent: { did: string } }).agent.did;
    const child = await legate([...d, 'cap', 'delegate', '--from', 'alice', '--credential', root.id, '--to', helperDid, '--action', 'call', '--resource', 'billing:refund', '--json']);
    expect(child.code, child.stderr).toBe(0);
    const childId = (child.json() as { id: string }).id;
    const retired = await legate([...d, 'agent', 'retire', 'alice', '--json']);
    expect(retired.code, retired.stderr).toBe(0);
    expect((retired.json() as { revoked: string[] }).revoked).toEqual(expect.arrayContaining([root.id, childId]));
    expect((await verify(root.file)).json()).toMatchObject({ errors: [{ code: 'ERR_REVOKED' }] });
    expect((await legate([...d, 'agent', 'list', '--json'])).json()).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'alice', status: 'retired' })]));
  });
});
