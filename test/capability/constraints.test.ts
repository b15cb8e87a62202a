import { describe, expect, it } from 'vitest';
import { checkConstraints, periodStart, type ConstraintContext, type UsageQuery } from '../../src/capability/constraints.js';
import type { Constraints } from '../../src/credential/types.js';
import { alice, bob, mallory, NOW } from '../fixtures.js';
import { refund } from './fixtures.js';

const usd = (value: number) => ({ value, currency: 'USD' });
const codes = (constraints: Constraints, context: Partial<ConstraintContext> = {}) =>
  checkConstraints(constraints, { now: NOW, ...context }).map((f) => f.code);

describe('maxAmount', () => {
  const max = { maxAmount: usd(100) };

  it('allows amounts up to and including the maximum', () => {
    expect(codes(max, { amount: usd(80) })).toEqual([]);
    expect(codes(max, { amount: usd(100) })).toEqual([]);
    expect(codes(max, { amount: usd(0) })).toEqual([]);
  });

  it('denies a larger amount, another currency, or no amount with ERR_CONSTRAINT_AMOUNT', () => {
    expect(codes(max, { amount: usd(100.01) })).toEqual(['ERR_CONSTRAINT_AMOUNT']);
    expect(codes(max, { amount: { value: 50, currency: 'EUR' } })).toEqual(['ERR_CONSTRAINT_AMOUNT']);
    expect(codes(max, { amount: { value: 50, currency: 'usd' } })).toEqual(['ERR_CONSTRAINT_AMOUNT']);
    expect(codes(max)).toEqual(['ERR_CONSTRAINT_AMOUNT']);
  });

  it('reports a negative or non-finite amount as ERR_MALFORMED', () => {
    expect(codes(max, { amount: usd(-1) })).toEqual(['ERR_MALFORMED']);
    expect(codes(max, { amount: usd(Number.NaN) })).toEqual(['ERR_MALFORMED']);
    expect(codes(max, { amount: usd(Number.POSITIVE_INFINITY) })).toEqual(['ERR_MALFORMED']);
  });
});

describe('budget', () => {
  const budget = { budget: { ...usd(100), period: 'P1D' } };

  it('allows when spend so far plus the amount stays within the budget', () => {
    expect(codes(budget, { amount: usd(30), spent: usd(70) })).toEqual([]);
    expect(codes(budget, { amount: usd(100), spent: usd(0) })).toEqual([]);
  });

  it('adds exactly in decimal: 0.1 + 0.2 meets a budget of 0.3', () => {
    expect(codes({ budget: { ...usd(0.3), period: 'P1D' } }, { amount: usd(0.2), spent: usd(0.1) })).toEqual([]);
    expect(codes({ budget: { ...usd(0.3), period: 'P1D' } }, { amount: usd(0.2), spent: usd(0.1000001) })).toEqual([
      'ERR_BUDGET_EXCEEDED',
    ]);
  });

  it('denies with ERR_BUDGET_EXCEEDED when over, in another currency, unknown, or without an amount', () => {
    expect(codes(budget, { amount: usd(30.01), spent: usd(70) })).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect(codes(budget, { amount: { value: 1, currency: 'EUR' }, spent: usd(0) })).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect(codes(budget, { amount: usd(1) })).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect(codes(budget, { spent: usd(0) })).toEqual(['ERR_BUDGET_EXCEEDED']);
  });

  it('reports spend in another currency or a malformed period as ERR_MALFORMED', () => {
    expect(codes(budget, { amount: usd(1), spent: { value: 1, currency: 'EUR' } })).toEqual(['ERR_MALFORMED']);
    expect(codes({ budget: { ...usd(100), period: 'one day' } }, { amount: usd(1), spent: usd(0) })).toEqual([
      'ERR_MALFORMED',
    ]);
  });

  it('asks a spend lookup for the trailing period of this limit', () => {
    const queries: UsageQuery[] = [];
    const spent = (query: UsageQuery) => (queries.push(query), usd(90));
    const failures = checkConstraints(budget, { now: NOW, amount: usd(20), spent }, {
      capability: refund,
      credentialId: 'urn:uuid:1',
      level: 'capability',
    });
    expect(failures.map((f) => f.code)).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect(queries).toEqual([
      {
        capability: refund,
        credentialId: 'urn:uuid:1',
        level: 'capability',
        period: 'P1D',
        since: new Date('2026-03-01T10:00:00Z'),
        currency: 'USD',
      },
    ]);
  });
});

describe('periodStart', () => {
  it('is now minus the period, by the UTC calendar', () => {
    expect(periodStart(NOW, 'P1D').toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(periodStart(NOW, 'PT15M').toISOString()).toBe('2026-03-02T09:45:00.000Z');
    expect(periodStart(NOW, 'P1W').toISOString()).toBe('2026-02-23T10:00:00.000Z');
    expect(periodStart(new Date('2026-04-30T00:00:00Z'), 'P1M').toISOString()).toBe('2026-03-30T00:00:00.000Z');
    expect(periodStart(NOW, '1h').toISOString()).toBe('2026-03-02T09:00:00.000Z');
  });

  it('throws ERR_MALFORMED for a malformed period', () => {
    expect(() => periodStart(NOW, 'P')).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }) as Error);
  });
});

describe('rateLimit', () => {
  const limit = { rateLimit: { count: 3, period: 'PT1H' } };

  it('allows while recent actions plus this one stay within the count', () => {
    expect(codes(limit, { recentCount: 0 })).toEqual([]);
    expect(codes(limit, { recentCount: 2 })).toEqual([]);
    expect(codes(limit, { recentCount: () => 2 })).toEqual([]);
  });

  it('denies at the limit, or when the count is unknown, with ERR_RATE_LIMITED', () => {
    expect(codes(limit, { recentCount: 3 })).toEqual(['ERR_RATE_LIMITED']);
    expect(codes(limit, { recentCount: 1000 })).toEqual(['ERR_RATE_LIMITED']);
    expect(codes(limit)).toEqual(['ERR_RATE_LIMITED']);
    expect(codes(limit, { recentCount: () => undefined })).toEqual(['ERR_RATE_LIMITED']);
  });

  it('reports a negative or fractional count as ERR_MALFORMED', () => {
    expect(codes(limit, { recentCount: -1 })).toEqual(['ERR_MALFORMED']);
    expect(codes(limit, { recentCount: 1.5 })).toEqual(['ERR_MALFORMED']);
  });
});

describe('requireApproval', () => {
  it('needs an approval when true', () => {
    expect(codes({ requireApproval: true })).toEqual(['ERR_APPROVAL_REQUIRED']);
    expect(codes({ requireApproval: true }, { approved: false })).toEqual(['ERR_APPROVAL_REQUIRED']);
    expect(codes({ requireApproval: true }, { approved: true })).toEqual([]);
  });

  it('imposes nothing when false', () => {
    expect(codes({ requireApproval: false })).toEqual([]);
  });
});

describe('audience', () => {
  const audience = { audience: [bob.did, alice.did] };

  it('allows a listed verifier', () => {
    expect(codes(audience, { verifier: bob.did })).toEqual([]);
  });

  it('denies an unlisted or absent verifier with ERR_AUDIENCE', () => {
    expect(codes(audience, { verifier: mallory.did })).toEqual(['ERR_AUDIENCE']);
    expect(codes(audience, { verifier: `${bob.did}:x` })).toEqual(['ERR_AUDIENCE']);
    expect(codes(audience)).toEqual(['ERR_AUDIENCE']);
  });
});

describe('several constraints', () => {
  it('reports every failure, not only the first', () => {
    const constraints: Constraints = {
      maxAmount: usd(100),
      rateLimit: { count: 1, period: 'P1D' },
      requireApproval: true,
      audience: [bob.did],
    };
    expect(codes(constraints, { amount: usd(150), recentCount: 1, verifier: mallory.did })).toEqual([
      'ERR_CONSTRAINT_AMOUNT',
      'ERR_RATE_LIMITED',
      'ERR_APPROVAL_REQUIRED',
      'ERR_AUDIENCE',
    ]);
    expect(codes(constraints, { amount: usd(99), recentCount: 0, verifier: bob.did, approved: true })).toEqual([]);
  });

  it('passes when there are no constraints', () => {
    expect(checkConstraints(undefined, { now: NOW })).toEqual([]);
    expect(codes({})).toEqual([]);
  });
});
