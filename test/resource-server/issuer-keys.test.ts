// The issuer-key backoff of the resource-server verifier: a failing issuer (an error status, bad metadata,
// an oversized JWKS) is asked at most once per cooldown, and every request meanwhile fails closed with
// 503 temporarily_unavailable (ERR_PEER_UNREACHABLE), fetching nothing. Injected clock, counting fetch.
//   acme (AS, failing then healthy) -> alice (client) -> bank's API (this resource server)
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { LegateError } from '../../src/errors/index.js';
import { jwksOf } from '../../src/oauth/jwks.js';
import { createResourceServer } from '../../src/resource-server/index.js';
import type { VerifyResult } from '../../src/resource-server/index.js';
import { acme, NOW } from '../fixtures.js';
import { accessToken, fetchFrom, ISSUER, RESOURCE, signedRequest } from './helpers.js';

/** acme's AS whose answers the test switches: healthy, an error status, or a JWKS of `keys` entries. */
function switchableAs() {
  const state = { mode: 'down' as 'down' | 'healthy' | 'many-keys' | 'huge' | 'huge-jwks', fetched: [] as string[] };
  const app = new Hono();
  app.use(async (c, next) => {
    state.fetched.push(new URL(c.req.url).pathname);
    await next();
  });
  app.get('/.well-known/oauth-authorization-server', (c) => {
    if (state.mode === 'down') return c.json({ error: 'server_error' }, 500);
    if (state.mode === 'huge') return c.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/oauth/jwks`, padding: 'x'.repeat(65 * 1024) });
    return c.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/oauth/jwks`, token_endpoint: `${ISSUER}/oauth/token` });
  });
  app.get('/oauth/jwks', (c) => {
    const own = jwksOf([{ kid: acme.signer.kid, publicKey: acme.signer.publicKey }]);
    if (state.mode === 'huge-jwks') return c.json({ ...own, padding: 'x'.repeat(65 * 1024) });
    if (state.mode !== 'many-keys') return c.json(own);
    const filler = Array.from({ length: 64 }, (_, i) => ({ ...own.keys[0]!, kid: `did:web:acme.example#old-${i}` }));
    return c.json({ keys: [...own.keys, ...filler] });
  });
  return { app, state };
}

function refused(result: VerifyResult) {
  if (result.ok) throw new Error('expected a refusal');
  return result;
}

/** The code of the issuer failure behind a 503 (kept for logs, never sent). */
const causeCode = (result: { cause?: unknown }) => ((result.cause as LegateError).cause as LegateError).code;

function setup() {
  let now = NOW.getTime();
  const as = switchableAs();
  const net = fetchFrom({ [ISSUER]: as.app });
  const rs = createResourceServer({
    resource: RESOURCE,
    issuers: [ISSUER],
    routes: { 'GET /tickets/:id': { action: 'read', resource: 'crm:tickets' } },
    clock: () => new Date(now),
    fetch: net.fetch,
    jwksCooldownMs: 30_000,
  });
  const request = async () => signedRequest({ ...(await accessToken({ at: new Date(now) })), proof: { at: new Date(now) } });
  return { rs, as, request, advance: (ms: number) => (now += ms) };
}

describe('resource server: backoff after a failed issuer fetch', () => {
  it('asks a failing issuer once per cooldown and fails closed meanwhile, then recovers after it', async () => {
    const { rs, as, request, advance } = setup();
    const first = refused(await rs.verify(await request()));
    expect([first.status, first.error, first.code]).toEqual([503, 'temporarily_unavailable', 'ERR_PEER_UNREACHABLE']);
    expect(first.headers['Retry-After']).toBeDefined();
    expect(as.state.fetched).toEqual(['/.well-known/oauth-authorization-server']);
    // Ten more requests within the cooldown: the same refusal, and nothing fetched.
    for (let i = 0; i < 10; i += 1) {
      advance(2000);
      const again = refused(await rs.verify(await request()));
      expect([again.status, again.code]).toEqual([503, 'ERR_PEER_UNREACHABLE']);
    }
    expect(as.state.fetched).toHaveLength(1);
    // The issuer is back; within the cooldown it is still not asked.
    as.state.mode = 'healthy';
    advance(5000);
    expect(refused(await rs.verify(await request())).code).toBe('ERR_PEER_UNREACHABLE');
    expect(as.state.fetched).toHaveLength(1);
    // After the cooldown: one fetch of metadata and JWKS, and the request is allowed.
    advance(10_000);
    expect((await rs.verify(await request())).ok).toBe(true);
    expect(as.state.fetched).toEqual(['/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server', '/oauth/jwks']);
  });

  it('fails closed when the JWKS expires and the refetch fails, instead of using the stale keys', async () => {
    const { rs, as, request, advance } = setup();
    as.state.mode = 'healthy';
    expect((await rs.verify(await request())).ok).toBe(true);
    as.state.mode = 'down';
    advance(600_000); // the default TTL
    expect(refused(await rs.verify(await request())).code).toBe('ERR_PEER_UNREACHABLE');
    advance(1000);
    expect(refused(await rs.verify(await request())).code).toBe('ERR_PEER_UNREACHABLE');
    expect(as.state.fetched).toHaveLength(3); // metadata + JWKS, then one failed metadata fetch
  });

  it('refuses a JWKS of more than 64 keys with 503 (ERR_PEER_UNREACHABLE), never blaming the client', async () => {
    const { rs, as, request } = setup();
    as.state.mode = 'many-keys';
    const result = refused(await rs.verify(await request()));
    expect([result.status, result.error, result.code]).toEqual([503, 'temporarily_unavailable', 'ERR_PEER_UNREACHABLE']);
    expect(causeCode(result)).toBe('ERR_INPUT_TOO_LARGE');
  });

  it('refuses metadata or a JWKS over 64 KiB with 503 (ERR_PEER_UNREACHABLE, caused by ERR_INPUT_TOO_LARGE)', async () => {
    for (const mode of ['huge', 'huge-jwks'] as const) {
      const { rs, as, request } = setup();
      as.state.mode = mode;
      const result = refused(await rs.verify(await request()));
      expect([mode, result.status, result.error, result.code]).toEqual([mode, 503, 'temporarily_unavailable', 'ERR_PEER_UNREACHABLE']);
      expect(causeCode(result)).toBe('ERR_INPUT_TOO_LARGE');
      expect(as.state.fetched).toHaveLength(mode === 'huge' ? 1 : 2);
    }
  });
});
