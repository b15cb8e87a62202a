// Rotating a did:key agent: acme's helper (did:key, owner carol) rotates into helper-2,
// which gets its live credentials reissued; the old agent keeps working until retired.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAuditEntry } from '../../src/audit/entry.js';
import { readUnverified } from '../../src/credential/verify-secured.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { delegateFromAgent } from '../../src/node/delegate.js';
import { issueToAgent } from '../../src/node/issue.js';
import { rotateDidKeyAgent } from '../../src/node/key-rotate-did-key.js';
import { rotateAgentKey } from '../../src/node/key-rotate.js';
import { changeStatus } from '../../src/node/status.js';
import { verificationOptions } from '../../src/node/verify.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice, OWNER } from './acme.js';

const DAY = 86_400_000;
const refund = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } };
let now: Date;
const clock = () => new Date(now.getTime());
let node: NodeContext;

beforeEach(async () => {
  now = new Date(NOW.getTime());
  ({ node } = await acmeWithAlice('legate-keyrotate-didkey-', clock));
  await createAgent(node, { name: 'helper', owner: OWNER, method: 'key' });
});
afterEach(() => node.close());

describe('rotating a did:key agent into a successor', () => {
  it('registers the successor and reissues its live credentials with the same limits, form and expiry', async () => {
    const helper = (await node.store.getAgent('helper'))!;
    const jwt = await issueToAgent(node, { agent: 'helper', capabilities: [refund], agentVersion: '1.2', validFor: 'P10D', delegation: { depth: 0, maxDepth: 1 } });
    const di = await issueToAgent(node, { agent: 'helper', capabilities: [refund], format: 'di', validFor: 'P2D' });
    const revoked = await issueToAgent(node, { agent: 'helper', capabilities: [refund] });
    await changeStatus(node, revoked.id, 'revoke');
    await issueToAgent(node, { agent: 'helper', capabilities: [refund], validFor: 'P1D' });
    // Delegated to helper by alice: not the organization's to reissue.
    const parent = await issueToAgent(node, { agent: 'alice', capabilities: [refund], delegation: { depth: 0, maxDepth: 1 } });
    const delegated = await delegateFromAgent(node, { from: 'alice', to: 'helper', credential: parent.id, capability: refund });
    now = new Date(NOW.getTime() + DAY); // the one-day credential has expired

    const rotation = await rotateDidKeyAgent(node, 'helper', 'helper-2');
    const successor = (await node.store.getAgent('helper-2'))!;
    expect(rotation).toMatchObject({ agent: 'helper', successor: 'helper-2', oldDid: helper.did, newDid: successor.did, oldKid: helper.kid, newKid: successor.kid, notReissued: [delegated.id] });
    expect(successor).toMatchObject({ method: 'key', owner: OWNER, status: 'active' });
    expect(rotation.reissued.map((r) => r.from)).toEqual([jwt.id, di.id]);

    const [first, second] = await Promise.all(rotation.reissued.map(async (r) => (await node.store.getCredential(r.to))!));
    expect(first).toMatchObject({ subject: successor.did, format: 'vc+jwt', validUntil: jwt.credential.validUntil });
    expect(second).toMatchObject({ subject: successor.did, format: 'vc+ld+json', validUntil: di.credential.validUntil });
    expect(readUnverified(first!.token)?.credentialSubject).toMatchObject({ id: successor.did, owner: OWNER, capabilities: [refund], agent: { version: '1.2' }, delegation: { depth: 0, maxDepth: 1 } });
    // Each continues its predecessor's lineage: budgets and rate limits carry over to the new DID.
    expect(readUnverified(first!.token)?.credentialSubject).toMatchObject({ lineage: jwt.id });
    expect(readUnverified(second!.token)?.credentialSubject).toMatchObject({ lineage: di.id });
    expect((await verifyCapabilityCredential(first!.token, verificationOptions(node))).errors).toEqual([]);
    // The old agent is left as it was: its sessions and credentials run until they end.
    expect((await node.store.getAgent('helper'))!.status).toBe('active');
    expect((await verifyCapabilityCredential(jwt.jwt, verificationOptions(node))).errors).toEqual([]);

    const entries = (await node.store.listAuditEntries()).map((r) => readAuditEntry(r.entry)?.entry).filter((e) => e?.action === 'key-rotate');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ type: 'key', agent: helper.did, details: { oldKid: helper.kid, newKid: successor.kid, successor: 'helper-2', reissued: 2 } });
  });

  it('refuses a did:web agent (ERR_INVALID_ARGUMENT), a taken successor name (ERR_CONFLICT), an unknown agent (ERR_NOT_FOUND), and in place (ERR_KEY_ROTATION_UNSUPPORTED)', async () => {
    await expect(rotateDidKeyAgent(node, 'alice', 'alice-2')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'successor' });
    await expect(rotateDidKeyAgent(node, 'helper', 'alice')).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    await expect(rotateDidKeyAgent(node, 'nobody', 'nobody-2')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(rotateAgentKey(node, 'helper')).rejects.toMatchObject({ code: 'ERR_KEY_ROTATION_UNSUPPORTED' });
  });
});
