// Trust lists are cached like status lists: by Cache-Control max-age (or five
// minutes), revalidated with If-None-Match, never past validUntil; `local`
// lists are memoized by token; `loadList` replaces fetching altogether.
import { describe, expect, it } from 'vitest';
import { createTrustRegistry } from '../../src/registry/trust.js';
import { acme, bank, federationResolver, MINUTE, noFetch, NOW, pay, REFUNDS, setup, standard, trustList } from './fixtures.js';

const read = { action: 'read', resource: 'crm:customer_records' };
const refund = { action: 'call', resource: 'billing:refund' };

describe('trust list caching', () => {
  it('fetches a list once within its max-age, and again after it', async () => {
    const bankList = { body: await trustList(bank, standard.bank()), cacheControl: 'max-age=60' };
    const { registry, server, time } = await setup({ bank: bankList });
    await registry.isTrusted(acme.did, read);
    time.advance(30_000);
    await registry.isTrusted(acme.did, read);
    await registry.trustErrors(acme.did, [read, { action: 'call', resource: 'support:chat' }]);
    expect(server.requests).toHaveLength(1);
    time.advance(31_000);
    await registry.isTrusted(acme.did, read);
    expect(server.requests).toHaveLength(2);
  });

  it('defaults to five minutes without Cache-Control, and sees a new version after', async () => {
    const { registry, server, time } = await setup();
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    // bank withdraws acme's accreditation.
    server.routes[bank.url] = { body: await trustList(bank, { ...standard.bank(), version: 2, accredits: [] }) };
    time.advance(4 * MINUTE);
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    time.advance(2 * MINUTE);
    expect(await registry.isTrusted(acme.did, read)).toMatchObject({ trusted: false, reason: { code: 'ERR_UNTRUSTED_ISSUER' } });
    expect(server.requests.filter((r) => r.url === bank.url)).toHaveLength(2);
  });

  it('revalidates with If-None-Match and keeps the list on 304', async () => {
    const bankList = { body: await trustList(bank, standard.bank()), etag: '"v1"', cacheControl: 'max-age=60' };
    const { registry, server, time } = await setup({ bank: bankList });
    await registry.isTrusted(acme.did, read);
    time.advance(61_000);
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    expect(server.requests.map((r) => r.ifNoneMatch)).toEqual([null, '"v1"']);
    expect(server.statuses).toEqual([200, 304]);
  });

  it('keeps nothing under no-store, and never caches failures', async () => {
    const bankList = { body: await trustList(bank, standard.bank()), cacheControl: 'no-store' };
    const { registry, server } = await setup({ bank: bankList, pay: { body: 'down', status: 503 } });
    await registry.isTrusted(acme.did, read);
    await registry.isTrusted(acme.did, read);
    expect(server.requests.filter((r) => r.url === bank.url)).toHaveLength(2);
    expect((await registry.isTrusted(REFUNDS, refund)).trusted).toBe(false);
    server.routes[pay.url] = { body: await trustList(pay, standard.pay()) };
    expect((await registry.isTrusted(REFUNDS, refund)).trusted).toBe(true);
  });

  it('caps max-age at a day', async () => {
    const bankList = { body: await trustList(bank, standard.bank()), cacheControl: 'max-age=31536000' };
    const { registry, server, time } = await setup({ bank: bankList });
    await registry.isTrusted(acme.did, read);
    time.advance(23 * 60 * MINUTE);
    await registry.isTrusted(acme.did, read);
    expect(server.requests).toHaveLength(1);
    time.advance(2 * 60 * MINUTE);
    await registry.isTrusted(acme.did, read);
    expect(server.requests).toHaveLength(2);
  });

  it('consults local first, verifies an unchanged token once, and sees a change at once', async () => {
    let token = await trustList(bank, standard.bank());
    let resolutions = 0;
    const base = federationResolver();
    const registry = createTrustRegistry({
      self: bank.did,
      anchors: [{ url: bank.url, issuer: bank.did, hops: 0 }],
      resolver: { resolve: (did) => (resolutions++, base.resolve(did)) },
      fetch: noFetch,
      local: (url) => Promise.resolve(url === bank.url ? token : undefined),
      clock: () => NOW,
    });
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    expect(resolutions).toBe(1);
    token = await trustList(bank, { ...standard.bank(), version: 2, accredits: [] });
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(false);
  });

  it('with loadList, every list comes from it, and a failing load is ERR_TRUST_LIST_UNAVAILABLE', async () => {
    const lists = new Map([[bank.url, await trustList(bank, standard.bank())]]);
    const registry = createTrustRegistry({
      self: bank.did,
      anchors: [{ url: bank.url, issuer: bank.did, hops: 1 }],
      resolver: federationResolver(),
      fetch: noFetch,
      loadList: (url) => {
        const list = lists.get(url);
        return list === undefined ? Promise.reject(new Error('no such list')) : Promise.resolve(list);
      },
      clock: () => NOW,
    });
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    const decision = await registry.isTrusted(REFUNDS, refund);
    expect(decision).toMatchObject({ trusted: false, skipped: [{ url: pay.url, code: 'ERR_TRUST_LIST_UNAVAILABLE', reason: 'local' }] });
  });
});
