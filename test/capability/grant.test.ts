// acme -> alice: authorize() over a plain grant of capabilities, no credential needed (or faked).
import { describe, expect, it } from 'vitest';
import { authorize, capabilityGrantOf, type CapabilityGrant } from '../../src/capability/authorize.js';
import { sumDecimals } from '../../src/capability/money.js';
import { amountOf, spendOf, spendRecordOf } from '../../src/capability/usage.js';
import { acme, frozenClock, NOW } from '../fixtures.js';
import { refund, supportAgentCredential } from './fixtures.js';

const request = { action: 'call', resource: 'billing:refund', amount: { value: 80, currency: 'USD' } };
const clock = frozenClock(NOW);
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);

describe('authorize over a plain capability grant', () => {
  it('allows, naming the grant’s credential id, and decides as over the credential it was read from', () => {
    const credential = supportAgentCredential();
    const grant = capabilityGrantOf(credential);
    expect(grant).toMatchObject({ credentialId: credential.id, issuer: acme.did, validFrom: credential.validFrom, validUntil: credential.validUntil });
    const fromGrant = authorize(request, [grant], { clock });
    expect(fromGrant).toEqual(authorize(request, [credential], { clock }));
    expect(fromGrant).toMatchObject({ decision: 'allow', credentialId: credential.id, capability: refund });
  });

  it('a grant without a window or id is always in force and names no credential', () => {
    const grant: CapabilityGrant = { capabilities: [refund] };
    const decision = authorize(request, [grant], { clock: frozenClock(new Date('2099-01-01T00:00:00Z')) });
    expect(decision.decision).toBe('allow');
    expect(decision.credentialId).toBeUndefined();
  });

  it('refuses outside its window with ERR_EXPIRED / ERR_NOT_YET_VALID, and a malformed window with ERR_MALFORMED', () => {
    const grant = (window: Pick<CapabilityGrant, 'validFrom' | 'validUntil'>): CapabilityGrant => ({ capabilities: [refund], credentialId: 'urn:uuid:g', ...window });
    expect(codes(authorize(request, [grant({ validUntil: '2026-03-01T00:00:00Z' })], { clock }))).toEqual(['ERR_EXPIRED']);
    expect(codes(authorize(request, [grant({ validFrom: '2026-03-03T00:00:00Z' })], { clock }))).toEqual(['ERR_NOT_YET_VALID']);
    expect(codes(authorize(request, [grant({ validFrom: 'yesterday' })], { clock }))).toEqual(['ERR_MALFORMED']);
  });

  it('checks shared constraints of the grant: a budget read through the spend lookup, summed exactly', () => {
    const grant: CapabilityGrant = { capabilities: [{ action: 'call', resource: 'billing:refund' }], constraints: { budget: { value: 0.3, currency: 'USD', period: 'P1D' } } };
    const rows = [0.1, 0.1].map((value) => ({ at: NOW.toISOString(), ...spendRecordOf({ value, currency: 'USD' }) }));
    const spent = () => spendOf(rows, 'USD');
    expect(authorize({ ...request, amount: { value: 0.1, currency: 'USD' } }, [grant], { clock, spent }).decision).toBe('allow');
    expect(codes(authorize({ ...request, amount: { value: 0.11, currency: 'USD' } }, [grant], { clock, spent }))).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect(sumDecimals(rows.map((r) => r.amount!))).toBe('0.2');
  });

  it('reads an action’s amount, refusing a malformed one with ERR_MALFORMED', () => {
    expect(amountOf({ amount: { value: 5, currency: 'EUR' } })).toEqual({ value: 5, currency: 'EUR' });
    expect(amountOf({ note: 'no amount' })).toBeUndefined();
    expect(() => amountOf({ amount: '5 EUR' })).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
  });
});
