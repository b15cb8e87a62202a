// Refusals of the bank's token endpoint, each with its OAuth error and its Legate code.
//   acme -> alice -> bob (did:key chain, test/oauth-server/helpers.ts); mallory's organization is not accredited;
//   the bank's own teller -> intern, whose parent credential the bank revokes.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { createAgent } from '../../src/node/agents.js';
import { delegateFromAgent } from '../../src/node/delegate.js';
import { issueToAgent } from '../../src/node/issue.js';
import { changeStatus } from '../../src/node/status.js';
import { createDpopProof, dpopKeyOfSigner, generateDpopKey } from '../../src/oauth/dpop.js';
import { GRANT_TYPE_TOKEN_EXCHANGE } from '../../src/oauth/types.js';
import { createApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { exchange, freshNonce, openBank, partner, post, RESOURCE, tokenRequest, TOKEN_URL, type Bank, type Partner } from './helpers.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('token endpoint refusals', () => {
  let bank: Bank;
  let p: Partner;
  const own = () => dpopKeyOfSigner(p.alice);
  const aliceAsks = async (more: Partial<Parameters<typeof exchange>[1]> = {}) =>
    exchange(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce: await freshNonce(bank.app), ...more });

  beforeAll(async () => {
    bank = await openBank();
    p = await partner(bank);
  });

  describe('DPoP', () => {
    it('refuses an expired proof', async () => {
      const nonce = await freshNonce(bank.app);
      const old = () => new Date(bank.clock.state.at - 10 * 60_000);
      const res = await exchange(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce, proof: await createDpopProof({ key: own(), htm: 'POST', htu: TOKEN_URL, nonce, clock: old }) });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'ERR_DPOP_INVALID' });
      expect(res.headers.get('dpop-nonce')).toBeTruthy();
    });

    it('refuses a replayed proof', async () => {
      const first = await tokenRequest(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce: await freshNonce(bank.app) });
      expect((await post(bank, first.form, first.headers)).status).toBe(200);
      const again = await tokenRequest(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce: await freshNonce(bank.app), proof: first.proof! });
      const res = await post(bank, again.form, again.headers);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'ERR_DPOP_INVALID' });
    });

    it('refuses a proof for another URL or method', async () => {
      const wrongUrl = await aliceAsks({ htu: 'https://other.example/oauth/token' });
      expect(wrongUrl.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'ERR_DPOP_INVALID' });
      const wrongMethod = await aliceAsks({ htm: 'GET' });
      expect(wrongMethod.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'ERR_DPOP_INVALID' });
    });

    it('refuses a proof whose alg is none', async () => {
      const nonce = await freshNonce(bank.app);
      const proof = `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: own().publicJwk })}.${b64({ jti: 'x1', htm: 'POST', htu: TOKEN_URL, iat: Math.floor(bank.clock.state.at / 1000), nonce })}.`;
      const res = await exchange(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce, proof });
      expect(res.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'ERR_DPOP_INVALID' });
    });

    it('refuses a request without a proof when DPoP is required (no token without cnf)', async () => {
      const res = await aliceAsks({ key: null });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'ERR_DPOP_INVALID' });
    });

    it('refuses a DPoP key that is neither the holder’s nor bound by the presentation', async () => {
      const res = await aliceAsks({ key: generateDpopKey() });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_grant', code: 'ERR_KEY_BINDING' });
    });

    it('refuses a proof by another key than the one the presentation binds (jkt)', async () => {
      const res = await aliceAsks({ key: generateDpopKey(), jkt: generateDpopKey().jkt });
      expect(res.body).toMatchObject({ error: 'invalid_grant', code: 'ERR_KEY_BINDING' });
    });
  });

  describe('the presentation', () => {
    it('refuses a replayed presentation (its nonce answered once)', async () => {
      const first = await tokenRequest(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce: await freshNonce(bank.app) });
      expect((await post(bank, first.form, first.headers)).status).toBe(200);
      const again = await tokenRequest(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce: await freshNonce(bank.app), vp: first.vp });
      const res = await post(bank, again.form, again.headers);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_grant', code: 'ERR_REPLAY' });
    });

    it('refuses a presentation addressed to another authorization server', async () => {
      const res = await aliceAsks({ audience: 'https://as.elsewhere.example' });
      expect(res.body).toMatchObject({ error: 'invalid_grant', code: 'ERR_AUDIENCE' });
    });

    it('refuses a presentation answering a nonce this server never issued', async () => {
      const nonce = await freshNonce(bank.app);
      const { createPresentation } = await import('../../src/presentation/create.js');
      const vp = await createPresentation({ signer: p.alice, credentials: [p.root], audience: 'https://bank.example', nonce: 'made-up-nonce', clock: bank.clock });
      const res = await exchange(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce, vp });
      expect(res.body).toMatchObject({ error: 'invalid_grant', code: 'ERR_NONCE' });
    });

    it('refuses alg tricks on the presentation (none, HS256)', async () => {
      const signed = await tokenRequest(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce: await freshNonce(bank.app) });
      const [, payload] = signed.vp.split('.');
      for (const alg of ['none', 'HS256']) {
        const vp = `${b64({ typ: 'vp+jwt', alg, kid: p.alice.kid })}.${payload}.${alg === 'none' ? '' : 'c2ln'}`;
        const res = await exchange(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce: await freshNonce(bank.app), vp });
        expect(res.body).toMatchObject({ error: 'invalid_grant', code: 'ERR_ALG_NOT_ALLOWED' });
      }
    });

    it('refuses an oversized subject token before reading it', async () => {
      const res = await aliceAsks({ vp: 'a'.repeat(130 * 1024) });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', code: 'ERR_INPUT_TOO_LARGE' });
    });

    it('refuses an actor whose authority was not delegated by the subject’s holder (ERR_CHAIN_INVALID)', async () => {
      const other = await partner(bank);
      const nonce = await freshNonce(bank.app);
      const { createPresentation } = await import('../../src/presentation/create.js');
      const actor = await createPresentation({ signer: p.bob, credentials: [p.root, p.child], audience: 'https://bank.example', nonce, clock: bank.clock });
      const res = await exchange(bank, {
        holder: other.alice,
        credentials: [other.root],
        mayAct: p.bob.did,
        key: dpopKeyOfSigner(p.bob),
        nonce,
        params: { actor_token: actor, actor_token_type: 'urn:legate:params:oauth:token-type:vp+jwt' },
      });
      expect(res.body).toMatchObject({ error: 'invalid_grant', code: 'ERR_CHAIN_INVALID', rejected: [{ action: 'call', resource: 'billing:refund', code: 'ERR_CHAIN_INVALID' }] });
    });

    it('refuses an actor the subject token does not name in may_act (RFC 8693 §4.4): ERR_CHAIN_INVALID', async () => {
      const { createPresentation } = await import('../../src/presentation/create.js');
      for (const mayAct of [undefined, 'did:web:evil.example:agents:mallory']) {
        const nonce = await freshNonce(bank.app);
        const actor = await createPresentation({ signer: p.bob, credentials: [p.root, p.child], audience: 'https://bank.example', nonce, clock: bank.clock });
        const res = await exchange(bank, {
          holder: p.alice,
          credentials: [p.root],
          ...(mayAct === undefined ? {} : { mayAct }),
          key: dpopKeyOfSigner(p.bob),
          nonce,
          params: { actor_token: actor, actor_token_type: 'urn:legate:params:oauth:token-type:vp+jwt' },
        });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ error: 'invalid_grant', code: 'ERR_CHAIN_INVALID' });
        expect(String(res.body.error_description)).toMatch(/may_act/);
      }
    });

    it('refuses a client_id that is not the presenting agent', async () => {
      const res = await aliceAsks({ params: { client_id: p.bob.did } });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'invalid_client', code: 'ERR_INVALID_CLIENT' });
    });
  });

  describe('the target and what is asked', () => {
    it('refuses a resource this server issues no tokens for', async () => {
      const res = await aliceAsks({ params: { resource: 'https://api.other.example/' } });
      expect(res.body).toMatchObject({ error: 'invalid_target', code: 'ERR_INVALID_TARGET' });
    });

    it('never issues a token without an audience', async () => {
      const res = await aliceAsks({ params: { resource: undefined } });
      expect(res.body).toMatchObject({ error: 'invalid_target', code: 'ERR_INVALID_TARGET' });
    });

    it('refuses two resources (one audience per token)', async () => {
      const { form, headers } = await tokenRequest(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce: await freshNonce(bank.app) });
      form.append('resource', 'https://api.other.example/');
      expect((await post(bank, form, headers)).body).toMatchObject({ error: 'invalid_target', code: 'ERR_INVALID_TARGET' });
    });

    it('refuses a widened request: more than the chain gives, with rejected[].code', async () => {
      const details = [{ type: 'urn:legate:capability', action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 80, currency: 'EUR' } } }];
      const widened = await exchange(bank, { holder: p.bob, credentials: [p.root, p.child], key: dpopKeyOfSigner(p.bob), nonce: await freshNonce(bank.app), params: { scope: undefined, authorization_details: JSON.stringify(details) } });
      expect(widened.status).toBe(400);
      expect(widened.body).toMatchObject({ error: 'invalid_authorization_details', rejected: [{ action: 'call', resource: 'billing:refund', code: 'ERR_CAPABILITY_WIDENED' }] });
      const wider = await exchange(bank, { holder: p.bob, credentials: [p.root, p.child], key: dpopKeyOfSigner(p.bob), nonce: await freshNonce(bank.app), scope: 'call:billing:*' });
      expect(wider.body).toMatchObject({ error: 'invalid_scope', code: 'ERR_INVALID_SCOPE', rejected: [{ action: 'call', resource: 'billing:*', code: 'ERR_NOT_AUTHORIZED' }] });
    });

    it('refuses a chain whose issuer this organization does not trust', async () => {
      const stranger = await partner(bank, { trusted: false });
      const res = await exchange(bank, { holder: stranger.alice, credentials: [stranger.root], key: dpopKeyOfSigner(stranger.alice), nonce: await freshNonce(bank.app) });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_scope', code: 'ERR_INVALID_SCOPE', rejected: [{ action: 'call', resource: 'billing:refund', code: 'ERR_UNTRUSTED_ISSUER' }] });
    });

    it('refuses a chain whose parent credential is revoked', async () => {
      await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@bank.example' });
      const parent = await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'call', resource: 'billing:refund' }], delegation: { depth: 0, maxDepth: 1 } });
      const intern = generateEphemeralSigner();
      const child = await delegateFromAgent(bank.node, { from: 'teller', credential: parent.id, to: intern.did, capability: { action: 'call', resource: 'billing:refund' } });
      const ask = async () => exchange(bank, { holder: intern, credentials: [parent.jwt, child.jwt], key: dpopKeyOfSigner(intern), nonce: await freshNonce(bank.app) });
      expect((await ask()).status).toBe(200);
      await changeStatus(bank.node, parent.id, 'revoke');
      const res = await ask();
      expect(res.body).toMatchObject({ error: 'invalid_grant', code: 'ERR_REVOKED', rejected: [{ code: 'ERR_REVOKED' }] });
    });

    it('refuses nothing asked for', async () => {
      const res = await aliceAsks({ params: { scope: undefined } });
      expect(res.body).toMatchObject({ error: 'invalid_scope', code: 'ERR_INVALID_SCOPE' });
    });
  });

  describe('the request itself', () => {
    it('refuses another grant type', async () => {
      const res = await aliceAsks({ params: { grant_type: 'client_credentials' } });
      expect(res.body).toMatchObject({ error: 'unsupported_grant_type', code: 'ERR_UNSUPPORTED_GRANT_TYPE' });
    });

    it('refuses a repeated parameter (RFC 6749 §3.2)', async () => {
      const { form, headers } = await tokenRequest(bank, { holder: p.alice, credentials: [p.root], key: own(), nonce: await freshNonce(bank.app) });
      form.append('scope', 'read:crm:accounts');
      expect((await post(bank, form, headers)).body).toMatchObject({ error: 'invalid_request', code: 'ERR_INVALID_ARGUMENT' });
    });

    it('reads forms only, and answers a JSON body with invalid_request and a nonce', async () => {
      const res = await bank.app.request('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: GRANT_TYPE_TOKEN_EXCHANGE }) });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request', code: 'ERR_INVALID_ARGUMENT' });
      expect(res.headers.get('dpop-nonce')).toBeTruthy();
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('counts tokens on /metrics and logs refusals as token entries', async () => {
      const metrics = new Metrics();
      const app = createApp({ node: bank.node, metrics });
      await app.request('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=password&resource=${encodeURIComponent(RESOURCE)}` });
      expect(await metrics.render()).toContain('legate_oauth_tokens_total{outcome="refused",code="ERR_UNSUPPORTED_GRANT_TYPE"} 1');
      // A refusal names the agent the request claimed to come from, and the code.
      const q = await partner(bank);
      await exchange(bank, { holder: q.alice, credentials: [q.root], key: dpopKeyOfSigner(q.alice), nonce: await freshNonce(bank.app), audience: 'https://as.elsewhere.example' });
      const entries = await bank.node.store.listAuditEntries({});
      const refusals = entries.map((e) => JSON.parse(e.entry) as Record<string, unknown>).filter((e) => e.type === 'token' && e.decision === 'deny');
      expect(refusals.at(-1)).toMatchObject({ action: 'token-exchange', agent: q.alice.did, resource: RESOURCE, reasons: ['ERR_AUDIENCE'] });
    });
  });
});
