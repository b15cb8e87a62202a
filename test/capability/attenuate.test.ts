// acme -> alice (parent) -> sub-agent (child): what alice may pass on.
import { describe, expect, it } from 'vitest';
import { actionWithin, capabilityNarrows, resourceWithin, subjectNarrows } from '../../src/capability/attenuate.js';
import type { Capability, Constraints } from '../../src/credential/types.js';
import { alice, bob, mallory } from '../fixtures.js';
import { WORKDAYS } from './fixtures.js';

const usd = (value: number) => ({ value, currency: 'USD' });
const cap = (resource: string, constraints?: Constraints, extra: Partial<Capability> = {}): Capability => ({
  action: 'call',
  resource,
  ...(constraints === undefined ? {} : { constraints }),
  ...extra,
});
const reasons = (result: ReturnType<typeof capabilityNarrows>) => (result.ok ? [] : result.reasons);

describe('actionWithin and resourceWithin', () => {
  it('lets * cover any action, and a child * only under a parent *', () => {
    expect(actionWithin('read', '*')).toBe(true);
    expect(actionWithin('*', '*')).toBe(true);
    expect(actionWithin('read', 'read')).toBe(true);
    expect(actionWithin('*', 'read')).toBe(false);
    expect(actionWithin('write', 'read')).toBe(false);
  });

  it('keeps child resource patterns within the parent pattern', () => {
    expect(resourceWithin('crm:tickets', 'crm:*')).toBe(true);
    expect(resourceWithin('crm:tickets:*', 'crm:*')).toBe(true);
    expect(resourceWithin('crm:*', 'crm:*')).toBe(true);
    expect(resourceWithin('crm:tickets', 'crm:tickets')).toBe(true);
    expect(resourceWithin('anything:*', '*')).toBe(true);
    expect(resourceWithin('*', '*')).toBe(true);
  });

  it('refuses wider or sideways child patterns', () => {
    expect(resourceWithin('crm:*', 'crm:tickets')).toBe(false);
    expect(resourceWithin('crm:tickets:*', 'crm:tickets')).toBe(false);
    expect(resourceWithin('crm', 'crm:*')).toBe(false);
    expect(resourceWithin('*', 'crm:*')).toBe(false);
    expect(resourceWithin('crmx:tickets', 'crm:*')).toBe(false);
    expect(resourceWithin('billing:refund', 'crm:*')).toBe(false);
  });

  it('refuses malformed child patterns', () => {
    for (const bad of ['', 'crm:', 'crm::x', 'crm:*:x', '*:x']) expect(resourceWithin(bad, '*'), bad).toBe(false);
  });
});

describe('capabilityNarrows: action, resource, scope', () => {
  it('accepts the same capability', () => {
    expect(capabilityNarrows(cap('billing:refund'), cap('billing:refund'))).toEqual({ ok: true });
  });

  it('refuses a wider action or resource', () => {
    expect(reasons(capabilityNarrows(cap('billing:refund'), cap('billing:refund', undefined, { action: '*' })))).toEqual([
      "action: '*' is not within 'call'",
    ]);
    expect(reasons(capabilityNarrows(cap('billing:refund'), cap('billing:*')))).toEqual([
      "resource: 'billing:*' is not within 'billing:refund'",
    ]);
  });

  it('keeps a parent scope, and lets a child add one to an unscoped parent', () => {
    const scoped = cap('crm:records', undefined, { scope: 'own' });
    expect(capabilityNarrows(scoped, scoped)).toEqual({ ok: true });
    expect(reasons(capabilityNarrows(scoped, cap('crm:records')))).toHaveLength(1);
    expect(reasons(capabilityNarrows(scoped, cap('crm:records', undefined, { scope: 'all' })))).toHaveLength(1);
    expect(capabilityNarrows(cap('crm:records'), scoped)).toEqual({ ok: true });
  });
});

describe('capabilityNarrows: constraints', () => {
  const narrows = (parent: Constraints, child: Constraints) => capabilityNarrows(cap('x:y', parent), cap('x:y', child));

  it('requires every parent constraint in the child', () => {
    expect(reasons(narrows({ maxAmount: usd(100), requireApproval: true }, {}))).toEqual([
      "maxAmount: the parent's maxAmount is missing",
      "requireApproval: the parent's requireApproval is missing",
    ]);
  });

  it('lets a child add constraints the parent lacks', () => {
    expect(narrows({}, { maxAmount: usd(1), requireApproval: true, audience: [bob.did] })).toEqual({ ok: true });
  });

  it('compares maxAmount by currency and value', () => {
    expect(narrows({ maxAmount: usd(100) }, { maxAmount: usd(100) }).ok).toBe(true);
    expect(narrows({ maxAmount: usd(100) }, { maxAmount: usd(50) }).ok).toBe(true);
    expect(narrows({ maxAmount: usd(100) }, { maxAmount: usd(101) }).ok).toBe(false);
    expect(narrows({ maxAmount: usd(100) }, { maxAmount: { value: 1, currency: 'EUR' } }).ok).toBe(false);
  });

  it('compares budgets by currency, value and an equal period', () => {
    const budget = (value: number, period: string, currency = 'USD') => ({ budget: { value, currency, period } });
    expect(narrows(budget(500, 'P7D'), budget(200, 'P7D')).ok).toBe(true);
    expect(narrows(budget(500, 'P7D'), budget(200, 'P1W')).ok).toBe(true); // the same length, written differently
    expect(narrows(budget(500, 'P1D'), budget(500, 'PT24H')).ok).toBe(true);
    expect(narrows(budget(500, 'P7D'), budget(600, 'P7D')).ok).toBe(false);
    expect(narrows(budget(500, 'P7D'), budget(200, 'P1D')).ok).toBe(false);
    expect(narrows(budget(500, 'P7D'), budget(200, 'P30D')).ok).toBe(false);
    expect(narrows(budget(500, 'P1M'), budget(200, 'P30D')).ok).toBe(false);
    expect(narrows(budget(500, 'P7D'), budget(200, 'P7D', 'EUR')).ok).toBe(false);
  });

  it('compares rate limits by an equal period and count', () => {
    const rate = (count: number, period: string) => ({ rateLimit: { count, period } });
    expect(narrows(rate(10, 'PT1H'), rate(5, 'PT60M')).ok).toBe(true);
    expect(narrows(rate(10, 'PT1H'), rate(11, 'PT1H')).ok).toBe(false);
    expect(narrows(rate(10, 'PT1H'), rate(5, 'PT2H')).ok).toBe(false);
  });

  it('keeps requireApproval and audience no looser', () => {
    expect(narrows({ requireApproval: true }, { requireApproval: true }).ok).toBe(true);
    expect(narrows({ requireApproval: true }, { requireApproval: false }).ok).toBe(false);
    expect(narrows({ requireApproval: false }, {}).ok).toBe(true);
    expect(narrows({ audience: [bob.did, alice.did] }, { audience: [bob.did] }).ok).toBe(true);
    expect(reasons(narrows({ audience: [bob.did] }, { audience: [bob.did, mallory.did] }))).toEqual([
      `audience: ${mallory.did} not in the parent's audience`,
    ]);
    expect(narrows({ audience: [bob.did] }, { audience: [] }).ok).toBe(false);
  });

  describe('timeWindow', () => {
    const window = (start: string, end: string, days = WORKDAYS, timeZone = 'Europe/Paris') => ({
      timeWindow: { days, start, end, timeZone },
    });

    it('accepts a child window inside the parent window', () => {
      expect(narrows(window('09:00', '17:00'), window('09:00', '17:00')).ok).toBe(true);
      expect(narrows(window('09:00', '17:00'), window('10:00', '12:00', ['Mon', 'Tue'])).ok).toBe(true);
      expect(narrows(window('00:00', '24:00'), window('22:00', '24:00')).ok).toBe(true);
    });

    it('refuses other days, hours, or time zone', () => {
      expect(narrows(window('09:00', '17:00'), window('08:00', '17:00')).ok).toBe(false);
      expect(narrows(window('09:00', '17:00'), window('09:00', '18:00')).ok).toBe(false);
      expect(narrows(window('09:00', '17:00'), window('09:00', '17:00', ['Sat'])).ok).toBe(false);
      expect(narrows(window('09:00', '17:00'), window('09:00', '17:00', WORKDAYS, 'Europe/Berlin')).ok).toBe(false);
    });

    it('accepts a midnight-crossing window only with the parent hours exactly', () => {
      expect(narrows(window('22:00', '06:00'), window('22:00', '06:00', ['Fri'])).ok).toBe(true);
      expect(narrows(window('22:00', '06:00'), window('23:00', '05:00')).ok).toBe(false);
      expect(narrows(window('00:00', '24:00'), window('22:00', '06:00')).ok).toBe(false);
      expect(narrows(window('22:00', '06:00'), window('23:00', '24:00')).ok).toBe(false);
    });

    it('refuses a malformed window', () => {
      expect(narrows(window('09:00', '17:00'), window('09:00', '17:00', WORKDAYS, 'Nowhere/Land')).ok).toBe(false);
    });
  });

  it('takes shared constraints into account on both sides', () => {
    const parent = cap('billing:refund');
    const child = cap('billing:refund');
    expect(reasons(capabilityNarrows(parent, child, { maxAmount: usd(100) }))).toEqual([
      "maxAmount: the parent's maxAmount is missing",
    ]);
    expect(capabilityNarrows(parent, child, { maxAmount: usd(100) }, { maxAmount: usd(80) })).toEqual({ ok: true });
    // A capability limit and a shared limit both apply, so one tight child limit honours the parent's.
    expect(
      capabilityNarrows(cap('billing:refund', { maxAmount: usd(100) }), cap('billing:refund', { maxAmount: usd(500) }), undefined, {
        maxAmount: usd(100),
      }),
    ).toEqual({ ok: true });
  });
});

describe('subjectNarrows', () => {
  const parent = {
    capabilities: [
      { action: 'read', resource: 'crm:*', scope: 'assigned_tickets_only' },
      cap('billing:refund', { maxAmount: usd(100) }),
    ],
    constraints: { audience: [bob.did] },
  };

  it('accepts a child whose every capability narrows some parent capability', () => {
    const child = {
      capabilities: [
        { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' },
        cap('billing:refund', { maxAmount: usd(25) }),
      ],
      constraints: { audience: [bob.did] },
    };
    expect(subjectNarrows(parent, child)).toEqual({ ok: true });
  });

  it('names each child capability no parent capability covers', () => {
    const child = {
      capabilities: [cap('billing:refund', { maxAmount: usd(25) }), cap('billing:payout')],
      constraints: { audience: [bob.did] },
    };
    expect(subjectNarrows(parent, child)).toEqual({
      ok: false,
      reasons: ['capabilities[1] (call billing:payout): no parent capability covers this action, resource and scope'],
    });
  });

  it('explains which parent limits a covered child capability loosens', () => {
    const child = { capabilities: [cap('billing:refund', { maxAmount: usd(250) })] };
    expect(subjectNarrows(parent, child)).toEqual({
      ok: false,
      reasons: [
        "capabilities[0] (call billing:refund) vs parent capabilities[1]: maxAmount: 250 USD is looser than the parent's 100 USD",
        "capabilities[0] (call billing:refund) vs parent capabilities[1]: audience: the parent's audience is missing",
      ],
    });
  });
});
