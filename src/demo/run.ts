/**
 * @module demo/run
 *
 * `legate demo`: the story so far, end to end, in a temporary data directory.
 * An organization registers an agent with a human owner, issues it capability
 * credentials, and a verifier checks them; mallory's tampering and an expired
 * credential are rejected with their codes, and a revocation takes effect.
 * Later issues extend the story (delegation, federation, handshake, audit).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCapabilityCredential } from '../credential/verify.js';
import type { Capability } from '../credential/types.js';
import { createAgent } from '../node/agents.js';
import { initNode } from '../node/init.js';
import { issueToAgent } from '../node/issue.js';
import { openNode } from '../node/open.js';
import { changeStatus } from '../node/status.js';
import { verificationOptions } from '../node/verify.js';

export interface DemoStep {
  step: string;
  outcome: 'ok' | 'rejected';
  codes?: string[];
  detail?: string;
}

export interface DemoResult {
  ok: boolean;
  steps: DemoStep[];
}

const describe = (c: Capability) =>
  [c.action, c.resource, c.scope && `scope=${c.scope}`, c.constraints?.maxAmount && `max ${c.constraints.maxAmount.value} ${c.constraints.maxAmount.currency}`]
    .filter(Boolean)
    .join(' ');

/** Runs the demo; `say` receives the narrative line by line. */
export async function runDemo(say: (line: string) => void = () => undefined): Promise<DemoResult> {
  const root = mkdtempSync(join(tmpdir(), 'legate-demo-'));
  const steps: DemoStep[] = [];
  const record = (step: DemoStep) => {
    steps.push(step);
    say(`  ${step.outcome === 'ok' ? 'ok      ' : 'REJECTED'}  ${step.step}${step.codes?.length ? `  [${step.codes.join(', ')}]` : ''}${step.detail ? `\n            ${step.detail}` : ''}`);
  };
  try {
    say('Legate demo: an organization gives its support agent scoped authority.\n');
    const dataDir = join(root, 'acme');
    const org = await initNode({ dataDir, domain: 'support.acme.example', name: 'Acme Support' });
    record({ step: `Acme Support initialized as ${org.did}`, outcome: 'ok' });

    const node = await openNode({ dataDir });
    try {
      const alice = await createAgent(node, { name: 'customer-support', owner: 'mailto:carol@acme.example' });
      record({ step: `agent registered: ${alice.did}`, outcome: 'ok', detail: `accountable owner ${alice.owner}` });
      const sub = await createAgent(node, { name: 'refund-helper', owner: 'mailto:carol@acme.example', method: 'key' });
      record({ step: `ephemeral agent registered: ${sub.did.slice(0, 32)}…`, outcome: 'ok' });

      const capabilities: Capability[] = [
        { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' },
        { action: 'write', resource: 'crm:ticket_updates', scope: 'own_tickets' },
        { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } },
      ];
      const issued = await issueToAgent(node, { agent: 'customer-support', capabilities, agentVersion: '2.3', validFor: 'P30D' });
      record({ step: `capability credential issued (vc+jwt, ${issued.jwt.length} bytes)`, outcome: 'ok', detail: capabilities.map(describe).join('; ') });

      const options = verificationOptions(node);
      const verified = await verifyCapabilityCredential(issued.jwt, options);
      record({
        step: 'a verifier checks signature, key binding, validity, schema and revocation status',
        outcome: verified.verified ? 'ok' : 'rejected',
        codes: verified.errors.map((e) => e.code),
      });

      const [h, p, s] = issued.jwt.split('.') as [string, string, string];
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof issued.credential;
      payload.credentialSubject.capabilities[2]!.constraints = { maxAmount: { value: 1_000_000, currency: 'USD' } };
      const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
      const tampered = await verifyCapabilityCredential(forged, options);
      record({ step: 'mallory raises the refund limit to 1,000,000 USD', outcome: tampered.verified ? 'ok' : 'rejected', codes: tampered.errors.map((e) => e.code) });

      const later = new Date(node.clock().getTime() + 31 * 24 * 3600 * 1000);
      const expired = await verifyCapabilityCredential(issued.jwt, { resolver: node.resolver, clock: () => later });
      record({ step: 'the same credential, checked 31 days later', outcome: expired.verified ? 'ok' : 'rejected', codes: expired.errors.map((e) => e.code) });

      const change = await changeStatus(node, issued.id, 'revoke');
      record({ step: `Acme revokes the credential (status list ${change.listId.slice(0, 10)}…, index ${change.index})`, outcome: 'ok' });
      const revoked = await verifyCapabilityCredential(issued.jwt, options);
      record({ step: 'the verifier checks it again', outcome: revoked.verified ? 'ok' : 'rejected', codes: revoked.errors.map((e) => e.code) });

      const ok = verified.verified && !tampered.verified && !expired.verified && !revoked.verified;
      say(ok ? '\nEvery check behaved as it should.' : '\nSomething did not behave as expected.');
      return { ok, steps };
    } finally {
      await node.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
