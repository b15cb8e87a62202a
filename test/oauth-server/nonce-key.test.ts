// The authorization server's nonce key is state of the node instance (docs/ARCHITECTURE.md rule 6), not of
// the module: each node keeps its own issuer in node.nonceKeys; a transaction's view shares it; two
// instances over one store keep separate caches yet issue and accept the same nonces (one organization key).
import { describe, expect, it } from 'vitest';
import { transactionView } from '../../src/node/context.js';
import { nonceIssuerOf } from '../../src/node/oauth/nonce-key.js';
import { openNode } from '../../src/node/open.js';
import { organizationSigner } from '../../src/node/signers.js';
import type { NodeContext } from '../../src/node/context.js';
import { useBank } from './pdp-fixture.js';

const issuerOf = async (node: NodeContext) => nonceIssuerOf(node, await organizationSigner(node));

const ctx = useBank();

describe('nonce key state', () => {
  it('lives in the node instance, shared by its transaction views, rebuilt for a new lifetime', async () => {
    const { node } = ctx.bank;
    expect(node.nonceKeys.current).toBeUndefined();
    const issuer = await issuerOf(node);
    expect(node.nonceKeys.current?.issuer).toBe(issuer);
    expect(await issuerOf(node)).toBe(issuer);
    await node.store.transaction(async (tx) => expect(await issuerOf(transactionView(node, tx))).toBe(issuer));
    node.oauth = { ...node.oauth, nonceLifetimeSeconds: 60 };
    const shorter = await issuerOf(node);
    expect(shorter).not.toBe(issuer);
    expect(node.nonceKeys.current).toMatchObject({ lifetime: 60, issuer: shorter });
  });

  it('is separate per instance, while the nonces agree across instances of one organization', async () => {
    const other = await openNode({ dataDir: ctx.bank.node.dataDir, clock: ctx.clock });
    try {
      const mine = await issuerOf(ctx.bank.node);
      expect(other.nonceKeys.current).toBeUndefined();
      const theirs = await issuerOf(other);
      expect(theirs).not.toBe(mine);
      expect(theirs.check(mine.issue())).toBe('ok');
      expect(mine.check(theirs.issue())).toBe('ok');
    } finally {
      await other.close();
    }
  });
});
