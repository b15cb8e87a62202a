// The bank's authorization server issues access tokens for acme's agents (test/oauth-server/helpers.ts):
//   acme -> alice (one link) and acme -> alice -> bob (two links), a session subject, an actor token.
import { createLocalJWKSet, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdvertise } from '../../src/handshake/advertise.js';
import { createNonce } from '../../src/handshake/message.js';
import { createAgent } from '../../src/node/agents.js';
import { sessionChains } from '../../src/node/ace.js';
import { issueToAgent } from '../../src/node/issue.js';
import { dpopKeyOfSigner, generateDpopKey } from '../../src/oauth/dpop.js';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_PRESENTATION, TOKEN_TYPE_SESSION } from '../../src/oauth/types.js';
import { createPresentation } from '../../src/presentation/create.js';
import { claimsOf, exchange, freshNonce, headerOf, ISSUER, openBank, OWNER, partner, post, RESOURCE, tokenRequest, TOKEN_URL, type Bank, type Partner } from './helpers.js';
import { createDpopProof } from '../../src/oauth/dpop.js';

describe('the node as an authorization server: metadata and keys', () => {
  let bank: Bank;
  beforeAll(async () => {
    bank = await openBank();
  });

  it('publishes RFC 8414 metadata whose issuer is the node URL, not its DID', async () => {
    const res = await bank.app.request('/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: ISSUER,
      token_endpoint: TOKEN_URL,
      jwks_uri: `${ISSUER}/oauth/jwks`,
      token_endpoint_auth_methods_supported: ['none'],
      grant_types_supported: [GRANT_TYPE_TOKEN_EXCHANGE],
      authorization_details_types_supported: ['urn:legate:capability'],
    });
    expect(metadata.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['EdDSA', 'ES256']));
    expect(metadata.issuer).not.toBe(bank.node.organization.did);
  });

  it('publishes the organization key as an OKP/Ed25519 JWK named by its DID URL', async () => {
    const res = await bank.app.request('/oauth/jwks');
    expect(res.status).toBe(200);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(String(keys[0]!.kid).startsWith(`${bank.node.organization.did}#`)).toBe(true);
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('follows the organization’s newest key: both keys published, tokens signed by the new one, nonces of the old one refused', async () => {
    const rotating = await openBank();
    const q = await partner(rotating);
    const oldNonce = await freshNonce(rotating.app);
    const did = rotating.node.organization.did;
    await rotating.node.keys.generate(() => ({ kid: `${did}#key-2`, controller: did }));
    const { keys } = (await (await rotating.app.request('/oauth/jwks')).json()) as { keys: { kid: string }[] };
    expect(keys.map((k) => k.kid)).toEqual([`${did}#key-1`, `${did}#key-2`]);
    const stale = await exchange(rotating, { holder: q.alice, credentials: [q.root], key: dpopKeyOfSigner(q.alice), nonce: oldNonce });
    expect(stale.body).toMatchObject({ error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE' });
    const fresh = await exchange(rotating, { holder: q.alice, credentials: [q.root], key: dpopKeyOfSigner(q.alice), nonce: stale.headers.get('dpop-nonce')! });
    expect(fresh.status).toBe(200);
    expect(headerOf(fresh.body.access_token as string).kid).toBe(`${did}#key-2`);
    await rotating.node.close();
  });

  it('refuses an issuer URL with a path: its advertised endpoints would not be served (the routes are at the root)', async () => {
    for (const issuer of ['https://bank.example/tenant', 'https://bank.example/?x=1']) {
      await expect(openBank({ issuer }), issuer).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'oauth.issuer' });
    }
    const root = await openBank({ issuer: 'https://bank.example/' });
    expect(await (await root.app.request('/.well-known/oauth-authorization-server')).json()).toMatchObject({ issuer: 'https://bank.example', token_endpoint: 'https://bank.example/oauth/token' });
    expect((await root.app.request('/.well-known/oauth-authorization-server/tenant')).status).toBe(404);
    await root.node.close();
  });
});

describe('token exchange', () => {
  let bank: Bank;
  let p: Partner;
  beforeAll(async () => {
    bank = await openBank();
    p = await partner(bank);
  });

  it('asks for a nonce first: use_dpop_nonce with a DPoP-Nonce header, never cached', async () => {
    const { form, headers } = await tokenRequest(bank, { holder: p.alice, credentials: [p.root], key: dpopKeyOfSigner(p.alice), nonce: 'not-yet' });
    headers.dpop = await createDpopProof({ key: dpopKeyOfSigner(p.alice), htm: 'POST', htu: TOKEN_URL, clock: bank.clock });
    const res = await post(bank, form, headers);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE' });
    expect(res.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('issues an at+jwt for one link: sub = owner, act = the agent, cnf.jkt = its own key, the credential’s constraints', async () => {
    const key = dpopKeyOfSigner(p.alice);
    const res = await exchange(bank, { holder: p.alice, credentials: [p.root], key, nonce: await freshNonce(bank.app), scope: 'call:billing:refund read:crm:accounts' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('dpop-nonce')).toBeTruthy();
    expect(res.body).toMatchObject({ issued_token_type: TOKEN_TYPE_ACCESS_TOKEN, token_type: 'DPoP', expires_in: 300, scope: 'call:billing:refund read:crm:accounts' });
    expect(res.body).not.toHaveProperty('rejected');
    const token = res.body.access_token as string;
    expect(headerOf(token)).toMatchObject({ typ: 'at+jwt', alg: 'EdDSA' });
    const claims = claimsOf(token);
    expect(claims).toMatchObject({ iss: ISSUER, sub: OWNER, aud: RESOURCE, client_id: p.alice.did, act: { sub: p.alice.did }, cnf: { jkt: key.jkt } });
    expect(claims.act).not.toHaveProperty('act');
    expect((claims.exp as number) - (claims.iat as number)).toBe(300);
    expect(claims.authorization_details).toEqual([
      { type: 'urn:legate:capability', action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'EUR' } }, credential: p.rootId },
      { type: 'urn:legate:capability', action: 'read', resource: 'crm:accounts', credential: p.rootId },
    ]);
    expect(res.body.authorization_details).toEqual(claims.authorization_details);

    // A stock JOSE library verifies it with the published key set.
    const jwks = createLocalJWKSet((await (await bank.app.request('/oauth/jwks')).json()) as Parameters<typeof createLocalJWKSet>[0]);
    const verified = await jwtVerify(token, jwks, { issuer: ISSUER, audience: RESOURCE, typ: 'at+jwt', currentDate: bank.clock() });
    expect(verified.payload.client_id).toBe(p.alice.did);

    // The node remembers the chain behind the token, under the hash of the chains the token names (legate_chains), for
    // introspection: one row for every token granted on those chains, none per token.
    expect(claims.legate_chains).toMatch(/^chains:[A-Za-z0-9_-]{43}$/);
    expect(await sessionChains(bank.node, claims.legate_chains as string)).toEqual({ [p.rootId]: [p.root] });
    expect(await bank.node.store.getSession(claims.jti as string)).toBeUndefined();
    expect(await bank.node.store.getSession(claims.legate_chains as string)).toMatchObject({ expiresAt: new Date(((claims.exp as number) + 3600) * 1000).toISOString() });
    const last = JSON.parse((await bank.node.store.listAuditChains())[0]!.entry) as Record<string, unknown>;
    expect(last).toMatchObject({ type: 'token', decision: 'allow', agent: p.alice.did, owner: OWNER, resource: RESOURCE, chain: [p.alice.did, OWNER], session: claims.jti });
  });

  it('keeps one row for the chains behind every token granted on them, and another for other chains', async () => {
    const key = dpopKeyOfSigner(p.alice);
    const first = claimsOf((await exchange(bank, { holder: p.alice, credentials: [p.root], key, nonce: await freshNonce(bank.app) })).body.access_token as string);
    const kept = await bank.node.store.getSession(first.legate_chains as string);
    expect(kept?.chains).toEqual({ [p.rootId]: [p.root] });
    const start = bank.clock.state.at;
    try {
      // Ten minutes later: the row, kept an hour past the first token, outlives the second token; nothing is written.
      bank.clock.state.at = start + 10 * 60_000;
      const second = claimsOf((await exchange(bank, { holder: p.alice, credentials: [p.root], key, nonce: await freshNonce(bank.app), scope: 'read:crm:accounts' })).body.access_token as string);
      expect(second.jti).not.toBe(first.jti);
      expect(second.legate_chains).toBe(first.legate_chains);
      expect(await bank.node.store.getSession(first.legate_chains as string)).toEqual(kept);
      // Seventy minutes later the next token would outlive it: the row is kept an hour past that token.
      bank.clock.state.at = start + 70 * 60_000;
      const third = claimsOf((await exchange(bank, { holder: p.alice, credentials: [p.root], key, nonce: await freshNonce(bank.app) })).body.access_token as string);
      expect(third.legate_chains).toBe(first.legate_chains);
      expect(await bank.node.store.getSession(first.legate_chains as string)).toEqual({ ...kept, expiresAt: new Date(((third.exp as number) + 3600) * 1000).toISOString() });
    } finally {
      bank.clock.state.at = start;
    }
    // bob's two-link chain is other chains: another row.
    const other = claimsOf((await exchange(bank, { holder: p.bob, credentials: [p.root, p.child], key: dpopKeyOfSigner(p.bob), nonce: await freshNonce(bank.app) })).body.access_token as string);
    expect(other.legate_chains).not.toBe(first.legate_chains);
    expect(await sessionChains(bank.node, other.legate_chains as string)).toEqual({ [claimsOf(p.child).id as string]: [p.root, p.child] });
  });

  it('issues for two links with a fresh key the presentation binds (jkt): nested act, the narrower constraints', async () => {
    const key = generateDpopKey('ES256');
    const res = await exchange(bank, { holder: p.bob, credentials: [p.root, p.child], key, jkt: key.jkt, nonce: await freshNonce(bank.app) });
    expect(res.status).toBe(200);
    const claims = claimsOf(res.body.access_token as string);
    expect(claims).toMatchObject({ sub: OWNER, client_id: p.bob.did, act: { sub: p.bob.did, act: { sub: p.alice.did } }, cnf: { jkt: key.jkt } });
    expect(claims.authorization_details).toEqual([expect.objectContaining({ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 50, currency: 'EUR' } } })]);
  });

  it('grants what is covered and lists the rest with its code', async () => {
    const res = await exchange(bank, { holder: p.bob, credentials: [p.root, p.child], key: dpopKeyOfSigner(p.bob), nonce: await freshNonce(bank.app), scope: 'call:billing:refund read:crm:accounts' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('call:billing:refund');
    expect(res.body.rejected).toEqual([{ action: 'read', resource: 'crm:accounts', code: 'ERR_NOT_AUTHORIZED' }]);
  });

  it('accepts authorization_details whose constraints narrow the credential’s', async () => {
    const details = [{ type: 'urn:legate:capability', action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 20, currency: 'EUR' } } }];
    const res = await exchange(bank, {
      holder: p.bob,
      credentials: [p.root, p.child],
      key: dpopKeyOfSigner(p.bob),
      nonce: await freshNonce(bank.app),
      params: { scope: undefined, authorization_details: JSON.stringify(details) },
    });
    expect(res.status).toBe(200);
    expect(claimsOf(res.body.access_token as string).authorization_details).toEqual([expect.objectContaining({ constraints: { maxAmount: { value: 20, currency: 'EUR' } } })]);
  });

  it('takes an actor token: a sub-agent acting for the subject’s holder, one hop, in a nested act', async () => {
    const nonce = await freshNonce(bank.app);
    const actor = await createPresentation({ signer: p.bob, credentials: [p.root, p.child], audience: ISSUER, nonce, clock: bank.clock });
    const res = await exchange(bank, {
      holder: p.alice,
      credentials: [p.root],
      mayAct: p.bob.did,
      key: dpopKeyOfSigner(p.bob),
      nonce,
      params: { actor_token: actor, actor_token_type: TOKEN_TYPE_PRESENTATION, client_id: p.bob.did },
    });
    expect(res.status).toBe(200);
    expect(claimsOf(res.body.access_token as string)).toMatchObject({ sub: OWNER, client_id: p.bob.did, act: { sub: p.bob.did, act: { sub: p.alice.did } } });
  });

  it('takes the audience when no resource is given, and the resource over the audience', async () => {
    const viaAudience = await exchange(bank, { holder: p.alice, credentials: [p.root], key: dpopKeyOfSigner(p.alice), nonce: await freshNonce(bank.app), params: { resource: undefined, audience: RESOURCE } });
    expect(claimsOf(viaAudience.body.access_token as string).aud).toBe(RESOURCE);
    const both = await exchange(bank, { holder: p.alice, credentials: [p.root], key: dpopKeyOfSigner(p.alice), nonce: await freshNonce(bank.app), params: { audience: 'https://elsewhere.example' } });
    expect(claimsOf(both.body.access_token as string).aud).toBe(RESOURCE);
  });

  it('never outlives the chain: exp is the earliest validUntil when that comes before the lifetime', async () => {
    const short = await partner(bank);
    const { delegateCapability } = await import('../../src/delegation/delegate.js');
    const { decodeCompactJws } = await import('../../src/lib/jws.js');
    const parent = decodeCompactJws(short.root).payload as never;
    const brief = await delegateCapability({ parent, signer: short.alice, to: short.bob.did, capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 10, currency: 'EUR' } } }], validFor: 'PT2M', clock: bank.clock });
    const res = await exchange(bank, { holder: short.bob, credentials: [short.root, brief.jwt], key: dpopKeyOfSigner(short.bob), nonce: await freshNonce(bank.app) });
    expect(res.status).toBe(200);
    const claims = claimsOf(res.body.access_token as string);
    expect(claims.exp).toBe(Math.floor(Date.parse(brief.credential.validUntil!) / 1000));
    expect(res.body.expires_in).toBeLessThanOrEqual(120);
  });

  it('keeps scope tags: a scoped capability is granted only to a request of its scope', async () => {
    const q = await partner(bank, { capabilities: [{ action: 'write', resource: 'crm:tickets', scope: 'own_tickets' }], accredits: ['write:crm:*'] });
    const ask = async (scope: string) => exchange(bank, { holder: q.alice, credentials: [q.root], key: dpopKeyOfSigner(q.alice), nonce: await freshNonce(bank.app), scope });
    const scoped = await ask('write:crm:tickets#own_tickets');
    expect(scoped.status).toBe(200);
    expect(scoped.body.scope).toBe('write:crm:tickets#own_tickets');
    expect(claimsOf(scoped.body.access_token as string).authorization_details).toEqual([expect.objectContaining({ action: 'write', resource: 'crm:tickets', scope: 'own_tickets' })]);
    const unscoped = await ask('write:crm:tickets');
    expect(unscoped.body).toMatchObject({ error: 'invalid_scope', rejected: [{ action: 'write', resource: 'crm:tickets', code: 'ERR_NOT_AUTHORIZED' }] });
  });

  it('meets an audience constraint naming this organization, and refuses one naming others only', async () => {
    const q = await partner(bank, {
      capabilities: [
        { action: 'call', resource: 'billing:refund', constraints: { audience: [bank.node.organization.did] } },
        { action: 'call', resource: 'billing:close', constraints: { audience: ['did:web:elsewhere.example'] } },
      ],
    });
    const res = await exchange(bank, { holder: q.alice, credentials: [q.root], key: dpopKeyOfSigner(q.alice), nonce: await freshNonce(bank.app), scope: 'call:billing:refund call:billing:close' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('call:billing:refund');
    expect(res.body.rejected).toEqual([{ action: 'call', resource: 'billing:close', code: 'ERR_AUDIENCE' }]);
  });

  it('issues a Bearer token (no cnf) when DPoP is not required and no proof is sent', async () => {
    const open = await openBank({ requireDpop: false });
    const q = await partner(open);
    const res = await exchange(open, { holder: q.alice, credentials: [q.root], key: null, nonce: await freshNonce(open.app) });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
    expect(claimsOf(res.body.access_token as string)).not.toHaveProperty('cnf');
    await open.node.close();
  });
});

describe('token exchange with a session token this node issued', () => {
  let bank: Bank;
  let p: Partner;
  let session: string;
  beforeAll(async () => {
    bank = await openBank();
    p = await partner(bank);
    const teller = await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@bank.example' });
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    const nonce = createNonce();
    const presentation = await createPresentation({ signer: p.alice, credentials: [p.root], audience: teller.did, nonce, clock: bank.clock });
    const advertise = await createAdvertise({ signer: p.alice, audience: teller.did, presentation, nonce, intents: [{ action: 'call', resource: 'billing:refund' }], clock: bank.clock });
    const outcome = await bank.node.services.exchange.handleAce(advertise.token);
    if (outcome.type !== 'advertise' || outcome.handling.session === undefined) throw new Error('no session');
    session = outcome.handling.session.token;
  });

  const sessionForm = (nonce: string, key = dpopKeyOfSigner(p.alice)) =>
    tokenRequest(bank, { holder: p.alice, credentials: [p.root], key, nonce, params: { subject_token: session, subject_token_type: TOKEN_TYPE_SESSION } });

  it('exchanges it with a proof by the session’s key: sub = owner, act = the agent, the stored chain', async () => {
    const { form, headers } = await sessionForm(await freshNonce(bank.app));
    const res = await post(bank, form, headers);
    expect(res.status).toBe(200);
    const claims = claimsOf(res.body.access_token as string);
    expect(claims).toMatchObject({ sub: OWNER, client_id: p.alice.did, act: { sub: p.alice.did }, cnf: { jkt: dpopKeyOfSigner(p.alice).jkt } });
    expect(claims.authorization_details).toEqual([expect.objectContaining({ action: 'call', resource: 'billing:refund', credential: p.rootId })]);
  });

  it('never outlives the session it was exchanged from', async () => {
    const sessionExp = claimsOf(session).exp as number;
    bank.clock.state.at += 200_000;
    try {
      const { form, headers } = await sessionForm(await freshNonce(bank.app));
      const res = await post(bank, form, headers);
      expect(res.status).toBe(200);
      expect(claimsOf(res.body.access_token as string).exp).toBe(sessionExp);
    } finally {
      bank.clock.state.at -= 200_000;
    }
  });

  it('refuses a proof by another key than the session’s (ERR_KEY_BINDING)', async () => {
    const { form, headers } = await sessionForm(await freshNonce(bank.app), generateDpopKey());
    const res = await post(bank, form, headers);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_grant', code: 'ERR_KEY_BINDING' });
  });

  it('refuses what the session does not cover, with the code', async () => {
    const { form, headers } = await sessionForm(await freshNonce(bank.app));
    form.set('scope', 'read:crm:accounts');
    const res = await post(bank, form, headers);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_scope', code: 'ERR_INVALID_SCOPE', rejected: [{ action: 'read', resource: 'crm:accounts', code: 'ERR_NOT_AUTHORIZED' }] });
  });
});
