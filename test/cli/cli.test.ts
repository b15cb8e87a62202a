// The built CLI against a real SQLite file in a temporary data directory, and
// a real HTTP server on loopback for did:web resolution:
//   acme (did:web:localhost%3A<port>) -> alice (did:web agent), dora (did:key agent)
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { agentDocument, organizationDocument } from '../../src/node/documents.js';
import { openNode } from '../../src/node/open.js';
import { publishedStatusList } from '../../src/node/status.js';
import { CLI, legate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';

describe('legate CLI', () => {
  let server: Server;
  let port: number;
  let data: string;
  let d: string[];

  beforeAll(async () => {
    expect(existsSync(CLI), 'run `npm run build` first (npm test does)').toBe(true);
    // Reserve a loopback port first: the organization DID embeds it.
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    data = join(mkdtempSync(join(tmpdir(), 'legate-cli-')), 'acme');
    d = ['--data', data];
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('initializes an organization with a did:web, an owner-only key file and a SQLite store', async () => {
    const run = await legate([...d, 'init', '--domain', `localhost:${port}`, '--name', 'Acme', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ did: `did:web:localhost%3A${port}`, name: 'Acme' });
    expect(statSync(join(data, 'master.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(data, 'legate.db'))).toBe(true);
  });

  it('refuses to initialize twice, and rejects a bad domain, with exit 2', async () => {
    const again = await legate([...d, 'init', '--domain', `localhost:${port}`, '--json']);
    expect(again.code).toBe(2);
    expect(again.json()).toMatchObject({ error: { code: 'ERR_CONFLICT' } });
    const bad = await legate(['--data', join(data, '..', 'bad'), 'init', '--domain', 'https://x/y', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect(existsSync(join(data, '..', 'bad', 'keystore.json'))).toBe(false);
  });

  it('creates did:web and did:key agents, lists and shows them', async () => {
    const alice = await legate([...d, 'agent', 'create', 'alice', '--owner', OWNER, '--json']);
    expect(alice.code, alice.stderr).toBe(0);
    expect(alice.json()).toMatchObject({ name: 'alice', did: `did:web:localhost%3A${port}:agents:alice`, owner: OWNER, status: 'active' });
    const dora = await legate([...d, 'agent', 'create', 'dora', '--owner', OWNER, '--method', 'key', '--json']);
    expect(dora.code, dora.stderr).toBe(0);
    expect((dora.json() as { did: string }).did).toMatch(/^did:key:z6Mk/);

    const list = await legate([...d, 'agent', 'list', '--json']);
    expect((list.json() as { name: string }[]).map((a) => a.name)).toEqual(['alice', 'dora']);

    const show = await legate([...d, 'agent', 'show', 'alice']);
    expect(show.code).toBe(0);
    expect(show.json()).toMatchObject({
      id: `did:web:localhost%3A${port}:agents:alice`,
      controller: `did:web:localhost%3A${port}`,
      service: [{ serviceEndpoint: `http://localhost:${port}/ace` }],
    });
  });

  it('rejects duplicate and invalid agents with their codes', async () => {
    expect((await legate([...d, 'agent', 'create', 'alice', '--owner', OWNER, '--json'])).json()).toMatchObject({ error: { code: 'ERR_CONFLICT' } });
    const bad = await legate([...d, 'agent', 'create', 'Mallory!', '--owner', OWNER, '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: 'name' } });
    expect((await legate([...d, 'agent', 'create', 'eve', '--owner', 'not a uri', '--json'])).json()).toMatchObject({
      error: { code: 'ERR_INVALID_ARGUMENT', claim: 'owner' },
    });
    expect((await legate([...d, 'agent', 'show', 'nobody', '--json'])).json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });

  it('issues a credential that round-trips through verify using the store, with no server', async () => {
    const issued = await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund', '--max-amount', '100USD', '--valid-for', 'P7D', '--json']);
    expect(issued.code, issued.stderr).toBe(0);
    const body = issued.json() as { id: string; jwt: string; credential: { credentialSubject: unknown } };
    expect(body.id).toMatch(/^urn:uuid:/);
    expect(body.credential.credentialSubject).toMatchObject({
      owner: OWNER,
      capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } }],
    });
    const file = join(data, '..', 'alice.json');
    writeFileSync(file, issued.stdout);
    const verified = await legate([...d, 'verify', file, '--json']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.json()).toMatchObject({ verified: true, errors: [] });

    // Human output: a bare JWT on stdout, which verify reads from stdin.
    const bare = await legate([...d, 'cap', 'issue', 'alice', '--action', 'read', '--resource', 'crm:customer_records', '--scope', 'assigned_tickets_only']);
    expect(bare.stdout.trim().split('.')).toHaveLength(3);
    const fromStdin = await legate([...d, 'verify', '-'], { input: bare.stdout });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toContain('verified');
    expect(fromStdin.stdout).toContain('read crm:customer_records scope=assigned_tickets_only');
  });

  it('reports a tampered credential with exit 1 and its code', async () => {
    const issued = await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund', '--max-amount', '100USD', '--json']);
    const { jwt } = issued.json() as { jwt: string };
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { credentialSubject: { owner: string } };
    payload.credentialSubject.owner = 'mailto:mallory@evil.example';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    const run = await legate([...d, 'verify', '-', '--json'], { input: forged });
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ verified: false, errors: [{ code: 'ERR_SIGNATURE_INVALID' }] });
    const human = await legate([...d, 'verify', '-'], { input: forged });
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('ERR_SIGNATURE_INVALID');
  });

  it('verifies a did:web credential from another machine by fetching the DID document over loopback HTTP', async () => {
    const issued = await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund', '--json']);
    const { jwt } = issued.json() as { jwt: string };
    const node = await openNode({ dataDir: data });
    const orgDoc = await organizationDocument(node.store, node.organization);
    const aliceDoc = await agentDocument(node.store, node.organization, (await node.store.getAgent('alice'))!);
    const lists = new Map<string, string>();
    for (const list of await node.store.listStatusLists()) lists.set(`/status/${list.id}`, (await publishedStatusList(node, list.id)).token);
    await node.close();
    let requests = 0;
    server.on('request', (req, res) => {
      const list = lists.get(req.url ?? '');
      if (list !== undefined) return res.writeHead(200, { 'content-type': 'application/vc+jwt' }).end(list);
      requests++;
      const body = req.url === '/.well-known/did.json' ? orgDoc : req.url === '/agents/alice/did.json' ? aliceDoc : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/did+json' }).end(body ? JSON.stringify(body) : '');
    });
    const elsewhere = ['--data', join(data, '..', 'verifier')];
    const refused = await legate([...elsewhere, 'verify', '-', '--json'], { input: jwt });
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ verified: false, errors: [{ code: 'ERR_DID_UNRESOLVABLE' }] });
    expect(requests).toBe(0);
    const viaFlag = await legate([...elsewhere, '--allow-http-loopback', 'verify', '-', '--json'], { input: jwt });
    expect(viaFlag.json()).toMatchObject({ verified: true });
    const viaEnv = await legate([...elsewhere, 'verify', '-', '--json'], { input: jwt, env: { LEGATE_ALLOW_HTTP_LOOPBACK: '1' } });
    expect(viaEnv.code).toBe(0);
    expect(requests).toBe(2);
    const resolved = await legate([...elsewhere, '--allow-http-loopback', 'did', 'resolve', `did:web:localhost%3A${port}:agents:alice`]);
    expect(resolved.json()).toMatchObject({ id: `did:web:localhost%3A${port}:agents:alice` });
  });

  it('verifies a did:key-issued credential fully offline', async () => {
    const sub = generateEphemeralSigner();
    const { jwt } = await issueCapabilityCredential({
      issuer: sub.did,
      signer: sub,
      subject: { id: sub.did, owner: OWNER, capabilities: [{ action: 'read', resource: 'crm:*' }] },
    });
    const run = await legate(['--data', join(data, '..', 'nowhere'), 'verify', '-', '--json'], { input: jwt });
    expect(run.code, run.stdout).toBe(0);
    const resolved = await legate(['--data', join(data, '..', 'nowhere'), 'did', 'resolve', sub.did, '--json']);
    expect(resolved.json()).toMatchObject({ didDocument: { id: sub.did } });
  });

  it('exits 2 on usage and input errors', async () => {
    expect((await legate([...d, 'cap', 'issue', 'alice', '--resource', 'x'])).code).toBe(2); // missing --action
    expect((await legate([...d, 'frobnicate'])).code).toBe(2);
    const money = await legate([...d, 'cap', 'issue', 'alice', '--action', 'a', '--resource', 'x', '--max-amount', 'lots', '--json']);
    expect(money.code).toBe(2);
    expect(money.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: '--max-amount' } });
    const schema = await legate([...d, 'cap', 'issue', 'alice', '--action', 'a b', '--resource', 'x', '--json']);
    expect(schema.json()).toMatchObject({ error: { code: 'ERR_SCHEMA' } });
    expect((await legate([...d, 'verify', join(data, 'missing.jwt'), '--json'])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    const big = await legate([...d, 'verify', '-', '--json'], { input: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.json()).toMatchObject({ error: { code: 'ERR_INPUT_TOO_LARGE' } });
    expect((await legate(['--data', join(data, '..', 'nowhere'), 'agent', 'list', '--json'])).json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    expect((await legate(['--help'])).code).toBe(0);
  });

  it('seals keys with LEGATE_PASSPHRASE and needs it to sign, but not to verify', async () => {
    const locked = ['--data', join(data, '..', 'locked')];
    const env = { LEGATE_PASSPHRASE: 'correct horse battery staple' };
    expect((await legate([...locked, 'init', '--domain', 'bank.example'], { env })).code).toBe(0);
    expect(existsSync(join(data, '..', 'locked', 'master.key'))).toBe(false);
    expect((await legate([...locked, 'agent', 'create', 'bob', '--owner', OWNER], { env })).code).toBe(0);
    const issued = await legate([...locked, 'cap', 'issue', 'bob', '--action', 'read', '--resource', 'ledger:*'], { env });
    expect(issued.code, issued.stderr).toBe(0);
    const noPass = await legate([...locked, 'cap', 'issue', 'bob', '--action', 'read', '--resource', 'ledger:*', '--json']);
    expect(noPass.code).toBe(2);
    expect(noPass.json()).toMatchObject({ error: { code: 'ERR_KEY_UNAVAILABLE' } });
    const wrong = await legate([...locked, 'cap', 'issue', 'bob', '--action', 'read', '--resource', 'ledger:*', '--json'], { env: { LEGATE_PASSPHRASE: 'mallory' } });
    expect(wrong.json()).toMatchObject({ error: { code: 'ERR_KEY_UNAVAILABLE' } });
    expect((await legate([...locked, 'verify', '-'], { input: issued.stdout })).code).toBe(0);
  });
});
