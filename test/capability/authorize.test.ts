// acme -> alice (CustomerSupportAgent v2.3); alice presents to bob; mallory has nothing.
import { describe, expect, it } from 'vitest';
import {
  authorize,
  type AuthorizationContext,
  type AuthorizationRequest,
  type CapabilitySource,
} from '../../src/capability/authorize.js';
import { CAPABILITY_SCHEMA_FILE, schemaErrors } from '../../src/credential/schema.js';
import type { CapabilitySubject } from '../../src/credential/types.js';
import { bob, frozenClock, mallory } from '../fixtures.js';
import { alwaysOpen, closeAccount, escalate, readRecords, refund, supportAgentCredential, writeUpdates } from './fixtures.js';

const usd = (value: number) => ({ value, currency: 'USD' });
const credential = supportAgentCredential();
const context: AuthorizationContext = { clock: frozenClock(), verifier: bob.did };
const decide = (
  request: AuthorizationRequest,
  extra: AuthorizationContext = {},
  credentials: readonly CapabilitySource[] = [credential],
) =>
  authorize(request, credentials, { ...context, ...extra });
const codes = (decision: { reasons: { code: string }[] }) => decision.reasons.map((r) => r.code);

describe('authorize: the CustomerSupportAgent v2.3 example', () => {
  it('is expressible as a schema-valid credential', () => {
    expect(schemaErrors(CAPABILITY_SCHEMA_FILE, credential)).toEqual([]);
  });

  it('allows a refund of 80 USD and names the capability and credential', () => {
    const decision = decide({ action: 'call', resource: 'billing:refund', amount: usd(80) });
    expect(decision).toEqual({ decision: 'allow', capability: refund, credentialId: credential.id, reasons: [] });
  });

  it('denies a refund of 150 USD with ERR_CONSTRAINT_AMOUNT', () => {
    const decision = decide({ action: 'call', resource: 'billing:refund', amount: usd(150) });
    expect(decision.decision).toBe('deny');
    expect(codes(decision)).toEqual(['ERR_CONSTRAINT_AMOUNT']);
    expect(decision.capability).toBeUndefined();
  });

  it('denies a refund in EUR with ERR_CONSTRAINT_AMOUNT', () => {
    const decision = decide({ action: 'call', resource: 'billing:refund', amount: { value: 10, currency: 'EUR' } });
    expect(decision.decision).toBe('deny');
    expect(codes(decision)).toEqual(['ERR_CONSTRAINT_AMOUNT']);
  });

  it('denies a refund that states no amount', () => {
    expect(codes(decide({ action: 'call', resource: 'billing:refund' }))).toEqual(['ERR_CONSTRAINT_AMOUNT']);
  });

  it('asks for approval of an account closure, and allows it once approved', () => {
    const request = { action: 'call', resource: 'billing:account_closure' };
    const pending = decide(request);
    expect(pending.decision).toBe('approval_required');
    expect(pending.capability).toEqual(closeAccount);
    expect(codes(pending)).toEqual(['ERR_APPROVAL_REQUIRED']);
    expect(decide(request, { approved: true })).toMatchObject({ decision: 'allow', capability: closeAccount });
  });

  it('allows scoped reads and writes, and escalation to a human', () => {
    expect(decide({ action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' })).toMatchObject({
      decision: 'allow',
      capability: readRecords,
    });
    expect(decide({ action: 'write', resource: 'crm:ticket_updates', scope: 'own_tickets' })).toMatchObject({
      decision: 'allow',
      capability: writeUpdates,
    });
    expect(decide({ action: 'escalate', resource: 'human:tier2' })).toMatchObject({
      decision: 'allow',
      capability: escalate,
    });
  });

  it('denies an unscoped read of customer records with ERR_NOT_AUTHORIZED', () => {
    const decision = decide({ action: 'read', resource: 'crm:customer_records' });
    expect(decision.decision).toBe('deny');
    expect(codes(decision)).toEqual(['ERR_NOT_AUTHORIZED']);
    expect(codes(decide({ action: 'read', resource: 'crm:customer_records', scope: 'all' }))).toEqual([
      'ERR_NOT_AUTHORIZED',
    ]);
  });

  it("denies mallory's uncovered actions with ERR_NOT_AUTHORIZED", () => {
    for (const request of [
      { action: 'delete', resource: 'crm:customer_records', scope: 'assigned_tickets_only' },
      { action: 'call', resource: 'billing:payout', amount: usd(1) },
      { action: 'write', resource: 'crm:customer_records', scope: 'own_tickets' },
      { action: 'escalate', resource: 'human' },
    ]) {
      const decision = decide(request, { verifier: mallory.did });
      expect(decision.decision, request.resource).toBe('deny');
      expect(codes(decision)).toEqual(['ERR_NOT_AUTHORIZED']);
    }
    expect(codes(authorize({ action: 'read', resource: 'crm:customer_records' }, [], context))).toEqual([
      'ERR_NOT_AUTHORIZED',
    ]);
  });

  it('denies outside the shared operating hours', () => {
    const officeOnly = supportAgentCredential({
      constraints: { timeWindow: { days: ['Sat', 'Sun'], start: '00:00', end: '24:00', timeZone: 'UTC' } },
    });
    const decision = decide({ action: 'escalate', resource: 'human:tier2' }, {}, [officeOnly]);
    expect(codes(decision)).toEqual(['ERR_CONSTRAINT_TIME']);
  });
});

describe('authorize: audience', () => {
  const toBobOnly = supportAgentCredential({ constraints: { ...alwaysOpen, audience: [bob.did] } });

  it('allows at a verifier in the audience', () => {
    expect(decide({ action: 'escalate', resource: 'human:tier2' }, {}, [toBobOnly]).decision).toBe('allow');
  });

  it('denies at another verifier, or an unnamed one, with ERR_AUDIENCE', () => {
    const at = (verifier: string | undefined) =>
      authorize({ action: 'escalate', resource: 'human:tier2' }, [toBobOnly], { clock: frozenClock(), verifier });
    expect(codes(at(mallory.did))).toEqual(['ERR_AUDIENCE']);
    expect(codes(at(undefined))).toEqual(['ERR_AUDIENCE']);
  });
});

describe('authorize: validity window', () => {
  const request = { action: 'call', resource: 'billing:refund', amount: usd(80) };

  it('skips an expired credential and reports ERR_EXPIRED', () => {
    const expired = supportAgentCredential({ validUntil: '2026-03-02T09:59:59Z' });
    const decision = decide(request, {}, [expired]);
    expect(decision.decision).toBe('deny');
    expect(codes(decision)).toEqual(['ERR_EXPIRED']);
  });

  it('skips a credential not yet valid and reports ERR_NOT_YET_VALID', () => {
    const future = supportAgentCredential({ validFrom: '2026-03-02T10:00:01Z' });
    expect(codes(decide(request, {}, [future]))).toEqual(['ERR_NOT_YET_VALID']);
  });

  it('includes both ends of the window, as credential verification does', () => {
    const exact = supportAgentCredential({ validFrom: '2026-03-02T10:00:00Z', validUntil: '2026-03-02T10:00:00Z' });
    expect(decide(request, {}, [exact]).decision).toBe('allow');
  });

  it('uses a valid credential when another covering one has expired', () => {
    const expired = supportAgentCredential({ id: 'urn:uuid:old', validUntil: '2026-03-01T00:00:00Z' });
    expect(decide(request, {}, [expired, credential])).toMatchObject({ decision: 'allow', credentialId: credential.id });
  });

  it('reports ERR_MALFORMED for an unreadable validity window', () => {
    expect(codes(decide(request, {}, [supportAgentCredential({ validFrom: 'yesterday' })]))).toEqual(['ERR_MALFORMED']);
  });

  it('does not report expired credentials that would not cover the request', () => {
    const other = supportAgentCredential({ id: 'urn:uuid:other', validUntil: '2026-03-01T00:00:00Z', capabilities: [escalate] });
    expect(decide(request, {}, [other, credential]).decision).toBe('allow');
    expect(codes(decide({ action: 'call', resource: 'billing:payout' }, {}, [other]))).toEqual(['ERR_NOT_AUTHORIZED']);
  });
});

describe('authorize: choosing among capabilities', () => {
  const subject = (capabilities: CapabilitySubject['capabilities'], constraints?: CapabilitySubject['constraints']) => ({
    id: 'did:example:alice',
    owner: 'mailto:owner@acme.example',
    capabilities,
    ...(constraints === undefined ? {} : { constraints }),
  });

  it('prefers a capability that allows outright over one needing approval', () => {
    const approval = { action: 'call', resource: 'billing:*', constraints: { requireApproval: true } };
    const small = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: usd(50) } };
    const source = subject([approval, small]);
    expect(decide({ action: 'call', resource: 'billing:refund', amount: usd(20) }, {}, [source])).toEqual({
      decision: 'allow',
      capability: small,
      reasons: [],
    });
    expect(decide({ action: 'call', resource: 'billing:refund', amount: usd(70) }, {}, [source])).toMatchObject({
      decision: 'approval_required',
      capability: approval,
    });
  });

  it('applies the shared constraints of a credential on top of the capability ones', () => {
    const source = subject([refund], { maxAmount: usd(50), rateLimit: { count: 5, period: 'P1D' } });
    const request = { action: 'call', resource: 'billing:refund', amount: usd(80) };
    expect(codes(decide(request, { recentCount: 0 }, [source]))).toEqual(['ERR_CONSTRAINT_AMOUNT']);
    expect(codes(decide({ ...request, amount: usd(40) }, { recentCount: 5 }, [source]))).toEqual(['ERR_RATE_LIMITED']);
    expect(decide({ ...request, amount: usd(40) }, { recentCount: 4 }, [source]).decision).toBe('allow');
  });

  it('lists each failing code once when every covering capability fails', () => {
    const a = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: usd(10), audience: [mallory.did] } };
    const b = { action: 'call', resource: 'billing:*', constraints: { maxAmount: usd(20), requireApproval: true } };
    const decision = decide({ action: 'call', resource: 'billing:refund', amount: usd(30) }, {}, [subject([a, b])]);
    expect(decision.decision).toBe('deny');
    expect(codes(decision)).toEqual(['ERR_CONSTRAINT_AMOUNT', 'ERR_AUDIENCE', 'ERR_APPROVAL_REQUIRED']);
  });

  it('denies a budgeted action when spend is unknown, and allows it when known', () => {
    const source = subject([{ action: 'call', resource: 'billing:refund', constraints: { budget: { ...usd(500), period: 'P7D' } } }]);
    const request = { action: 'call', resource: 'billing:refund', amount: usd(100) };
    expect(codes(decide(request, {}, [source]))).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect(decide(request, { spent: usd(400) }, [source]).decision).toBe('allow');
    expect(codes(decide(request, { spent: usd(400.5) }, [source]))).toEqual(['ERR_BUDGET_EXCEEDED']);
  });
});

describe('authorize: bad input', () => {
  it('denies a malformed request with ERR_MALFORMED', () => {
    for (const request of [
      { action: '', resource: 'billing:refund' },
      { action: '*', resource: 'billing:refund' },
      { action: 'call', resource: 'billing:*' },
      { action: 'call', resource: 'billing:' },
      { action: 'call', resource: 'billing:refund', scope: '' },
      { action: 'call', resource: 'billing:refund', amount: usd(-80) },
    ]) {
      expect(codes(decide(request)), JSON.stringify(request)).toEqual(['ERR_MALFORMED']);
    }
  });

  it('throws TypeError for arguments of the wrong type', () => {
    const call = (...args: unknown[]) => () => (authorize as (...a: unknown[]) => unknown)(...args);
    expect(call(null, [credential])).toThrow(TypeError);
    expect(call({ action: 'read', resource: 'x' }, credential)).toThrow(TypeError);
    expect(call({ action: 'read', resource: 'x' }, [{}])).toThrow(TypeError);
    expect(call({ action: 'read', resource: 'x' }, [credential], { clock: 'now' })).toThrow(TypeError);
  });
});
