/**
 * The seed example of DESIGN "Capabilities" as a credential acme issues to
 * alice: CustomerSupportAgent v2.3, open 24/7.
 *
 *   acme (organization) -> alice (CustomerSupportAgent v2.3)
 *   bob: the verifier alice presents to; mallory: the attacker
 */

import {
  CAPABILITY_CREDENTIAL_TYPE,
  LEGATE_CONTEXT,
  VC_V2_CONTEXT,
  type AgentCapabilityCredential,
  type Capability,
  type Constraints,
  type Weekday,
} from '../../src/credential/types.js';
import { acme, alice } from '../fixtures.js';

export const ALL_DAYS: Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
export const WORKDAYS: Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'];

export const readRecords: Capability = {
  action: 'read',
  resource: 'crm:customer_records',
  scope: 'assigned_tickets_only',
};
export const writeUpdates: Capability = { action: 'write', resource: 'crm:ticket_updates', scope: 'own_tickets' };
export const refund: Capability = {
  action: 'call',
  resource: 'billing:refund',
  constraints: { maxAmount: { value: 100, currency: 'USD' } },
};
export const escalate: Capability = { action: 'escalate', resource: 'human:*' };
export const closeAccount: Capability = {
  action: 'call',
  resource: 'billing:account_closure',
  constraints: { requireApproval: true },
};

/** Operating hours 24/7: every day, all day. */
export const alwaysOpen: Constraints = {
  timeWindow: { days: ALL_DAYS, start: '00:00', end: '24:00', timeZone: 'UTC' },
};

export function supportAgentCredential(
  overrides: Partial<Pick<AgentCapabilityCredential, 'id' | 'validFrom' | 'validUntil'>> & {
    capabilities?: Capability[];
    constraints?: Constraints;
  } = {},
): AgentCapabilityCredential {
  return {
    '@context': [VC_V2_CONTEXT, LEGATE_CONTEXT],
    id: overrides.id ?? 'urn:uuid:5f0c6a52-7d0b-4a53-9d3e-2b1f3c4d5e6f',
    type: ['VerifiableCredential', CAPABILITY_CREDENTIAL_TYPE],
    issuer: acme.did,
    validFrom: overrides.validFrom ?? '2026-03-01T00:00:00Z',
    validUntil: overrides.validUntil ?? '2026-04-01T00:00:00Z',
    credentialSubject: {
      id: alice.did,
      owner: alice.owner,
      agent: { name: 'CustomerSupportAgent', version: '2.3' },
      capabilities: overrides.capabilities ?? [readRecords, writeUpdates, refund, escalate, closeAccount],
      constraints: overrides.constraints ?? alwaysOpen,
    },
  };
}
