// acme -> alice (root, 300 USD/day) -> helper (child); bob verifies. Pure decisions: usage comes in through lookups.
import { describe, expect, it } from 'vitest';
import { authorizeChains } from '../../src/capability/authorize-chain.js';
import { authorize, bySpecificity } from '../../src/capability/authorize.js';
import type { UsageQuery } from '../../src/capability/constraints.js';
import { sumAtMost, sumDecimals } from '../../src/capability/money.js';
import type { AgentCapabilityCredential, Capability } from '../../src/credential/types.js';
import { acme, alice, bob, frozenClock } from '../fixtures.js';
import { supportAgentCredential } from './fixtures.js';

const usd = (value: number) => ({ value, currency: 'USD' });
const refund = (constraints?: Capability['constraints']): Capability => ({ action: 'call', resource: 'billing:refund', ...(constraints === undefined ? {} : { constraints }) });
const request = (value: number) => ({ action: 'call', resource: 'billing:refund', amount: usd(value) });
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);

const root = supportAgentCredential({ id: 'urn:uuid:root', capabilities: [refund({ budget: { ...usd(300), period: 'P1D' } })], constraints: {} });
const child: AgentCapabilityCredential = {
  ...supportAgentCredential({ id: 'urn:uuid:child', capabilities: [refund({ budget: { ...usd(300), period: 'P1D' } })], constraints: {} }),
  issuer: alice.did,
};

/** Spend already recorded per credential id (the verifier's books). */
function books(spent: Record<string, string>) {
  const asked: UsageQuery[] = [];
  return {
    asked,
    context: {
      clock: frozenClock(),
      verifier: bob.did,
      recentCount: () => 0,
      spent: (q: UsageQuery) => {
        asked.push(q);
        return { value: spent[q.credentialId ?? ''] ?? '0', currency: 'USD' };
      },
    },
  };
}

describe('sumDecimals', () => {
  it('sums exactly where floating point drifts', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumDecimals(['0.1', '0.2'])).toBe('0.3');
    expect(sumDecimals([0.1, 0.2, '0.7'])).toBe('1');
    expect(sumDecimals(['1e-7', '2', '0.000000100'])).toBe('2.0000002');
    expect(sumDecimals(['1e+21', '1'])).toBe('1000000000000000000001');
    expect(sumDecimals([])).toBe('0');
    expect(sumAtMost(sumDecimals(['0.1', '0.2']), 0, 0.3)).toBe(true);
    expect(sumAtMost('0.3', 0.01, 0.3)).toBe(false);
  });

  it('refuses what is not a finite non-negative decimal', () => {
    for (const bad of ['-1', 'NaN', '1,5', '', '1e999', Number.NaN, -0.5]) expect(() => sumDecimals([bad])).toThrow(RangeError);
  });
});

describe('bySpecificity', () => {
  it('orders scoped, named, concrete and longer patterns first, and keeps equal ones in order', () => {
    const caps: Capability[] = [
      { action: '*', resource: 'billing:*' },
      { action: 'call', resource: 'billing:*' },
      { action: 'call', resource: 'billing:refund:*' },
      { action: 'call', resource: 'billing:refund' },
      { action: 'call', resource: 'billing:refund', scope: 'own' },
    ];
    expect([...caps].sort(bySpecificity)).toEqual([...caps].reverse());
    expect(bySpecificity(refund(), { action: 'call', resource: 'billing:refund' })).toBe(0);
  });
});

describe('authorize: overlapping credentials (item 14)', () => {
  const small = supportAgentCredential({ id: 'urn:uuid:small', capabilities: [refund({ maxAmount: usd(20) })] });
  const large = supportAgentCredential({ id: 'urn:uuid:large', capabilities: [refund({ maxAmount: usd(100) })] });
  const context = { clock: frozenClock(), verifier: bob.did };

  it('uses the covering credential that allows the action, whichever order they come in', () => {
    expect(authorize(request(30), [small, large], context)).toMatchObject({ decision: 'allow', credentialId: large.id });
    expect(authorize(request(30), [large, small], context)).toMatchObject({ decision: 'allow', credentialId: large.id });
    expect(authorize(request(10), [small, large], context)).toMatchObject({ decision: 'allow', credentialId: small.id });
    expect(codes(authorize(request(150), [small, large], context))).toEqual(['ERR_CONSTRAINT_AMOUNT']);
  });

  it('prefers the most specific covering capability, then falls back to broader ones', () => {
    const broad = supportAgentCredential({ id: 'urn:uuid:broad', capabilities: [{ action: 'call', resource: 'billing:*', constraints: { maxAmount: usd(100) } }] });
    expect(authorize(request(10), [broad, small], context)).toMatchObject({ credentialId: small.id, capability: { resource: 'billing:refund' } });
    expect(authorize(request(50), [broad, small], context)).toMatchObject({ credentialId: broad.id, capability: { resource: 'billing:*' } });
  });
});

describe('authorizeChains', () => {
  it('checks the leaf and every ancestor with its own usage, and charges each (leaf first)', () => {
    const { asked, context } = books({ 'urn:uuid:root': '250' });
    const denied = authorizeChains(request(60), [[root, child]], context);
    expect(denied).toMatchObject({ decision: 'deny', charges: [] });
    expect(codes(denied)).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect(denied.reasons[0]!.message).toContain('ancestor credential urn:uuid:root');
    expect(asked.map((q) => [q.credentialId, q.issuer, q.level])).toEqual([
      ['urn:uuid:child', alice.did, 'capability'],
      ['urn:uuid:root', acme.did, 'capability'],
    ]);
    const allowed = authorizeChains(request(50), [[root, child]], context);
    expect(allowed).toMatchObject({ decision: 'allow', credentialId: 'urn:uuid:child' });
    expect(allowed.charges.map((c) => [c.credentialId, c.issuer])).toEqual([
      ['urn:uuid:child', alice.did],
      ['urn:uuid:root', acme.did],
    ]);
  });

  it('takes the first chain that allows, most specific leaf first', () => {
    const spentChild = books({ 'urn:uuid:child': '300' }).context;
    const other = { ...child, id: 'urn:uuid:other' };
    expect(authorizeChains(request(10), [[root, child], [root, other]], spentChild)).toMatchObject({ decision: 'allow', credentialId: 'urn:uuid:other' });
    expect(authorizeChains(request(10), [[root, other], [root, child]], books({}).context)).toMatchObject({ credentialId: 'urn:uuid:other' });
  });

  it('asks for approval when an ancestor requires it, and says ERR_NOT_AUTHORIZED when no leaf covers', () => {
    const gated = supportAgentCredential({ id: 'urn:uuid:gated', capabilities: [refund({ requireApproval: true })], constraints: {} });
    const below = { ...child, id: 'urn:uuid:below', credentialSubject: { ...child.credentialSubject, capabilities: [refund({ requireApproval: true, maxAmount: usd(50) })] } };
    const { context } = books({});
    expect(authorizeChains(request(10), [[gated, below]], context)).toMatchObject({ decision: 'approval_required', charges: [] });
    expect(authorizeChains(request(10), [[gated, below]], { ...context, approved: true })).toMatchObject({ decision: 'allow' });
    expect(codes(authorizeChains({ action: 'read', resource: 'crm:notes' }, [[root, child]], context))).toEqual(['ERR_NOT_AUTHORIZED']);
    expect(() => authorizeChains(request(1), [[]], context)).toThrow(TypeError);
  });
});
