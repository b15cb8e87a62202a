/**
 * Agents of two organizations meet and act, each organization a real node on
 * a loopback HTTP server. Helpdesk's support agent (owned by carol) runs the
 * ACE handshake with Northwind Bank's teller: the bank trusts its refund and
 * account-closure capabilities (it accredited Helpdesk for those) and rejects
 * its CRM one with the reason. Then, under the session: a refund within the
 * limit is allowed, one over it denied, and an account closure waits for
 * carol's approval, which she signs.
 *
 * Run: npm run example -- handshake-and-act
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accredit, act, actionToApprove, approve, createAgent, handshake, issueToAgent, type ActionDecision, type ActOptions, type NodeContext } from 'legate/node';
import { startLoopbackNode, type RunningServer } from 'legate/server';

/** An organization's node on loopback (see `startLoopbackNode`); closing its server closes the node. */
async function startOrganization(root: string, name: string, servers: RunningServer[]): Promise<NodeContext> {
  const { node, server } = await startLoopbackNode({ dataDir: join(root, name), name });
  servers.push(server);
  return node;
}

export interface HandshakeAndActResult {
  trusted: string[];
  rejected: { capability: string; code: string }[];
  actions: Record<string, { decision: string; reasons: string[]; attribution: string[] }>;
}

export async function main(say: (line: string) => void = console.log): Promise<HandshakeAndActResult> {
  const root = mkdtempSync(join(tmpdir(), 'legate-example-'));
  const servers: RunningServer[] = [];
  try {
    const bank = await startOrganization(root, 'bank', servers);
    const helpdesk = await startOrganization(root, 'helpdesk', servers);
    // Each side verifies the other's credentials, so each accredits the other for what it will present.
    await accredit(bank, { issuer: helpdesk.organization.did, capabilities: ['call:billing:refund', 'close:billing:account_closure'] });
    await accredit(helpdesk, { issuer: bank.organization.did, capabilities: ['serve:billing:*'] });

    const teller = await createAgent(bank, { name: 'teller', owner: 'mailto:ops@northwind.example' });
    await issueToAgent(bank, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    // carol's key lives in Helpdesk's node, so her DID can sign approvals as the agent's owner.
    const carol = await createAgent(helpdesk, { name: 'carol', owner: 'mailto:carol@helpdesk.example', method: 'key' });
    const support = await createAgent(helpdesk, { name: 'support', owner: carol.did });
    await issueToAgent(helpdesk, {
      agent: 'support',
      capabilities: [
        { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } },
        { action: 'close', resource: 'billing:account_closure', constraints: { requireApproval: true } },
        { action: 'write', resource: 'crm:ticket_updates' },
      ],
    });

    // advertise -> acknowledge: both sides present credentials; the bank answers capability by
    // capability and issues a session bound to the support agent's key. The support agent's
    // confirm (its verdict on the teller's credentials) goes with the first action below.
    const hello = await handshake(helpdesk, { agent: 'support', peer: teller.did });
    const trusted = hello.trusted.map((t) => `${t.action}:${t.resource}`);
    const rejected = hello.rejected.map((r) => ({ capability: `${r.action}:${r.resource}`, code: r.code }));
    say(`handshake with ${teller.did}\n  trusted:  ${trusted.join(', ')}`);
    for (const r of hello.rejected) say(`  rejected: ${r.action}:${r.resource} [${r.code}] ${r.reason}`);

    // Every action is signed by the agent and decided by the bank against the session's capabilities.
    const actions: HandshakeAndActResult['actions'] = {};
    const send = async (label: string, action: Omit<ActOptions, 'agent' | 'peer'>) => {
      // act() returns the bank's JSON answer as a plain record: an ActionDecision.
      const result = (await act(helpdesk, { agent: 'support', peer: teller.did, ...action })) as unknown as ActionDecision;
      const outcome = { decision: result.decision, reasons: result.reasons.map((r) => r.code), attribution: result.attribution };
      actions[label] = outcome;
      say(`${label.padEnd(32)} ${outcome.decision}${outcome.reasons.length ? ` [${outcome.reasons.join(', ')}]` : ''}`);
    };
    const refund = (value: number) => ({ action: 'call', resource: 'billing:refund', amount: { value, currency: 'USD' } });
    const closure = { action: 'close', resource: 'billing:account_closure' };
    await send('refund 80 USD', refund(80));
    await send('refund 150 USD', refund(150));
    await send('close an account', closure);
    // carol approves exactly this action (its hash), once; the agent attaches her approval.
    const approval = await approve(helpdesk, { approver: carol.did, action: actionToApprove(support.did, teller.did, closure) });
    await send('close an account, carol approves', { ...closure, approval: approval.jwt });
    // Who acted, for whom: the agent, then its accountable owner.
    say(`attribution: ${actions['refund 80 USD']!.attribution.join(', acting for ')}`);
    return { trusted, rejected, actions };
  } finally {
    for (const server of servers) await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}
