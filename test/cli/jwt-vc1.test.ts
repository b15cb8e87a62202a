// `legate cap issue --format jwt-vc1` writes a VCDM 1.1 JWT that did-jwt-vc
// verifies (against acme's DID document as the node serves it) and `legate
// verify` reads back; through the built CLI.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DIDDocument } from 'did-resolver';
import { verifyCredential } from 'did-jwt-vc';
import { beforeAll, describe, expect, it } from 'vitest';
import { legate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';
const ACME = 'did:web:acme.example';

describe('legate cap issue --format jwt-vc1', () => {
  let dir: string;
  let d: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-vc1-'));
    d = ['--data', join(dir, 'acme')];
    expect((await legate([...d, 'init', '--domain', 'acme.example'])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'alice', '--owner', OWNER])).code).toBe(0);
  });

  it('issues a 1.1 JWT that did-jwt-vc accepts and legate verify reads as the same credential', async () => {
    const issue = await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund', '--max-amount', '100USD', '--format', 'jwt-vc1', '--json']);
    expect(issue.code, issue.stderr).toBe(0);
    const { id, jwt } = issue.json() as { id: string; jwt: string };
    expect(JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8'))).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });

    const resolved = (await legate([...d, 'did', 'resolve', ACME, '--json'])).json() as { didDocument: DIDDocument };
    const resolver = { resolve: (did: string) => Promise.resolve({ didResolutionMetadata: did === ACME ? {} : { error: 'notFound' }, didDocument: did === ACME ? resolved.didDocument : null, didDocumentMetadata: {} }) };
    const theirs = await verifyCredential(jwt, resolver);
    expect(theirs.issuer).toBe(ACME);
    expect(theirs.verifiableCredential.id).toBe(id);

    const file = join(dir, 'alice-vc1.jwt');
    writeFileSync(file, jwt);
    const verified = await legate([...d, 'verify', file, '--json']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.json()).toMatchObject({ verified: true, errors: [], credential: { id, issuer: ACME } });
  });

  it('refuses jwt-vc1 for a delegation (jwt or di only) with exit 2', async () => {
    const run = await legate([...d, 'cap', 'delegate', '--from', 'alice', '--credential', 'urn:uuid:x', '--to', 'did:key:z6Mkx', '--action', 'a', '--resource', 'b', '--format', 'jwt-vc1', '--json']);
    expect(run.code).toBe(2);
    expect(run.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: '--format' } });
  });
});
