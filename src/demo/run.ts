/**
 * @module demo/run
 *
 * `legate demo`: the whole story on loopback, in a temporary directory. Three
 * organizations (a bank, a payments provider, a support-tools vendor) run
 * their own nodes and federate as `registry/federation.example.json` says.
 * The vendor's CustomerSupportAgent (owned by carol) delegates to a did:key
 * sub-agent, both meet the bank's teller in ACE handshakes (one capability
 * rejected with its reason), and act: allowed, denied, approval-gated. Then
 * the vendor revokes the agent's credential and the bank denies its next
 * action once its status cache expires, and every audit log verifies. Every
 * step prints its reason codes.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionToApprove } from '../node/peer.js';
import { STATUS_LIST_TTL_MS } from '../node/status.js';
import type { Capability } from '../credential/types.js';
import { startFederation, stopFederation, type DemoOrg } from './federation.js';
import { auditTrail, checkpointAudit, verifyAudit } from '../audit/index.js';

export interface DemoStep {
  step: string;
  outcome: string;
  codes?: string[];
  detail?: string;
}

export interface DemoResult {
  ok: boolean;
  steps: DemoStep[];
}

/** The CustomerSupportAgent v2.3 (see examples/customer-support-agent.ts). */
const SUPPORT_CAPABILITIES: Capability[] = [
  { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' },
  { action: 'write', resource: 'crm:ticket_updates', scope: 'own_tickets' },
  { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } },
  { action: 'close', resource: 'billing:account_closure', constraints: { requireApproval: true } },
];

/** Runs the demo; `say` receives the narrative line by line. */
export async function runDemo(say: (line: string) => void = () => undefined): Promise<DemoResult> {
  const root = mkdtempSync(join(tmpdir(), 'legate-demo-'));
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const steps: DemoStep[] = [];
  let surprises = 0;
  const record = (step: DemoStep, expected: string, expectedCode?: string) => {
    const asExpected = step.outcome === expected && (expectedCode === undefined || (step.codes ?? []).includes(expectedCode));
    if (!asExpected) surprises++;
    steps.push(step);
    const codes = step.codes?.length ? `  [${step.codes.join(', ')}]` : '';
    say(`  ${step.outcome.padEnd(17)} ${step.step}${codes}${asExpected ? '' : '   <- unexpected'}${step.detail ? `\n${' '.repeat(20)}${step.detail}` : ''}`);
  };
  const codesOf = (decision: { reasons: { code: string }[] }) => decision.reasons.map((r) => r.code);

  let orgs: Record<string, DemoOrg> = {};
  try {
    say('Legate demo: three organizations, their agents, and the authority between them.\n');
    orgs = await startFederation(root, clock);
    const { bank, payments, support } = orgs as Record<'bank' | 'payments' | 'support', DemoOrg>;
    for (const o of [bank, payments, support]) record({ step: `${o.name} runs its node as ${o.node.organization.did}`, outcome: 'ok' }, 'ok');
    record(
      { step: 'federation: the bank recognizes Paywell’s trust list (billing and CRM reads only); Paywell accredits Helpdesk Tools', outcome: 'ok' },
      'ok',
    );

    // Agents, each with an accountable human owner.
    const teller = await bank.node.services.agents.create({ name: 'teller', owner: 'mailto:ops@northwind.example' });
    await bank.node.services.issuance.issue({ agent: 'teller', capabilities: [{ action: 'read', resource: 'support:tickets' }] });
    const carol = await support.node.services.agents.create({ name: 'carol', owner: 'mailto:carol@helpdesk.example', method: 'key' });
    const agent = await support.node.services.agents.create({ name: 'customer-support', owner: carol.did });
    const helper = await support.node.services.agents.create({ name: 'refund-helper', owner: carol.did, method: 'key' });
    record({ step: `Helpdesk registers customer-support (owner carol, ${carol.did.slice(0, 24)}…) and a did:key refund-helper`, outcome: 'ok' }, 'ok');

    const credential = await support.node.services.issuance.issue({
      agent: 'customer-support',
      agentVersion: '2.3',
      capabilities: SUPPORT_CAPABILITIES,
      delegation: { depth: 0, maxDepth: 1 },
    });
    record({ step: 'Helpdesk issues the CustomerSupportAgent v2.3 capability credential', outcome: 'ok', detail: 'read CRM records (assigned tickets), write ticket updates, refunds up to 100 USD, account closure with approval' }, 'ok');
    await support.node.services.issuance.delegate({
      from: 'customer-support',
      credential: credential.id,
      to: helper.did,
      capability: { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 20, currency: 'USD' } } },
      validFor: 'PT1H',
    });
    record({ step: 'customer-support delegates refunds up to 20 USD to refund-helper for an hour', outcome: 'ok' }, 'ok');
    try {
      await support.node.services.issuance.delegate({ from: 'customer-support', credential: credential.id, to: helper.did, capability: { action: 'call', resource: 'billing:payout' } });
      record({ step: 'customer-support tries to delegate payouts it never had', outcome: 'signed' }, 'refused');
    } catch (error) {
      record({ step: 'customer-support tries to delegate payouts it never had', outcome: 'refused', codes: [(error as { code: string }).code] }, 'refused', 'ERR_CAPABILITY_WIDENED');
    }

    // The ACE handshake with the bank's teller.
    const meeting = await support.node.services.exchange.handshake({ agent: 'customer-support', peer: teller.did });
    record({ step: 'handshake customer-support -> bank teller', outcome: meeting.session ? 'session' : 'no session' }, 'session');
    for (const t of meeting.trusted) record({ step: `  ${t.action} ${t.resource}`, outcome: 'trusted' }, 'trusted');
    for (const r of meeting.rejected) record({ step: `  ${r.action} ${r.resource}`, outcome: 'rejected', codes: [r.code], detail: r.reason }, 'rejected', 'ERR_UNTRUSTED_ISSUER');

    // Signed actions, decided by the bank.
    const refund = (value: number, who = 'customer-support') => support.node.services.exchange.act({ agent: who, peer: teller.did, action: 'call', resource: 'billing:refund', amount: { value, currency: 'USD' } });
    const r80 = await refund(80);
    record({ step: 'refund 80 USD', outcome: r80.decision, codes: codesOf(r80), detail: `authority ${[...r80.attribution].reverse().join(' -> ')}` }, 'allow');
    const r150 = await refund(150);
    record({ step: 'refund 150 USD', outcome: r150.decision, codes: codesOf(r150) }, 'deny', 'ERR_CONSTRAINT_AMOUNT');
    const close = { agent: 'customer-support', peer: teller.did, action: 'close', resource: 'billing:account_closure' };
    const pending = await support.node.services.exchange.act(close);
    record({ step: 'close an account', outcome: pending.decision, codes: codesOf(pending) }, 'approval_required', 'ERR_APPROVAL_REQUIRED');
    const approval = await support.node.services.exchange.approve({ approver: carol.did, action: actionToApprove(agent.did, teller.did, close) });
    const closed = await support.node.services.exchange.act({ ...close, approval: approval.jwt });
    record({ step: 'close the account with carol’s signed approval', outcome: closed.decision, codes: codesOf(closed) }, 'allow');

    // The sub-agent acts on its own session, within its narrower slice.
    await support.node.services.exchange.handshake({ agent: 'refund-helper', peer: teller.did });
    const h15 = await refund(15, 'refund-helper');
    record({ step: 'refund-helper refunds 15 USD', outcome: h15.decision, codes: codesOf(h15), detail: `authority ${[...h15.attribution].reverse().join(' -> ')}` }, 'allow');
    const h30 = await refund(30, 'refund-helper');
    record({ step: 'refund-helper refunds 30 USD (its limit is 20)', outcome: h30.decision, codes: codesOf(h30) }, 'deny', 'ERR_CONSTRAINT_AMOUNT');

    // Revocation reaches open sessions once the verifier's status cache expires.
    await support.node.services.statusLists.change(credential.id, 'revoke');
    record({ step: 'Helpdesk revokes the CustomerSupportAgent credential', outcome: 'ok' }, 'ok');
    offset += STATUS_LIST_TTL_MS + 5_000;
    const after = await refund(10);
    record({ step: `refund 10 USD, ${Math.round(STATUS_LIST_TTL_MS / 60_000)} minutes later`, outcome: after.decision, codes: codesOf(after) }, 'deny', 'ERR_REVOKED');
    const helperAfter = await refund(10, 'refund-helper');
    record({ step: 'refund-helper refunds 10 USD (its parent is revoked)', outcome: helperAfter.decision, codes: codesOf(helperAfter) }, 'deny', 'ERR_REVOKED');

    // Every organization's audit log: hash chain intact, checkpoints signed by its own key.
    for (const o of [bank, payments, support]) {
      await checkpointAudit(o.node);
      const audit = await verifyAudit({ store: o.node.store, resolver: o.node.resolver });
      record({ step: `${o.name}: audit log verifies (${audit.entries} entries, ${audit.checkpoints} signed checkpoint${audit.checkpoints === 1 ? '' : 's'})`, outcome: audit.ok ? 'ok' : 'tampered', ...(audit.firstBad ? { codes: [audit.firstBad.code] } : {}) }, 'ok');
    }
    const trail = await auditTrail(bank.node.store, agent.did);
    record({ step: `the bank's log attributes ${trail.length} decisions to customer-support, on behalf of carol`, outcome: trail.every((e) => e.chain?.at(-1) === carol.did || e.owner === carol.did || e.type === 'handshake') ? 'ok' : 'unattributed' }, 'ok');

    const ok = surprises === 0;
    say(ok ? '\nEvery decision came out as it should.' : `\n${surprises} step(s) did not come out as expected.`);
    return { ok, steps };
  } finally {
    await stopFederation(orgs);
    rmSync(root, { recursive: true, force: true });
  }
}
