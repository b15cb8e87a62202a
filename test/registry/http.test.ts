// A real node:http server on 127.0.0.1 publishing bank's and pay's trust lists
// (with ETag and max-age), read through the global fetch: plain HTTP is
// allowed for loopback only when asked.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustRegistry } from '../../src/registry/trust.js';
import { acme, bank, federationResolver, movableClock, pay, REFUNDS, trustList } from './fixtures.js';

describe('trust registry over real HTTP', () => {
  let server: Server;
  let base = '';
  const lists = new Map<string, { token: string; etag: string }>();
  const seen: { path: string; status: number }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const list = lists.get(request.url ?? '');
      const status = list === undefined ? 404 : request.headers['if-none-match'] === list.etag ? 304 : 200;
      seen.push({ path: request.url ?? '', status });
      if (list === undefined) return void response.writeHead(404).end('not found');
      response.writeHead(status, { 'content-type': 'application/vc+jwt', etag: list.etag, 'cache-control': 'max-age=60' });
      response.end(status === 200 ? list.token : undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const bankUrl = `${base}/bank/registry/trust-list`;
    const payUrl = `${base}/pay/registry/trust-list`;
    lists.set('/bank/registry/trust-list', {
      etag: '"b1"',
      token: await trustList(bank, {
        url: bankUrl,
        accredits: [{ issuer: acme.did, capabilities: ['read:crm:*'], maxDelegationDepth: 1 }],
        recognizes: [{ url: payUrl, issuer: pay.did, hops: 0, capabilities: ['call:billing:*'] }],
      }),
    });
    lists.set('/pay/registry/trust-list', {
      etag: '"p1"',
      token: await trustList(pay, { url: payUrl, accredits: [{ issuer: REFUNDS, capabilities: ['*:*'], maxDelegationDepth: 0 }] }),
    });
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('walks bank -> pay over HTTP, caches by max-age, and revalidates with 304', async () => {
    const time = movableClock();
    const anchors = [{ url: `${base}/bank/registry/trust-list`, issuer: bank.did, hops: 1 }];
    const registry = createTrustRegistry({ self: bank.did, anchors, resolver: federationResolver(), clock: time.clock, allowHttpLoopback: true });
    expect(await registry.isTrusted(REFUNDS, { action: 'call', resource: 'billing:refund' })).toMatchObject({
      trusted: true,
      path: [{ url: anchors[0]!.url }, { url: `${base}/pay/registry/trust-list`, issuer: pay.did, hops: 0 }, { id: REFUNDS }],
    });
    expect((await registry.isTrusted(REFUNDS, { action: 'read', resource: 'crm:x' })).trusted).toBe(false);
    expect((await registry.isTrusted(acme.did, { action: 'read', resource: 'crm:x' })).trusted).toBe(true);
    expect(seen).toEqual([
      { path: '/bank/registry/trust-list', status: 200 },
      { path: '/pay/registry/trust-list', status: 200 },
    ]);
    time.advance(61_000);
    expect((await registry.isTrusted(acme.did, { action: 'read', resource: 'crm:x' })).trusted).toBe(true);
    expect(seen.at(-1)).toEqual({ path: '/bank/registry/trust-list', status: 304 });
  });

  it('refuses plain HTTP unless loopback HTTP is allowed', async () => {
    const anchors = [{ url: `${base}/bank/registry/trust-list`, issuer: bank.did, hops: 1 }];
    const registry = createTrustRegistry({ self: bank.did, anchors, resolver: federationResolver(), clock: movableClock().clock });
    expect(await registry.isTrusted(acme.did, { action: 'read', resource: 'crm:x' })).toMatchObject({
      trusted: false,
      skipped: [{ code: 'ERR_TRUST_LIST_UNAVAILABLE', reason: 'scheme' }],
    });
  });
});
