// Trust decisions kept while nothing they rest on can change (registry/decision-memo): bank serves its own list
// from its store (`local`, counted) under a change stamp; acme's accreditation there is decided once while the
// stamp, the windows and a second hold. A new stamp (bank unaccredits acme) is seen at once; decisions through
// pay's fetched list, through a list whose status lives elsewhere, and untrusted ones are made afresh each time.
import { describe, expect, it } from 'vitest';
import type { TrustRegistryOptions } from '../../src/registry/trust.js';
import { DecisionMemo, MAX_KEPT_DECISION_MS } from '../../src/registry/decision-memo.js';
import type { TrustDecision, TrustListCredential } from '../../src/registry/types.js';
import { statusEntry } from '../../src/status/entry.js';
import { acme, bank, mallory, NOW, REFUNDS, setup, standard, trustList, type ListSpec } from './fixtures.js';

const read = { action: 'read', resource: 'crm:customer_records' };
const refund = { action: 'call', resource: 'billing:refund' };

async function served(spec: ListSpec, options: Partial<TrustRegistryOptions> = {}) {
  const state = { list: await trustList(bank, spec), stamp: '1', reads: 0 };
  const { registry, time } = await setup(
    {},
    {
      local: (url) => {
        if (url !== bank.url) return Promise.resolve(undefined);
        state.reads++;
        return Promise.resolve(state.list);
      },
      localStamp: () => state.stamp,
      localStatus: (url) => url.startsWith('https://bank.example/status/'),
      ...options,
    },
  );
  return { state, time, registry };
}

describe('kept trust decisions', () => {
  it('decides once while the stamp holds, for at most a second', async () => {
    const { state, time, registry } = await served(standard.bank());
    const first = await registry.isTrusted(acme.did, read, { depth: 1 });
    expect(first.trusted).toBe(true);
    expect(await registry.isTrusted(acme.did, read, { depth: 1 })).toBe(first);
    expect(await registry.trustErrors(acme.did, [read], { depth: 1 })).toEqual([]);
    expect(state.reads).toBe(1);
    expect(Object.isFrozen(first)).toBe(true);
    // Another depth is another question.
    await registry.isTrusted(acme.did, read, { depth: 2 });
    expect(state.reads).toBe(2);
    time.advance(MAX_KEPT_DECISION_MS + 1);
    expect((await registry.isTrusted(acme.did, read, { depth: 1 })).trusted).toBe(true);
    expect(state.reads).toBe(3);
  });

  it('sees a new stamp at once: acme unaccredited is untrusted on the next decision', async () => {
    const { state, registry } = await served(standard.bank());
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    state.list = await trustList(bank, { version: 2, accredits: [] });
    state.stamp = '2';
    expect(await registry.trustErrors(acme.did, [read])).toMatchObject([{ code: 'ERR_UNTRUSTED_ISSUER', claim: 'read:crm:customer_records' }]);
  });

  it('keeps a decision no longer than its accreditation is valid (skew included)', async () => {
    const spec = { accredits: [{ issuer: acme.did, capabilities: ['read:crm:*'], maxDelegationDepth: 0, validUntil: new Date(NOW.getTime() + 500).toISOString() }] };
    const { state, time, registry } = await served(spec, { skewSeconds: 0 });
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    time.advance(400);
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    expect(state.reads).toBe(1);
    time.advance(200);
    expect(await registry.trustErrors(acme.did, [read])).toMatchObject([{ code: 'ERR_UNTRUSTED_ISSUER' }]);
    expect(state.reads).toBe(2);
  });

  it('decides afresh through a fetched list, through a list whose status is kept elsewhere, and when untrusted', async () => {
    const { state, registry } = await served(standard.bank());
    for (let i = 0; i < 2; i++) expect((await registry.isTrusted(REFUNDS, refund)).trusted).toBe(true);
    expect(state.reads).toBe(2);
    for (let i = 0; i < 2; i++) expect((await registry.isTrusted(mallory.did, read)).trusted).toBe(false);
    expect(state.reads).toBe(4);

    const credentialStatus = [statusEntry('https://status.example/1', 7, 'revocation')];
    const elsewhere = await served({ ...standard.bank(), credentialStatus });
    for (let i = 0; i < 2; i++) expect((await elsewhere.registry.isTrusted(acme.did, read)).trusted).toBe(true);
    expect(elsewhere.state.reads).toBe(2);
  });

  it('keeps nothing without a stamp, or when the stamp is unavailable', async () => {
    const none = await served(standard.bank(), { localStamp: undefined });
    for (let i = 0; i < 2; i++) await none.registry.isTrusted(acme.did, read);
    expect(none.state.reads).toBe(2);
    const unavailable = await served(standard.bank(), { localStamp: () => undefined });
    for (let i = 0; i < 2; i++) await unavailable.registry.isTrusted(acme.did, read);
    expect(unavailable.state.reads).toBe(2);
  });
});

describe('DecisionMemo bounds', () => {
  it('keeps at most 256 decisions, the oldest dropped first', () => {
    const memo = new DecisionMemo(() => 's1');
    const decision = (i: number): TrustDecision => ({
      trusted: true,
      path: [{ type: 'issuer', id: `did:web:issuer-${i}.example` }],
      accreditation: { issuer: `did:web:issuer-${i}.example`, capabilities: ['read:crm:*'], maxDelegationDepth: 0, pattern: 'read:crm:*' },
    });
    const lists = [{ validFrom: NOW.toISOString() } as unknown as TrustListCredential];
    const now = NOW.getTime();
    for (let i = 0; i <= 256; i++) memo.keep(`k${i}`, memo.stamp(), decision(i), { lists, skipped: false }, now, 0);
    expect(memo.size).toBe(256);
    expect(memo.get('k0', 's1', now)).toBeUndefined();
    expect(memo.get('k256', 's1', now)).toEqual(decision(256));
    // Nor kept: a stamp that could not be read, a walk that skipped something.
    memo.keep('skipped', memo.stamp(), decision(1), { lists, skipped: true }, now, 0);
    memo.keep('no-stamp', undefined, decision(1), { lists, skipped: false }, now, 0);
    expect([memo.get('skipped', 's1', now), memo.get('no-stamp', 's1', now)]).toEqual([undefined, undefined]);
  });
});
