// acme (did:web:acme.example) -> alice -> helper (did:key agent of acme) / bob (a DID elsewhere):
// what a delegated child inherits from its parent, and whom --to names.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Capability, Constraints } from '../../src/credential/types.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { delegateFromAgent } from '../../src/node/delegate.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { retireAgent } from '../../src/node/retire.js';
import { bob, NOW } from '../fixtures.js';

const OWNER = 'mailto:carol@acme.example';
const readRecords: Capability = { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' };
const refund: Capability = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } };
const closeAccount: Capability = { action: 'close', resource: 'billing:account_closure', constraints: { requireApproval: true } };
const hours: Constraints = { timeWindow: { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '09:00', end: '17:00', timeZone: 'Europe/Paris' } };

const clock = () => new Date(NOW.getTime());
let node: NodeContext;
let parent: string;
let helper: string;

beforeEach(async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-delegate-')), 'acme');
  await initNode({ dataDir, domain: 'acme.example', clock });
  node = await openNode({ dataDir, clock });
  await createAgent(node, { name: 'alice', owner: OWNER });
  helper = (await createAgent(node, { name: 'helper', owner: OWNER, method: 'key' })).did;
  parent = (
    await issueToAgent(node, { agent: 'alice', capabilities: [readRecords, refund, closeAccount], constraints: hours, delegation: { depth: 0, maxDepth: 1 } })
  ).id;
});
afterEach(() => node.close());

describe('delegateFromAgent: the child inherits what it does not narrow', () => {
  it("inherits the parent capability's scope when the child names none", async () => {
    const child = await delegateFromAgent(node, { from: 'alice', credential: parent, to: bob.did, capability: { action: 'read', resource: 'crm:customer_records' } });
    expect(child.credential.credentialSubject.capabilities).toEqual([readRecords]);
    const same = await delegateFromAgent(node, { from: 'alice', credential: parent, to: bob.did, capability: readRecords });
    expect(same.credential.credentialSubject.capabilities).toEqual([readRecords]);
  });

  it('refuses another scope with ERR_CAPABILITY_WIDENED, saying it is the scope', async () => {
    await expect(
      delegateFromAgent(node, { from: 'alice', credential: parent, to: bob.did, capability: { ...readRecords, scope: 'all_tickets' } }),
    ).rejects.toMatchObject({
      code: 'ERR_CAPABILITY_WIDENED',
      reason: 'scope',
      message: "scope: the parent holds read crm:customer_records only with scope 'assigned_tickets_only', not 'all_tickets'",
    });
    await expect(delegateFromAgent(node, { from: 'alice', credential: parent, to: bob.did, capability: { action: 'write', resource: 'crm:customer_records' } })).rejects.toMatchObject({
      code: 'ERR_CAPABILITY_WIDENED',
      message: 'no capability of the parent covers write crm:customer_records',
    });
  });

  it("inherits the capability's constraints and the shared ones; given ones only tighten", async () => {
    const child = await delegateFromAgent(node, {
      from: 'alice',
      credential: parent,
      to: bob.did,
      capabilities: [{ action: 'call', resource: 'billing:refund' }, { action: 'close', resource: 'billing:account_closure' }],
      constraints: { timeWindow: { ...hours.timeWindow!, start: '10:00' } },
    });
    expect(child.credential.credentialSubject).toMatchObject({
      capabilities: [refund, closeAccount],
      constraints: { timeWindow: { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '10:00', end: '17:00', timeZone: 'Europe/Paris' } },
    });
    const inherited = await delegateFromAgent(node, { from: 'alice', credential: parent, to: bob.did, capability: { action: 'call', resource: 'billing:refund' } });
    expect(inherited.credential.credentialSubject.constraints).toEqual(hours);
    await expect(
      delegateFromAgent(node, { from: 'alice', credential: parent, to: bob.did, capability: refund, constraints: { timeWindow: { ...hours.timeWindow!, end: '20:00' } } }),
    ).rejects.toMatchObject({ code: 'ERR_CAPABILITY_WIDENED' });
  });

  it('takes one capability or a list, not both and not none', async () => {
    for (const wrong of [{}, { capability: refund, capabilities: [refund] }, { capabilities: [] }]) {
      await expect(delegateFromAgent(node, { from: 'alice', credential: parent, to: bob.did, ...wrong })).rejects.toMatchObject({
        code: 'ERR_INVALID_ARGUMENT',
        claim: 'capabilities',
      });
    }
  });
});

describe('delegateFromAgent: to', () => {
  it("takes a local agent's name for its DID", async () => {
    const child = await delegateFromAgent(node, { from: 'alice', credential: parent, to: 'helper', capability: refund });
    expect(child.credential.credentialSubject.id).toBe(helper);
    expect((await node.store.getCredential(child.id))?.subject).toBe(helper);
  });

  it('refuses a name that is no local agent, and a retired agent, with their codes', async () => {
    await expect(delegateFromAgent(node, { from: 'alice', credential: parent, to: 'nobody', capability: refund })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      claim: 'to',
      message: 'nobody is neither a DID nor the name of an agent of this node',
    });
    await expect(delegateFromAgent(node, { from: 'alice', credential: parent, to: 'did:key:not a key', capability: refund })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      claim: 'to',
      message: 'did:key:not a key is not a valid DID',
    });
    await retireAgent(node, 'helper');
    await expect(delegateFromAgent(node, { from: 'alice', credential: parent, to: 'helper', capability: refund })).rejects.toMatchObject({
      code: 'ERR_CONFLICT',
      reason: 'retired',
    });
  });
});
