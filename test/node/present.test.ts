// acme provisions alice and its did:key helper with many credentials: an agent presents its newest unexpired
// credentials with their chains, at most one presentation's worth (32 tokens), and never fails for holding more.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPresentation, MAX_PRESENTED_CREDENTIALS } from '../../src/presentation/create.js';
import { verifyPresentation } from '../../src/presentation/verify.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { delegateFromAgent } from '../../src/node/delegate.js';
import { issueToAgent } from '../../src/node/issue.js';
import { issueMany } from '../../src/node/issue-many.js';
import { heldCredentials, MAX_HELD_SEARCHED, presentAsAgent } from '../../src/node/present.js';
import { agentSigner } from '../../src/node/signers.js';
import type { AgentRecord } from '../../src/store/types.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice, OWNER } from './acme.js';

const clock = () => new Date(NOW.getTime());
const AUDIENCE = 'did:web:bank.example';
const NONCE = 'n-0123456789abcdef';
let node: NodeContext;
let alice: AgentRecord;
let helper: AgentRecord;

const roots = (agent: string, n: number) => issueMany(node, Array.from({ length: n }, (_, i) => ({ agent, capabilities: [{ action: 'call', resource: `billing:r${i}` }] })));
const jwts = (issued: readonly object[]) => issued.map((c) => (c as { jwt: string }).jwt);

beforeEach(async () => {
  ({ node } = await acmeWithAlice('legate-present-', clock));
  alice = (await node.store.getAgent('alice'))!;
  helper = await createAgent(node, { name: 'helper', owner: OWNER, method: 'key' });
});
afterEach(() => node.close());

describe('heldCredentials', () => {
  it('gives the newest 32 of an agent holding more, and the presentation of them verifies', async () => {
    const issued = jwts(await roots('alice', MAX_PRESENTED_CREDENTIALS + 8));
    const held = await heldCredentials(node, alice);
    expect(held).toEqual(issued.slice(-MAX_PRESENTED_CREDENTIALS).reverse());
    const vp = await presentAsAgent(node, { agent: 'alice', audience: AUDIENCE, nonce: NONCE });
    const verified = await verifyPresentation(vp, { resolver: node.resolver, audience: AUDIENCE, nonce: NONCE, clock });
    expect(verified.errors).toEqual([]);
    expect(verified.verified).toBe(true);
  });

  it('follows each credential with its chain, and leaves out one whose chain no longer fits', async () => {
    const parent = await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }], delegation: { depth: 0, maxDepth: 1 } });
    const child = await delegateFromAgent(node, { from: 'alice', credential: parent.id, to: helper.did, capability: { action: 'call', resource: 'billing:refund' } });
    expect(await heldCredentials(node, helper)).toEqual([child.jwt, parent.jwt]);

    // 30 newer roots: the child and its parent still fit, 32 in all.
    const thirty = jwts(await roots('helper', MAX_PRESENTED_CREDENTIALS - 2)).reverse();
    expect(await heldCredentials(node, helper)).toEqual([...thirty, child.jwt, parent.jwt]);
    // One more: the child's chain would make 33, so it is left out.
    const [newest] = jwts(await roots('helper', 1));
    const held = await heldCredentials(node, helper);
    expect(held).toEqual([newest, ...thirty]);
    expect(held).not.toContain(child.jwt);
  });

  it('puts first, for each intent asked for, the newest credential that contains it, however old', async () => {
    const issued = jwts(await roots('alice', MAX_PRESENTED_CREDENTIALS + 8));
    const wanted = [
      { action: 'call', resource: 'billing:r0' },
      { action: 'call', resource: 'billing:r3' },
      { action: 'call', resource: 'billing:nothing-grants-this' },
    ];
    const held = await heldCredentials(node, alice, wanted);
    expect(held).toHaveLength(MAX_PRESENTED_CREDENTIALS);
    // r3 and r0 (newest first), then the newest 30 of the rest.
    expect(held).toEqual([issued[3], issued[0], ...issued.slice(-(MAX_PRESENTED_CREDENTIALS - 2)).reverse()]);
    // A pattern intent lies within no concrete capability (the verifier's rule): the newest 32, as without intents.
    expect(await heldCredentials(node, alice, [{ action: 'call', resource: 'billing:r1*' }])).toEqual(issued.slice(-MAX_PRESENTED_CREDENTIALS).reverse());
    const vp = await createPresentation({ signer: await agentSigner(node, alice), credentials: held, audience: AUDIENCE, nonce: NONCE, clock });
    expect((await verifyPresentation(vp, { resolver: node.resolver, audience: AUDIENCE, nonce: NONCE, clock })).verified).toBe(true);
  });

  it('searches only the newest 512 for what is asked: an older credential that contains it is not found', async () => {
    const [oldest] = jwts(await roots('alice', 1));
    const newer = jwts(await roots('alice', MAX_HELD_SEARCHED));
    const held = await heldCredentials(node, alice, [{ action: 'call', resource: 'billing:r0' }]);
    // billing:r0 is granted by the oldest and by the first of the 512 newer: only the newer one is within reach.
    expect(held).not.toContain(oldest);
    expect(held[0]).toBe(newer[0]);
    expect(held).toHaveLength(MAX_PRESENTED_CREDENTIALS);
  });

  it('refuses an agent that holds no credential (ERR_NOT_FOUND)', async () => {
    await expect(heldCredentials(node, helper)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', claim: 'agent' });
  });
});
