// Trust decisions over the example federation (see fixtures.ts):
//   bank -> pay (hops 1, bounded to call:billing:*) -> ledger (hops 0)
import { describe, expect, it } from 'vitest';
import { VerificationError } from '../../src/errors/index.js';
import { createStatusChecker } from '../../src/status/check.js';
import { statusEntry } from '../../src/status/entry.js';
import { createTrustRegistry } from '../../src/registry/trust.js';
import type { TrustDecision } from '../../src/registry/types.js';
import { signedList } from '../status/helpers.js';
import {
  acme,
  bank,
  DAY_MS,
  federationResolver,
  FX,
  ledger,
  mallory,
  NOW,
  pay,
  REFUNDS,
  setup,
  standard,
  tamper,
  thrown,
  trustList,
} from './fixtures.js';

const read = { action: 'read', resource: 'crm:customer_records' };
const refund = { action: 'call', resource: 'billing:refund' };
const fx = { action: 'call', resource: 'billing:fx:eur' };

function untrusted(decision: TrustDecision) {
  if (decision.trusted) throw new Error('expected an untrusted decision');
  return decision;
}

describe('trust decisions', () => {
  it('trusts the verifier itself for everything, with path [self]', async () => {
    const { registry, server } = await setup();
    const decision = await registry.isTrusted(bank.did, { action: 'delete', resource: 'anything:at:all' });
    expect(decision).toMatchObject({ trusted: true, path: [{ type: 'self', id: bank.did }], accreditation: { pattern: '*:*' } });
    expect(server.requests).toHaveLength(0);
    const off = await setup({}, { trustSelf: false });
    expect((await off.registry.isTrusted(bank.did, read)).trusted).toBe(false);
  });

  it('direct accreditation: the anchor list accredits acme', async () => {
    const { registry } = await setup();
    const decision = await registry.isTrusted(acme.did, read);
    expect(decision).toEqual({
      trusted: true,
      path: [
        { type: 'list', url: bank.url, issuer: bank.did, hops: 2, version: 1 },
        { type: 'issuer', id: acme.did },
      ],
      accreditation: { issuer: acme.did, capabilities: ['read:crm:*', 'call:support:*'], maxDelegationDepth: 2, list: bank.url, pattern: 'read:crm:*' },
    });
  });

  it('a capability pattern is trusted only when an accredited pattern covers all of it', async () => {
    const { registry } = await setup();
    expect((await registry.isTrusted(acme.did, { action: 'read', resource: 'crm:*' })).trusted).toBe(true);
    expect((await registry.isTrusted(acme.did, { action: '*', resource: 'crm:*' })).trusted).toBe(false);
  });

  it('one recognition hop: bank recognizes pay, pay accredits refunds', async () => {
    const { registry } = await setup();
    const decision = await registry.isTrusted(REFUNDS, refund);
    expect(decision).toMatchObject({
      trusted: true,
      path: [
        { type: 'list', url: bank.url, hops: 2 },
        { type: 'list', url: pay.url, issuer: pay.did, hops: 1 },
        { type: 'issuer', id: REFUNDS },
      ],
      accreditation: { list: pay.url, pattern: '*:*' },
    });
  });

  it('a partner cannot widen: pay accredits refunds for *:*, bank accepted pay only for call:billing:*', async () => {
    const { registry } = await setup();
    const decision = untrusted(await registry.isTrusted(REFUNDS, read));
    expect(decision.reason.code).toBe('ERR_UNTRUSTED_ISSUER');
    expect(decision.reason.message).toContain('read:crm:customer_records');
    expect(decision.reason.message).toContain(REFUNDS);
    // The bound also holds what pay's own recognitions may accredit.
    const routes = { ledger: { accredits: [{ issuer: FX, capabilities: ['*:*'], maxDelegationDepth: 0 }] } };
    const widened = await setup(routes);
    expect((await widened.registry.isTrusted(FX, fx)).trusted).toBe(true);
    expect((await widened.registry.isTrusted(FX, read)).trusted).toBe(false);
  });

  it('the anchor budget and each recognition hops bound the walk', async () => {
    // Two hops from bank reach ledger (bank -> pay -> ledger).
    const { registry } = await setup();
    expect(await registry.isTrusted(FX, fx)).toMatchObject({
      trusted: true,
      path: [{ url: bank.url, hops: 2 }, { url: pay.url, hops: 1 }, { url: ledger.url, hops: 0 }, { id: FX }],
    });
    // With one hop, pay is reached with no budget left, so its recognition of ledger is not followed.
    const oneHop = await setup({}, { anchors: [{ url: bank.url, issuer: bank.did, hops: 1 }] });
    expect(untrusted(await oneHop.registry.isTrusted(FX, fx)).reason.code).toBe('ERR_UNTRUSTED_ISSUER');
    expect(oneHop.server.requests.map((r) => r.url)).toEqual([bank.url, pay.url]);
    // bank recognizing pay with hops 0 stops the second hop too, whatever the anchor allows.
    const bankSpec = standard.bank();
    bankSpec.recognizes = [{ url: pay.url, issuer: pay.did, hops: 0, capabilities: ['call:billing:*'] }];
    const zero = await setup({ bank: bankSpec }, { anchors: [{ url: bank.url, issuer: bank.did, hops: 4 }] });
    expect((await zero.registry.isTrusted(FX, fx)).trusted).toBe(false);
    expect((await zero.registry.isTrusted(REFUNDS, refund)).trusted).toBe(true);
  });

  it('a list met again with a larger budget is walked again', async () => {
    // pay is an anchor with no hops, met first; through bank it has one hop, enough to reach ledger.
    const anchors = [
      { url: pay.url, issuer: pay.did, hops: 0 },
      { url: bank.url, issuer: bank.did, hops: 2 },
    ];
    const { registry, server } = await setup({}, { anchors });
    expect(await registry.isTrusted(FX, fx)).toMatchObject({ trusted: true, path: [{ url: bank.url }, { url: pay.url, hops: 1 }, { url: ledger.url }, { id: FX }] });
    expect(server.requests.map((r) => r.url)).toEqual([pay.url, bank.url, ledger.url]);
  });

  it('an anchor with hops 0 uses only its own accreditations', async () => {
    const { registry, server } = await setup({}, { anchors: [{ url: bank.url, issuer: bank.did, hops: 0 }] });
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    expect((await registry.isTrusted(REFUNDS, refund)).trusted).toBe(false);
    expect(server.requests.map((r) => r.url)).toEqual([bank.url]);
  });

  it('an anchor capability bound applies to everything reached through it', async () => {
    const { registry, server } = await setup({}, { anchors: [{ url: bank.url, issuer: bank.did, hops: 2, capabilities: ['read:*'] }] });
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    expect((await registry.isTrusted(acme.did, { action: 'call', resource: 'support:ticket' })).trusted).toBe(false);
    // pay is bounded to call:billing:*, which read:* excludes: it is never fetched.
    expect((await registry.isTrusted(REFUNDS, { action: 'read', resource: 'billing:x' })).trusted).toBe(false);
    expect(server.requests.map((r) => r.url)).toEqual([bank.url]);
  });

  it('a cycle (bank recognizes pay recognizes bank) terminates, fetching each list once', async () => {
    const paySpec = standard.pay();
    paySpec.recognizes = [{ url: bank.url, issuer: bank.did, hops: 4 }];
    const bankSpec = standard.bank();
    bankSpec.recognizes = [{ url: pay.url, issuer: pay.did, hops: 4 }];
    // Two lists may be opened: going round the cycle again would be a third.
    const anchors = [{ url: bank.url, issuer: bank.did, hops: 4 }];
    const { registry, server } = await setup({ bank: bankSpec, pay: paySpec }, { anchors, maxListsPerDecision: 2 });
    const decision = untrusted(await registry.isTrusted(mallory.did, read));
    expect(decision.reason.code).toBe('ERR_UNTRUSTED_ISSUER');
    expect(decision.skipped).toEqual([]);
    expect(server.requests.map((r) => r.url)).toEqual([bank.url, pay.url]);
    expect((await registry.isTrusted(REFUNDS, read)).trusted).toBe(true);
  });

  it('ignores an expired accreditation entry and reports it; a not-yet-valid one too', async () => {
    const expired = { issuer: acme.did, capabilities: ['read:crm:*'], maxDelegationDepth: 2, validUntil: new Date(NOW.getTime() - DAY_MS) };
    const future = { issuer: acme.did, capabilities: ['read:crm:*'], maxDelegationDepth: 2, validFrom: new Date(NOW.getTime() + DAY_MS) };
    const { registry } = await setup({ bank: { ...standard.bank(), accredits: [expired, future] } });
    const decision = untrusted(await registry.isTrusted(acme.did, read));
    expect(decision.reason.code).toBe('ERR_UNTRUSTED_ISSUER');
    expect(decision.skipped).toEqual([
      expect.objectContaining({ url: bank.url, entry: '/credentialSubject/accredits/0', code: 'ERR_EXPIRED' }),
      expect.objectContaining({ url: bank.url, entry: '/credentialSubject/accredits/1', code: 'ERR_NOT_YET_VALID' }),
    ]);
  });

  it('ignores an expired recognition entry and reports it', async () => {
    const bankSpec = standard.bank();
    bankSpec.recognizes = [{ ...bankSpec.recognizes![0]!, validUntil: new Date(NOW.getTime() - DAY_MS) }];
    const { registry, server } = await setup({ bank: bankSpec });
    const decision = untrusted(await registry.isTrusted(REFUNDS, refund));
    expect(decision.skipped).toEqual([expect.objectContaining({ url: bank.url, entry: '/credentialSubject/recognizes/0', code: 'ERR_EXPIRED' })]);
    expect(server.requests.map((r) => r.url)).toEqual([bank.url]);
  });

  it('enforces maxDelegationDepth when a depth is given', async () => {
    const { registry } = await setup();
    expect((await registry.isTrusted(acme.did, read, { depth: 2 })).trusted).toBe(true);
    const decision = untrusted(await registry.isTrusted(acme.did, read, { depth: 3 }));
    expect(decision.reason).toMatchObject({ code: 'ERR_UNTRUSTED_ISSUER', reason: 'depth' });
    expect(decision.reason.message).toContain('depth 3');
    expect(() => registry.isTrusted(acme.did, read, { depth: -1 })).toThrow(RangeError);
  });
});

describe('trust decisions: lists that are skipped', () => {
  async function skippedFor(overrides: Parameters<typeof setup>[0], options: Parameters<typeof setup>[1] = {}) {
    const { registry } = await setup(overrides, options);
    const decision = untrusted(await registry.isTrusted(REFUNDS, refund));
    expect(decision.reason.code).toBe('ERR_UNTRUSTED_ISSUER');
    // acme's direct accreditation in bank's list is unaffected.
    expect((await registry.isTrusted(acme.did, read)).trusted).toBe(true);
    return decision.skipped;
  }

  it('a revoked list (its credentialStatus, through a real status checker): ERR_REVOKED', async () => {
    const statusUrl = 'https://pay.example/status/r-1';
    const paySpec = { ...standard.pay(), credentialStatus: [statusEntry(statusUrl, 7, 'revocation')] };
    const routes = { [statusUrl]: { body: await signedList({ url: statusUrl, issuer: pay.did, signer: pay.signer, set: [7] }) } };
    const { registry, server } = await setup({ pay: paySpec });
    Object.assign(server.routes, routes);
    const checker = createStatusChecker({ resolver: federationResolver(), fetch: server.fetch, clock: () => NOW });
    const withStatus = createTrustRegistry({
      self: bank.did,
      anchors: [{ url: bank.url, issuer: bank.did, hops: 2 }],
      resolver: federationResolver(),
      fetch: server.fetch,
      clock: () => NOW,
      status: (credential) => checker.statusErrors(credential),
    });
    const decision = untrusted(await withStatus.isTrusted(REFUNDS, refund));
    expect(decision.skipped).toEqual([expect.objectContaining({ url: pay.url, code: 'ERR_REVOKED' })]);
    // Without a status check the same list is used.
    expect((await registry.isTrusted(REFUNDS, refund)).trusted).toBe(true);
  });

  it('a status hook saying revoked: ERR_REVOKED, and a failing hook: ERR_STATUS_UNAVAILABLE', async () => {
    const paySpec = { ...standard.pay(), credentialStatus: [statusEntry('https://pay.example/status/r-1', 7, 'revocation')] };
    const revoked = () => Promise.resolve([new VerificationError('ERR_REVOKED', 'credential is revoked')]);
    expect(await skippedFor({ pay: paySpec }, { status: revoked })).toEqual([expect.objectContaining({ url: pay.url, code: 'ERR_REVOKED' })]);
    const broken = () => Promise.reject(new Error('down'));
    expect(await skippedFor({ pay: paySpec }, { status: broken })).toEqual([expect.objectContaining({ code: 'ERR_STATUS_UNAVAILABLE' })]);
  });

  it('a tampered list: ERR_SIGNATURE_INVALID', async () => {
    const body = tamper(await trustList(pay, standard.pay()), (p) => {
      (p.credentialSubject as { version: number }).version = 2;
    });
    expect(await skippedFor({ pay: { body } })).toEqual([expect.objectContaining({ url: pay.url, code: 'ERR_SIGNATURE_INVALID' })]);
  });

  it('an unreachable list: ERR_TRUST_LIST_UNAVAILABLE with the HTTP status or network as reason', async () => {
    expect(await skippedFor({ pay: { body: 'gone', status: 404 } })).toEqual([
      expect.objectContaining({ url: pay.url, code: 'ERR_TRUST_LIST_UNAVAILABLE', reason: 'http-404' }),
    ]);
    const { registry } = await setup({}, { fetch: () => Promise.reject(new TypeError('fetch failed')) });
    const decision = untrusted(await registry.isTrusted(acme.did, read));
    expect(decision.skipped).toEqual([expect.objectContaining({ url: bank.url, code: 'ERR_TRUST_LIST_UNAVAILABLE', reason: 'network' })]);
  });

  it('a list that is not a vc+jwt: ERR_TRUST_LIST_UNAVAILABLE', async () => {
    expect(await skippedFor({ pay: { body: '{"id":"x"}' } })).toEqual([
      expect.objectContaining({ code: 'ERR_TRUST_LIST_UNAVAILABLE', reason: 'ERR_MALFORMED' }),
    ]);
  });

  it('a list signed by another DID than the recognition expects: ERR_TRUST_LIST_ISSUER', async () => {
    const forged = await trustList(pay, { ...standard.pay(), issuer: mallory.did, signer: mallory.signer });
    expect(await skippedFor({ pay: { body: forged } })).toEqual([expect.objectContaining({ url: pay.url, code: 'ERR_TRUST_LIST_ISSUER' })]);
    // A real organization's list, served at pay's URL, is no better.
    const ledgers = await trustList(ledger, { ...standard.pay(), url: pay.url });
    expect(await skippedFor({ pay: { body: ledgers } })).toEqual([expect.objectContaining({ code: 'ERR_TRUST_LIST_ISSUER' })]);
  });

  it('a list published at another URL than its id: ERR_TRUST_LIST_MISMATCH', async () => {
    const moved = await trustList(pay, { ...standard.pay(), url: 'https://pay.example/registry/old-list' });
    expect(await skippedFor({ pay: { body: moved } })).toEqual([expect.objectContaining({ url: pay.url, code: 'ERR_TRUST_LIST_MISMATCH' })]);
  });

  it('an expired list and a not-yet-valid one: ERR_EXPIRED, ERR_NOT_YET_VALID', async () => {
    const old = { ...standard.pay(), validFrom: new Date(NOW.getTime() - 10 * DAY_MS), validUntil: new Date(NOW.getTime() - DAY_MS) };
    expect(await skippedFor({ pay: old })).toEqual([expect.objectContaining({ url: pay.url, code: 'ERR_EXPIRED' })]);
    const early = { ...standard.pay(), validFrom: new Date(NOW.getTime() + DAY_MS) };
    expect(await skippedFor({ pay: early })).toEqual([expect.objectContaining({ url: pay.url, code: 'ERR_NOT_YET_VALID' })]);
  });

  it('a cached list that expires is skipped from then on', async () => {
    const { registry, time } = await setup({ pay: { ...standard.pay(), validUntil: new Date(NOW.getTime() + DAY_MS) } });
    expect((await registry.isTrusted(REFUNDS, refund)).trusted).toBe(true);
    time.advance(DAY_MS + 2 * 60_000);
    const decision = untrusted(await registry.isTrusted(REFUNDS, refund));
    expect(decision.skipped).toEqual([expect.objectContaining({ url: pay.url, code: 'ERR_EXPIRED' })]);
  });

  it('a list over the download bound: ERR_INPUT_TOO_LARGE', async () => {
    expect(await skippedFor({ pay: { body: 'x'.repeat(5000) } }, { maxDownloadBytes: 4096 })).toEqual([
      expect.objectContaining({ url: pay.url, code: 'ERR_INPUT_TOO_LARGE', reason: 'download' }),
    ]);
  });

  it('plain HTTP is refused unless loopback HTTP is allowed', async () => {
    const { registry } = await setup({}, { anchors: [{ url: 'http://bank.example/registry/trust-list', issuer: bank.did, hops: 0 }] });
    const decision = untrusted(await registry.isTrusted(acme.did, read));
    expect(decision.skipped).toEqual([expect.objectContaining({ code: 'ERR_TRUST_LIST_UNAVAILABLE', reason: 'scheme' })]);
  });

  it('a decision opens at most maxListsPerDecision lists', async () => {
    const { registry, server } = await setup({}, { maxListsPerDecision: 1 });
    const decision = untrusted(await registry.isTrusted(REFUNDS, refund));
    expect(decision.skipped).toEqual([expect.objectContaining({ url: pay.url, code: 'ERR_INPUT_TOO_LARGE', reason: 'max-lists' })]);
    expect(server.requests).toHaveLength(1);
  });
});

describe('trustErrors', () => {
  it('one ERR_UNTRUSTED_ISSUER per untrusted capability, naming it', async () => {
    const { registry } = await setup();
    const errors = await registry.trustErrors(acme.did, [
      { action: 'read', resource: 'crm:customer_records' },
      { action: 'call', resource: 'billing:refund' },
      { action: 'call', resource: 'billing:refund' },
      { action: 'write', resource: 'crm:*' },
    ]);
    expect(errors.map((e) => [e.code, e.claim])).toEqual([
      ['ERR_UNTRUSTED_ISSUER', 'call:billing:refund'],
      ['ERR_UNTRUSTED_ISSUER', 'write:crm:*'],
    ]);
    expect(errors[0]!.message).toContain('call:billing:refund');
    expect(await registry.trustErrors(REFUNDS, [refund, { action: 'call', resource: 'billing:*' }])).toEqual([]);
    expect(await registry.trustErrors(bank.did, [{ action: '*', resource: '*' }])).toEqual([]);
    expect((await registry.trustErrors(acme.did, [read], { depth: 3 }))[0]).toMatchObject({ code: 'ERR_UNTRUSTED_ISSUER', reason: 'depth' });
  });
});

describe('createTrustRegistry options', () => {
  it('refuses invalid options and arguments', async () => {
    const resolver = federationResolver();
    const anchor = { url: bank.url, issuer: bank.did, hops: 1 };
    expect(() => createTrustRegistry({ self: '', anchors: [], resolver })).toThrow(RangeError);
    expect(() => createTrustRegistry({ self: bank.did, anchors: [{ ...anchor, hops: 5 }], resolver })).toThrow(RangeError);
    expect(() => createTrustRegistry({ self: bank.did, anchors: [{ ...anchor, hops: 1.5 }], resolver })).toThrow(RangeError);
    expect(() => createTrustRegistry({ self: bank.did, anchors: [anchor], resolver, fetch: 'no' as unknown as typeof fetch })).toThrow(TypeError);
    expect(() => createTrustRegistry({ self: bank.did, anchors: [anchor], resolver, timeoutMs: 0 })).toThrow(RangeError);
    expect((await thrown(() => createTrustRegistry({ self: bank.did, anchors: [{ ...anchor, capabilities: ['read'] }], resolver }))).code).toBe('ERR_MALFORMED');
    const registry = createTrustRegistry({ self: bank.did, anchors: [anchor], resolver });
    expect(() => registry.isTrusted(acme.did, { action: 'read' } as never)).toThrow(TypeError);
    expect((await thrown(() => registry.isTrusted(acme.did, { action: 'read', resource: 'crm::x' }))).code).toBe('ERR_MALFORMED');
  });
});
