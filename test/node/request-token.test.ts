// `legate token`'s client against a scripted authorization server on 127.0.0.1 (no Legate code on that side):
// the nonce round, one retry on a stale nonce, how refusals of a server with or without Legate codes map to
// LegateErrors, and answers it must not accept. acme (did:web:acme.example, not served) -> alice.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { issueMany } from '../../src/node/issue-many.js';
import { requestToken } from '../../src/node/oauth/request-token.js';
import { openNode } from '../../src/node/open.js';
import { verifyDpopProof } from '../../src/oauth/dpop.js';
import { MAX_PRESENTED_CREDENTIALS } from '../../src/presentation/create.js';
import { MAX_PRESENTATION_LENGTH } from '../../src/presentation/verify.js';

interface Seen {
  form: URLSearchParams;
  dpop: string | undefined;
}
type Answer = { status: number; body: unknown; nonce?: string; raw?: string };

let node: NodeContext;
let server: Server;
let issuer: string;
let metadataIssuer: string | undefined;
let script: Answer[] = [];
let seen: Seen[] = [];
const RESOURCE = 'https://api.bank.example/accounts';

function answer(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

beforeAll(async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-request-token-')), 'acme');
  await initNode({ dataDir, domain: 'acme.example' });
  node = await openNode({ dataDir, allowHttpLoopback: true });
  await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });
  await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'read', resource: 'accounts:checking' }] });
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      if (request.url === '/.well-known/oauth-authorization-server') {
        return answer(response, 200, JSON.stringify({ issuer: metadataIssuer ?? issuer, token_endpoint: `${issuer}/token`, dpop_signing_alg_values_supported: ['ES256'] }));
      }
      seen.push({ form: new URLSearchParams(text), dpop: request.headers.dpop as string | undefined });
      const next = script.shift() ?? { status: 500, body: {} };
      answer(response, next.status, next.raw ?? JSON.stringify(next.body), next.nonce === undefined ? {} : { 'DPoP-Nonce': next.nonce });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await node.close();
});
beforeEach(() => {
  script = [];
  seen = [];
  metadataIssuer = undefined;
});

const ask = (extra: { bearer?: boolean; scope?: string[] } = {}) => requestToken(node, { agent: 'alice', from: issuer, resource: RESOURCE, scope: ['read:accounts:checking'], ...extra });
const needNonce = (nonce: string): Answer => ({ status: 400, body: { error: 'invalid_request', error_description: 'subject_token is required' }, nonce });
const granted = { status: 200, body: { access_token: 'a.b.c', token_type: 'DPoP', expires_in: 300, scope: 'read:accounts:checking' } };

describe('requestToken against a scripted authorization server', () => {
  it('takes the nonce, presents with it, and retries once when the server says use_dpop_nonce', async () => {
    script = [needNonce('n1'), { status: 400, body: { error: 'use_dpop_nonce' }, nonce: 'n2' }, granted];
    const token = await ask();
    expect(token).toMatchObject({ accessToken: 'a.b.c', tokenType: 'DPoP', expiresIn: 300, rejected: [], authorizationDetails: [] });
    expect(seen).toHaveLength(3);
    expect(seen[0]!.form.has('subject_token')).toBe(false);
    for (const [i, nonce] of [[1, 'n1'], [2, 'n2']] as const) {
      const { form, dpop } = seen[i]!;
      expect(Object.fromEntries(form)).toMatchObject({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token_type: 'urn:legate:params:oauth:token-type:vp+jwt', resource: RESOURCE, scope: 'read:accounts:checking', client_id: 'did:web:acme.example:agents:alice' });
      const proof = await verifyDpopProof(dpop, { htm: 'POST', htu: `${issuer}/token` });
      expect(proof.nonce).toBe(nonce);
      // The metadata lists ES256 only: the fresh key is P-256. The presentation binds it and carries the same nonce.
      expect(proof.jwk.kty).toBe('EC');
      expect(decodeCompactJws(form.get('subject_token')!).payload).toMatchObject({ aud: issuer, nonce, jkt: token.dpop!.jkt, holder: 'did:web:acme.example:agents:alice' });
      expect(proof.jkt).toBe(token.dpop!.jkt);
    }
  });

  it('gives up after one retry: a second use_dpop_nonce is ERR_DPOP_NONCE', async () => {
    script = [needNonce('n1'), { status: 400, body: { error: 'use_dpop_nonce' }, nonce: 'n2' }, { status: 400, body: { error: 'use_dpop_nonce' }, nonce: 'n3' }];
    await expect(ask()).rejects.toMatchObject({ code: 'ERR_DPOP_NONCE', reason: 'use_dpop_nonce' });
    expect(seen).toHaveLength(3);
  });

  it('maps refusals: the Legate code when sent, else the OAuth error’s (a code it does not define too, kept printable as the reason)', async () => {
    script = [needNonce('n1'), { status: 400, body: { error: 'invalid_grant', code: 'ERR_REVOKED', error_description: 'a credential is revoked' }, nonce: 'n2' }];
    const revoked = (await ask().catch((error: unknown) => error)) as Error;
    expect(revoked).toMatchObject({ code: 'ERR_REVOKED', reason: 'invalid_grant' });
    expect(revoked.message).toContain('a credential is revoked');
    script = [needNonce('n1'), { status: 400, body: { error: 'invalid_target' }, nonce: 'n2' }];
    await expect(ask()).rejects.toMatchObject({ code: 'ERR_INVALID_TARGET', reason: 'invalid_target' });
    script = [needNonce('n1'), { status: 400, body: { error: 'invalid_grant', code: 'ERR_\u0007EVIL' }, nonce: 'n2' }];
    await expect(ask()).rejects.toMatchObject({ code: 'ERR_NOT_AUTHORIZED', reason: 'ERR_?EVIL' });
    // A first refusal that is not about the nonce is final: nothing is presented.
    script = [{ status: 400, body: { error: 'unsupported_grant_type' }, nonce: 'n1' }];
    await expect(ask()).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_GRANT_TYPE' });
    expect(seen).toHaveLength(2 + 2 + 2 + 1);
  });

  it('refuses answers it cannot use: no nonce, no JSON, an unknown token type, a DPoP token asked as Bearer, another issuer', async () => {
    script = [{ status: 400, body: { error: 'invalid_request' } }];
    await expect(ask()).rejects.toMatchObject({ code: 'ERR_MALFORMED', claim: 'DPoP-Nonce' });
    script = [needNonce('n1'), { status: 502, body: undefined, raw: '<html>bad gateway</html>' }];
    await expect(ask()).rejects.toMatchObject({ code: 'ERR_MALFORMED', claim: 'response', reason: '502' });
    script = [needNonce('n1'), { status: 200, body: { ...granted.body, token_type: 'mac' } }];
    await expect(ask()).rejects.toMatchObject({ code: 'ERR_MALFORMED', claim: 'token_type' });
    script = [needNonce('n1'), granted];
    await expect(ask({ bearer: true })).rejects.toMatchObject({ code: 'ERR_MALFORMED', claim: 'token_type' });
    expect(seen.at(-1)!.dpop).toBeUndefined();
    metadataIssuer = 'https://bank.example';
    await expect(ask()).rejects.toMatchObject({ code: 'ERR_UNTRUSTED_ISSUER', reason: 'mismatch' });
  });

  it('a Bearer answer to a DPoP request carries no key; RFC 6749 token types are case-insensitive; no scope = the scope asked', async () => {
    script = [needNonce('n1'), { status: 200, body: { access_token: 't', token_type: 'bearer', expires_in: 60 } }];
    const token = await ask();
    expect(token).toMatchObject({ tokenType: 'Bearer', scope: 'read:accounts:checking' });
    expect(token).not.toHaveProperty('dpop');
  });

  it('checks what it asks for before any request: a scope string, a resource URL, an issuer URL', async () => {
    await expect(ask({ scope: ['read'] })).rejects.toMatchObject({ code: 'ERR_INVALID_SCOPE' });
    await expect(requestToken(node, { agent: 'alice', from: issuer, resource: 'not a url', scope: ['read:x'] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'resource' });
    await expect(requestToken(node, { agent: 'alice', from: `${issuer}#x`, resource: RESOURCE })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'from' });
    await expect(requestToken(node, { agent: 'mallory', from: issuer, resource: RESOURCE })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect(seen).toHaveLength(0);
  });
});

describe('requestToken for an agent holding more credentials than one presentation carries', () => {
  it('presents the credential that contains the scope asked for, however old, with the newest others', async () => {
    await createAgent(node, { name: 'bob', owner: 'mailto:carol@acme.example' });
    const savings = await issueToAgent(node, { agent: 'bob', capabilities: [{ action: 'read', resource: 'accounts:savings' }] });
    const newer = await issueMany(node, Array.from({ length: MAX_PRESENTED_CREDENTIALS + 8 }, (_, i) => ({ agent: 'bob', capabilities: [{ action: 'read', resource: `accounts:r${i}` }] })));
    const presented = async (scope?: string[]) => {
      script = [needNonce('n1'), granted];
      seen = [];
      await requestToken(node, { agent: 'bob', from: issuer, resource: RESOURCE, ...(scope === undefined ? {} : { scope }) });
      return JSON.stringify(decodeCompactJws(seen[1]!.form.get('subject_token')!, MAX_PRESENTATION_LENGTH).payload.verifiableCredential);
    };
    const forSavings = await presented(['read:accounts:savings']);
    expect(forSavings).toContain(savings.jwt);
    // The other 31 are the newest.
    for (const c of newer.slice(-(MAX_PRESENTED_CREDENTIALS - 1))) expect(forSavings).toContain((c as { jwt: string }).jwt);
    // Without a scope it asks for what its newest 32 hold, and the oldest is not among them.
    expect(await presented()).not.toContain(savings.jwt);
    expect(seen[1]!.form.get('scope')).not.toContain('accounts:savings');
  });
});
