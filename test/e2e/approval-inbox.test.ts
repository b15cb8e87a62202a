// The human approval inbox between two real nodes on loopback (#18): bank's teller requires approval for
// account closures; support's agent customer-support acts, bank answers approval_required with what to approve
// and whose approval it accepts (storing nothing), and support's node puts the request in its inbox. The owner
// (carol, a did:key support holds) approves in one step; the agent retries once and is allowed; a second retry
// is refused. An operator of support's is accepted through support's attestation (an ApproverCredential), an
// attestation by anyone else is refused, bank's own named approvers count too; a denial, an expired request, the
// inbox's bound, and the refusals' codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { approveRequest, denyRequest } from '../../src/node/approvals/decide.js';
import { listApprovalRequests } from '../../src/node/approvals/list.js';
import { MAX_PENDING_PER_AGENT, recordApprovalRequest } from '../../src/node/approvals/record.js';
import { retryApproved } from '../../src/node/approvals/retry.js';
import { issueApproverCredential } from '../../src/action/approver-credential.js';
import { addApprover } from '../../src/node/approvers.js';
import { issueToAgent } from '../../src/node/issue.js';
import { addOperator } from '../../src/node/operators/add.js';
import { act, handshake } from '../../src/node/peer.js';
import { accredit } from '../../src/node/registry.js';
import { mallory } from '../fixtures.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

let offset = 0;
const clock = () => new Date(Date.now() + offset);

describe('the approval inbox', () => {
  let bank: RunningNode;
  let support: RunningNode;
  let teller: string;
  let carol: string;
  const close = (n: number) => ({ agent: 'customer-support', peer: teller, action: 'close', resource: 'billing:account_closure', params: { account: `acct-${n}` } });

  beforeAll(async () => {
    bank = await startNode('bank', { clock, sessionLifetimeSeconds: 7200, statusPush: { enabled: false } });
    support = await startNode('support', { clock, statusPush: { enabled: false } });
    await accredit(bank.node, { issuer: support.did, capabilities: ['close:billing:account_closure'] });
    await accredit(support.node, { issuer: bank.did, capabilities: ['serve:billing:*'] });
    teller = (await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@northwind.example' })).did;
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:closures' }] });
    carol = (await createAgent(support.node, { name: 'carol', owner: 'mailto:carol@helpdesk.example', method: 'key' })).did;
    await createAgent(support.node, { name: 'customer-support', owner: carol });
    await issueToAgent(support.node, { agent: 'customer-support', capabilities: [{ action: 'close', resource: 'billing:account_closure', constraints: { requireApproval: true } }] });
    await handshake(support.node, { agent: 'customer-support', peer: teller });
  }, 60_000);
  afterAll(async () => {
    await bank?.server.close();
    await support?.server.close();
  });

  it('asks, is approved by the owner in one step, and is allowed on the one retry', async () => {
    const asked = await act(support.node, close(1));
    expect(asked).toMatchObject({ decision: 'approval_required', reasons: [{ code: 'ERR_APPROVAL_REQUIRED' }], approvalRequest: { verifier: bank.did } });
    expect(asked.approvalRequest?.accepts.join(' ')).toContain(carol);
    expect(asked.inboxId).toMatch(/^urn:uuid:/);
    const [listed] = await listApprovalRequests(support.node, { status: 'pending' });
    expect(listed).toMatchObject({ id: asked.inboxId, agent: 'customer-support', peer: teller, actionHash: asked.actionHash, request: { action: 'close', params: { account: 'acct-1' } } });
    expect(listed!.attribution.at(-1)).toBe(carol);

    const approved = await approveRequest(support.node, asked.inboxId!, { approver: carol, operator: 'dana' });
    expect(approved).toMatchObject({ status: 'approved', decidedBy: carol, operator: 'dana', approval: expect.any(String) as unknown });
    await expect(approveRequest(support.node, asked.inboxId!, { approver: carol })).rejects.toMatchObject({ code: 'ERR_CONFLICT' });

    const retried = await retryApproved(support.node, asked.inboxId!);
    expect(retried).toMatchObject({ decision: 'allow' });
    expect((await support.node.store.getApprovalRequest(asked.inboxId!))?.status).toBe('used');
    await expect(retryApproved(support.node, asked.inboxId!)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
  });

  it('records a denial with its reason, and never retries it', async () => {
    const { inboxId } = await act(support.node, close(2));
    const denied = await denyRequest(support.node, inboxId!, { approver: carol, reason: 'customer called back' });
    expect(denied).toMatchObject({ status: 'denied', reason: 'customer called back' });
    await expect(retryApproved(support.node, inboxId!)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
  });

  it("accepts an operator of support's, attested by support, whom bank trusts for closures; refuses an attestation by anyone else", async () => {
    const erin = await addOperator(support.node, { name: 'erin', role: 'approver', password: 'erin-approves-closures', actor: 'test' });
    const { inboxId } = await act(support.node, close(3));
    const approved = await approveRequest(support.node, inboxId!, { approver: erin.did!, operator: 'erin' });
    // support's organization attests erin for as long as the approval lasts; bank names nobody.
    expect(approved.approverCredential).toMatch(/^ey/);
    expect(await retryApproved(support.node, inboxId!)).toMatchObject({ decision: 'allow' });

    // mallory attests herself: refused on the stated issuer (not the root of the agent's authority).
    const { inboxId: next } = await act(support.node, close(4));
    const decided = await approveRequest(support.node, next!, { approver: erin.did!, operator: 'erin' });
    const forged = await issueApproverCredential({ signer: mallory.signer, approver: erin.did!, lifetimeSeconds: 600 });
    const refused = await act(support.node, { ...close(4), approval: decided.approval!, approverCredential: forged.jwt });
    expect(refused.decision).not.toBe('allow');
    expect(refused.reasons.map((r) => r.code)).toContain('ERR_UNTRUSTED_ISSUER');

    // Without the attestation, bank accepts erin only once it names her itself.
    const { inboxId: third } = await act(support.node, close(5));
    const plain = await approveRequest(support.node, third!, { approver: erin.did!, operator: 'erin' });
    expect((await act(support.node, { ...close(5), approval: plain.approval! })).reasons.map((r) => r.code)).toContain('ERR_APPROVAL_REQUIRED');
    await addApprover(bank.node, erin.did!);
    expect(await act(support.node, { ...close(5), approval: plain.approval! })).toMatchObject({ decision: 'allow' });
  });

  it('refuses unknown requests, approvers whose key the node does not hold, and a full inbox', async () => {
    await expect(approveRequest(support.node, 'urn:uuid:nope', { approver: carol })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(retryApproved(support.node, 'urn:uuid:nope')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    const { inboxId } = await act(support.node, close(6));
    await expect(approveRequest(support.node, inboxId!, { approver: 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH' })).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    await expect(denyRequest(support.node, inboxId!, { approver: carol, reason: 'x'.repeat(501) })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(listApprovalRequests(support.node, { status: 'maybe' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });

    const pending = (await listApprovalRequests(support.node, { status: 'pending', agent: 'filler' })).length;
    const asked = { agent: 'filler', peer: teller, request: { action: 'close', resource: 'billing:account_closure' }, actionHash: 'h', attribution: [carol] };
    for (let i = pending; i < MAX_PENDING_PER_AGENT; i++) await recordApprovalRequest(support.node, asked);
    await expect(recordApprovalRequest(support.node, asked)).rejects.toMatchObject({ code: 'ERR_APPROVAL_INBOX_FULL' });
  });

  it('lets a request expire after an hour: it cannot be decided then', async () => {
    const { inboxId } = await act(support.node, close(7));
    offset += 61 * 60_000;
    expect((await listApprovalRequests(support.node, { status: 'expired' })).map((r) => r.id)).toContain(inboxId);
    await expect(approveRequest(support.node, inboxId!, { approver: carol })).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    expect((await support.node.store.getApprovalRequest(inboxId!))?.status).toBe('expired');
  });
});
