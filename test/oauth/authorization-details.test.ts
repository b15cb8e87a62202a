import { describe, expect, it } from 'vitest';
import { grantedDetail, parseAuthorizationDetails } from '../../src/oauth/authorization-details.js';
import { AUTHORIZATION_DETAILS_TYPE, MAX_GRANTED_CAPABILITIES } from '../../src/oauth/types.js';
import { thrown } from '../fixtures.js';

const type = AUTHORIZATION_DETAILS_TYPE;

describe('authorization_details of type urn:legate:capability', () => {
  it('reads JSON text and parsed values alike', () => {
    const details = [
      { type, action: 'pay', resource: 'bank:acct', scope: 'treasury', constraints: { maxAmount: { value: 40, currency: 'EUR' } } },
      { type, action: 'read', resource: 'crm:*' },
    ];
    expect(parseAuthorizationDetails(JSON.stringify(details))).toEqual(details);
    expect(parseAuthorizationDetails(details)).toEqual(details);
  });

  it.each<[string, unknown, string]>([
    ['not JSON', '[{', 'json'],
    ['not an array', { type, action: 'pay', resource: 'bank' }, 'form'],
    ['an empty array', [], 'form'],
    ['a non-object item', ['pay:bank'], 'form'],
    ['an unknown type', [{ type: 'payment_initiation', action: 'pay', resource: 'bank' }], 'type'],
    ['no type', [{ action: 'pay', resource: 'bank' }], 'type'],
    ['a missing action', [{ type, resource: 'bank' }], 'action'],
    ['a malformed action', [{ type, action: 'pay now', resource: 'bank' }], 'action'],
    ['a missing resource', [{ type, action: 'pay' }], 'resource'],
    ['a malformed resource', [{ type, action: 'pay', resource: 'bank#x' }], 'resource'],
    ['a malformed scope', [{ type, action: 'pay', resource: 'bank', scope: '' }], 'scope'],
    ['an unknown member', [{ type, action: 'pay', resource: 'bank', locations: ['https://x'] }], 'member'],
    ['a granted member in a request', [{ type, action: 'pay', resource: 'bank', credential: 'urn:uuid:1' }], 'member'],
    ['an unknown constraint', [{ type, action: 'pay', resource: 'bank', constraints: { maxSpeed: 3 } }], 'constraints'],
    ['a malformed amount', [{ type, action: 'pay', resource: 'bank', constraints: { maxAmount: { value: 'lots', currency: 'EUR' } } }], 'constraints'],
    ['constraints that are not an object', [{ type, action: 'pay', resource: 'bank', constraints: 'none' }], 'constraints'],
    ['too many items', Array.from({ length: MAX_GRANTED_CAPABILITIES + 1 }, (_, i) => ({ type, action: 'read', resource: `r${i}` })), 'too-many'],
  ])('refuses %s with ERR_INVALID_AUTHORIZATION_DETAILS', async (_what, value, reason) => {
    const error = await thrown(() => parseAuthorizationDetails(value));
    expect(error.code).toBe('ERR_INVALID_AUTHORIZATION_DETAILS');
    expect(error.reason).toBe(reason);
  });

  it('refuses overlong JSON text as too large', async () => {
    expect((await thrown(() => parseAuthorizationDetails(`[${' '.repeat(70_000)}]`))).code).toBe('ERR_INPUT_TOO_LARGE');
  });

  it('writes a granted detail naming its credential, with its own and the shared constraints', () => {
    const capability = { action: 'pay', resource: 'bank:*', scope: 'treasury', constraints: { maxAmount: { value: 100, currency: 'EUR' } } };
    const shared = { audience: ['did:web:bank.example'] };
    expect(grantedDetail(capability, { id: 'urn:uuid:leaf', constraints: shared })).toEqual({
      type,
      action: 'pay',
      resource: 'bank:*',
      scope: 'treasury',
      constraints: { maxAmount: { value: 100, currency: 'EUR' } },
      credentialConstraints: shared,
      credential: 'urn:uuid:leaf',
    });
    // The concrete thing requested, within the capability.
    expect(grantedDetail(capability, { id: 'urn:uuid:leaf' }, { action: 'pay', resource: 'bank:acct', scope: 'treasury' })).toMatchObject({
      resource: 'bank:acct',
      constraints: { maxAmount: { value: 100, currency: 'EUR' } },
    });
  });

  it('grants narrower requested constraints, and refuses wider ones with ERR_CAPABILITY_WIDENED', async () => {
    const capability = { action: 'pay', resource: 'bank:*', constraints: { maxAmount: { value: 100, currency: 'EUR' } } };
    const narrower = { type, action: 'pay', resource: 'bank:acct', constraints: { maxAmount: { value: 40, currency: 'EUR' } } } as const;
    expect(grantedDetail(capability, { id: 'urn:uuid:leaf' }, narrower).constraints).toEqual({ maxAmount: { value: 40, currency: 'EUR' } });
    const wider = { ...narrower, constraints: { maxAmount: { value: 400, currency: 'EUR' } } };
    expect((await thrown(() => grantedDetail(capability, { id: 'urn:uuid:leaf' }, wider))).code).toBe('ERR_CAPABILITY_WIDENED');
    // Dropping a limit widens too.
    expect((await thrown(() => grantedDetail(capability, { id: 'urn:uuid:leaf' }, { ...narrower, constraints: {} }))).code).toBe('ERR_CAPABILITY_WIDENED');
  });

  it('refuses to grant what the capability does not cover: ERR_NOT_AUTHORIZED', async () => {
    const scoped = { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' };
    const leaf = { id: 'urn:uuid:leaf' };
    // A scoped capability never satisfies an unscoped request, nor one of another scope.
    for (const request of [
      { action: 'read', resource: 'crm:customer_records' },
      { action: 'read', resource: 'crm:customer_records', scope: 'all' },
      { action: 'write', resource: 'crm:customer_records', scope: 'assigned_tickets_only' },
      { action: 'read', resource: 'crm:*', scope: 'assigned_tickets_only' },
    ]) {
      const error = await thrown(() => grantedDetail(scoped, leaf, request));
      expect([error.code, error.reason]).toEqual(['ERR_NOT_AUTHORIZED', 'not-covered']);
    }
    expect(grantedDetail(scoped, leaf, { ...scoped }).scope).toBe('assigned_tickets_only');
    // An unscoped capability covers a scoped request, which asks for less; the detail keeps the request's scope.
    expect(grantedDetail({ action: 'read', resource: 'crm:*' }, leaf, { action: 'read', resource: 'crm:contacts', scope: 's' })).toMatchObject({
      resource: 'crm:contacts',
      scope: 's',
    });
    // Patterns within patterns.
    expect(grantedDetail({ action: '*', resource: 'crm:*' }, leaf, { action: 'read', resource: 'crm:contacts:*' }).resource).toBe('crm:contacts:*');
    expect((await thrown(() => grantedDetail({ action: 'read', resource: 'crm:contacts' }, leaf, { action: 'read', resource: 'crm:*' }))).code).toBe(
      'ERR_NOT_AUTHORIZED',
    );
  });
});
