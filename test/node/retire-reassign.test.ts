// acme retires alice and hands her live credentials to dave (#17 item 4), at an injected clock:
//   acme (did:web:acme.example) -> alice (owner carol): two live credentials, one revoked, one expired, one delegated to bob
//   dave (owner erin) takes over: same limits and expiry, carol still the owner unless another is named, lineage kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentCapabilityCredential } from '../../src/credential/types.js';
import { readUnverified } from '../../src/credential/verify-secured.js';
import { createAgent, getAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { delegateFromAgent } from '../../src/node/delegate.js';
import { issueToAgent } from '../../src/node/issue.js';
import { retireAgent } from '../../src/node/retire.js';
import { changeStatus, credentialStatus } from '../../src/node/status.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice, OWNER } from './acme.js';

const HOUR = 3_600_000;
const REFUND = { action: 'call', resource: 'billing:refund', constraints: { budget: { value: 100, currency: 'USD', period: 'P1D' } } };
const READ = { action: 'read', resource: 'billing:invoices' };

let now: Date;
const clock = () => new Date(now.getTime());
let node: NodeContext;

beforeEach(async () => {
  now = new Date(NOW.getTime());
  ({ node } = await acmeWithAlice('legate-reassign-', clock));
  await createAgent(node, { name: 'bob', owner: OWNER });
  await createAgent(node, { name: 'dave', owner: 'mailto:erin@acme.example' });
});
afterEach(() => node.close());

const stored = async (id: string) => readUnverified((await node.store.getCredential(id))!.token) as unknown as AgentCapabilityCredential;

describe('retireAgent with reassignTo', () => {
  it("issues the retiring agent's live credentials to the replacement with the same limits and expiry, then revokes hers", async () => {
    const refund = await issueToAgent(node, { agent: 'alice', capabilities: [REFUND], validFor: 'P7D', delegation: { depth: 0, maxDepth: 1 } });
    const read = await issueToAgent(node, { agent: 'alice', capabilities: [READ], validFor: 'P1D', format: 'di' });
    const revoked = await issueToAgent(node, { agent: 'alice', capabilities: [READ], validFor: 'P1D' });
    await issueToAgent(node, { agent: 'alice', capabilities: [READ], validFor: 'PT1H' });
    await changeStatus(node, revoked.id, 'revoke');
    const child = await delegateFromAgent(node, { from: 'alice', credential: refund.jwt, to: 'bob', capability: { action: 'call', resource: 'billing:refund' } });
    now = new Date(now.getTime() + 2 * HOUR); // the hour-long one has expired

    const result = await retireAgent(node, 'alice', { reassignTo: 'dave' });
    expect(result.reassigned.map((r) => r.from).sort()).toEqual([refund.id, read.id].sort());
    const dave = await getAgent(node, 'dave');
    for (const { from, to } of result.reassigned) {
      const [old, renewed] = [await stored(from), await stored(to)];
      expect(renewed.credentialSubject).toMatchObject({
        id: dave.did,
        owner: OWNER,
        lineage: from,
        capabilities: old.credentialSubject.capabilities,
        ...(old.credentialSubject.delegation === undefined ? {} : { delegation: old.credentialSubject.delegation }),
      });
      expect(renewed.validUntil).toBe(old.validUntil);
      expect((await node.store.getCredential(to))!.format).toBe((await node.store.getCredential(from))!.format);
      expect(await credentialStatus(node, to)).toEqual({ revoked: false, suspended: false });
      expect((await credentialStatus(node, from)).revoked).toBe(true);
    }
    // Her delegate to bob goes with her; the replacement's credentials are not below it.
    expect(result.revoked).toContain(child.id);
    expect((await getAgent(node, 'alice')).status).toBe('retired');
    const entry = (await node.store.listAuditEntries())
      .map((e) => JSON.parse(e.entry) as { type: string; action?: string; details?: { reassignedTo?: string; reassigned?: unknown[] } })
      .find((e) => e.type === 'agent' && e.action === 'retire');
    expect(entry?.details).toEqual({ reassignedTo: dave.did, reassigned: result.reassigned });
  });

  it('names another owner when one is given', async () => {
    await issueToAgent(node, { agent: 'alice', capabilities: [REFUND] });
    const { reassigned } = await retireAgent(node, 'alice', { reassignTo: 'dave', owner: 'mailto:erin@acme.example' });
    expect((await stored(reassigned[0]!.to)).credentialSubject.owner).toBe('mailto:erin@acme.example');
  });

  it('refuses a retired, unknown or identical replacement and changes nothing', async () => {
    const live = await issueToAgent(node, { agent: 'alice', capabilities: [REFUND] });
    await retireAgent(node, 'bob');
    const count = (await node.store.listCredentials()).length;
    await expect(retireAgent(node, 'alice', { reassignTo: 'bob' })).rejects.toMatchObject({ code: 'ERR_CONFLICT', reason: 'retired', claim: 'reassignTo' });
    await expect(retireAgent(node, 'alice', { reassignTo: 'nobody' })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(retireAgent(node, 'alice', { reassignTo: 'alice' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'reassignTo' });
    expect((await getAgent(node, 'alice')).status).toBe('active');
    expect(await credentialStatus(node, live.id)).toEqual({ revoked: false, suspended: false });
    expect((await node.store.listCredentials()).length).toBe(count);
  });

  it('without a replacement reassigns nothing', async () => {
    await issueToAgent(node, { agent: 'alice', capabilities: [REFUND] });
    expect((await retireAgent(node, 'alice')).reassigned).toEqual([]);
  });
});
