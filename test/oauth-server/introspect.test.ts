// RFC 7662 introspection on the node (#15 item 4): callers authenticate with private_key_jwt; a token is
// active while it verifies and every chain behind it stands, as far as the node's status knowledge goes.
//   bank -> alice -> helper;  rs1 registered;  mallory not
import { describe, expect, it } from 'vitest';
import { readAudit } from '../../src/audit/read.js';
import type { AuditEntry } from '../../src/audit/types.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { createApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { CLIENT_ASSERTION_TYPE_JWT_BEARER } from '../../src/oauth/types.js';
import { NOW } from '../fixtures.js';
import { accessTokenFor, assertion, delegatedHelper, ISSUER, LEDGER, mallory, OWNER, RESOURCE, rs1, rs3, useBank } from './pdp-fixture.js';

const ctx = useBank();
const { clock } = ctx;

const PATH = '/oauth/introspect';

function form(token: string, clientAssertion: string | undefined): URLSearchParams {
  const f = new URLSearchParams({ token });
  if (clientAssertion !== undefined) {
    f.set('client_assertion_type', CLIENT_ASSERTION_TYPE_JWT_BEARER);
    f.set('client_assertion', clientAssertion);
  }
  return f;
}

async function introspect(token: string, clientAssertion?: string) {
  return ctx.bank.node.services.oauth.introspect({ form: form(token, clientAssertion ?? (await assertion(rs1, clock, PATH))) });
}

async function introspections(): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (const e of readAudit(ctx.bank.node.store)) if (e.type === 'introspection') entries.push(e);
  return entries;
}

describe('introspection callers', () => {
  it('refuses a DID outside oauth.clients with 401 invalid_client, without resolving it', async () => {
    const { token } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    const resolved: string[] = [];
    // Every lookup through the node's resolver (resolve, resolveKey) is noted.
    ctx.bank.node.resolver = new Proxy(ctx.bank.node.resolver, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          resolved.push(String(args[0]));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const response = await introspect(token, await assertion(mallory, clock, PATH));
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'invalid_client', code: 'ERR_INVALID_CLIENT' });
    expect(response.headers?.['WWW-Authenticate']).toContain('error="invalid_client"');
    expect(resolved.filter((d) => d.startsWith(mallory.did))).toEqual([]);
    // The same lookups do see a registered caller's DID resolved.
    expect((await introspect(token)).status).toBe(200);
    expect(resolved.some((d) => d.startsWith(rs1.did))).toBe(true);
  });

  it('refuses a missing, forged, expired or replayed assertion with invalid_client', async () => {
    const { token } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    const missing = await ctx.bank.node.services.oauth.introspect({ form: form(token, undefined) });
    expect(missing.status).toBe(401);
    // Signed by another key, claiming rs1.
    const other = generateEphemeralSigner();
    const forger = { alg: 'EdDSA' as const, kid: rs1.kid, did: rs1.did, publicKey: other.publicKey, sign: other.sign };
    const forged = await introspect(token, await assertion(forger, clock, PATH));
    expect(forged.status).toBe(401);
    const old = await assertion(rs1, clock, PATH, 60);
    ctx.now = new Date(NOW.getTime() + 5 * 60_000);
    expect((await introspect(token, old)).status).toBe(401);
    const once = await assertion(rs1, clock, PATH);
    expect((await introspect(token, once)).status).toBe(200);
    const replayed = await introspect(token, once);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toMatchObject({ code: 'ERR_INVALID_CLIENT' });
  });

  it('accepts the issuer URL as the assertion audience too', async () => {
    const { token } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    expect((await introspect(token, await assertion(rs1, clock))).status).toBe(200);
  });
});

describe('introspection answers', () => {
  it('reports an active token with its claims, no-store, and audits the caller', async () => {
    const { token, claims } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    const response = await introspect(token);
    expect(response.status).toBe(200);
    expect(response.headers?.['Cache-Control']).toBe('no-store');
    expect(response.body).toEqual({
      active: true,
      scope: claims.scope,
      client_id: ctx.bank.alice.did,
      sub: OWNER,
      aud: RESOURCE,
      iss: ISSUER,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      cnf: claims.cnf,
      act: { sub: ctx.bank.alice.did },
      authorization_details: claims.authorization_details,
      token_type: 'DPoP',
    });
    const [entry] = await introspections();
    expect(entry).toMatchObject({ decision: 'allow', agent: ctx.bank.alice.did, owner: OWNER, session: claims.jti, details: { caller: rs1.did } });
  });

  it('reports a token inactive once a parent credential is revoked (and after reinstating a suspension, active again)', async () => {
    // bank -> alice (root) -> helper (the token's client)
    const { helper, credentials } = await delegatedHelper(ctx.bank);
    const { token } = await accessTokenFor(ctx.bank, helper, credentials, clock, { priorActors: [ctx.bank.alice.did] });
    expect(await introspect(token)).toMatchObject({ body: { active: true, act: { sub: helper.did, act: { sub: ctx.bank.alice.did } } } });
    await ctx.bank.node.services.statusLists.change(ctx.bank.alice.root.id, 'suspend');
    expect((await introspect(token)).body).toEqual({ active: false });
    await ctx.bank.node.services.statusLists.change(ctx.bank.alice.root.id, 'reinstate');
    expect((await introspect(token)).body).toMatchObject({ active: true });
    await ctx.bank.node.services.statusLists.change(ctx.bank.alice.root.id, 'revoke');
    expect((await introspect(token)).body).toEqual({ active: false });
    const last = (await introspections()).at(-1);
    expect(last).toMatchObject({ decision: 'deny', reasons: ['ERR_REVOKED'], details: { caller: rs1.did } });
  });

  it('reports an expired token, a foreign one and garbage inactive', async () => {
    const { token } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock, { lifetimeSeconds: 60 });
    ctx.now = new Date(NOW.getTime() + 3 * 60_000);
    expect((await introspect(token)).body).toEqual({ active: false });
    expect((await introspections()).at(-1)?.reasons).toEqual(['ERR_EXPIRED']);
    ctx.now = new Date(NOW.getTime());
    const [h, p] = token.split('.');
    const foreign = `${h}.${p}.${'A'.repeat(86)}`;
    expect((await introspect(foreign)).body).toEqual({ active: false });
    expect((await introspect('not-a-token')).body).toEqual({ active: false });
  });

  it("reports another resource's token inactive: rs3 serves LEDGER and learns nothing of alice's token for RESOURCE", async () => {
    const { token, claims } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    expect((await introspect(token)).body).toMatchObject({ active: true, aud: RESOURCE });
    const response = await introspect(token, await assertion(rs3, clock, PATH));
    expect(response).toMatchObject({ status: 200, body: { active: false } });
    expect(response.body).toEqual({ active: false });
    expect((await introspections()).at(-1)).toMatchObject({ decision: 'deny', reasons: ['ERR_AUDIENCE'], session: claims.jti, details: { caller: rs3.did } });
    // rs3's own resource's token is active for rs3, and not for rs1.
    const ledger = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock, { audience: LEDGER });
    expect((await introspect(ledger.token, await assertion(rs3, clock, PATH))).body).toMatchObject({ active: true, aud: LEDGER });
    expect((await introspect(ledger.token)).body).toEqual({ active: false });
  });

  it('tells a client registered without an audience (a bare DID) about no token', async () => {
    const { token } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    ctx.bank.node.oauth = { ...ctx.bank.node.oauth, clients: [rs1.did] };
    const response = await introspect(token);
    expect(response).toMatchObject({ status: 200, body: { active: false } });
    expect((await introspections()).at(-1)).toMatchObject({ reasons: ['ERR_AUDIENCE'], details: { caller: rs1.did } });
  });

  it('reads the chains of a token issued before legate_chains under its jti: active, and inactive once revoked', async () => {
    const { token, claims } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock, { keptByJti: true });
    expect(claims).not.toHaveProperty('legate_chains');
    expect((await introspect(token)).body).toMatchObject({ active: true, jti: claims.jti });
    await ctx.bank.node.services.statusLists.change(ctx.bank.alice.root.id, 'revoke');
    expect((await introspect(token)).body).toEqual({ active: false });
    expect((await introspections()).at(-1)).toMatchObject({ decision: 'deny', reasons: ['ERR_REVOKED'] });
  });

  it('does not answer legate_chains in the introspection response: it is the node’s own bookkeeping', async () => {
    const { token, claims } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    expect(claims.legate_chains).toMatch(/^chains:[A-Za-z0-9_-]{43}$/);
    const { body } = await introspect(token);
    expect(body).toMatchObject({ active: true, jti: claims.jti });
    expect(body).not.toHaveProperty('legate_chains');
  });

  it('reports a token whose chains the node no longer holds inactive', async () => {
    const { token, claims } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    // The row behind it is kept an hour past the token it was written for.
    await ctx.bank.node.store.sweep(new Date(claims.exp * 1000 + 3_600_000 - 1).toISOString());
    expect(await ctx.bank.node.store.getSession(claims.legate_chains!)).toBeDefined();
    await ctx.bank.node.store.sweep(new Date(claims.exp * 1000 + 3_600_000).toISOString());
    expect((await introspect(token)).body).toEqual({ active: false });
  });

  it('answers 400 invalid_request without exactly one token', async () => {
    const f = new URLSearchParams({ client_assertion_type: CLIENT_ASSERTION_TYPE_JWT_BEARER, client_assertion: await assertion(rs1, clock, PATH) });
    const response = await ctx.bank.node.services.oauth.introspect({ form: f });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_request' });
  });
});

describe('over HTTP', () => {
  it('serves POST /oauth/introspect (a form) and counts the answers', async () => {
    const { token } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    const metrics = new Metrics();
    const app = createApp({ node: ctx.bank.node, metrics });
    const body = form(token, await assertion(rs1, clock, PATH)).toString();
    const response = await app.request(PATH, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ active: true });
    const refused = await app.request(PATH, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('invalid_client');
    expect(await metrics.render()).toContain('legate_oauth_introspections_total{outcome="active"} 1');
    expect(await metrics.render()).toContain('legate_oauth_introspections_total{outcome="refused"} 1');
    const config = await app.request('/.well-known/authzen-configuration');
    expect(await config.json()).toMatchObject({ access_evaluation_endpoint: `${ISSUER}/access/v1/evaluation` });
  });
});
