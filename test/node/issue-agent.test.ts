// acme issues to alice one credential after another: outside a transaction the agent comes from the node's kept
// read (no row read per issuance), yet a retirement, here or in a transaction being written, is seen at once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { inTransaction, isTransactionView, type NodeContext } from '../../src/node/context.js';
import { issueToAgent } from '../../src/node/issue.js';
import { retireAgent } from '../../src/node/retire.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice, OWNER } from './acme.js';

const refund = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } };
const clock = () => new Date(NOW.getTime());
let node: NodeContext;

beforeEach(async () => {
  ({ node } = await acmeWithAlice('legate-issue-agent-', clock));
});
afterEach(() => node.close());

describe('issueToAgent: the agent it issues to', () => {
  it('reads the agent again only when something moved the store, not at every issuance', async () => {
    const reads = vi.spyOn(node.store, 'getAgent');
    // The first issuance opens the status lists, which moves the store's change stamp: the second reads the agent again.
    const first = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const before = reads.mock.calls.length;
    expect(before).toBeGreaterThan(0);
    const later = [];
    for (let i = 0; i < 3; i++) later.push(await issueToAgent(node, { agent: 'alice', capabilities: [refund] }));
    expect(reads.mock.calls.length).toBe(before);
    for (const c of later) expect(c.credential.credentialSubject).toMatchObject({ id: first.credential.credentialSubject.id, owner: OWNER });
  });

  it('refuses an agent retired after it was kept (ERR_CONFLICT), and one never created (ERR_NOT_FOUND)', async () => {
    await createAgent(node, { name: 'bob', owner: 'mailto:dave@acme.example' });
    await issueToAgent(node, { agent: 'bob', capabilities: [refund] });
    await retireAgent(node, 'bob');
    await expect(issueToAgent(node, { agent: 'bob', capabilities: [refund] })).rejects.toMatchObject({ code: 'ERR_CONFLICT', claim: 'agent', reason: 'retired' });
    await expect(issueToAgent(node, { agent: 'mallory', capabilities: [refund] })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', claim: 'name' });
  });

  it('inside a transaction, reads through it: a retirement written there, not yet committed, is refused', async () => {
    await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const rolledBack = new Error('roll back');
    const outcome = await inTransaction(node, async (tx) => {
      expect(isTransactionView(tx)).toBe(true);
      await tx.store.setAgentStatus('alice', 'retired');
      const refused = await issueToAgent(tx, { agent: 'alice', capabilities: [refund] }).catch((error: unknown) => error);
      throw Object.assign(rolledBack, { refused });
    }).catch((error: unknown) => error);
    expect(outcome).toBe(rolledBack);
    expect((outcome as { refused: unknown }).refused).toMatchObject({ code: 'ERR_CONFLICT', reason: 'retired' });
    // Rolled back: alice is active, and issued to as before.
    expect(isTransactionView(node)).toBe(false);
    await expect(issueToAgent(node, { agent: 'alice', capabilities: [refund] })).resolves.toMatchObject({ credential: { credentialSubject: { owner: OWNER } } });
  });
});
