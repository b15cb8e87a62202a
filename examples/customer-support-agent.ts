/**
 * The CustomerSupportAgent v2.3 example: an organization states exactly what
 * its support agent may do, and a verifier decides requests against it.
 *
 *   read  crm:customer_records  scope assigned_tickets_only
 *   write crm:ticket_updates    scope own_tickets
 *   call  billing:refund        max 100 USD per refund
 *   escalate human:*            always allowed
 *   close billing:account_closure  only with a human approval
 *   operating hours: 24/7
 *
 * Run: npm run example -- customer-support-agent
 */

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorize, type AuthorizationRequest, type Decision } from 'legate/capability';
import type { Capability, Constraints } from 'legate/credential';
import { createAgent, initNode, issueToAgent, openNode, presentAsAgent, verificationOptions } from 'legate/node';
import { verifyPresentation } from 'legate/presentation';

export const capabilities: Capability[] = [
  { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' },
  { action: 'write', resource: 'crm:ticket_updates', scope: 'own_tickets' },
  { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } },
  { action: 'escalate', resource: 'human:*' },
  { action: 'close', resource: 'billing:account_closure', constraints: { requireApproval: true } },
];

/** 24/7: every day, all day, in UTC. */
export const shared: Constraints = {
  timeWindow: { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], start: '00:00', end: '24:00', timeZone: 'UTC' },
};

export const requests: { label: string; request: AuthorizationRequest; approved?: boolean }[] = [
  { label: 'read an assigned ticket customer', request: { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' } },
  { label: 'read every customer record (no scope)', request: { action: 'read', resource: 'crm:customer_records' } },
  { label: 'refund 80 USD', request: { action: 'call', resource: 'billing:refund', amount: { value: 80, currency: 'USD' } } },
  { label: 'refund 150 USD', request: { action: 'call', resource: 'billing:refund', amount: { value: 150, currency: 'USD' } } },
  { label: 'escalate to a human supervisor', request: { action: 'escalate', resource: 'human:supervisor' } },
  { label: 'close an account', request: { action: 'close', resource: 'billing:account_closure' } },
  { label: 'close an account, approved by the owner', request: { action: 'close', resource: 'billing:account_closure' }, approved: true },
  { label: 'delete the CRM', request: { action: 'delete', resource: 'crm:customer_records' } },
];

export async function main(say: (line: string) => void = console.log): Promise<Decision[]> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-example-')), 'acme');
  try {
    await initNode({ dataDir, domain: 'support.acme.example', name: 'Acme Support' });
    const node = await openNode({ dataDir });
    try {
      await createAgent(node, { name: 'customer-support', owner: 'mailto:carol@acme.example' });
      await issueToAgent(node, { agent: 'customer-support', agentVersion: '2.3', capabilities, constraints: shared });

      // The verifier (here the organization itself) challenges the agent and checks its presentation.
      const nonce = randomUUID();
      const vp = await presentAsAgent(node, { agent: 'customer-support', audience: node.organization.did, nonce });
      const verified = await verifyPresentation(vp, { ...verificationOptions(node), audience: node.organization.did, nonce });
      if (!verified.verified) throw new Error(`presentation rejected: ${verified.errors.map((e) => e.code).join(', ')}`);

      return requests.map(({ label, request, approved }) => {
        const decision = authorize(request, verified.credentials, { verifier: node.organization.did, approved: approved ?? false });
        say(`${decision.decision.padEnd(17)} ${label}${decision.reasons.length ? `  [${decision.reasons.map((r) => r.code).join(', ')}]` : ''}`);
        return decision;
      });
    } finally {
      await node.close();
    }
  } finally {
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  }
}
