// The authorization server's nonce key is state of the node instance (docs/ARCHITECTURE.md rule 6), not of
// the module: each node keeps its own issuer in node.nonceKeys; a transaction's view shares it; two
// instances over one store keep separate caches yet issue and accept the same nonces (one organization key).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transactionView } from '../../src/node/context.js';
import { nonceIssuerOf } from '../../src/node/oauth/nonce-key.js';
import { openNode } from '../../src/node/open.js';
import { NOW } from '../fixtures.js';
import { openBank, type Bank } from './pdp-fixture.js';

const clock = () => new Date(NOW.getTime());
let bank: Bank;

beforeEach(async () => {
  bank = await openBank(clock);
});
afterEach(() => bank.node.close());

describe('nonce key state', () => {
  it('lives in the node instance, shared by its transaction views, rebuilt for a new lifetime', async () => {
    const { node } = bank;
    expect(node.nonceKeys.current).toBeUndefined();
    const issuer = await nonceIssuerOf(node);
    expect(node.nonceKeys.current?.issuer).toBe(issuer);
    expect(await nonceIssuerOf(node)).toBe(issuer);
    await node.store.transaction(async (tx) => expect(await nonceIssuerOf(transactionView(node, tx))).toBe(issuer));
    node.oauth = { ...node.oauth, nonceLifetimeSeconds: 60 };
    const shorter = await nonceIssuerOf(node);
    expect(shorter).not.toBe(issuer);
    expect(node.nonceKeys.current).toMatchObject({ lifetime: 60, issuer: shorter });
  });

  it('is separate per instance, while the nonces agree across instances of one organization', async () => {
    const other = await openNode({ dataDir: bank.node.dataDir, clock });
    try {
      const mine = await nonceIssuerOf(bank.node);
      expect(other.nonceKeys.current).toBeUndefined();
      const theirs = await nonceIssuerOf(other);
      expect(theirs).not.toBe(mine);
      expect(theirs.check(mine.issue())).toBe('ok');
      expect(mine.check(theirs.issue())).toBe('ok');
    } finally {
      await other.close();
    }
  });
});
