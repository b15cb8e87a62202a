// The ToIP Trust Registry Query Protocol's two questions over the example
// federation: bank -> pay (hops 1) -> ledger (hops 0).
import { describe, expect, it } from 'vitest';
import { queryAuthorization, queryRecognition } from '../../src/registry/query.js';
import { acme, bank, ledger, mallory, pay, REFUNDS, setup, standard, thrown } from './fixtures.js';

describe('authorization queries', () => {
  it('answers authorized with the path, or not with the reason', async () => {
    const { registry } = await setup();
    expect(await queryAuthorization(registry, { entity: acme.did, authorization: 'read:crm:customer_records' })).toEqual({
      entity: acme.did,
      authorization: 'read:crm:customer_records',
      authorized: true,
      path: [
        { type: 'list', url: bank.url, issuer: bank.did, hops: 2, version: 1 },
        { type: 'issuer', id: acme.did },
      ],
    });
    expect(await queryAuthorization(registry, { entity: REFUNDS, authorization: 'call:billing:*' })).toMatchObject({ authorized: true });
    const no = await queryAuthorization(registry, { entity: mallory.did, authorization: 'call:billing:refund' });
    expect(no).toMatchObject({ authorized: false, reason: { code: 'ERR_UNTRUSTED_ISSUER' } });
    expect(no.reason!.message).toContain('call:billing:refund');
    expect(await queryAuthorization(registry, { entity: acme.did, authorization: 'read:crm:x', depth: 3 })).toMatchObject({
      authorized: false,
      reason: { reason: 'depth' },
    });
  });

  it('refuses a malformed question', async () => {
    const { registry } = await setup();
    expect((await thrown(() => queryAuthorization(registry, { entity: acme.did, authorization: 'read' }))).code).toBe('ERR_MALFORMED');
    await expect(queryAuthorization(registry, { entity: '', authorization: 'read:x' })).rejects.toThrow(RangeError);
  });
});

describe('recognition queries', () => {
  it('bank recognizes pay directly, by URL or DID', async () => {
    const { registry } = await setup();
    const direct = [
      { type: 'list', url: bank.url, issuer: bank.did, hops: 5, version: 1 },
      { type: 'list', url: pay.url, issuer: pay.did, hops: 1 },
    ];
    expect(await queryRecognition(registry, { registry: bank.url, recognized: pay.url })).toEqual({ recognized: true, path: direct });
    expect(await queryRecognition(registry, { registry: bank.did, recognized: pay.did })).toEqual({ recognized: true, path: direct });
  });

  it('bank recognizes ledger through pay, within the hops bank gave pay', async () => {
    const { registry } = await setup();
    expect(await queryRecognition(registry, { registry: bank.did, recognized: ledger.did })).toMatchObject({
      recognized: true,
      path: [{ url: bank.url }, { url: pay.url, hops: 1 }, { url: ledger.url, hops: 0 }],
    });
    // pay itself, a list bank reaches, recognizes ledger too; ledger recognizes no one.
    expect(await queryRecognition(registry, { registry: pay.url, recognized: ledger.url })).toMatchObject({ recognized: true });
    expect(await queryRecognition(registry, { registry: ledger.did, recognized: pay.did })).toMatchObject({
      recognized: false,
      reason: { code: 'ERR_UNTRUSTED_ISSUER' },
    });
  });

  it('a recognition with hops 0 does not carry recognition further', async () => {
    const bankSpec = standard.bank();
    bankSpec.recognizes = [{ url: pay.url, issuer: pay.did, hops: 0 }];
    const { registry } = await setup({ bank: bankSpec });
    expect(await queryRecognition(registry, { registry: bank.did, recognized: pay.did })).toMatchObject({ recognized: true });
    const answer = await queryRecognition(registry, { registry: bank.did, recognized: ledger.did });
    expect(answer).toMatchObject({ recognized: false, reason: { code: 'ERR_UNTRUSTED_ISSUER' } });
    expect(answer.reason!.message).toContain(ledger.did);
  });

  it('a registry the verifier cannot reach: ERR_NOT_FOUND, or the code its list was skipped for', async () => {
    const { registry } = await setup({ pay: { body: 'gone', status: 404 } });
    expect(await queryRecognition(registry, { registry: mallory.did, recognized: pay.did })).toMatchObject({
      recognized: false,
      reason: { code: 'ERR_NOT_FOUND' },
    });
    expect(await queryRecognition(registry, { registry: pay.url, recognized: ledger.did })).toMatchObject({
      recognized: false,
      reason: { code: 'ERR_TRUST_LIST_UNAVAILABLE' },
    });
  });
});
