// Two real nodes on loopback, separate data directories and SQLite files:
//   support (Helpdesk Tools): carol (did:key, the human owner) -> customer-support (did:web agent)
//   bank (Northwind Bank): teller (did:web agent) answers handshakes and actions
// bank accredits support for refunds and account closures, not for CRM writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignedAction } from '../../src/action/create.js';
import { createAdvertise } from '../../src/handshake/advertise.js';
import { createNonce } from '../../src/handshake/message.js';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { act, actionToApprove, approve, handshake } from '../../src/node/peer.js';
import { presentAsAgent } from '../../src/node/present.js';
import { accredit } from '../../src/node/registry.js';
import { addApprover, removeApprover } from '../../src/node/approvers.js';
import { changeStatus, STATUS_LIST_TTL_MS } from '../../src/node/status.js';
import { mallory } from '../fixtures.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

let offset = 0;
const clock = () => new Date(Date.now() + offset);

describe('two nodes: handshake, signed actions, approval, replay, revocation', () => {
  let bank: RunningNode;
  let support: RunningNode;
  let teller: string;
  let credentialId: string;
  const refund = (value: number) => ({ agent: 'customer-support', peer: teller, action: 'call', resource: 'billing:refund', amount: { value, currency: 'USD' } });

  beforeAll(async () => {
    // Revocation push off: the last tests show the status cache's own bound, with no notice (test/e2e/revocation-push has them).
    bank = await startNode('bank', { clock, sessionLifetimeSeconds: 3600, statusPush: { enabled: false } });
    support = await startNode('support', { clock, statusPush: { enabled: false } });
    // Federation: each accredits the other for what it will present.
    await accredit(bank.node, { issuer: support.did, capabilities: ['call:billing:refund', 'close:billing:account_closure'], maxDelegationDepth: 1 });
    await accredit(support.node, { issuer: bank.did, capabilities: ['serve:billing:*'] });

    teller = (await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@northwind.example' })).did;
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });

    const carol = await createAgent(support.node, { name: 'carol', owner: 'mailto:carol@helpdesk.example', method: 'key' });
    await createAgent(support.node, { name: 'customer-support', owner: carol.did });
    credentialId = (
      await issueToAgent(support.node, {
        agent: 'customer-support',
        agentVersion: '2.3',
        capabilities: [
          { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } },
          { action: 'close', resource: 'billing:account_closure', constraints: { requireApproval: true } },
          { action: 'write', resource: 'crm:ticket_updates', scope: 'own_tickets' },
        ],
      })
    ).id;
  });
  afterAll(async () => {
    await bank?.server.close();
    await support?.server.close();
  });

  it('handshakes: refunds and closures trusted, CRM writes rejected with their reason', async () => {
    const result = await handshake(support.node, { agent: 'customer-support', peer: teller });
    expect(result.trusted.map((t) => `${t.action} ${t.resource}`).sort()).toEqual(['call billing:refund', 'close billing:account_closure']);
    expect(result.rejected).toEqual([expect.objectContaining({ action: 'write', resource: 'crm:ticket_updates', code: 'ERR_UNTRUSTED_ISSUER' })]);
    expect(result.verdict.trusted.map((t) => t.resource)).toEqual(['billing:refunds']);
    expect(result.session?.id).toMatch(/^urn:uuid:/);
  });

  it('allows a refund within the limit and denies one over it', async () => {
    const allowed = await act(support.node, refund(80));
    expect(allowed).toMatchObject({ decision: 'allow', capability: { action: 'call', resource: 'billing:refund' }, credentialId });
    expect(allowed.attribution).toEqual([(await support.node.store.getAgent('customer-support'))!.did, (await support.node.store.getAgent('carol'))!.did]);
    const denied = await act(support.node, refund(150));
    expect(denied).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_CONSTRAINT_AMOUNT' }] });
  });

  it('asks for approval, then allows the closure with the owner’s approval', async () => {
    const close = { agent: 'customer-support', peer: teller, action: 'close', resource: 'billing:account_closure' };
    expect(await act(support.node, close)).toMatchObject({ decision: 'approval_required', reasons: [{ code: 'ERR_APPROVAL_REQUIRED' }] });
    const agentDid = (await support.node.store.getAgent('customer-support'))!.did;
    const carolDid = (await support.node.store.getAgent('carol'))!.did;
    const approval = await approve(support.node, { approver: carolDid, action: actionToApprove(agentDid, teller, close) });
    expect(await act(support.node, { ...close, approval: approval.jwt })).toMatchObject({ decision: 'allow' });
    // An approval is single-use.
    expect(await act(support.node, { ...close, approval: approval.jwt })).toMatchObject({ decision: 'approval_required' });
    // Mallory's approval does not count.
    const forged = await approve(support.node, { approver: support.did, action: actionToApprove(agentDid, teller, close) });
    const result = await act(support.node, { ...close, approval: forged.jwt });
    expect(result).toMatchObject({ decision: 'approval_required' });
    expect(JSON.stringify(result.reasons)).toContain('ERR_UNTRUSTED_ISSUER');
  });

  it('accepts an approval from an approver the verifying organization names', async () => {
    const close = { agent: 'customer-support', peer: teller, action: 'close', resource: 'billing:account_closure' };
    const agentDid = (await support.node.store.getAgent('customer-support'))!.did;
    const byVendor = () => approve(support.node, { approver: support.did, action: actionToApprove(agentDid, teller, close) });
    expect(await act(support.node, { ...close, approval: (await byVendor()).jwt })).toMatchObject({ decision: 'approval_required' });
    expect(await addApprover(bank.node, support.did)).toEqual([support.did]);
    expect(await act(support.node, { ...close, approval: (await byVendor()).jwt })).toMatchObject({ decision: 'allow' });
    expect(await removeApprover(bank.node, support.did)).toEqual([]);
    await expect(removeApprover(bank.node, support.did)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(addApprover(bank.node, 'mailto:boss@northwind.example')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('refuses a replayed action with a problem-details ERR_REPLAY', async () => {
    const agent = (await support.node.store.getAgent('customer-support'))!;
    const stored = (await support.node.store.getPeerSession('customer-support', teller))!;
    const signed = await createSignedAction({
      signer: await support.node.keys.signer(agent.kid),
      audience: teller,
      session: stored.token,
      action: 'call',
      resource: 'billing:refund',
      params: { amount: { value: 10, currency: 'USD' } },
      clock,
    });
    const send = () => fetch(`${bank.url}/actions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: signed.token }) });
    expect(await (await send()).json()).toMatchObject({ decision: 'allow' });
    const replayed = await send();
    expect(replayed.status).toBe(409);
    expect(replayed.headers.get('content-type')).toBe('application/problem+json');
    expect(await replayed.json()).toMatchObject({ code: 'ERR_REPLAY' });
  });

  it('rejects malformed, oversized and wrongly signed input with problem details, and keeps serving', async () => {
    const post = (path: string, body: string) => fetch(`${bank.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const garbage = await post('/ace', JSON.stringify({ message: 'not.a.jws' }));
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ code: 'ERR_MALFORMED' });
    expect(await (await post('/ace', '{')).json()).toMatchObject({ code: 'ERR_MALFORMED' });
    const huge = await post('/actions', JSON.stringify({ action: 'x'.repeat(300 * 1024) }));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
    // Mallory signs an advertise in customer-support's name with her own key.
    const agent = (await support.node.store.getAgent('customer-support'))!;
    const nonce = createNonce();
    const presentation = await presentAsAgent(support.node, { agent: 'customer-support', audience: teller, nonce });
    const forged = await createAdvertise({ signer: { ...mallory.signer, kid: agent.kid }, audience: teller, presentation, nonce, intents: [{ action: 'call', resource: 'billing:refund' }], clock });
    const wrongKey = await post('/ace', JSON.stringify({ message: forged.token }));
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    // Mallory signs an action under customer-support's session with her key.
    const stored = (await support.node.store.getPeerSession('customer-support', teller))!;
    const stolen = await createSignedAction({ signer: { ...mallory.signer, kid: agent.kid }, audience: teller, session: stored.token, action: 'call', resource: 'billing:refund', clock });
    const refused = await post('/actions', JSON.stringify({ action: stolen.token }));
    expect(refused.status).toBe(401);
    expect((await fetch(`${bank.url}/healthz`)).status).toBe(200);
  });

  it('denies the next action once the revoked credential’s status list is refetched', async () => {
    // The session token and the chain behind it sit in the bank's signature memo, verified once: status still counts.
    const kept = bank.node.signatureMemo.size;
    expect(kept).toBeGreaterThanOrEqual(2);
    await changeStatus(support.node, credentialId, 'revoke');
    // Within the bank's status cache the revocation is not yet seen.
    expect(await act(support.node, refund(5))).toMatchObject({ decision: 'allow' });
    offset += STATUS_LIST_TTL_MS + 5_000;
    const denied = await act(support.node, refund(5));
    expect(denied.decision).toBe('deny');
    expect((denied.reasons as { code: string }[]).map((r) => r.code)).toContain('ERR_REVOKED');
    expect(bank.node.signatureMemo.size).toBeGreaterThanOrEqual(kept);
  });

  it('writes every decision to a verifiable audit log, attributed to the owner', async () => {
    const { verifyAudit, auditTrail } = await import('../../src/audit/index.js');
    for (const org of [bank, support]) {
      const result = await verifyAudit({ store: org.node.store, resolver: org.node.resolver });
      expect(result.ok, JSON.stringify(result.firstBad)).toBe(true);
    }
    const agentDid = (await support.node.store.getAgent('customer-support'))!.did;
    const carolDid = (await support.node.store.getAgent('carol'))!.did;
    const trail = await auditTrail(bank.node.store, agentDid);
    const actions = trail.filter((e) => e.type === 'action');
    expect(actions.map((e) => e.decision)).toEqual(expect.arrayContaining(['allow', 'deny', 'approval_required']));
    for (const e of actions.filter((a) => a.decision !== undefined && a.chain !== undefined)) expect(e.chain!.at(-1)).toBe(carolDid);
    // Verified actions: the session's agent (its outermost act) acted, for carol (its sub): current actor first, owner last.
    for (const e of actions.filter((a) => a.decision === 'allow')) expect(e).toMatchObject({ agent: agentDid, owner: carolDid, chain: [agentDid, carolDid] });
    // The replayed action was refused before any decision, and logged as such.
    expect(actions.find((e) => e.decision === 'deny' && e.reasons?.[0] === 'ERR_REPLAY')).toMatchObject({ action: 'call', resource: 'billing:refund' });
    expect(actions.find((e) => e.reasons?.includes('ERR_CONSTRAINT_AMOUNT'))?.signedAction).toMatch(/^ey/);
    expect(trail.some((e) => e.type === 'handshake' && e.decision === 'allow')).toBe(true);
    // support's own log: the agent, its credential, and the closure its approval inbox kept (node/approvals).
    const types = new Set((await auditTrail(support.node.store, agentDid)).map((e) => e.type));
    expect(types).toEqual(new Set(['agent', 'issuance', 'approval']));
  });

  it('counts handshakes and decisions in /metrics', async () => {
    const text = await (await fetch(`${bank.url}/metrics`)).text();
    expect(text).toMatch(/legate_handshakes_total\{[^}]*type="advertise"[^}]*\} 1/);
    // Its confirm came with the first action, and counts as a confirm all the same.
    expect(text).toMatch(/legate_handshakes_total\{[^}]*type="confirm"[^}]*\} 1/);
    expect(text).toMatch(/legate_action_decisions_total\{decision="allow",code=""\} \d+/);
    expect(text).toMatch(/legate_action_decisions_total\{decision="deny",code="ERR_CONSTRAINT_AMOUNT"\} 1/);
    expect(text).toMatch(/legate_action_decisions_total\{decision="refused",code="ERR_REPLAY"\} 1/);
  });
});
