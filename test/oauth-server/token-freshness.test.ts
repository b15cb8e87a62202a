// What the token endpoint keeps between requests (the organization's newest key, its own trust list and status
// lists, kept while the store's change stamp stays the same) never outlives a change: an accreditation, a removal,
// a revocation, a new or retired key, here or by another process on the same database, shows in the very next request.
import { describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { accredit, removeRegistryEntry } from '../../src/node/registry.js';
import { signerFor } from '../../src/node/signers.js';
import { changeStatus } from '../../src/node/status.js';
import { dpopKeyOfSigner } from '../../src/oauth/dpop.js';
import { exchange, freshNonce, headerOf, openBank, OWNER, partner, RESOURCE, type Bank, type Partner } from './helpers.js';

/** One exchange of alice's one-link chain, with a fresh nonce. */
async function aliceExchange(bank: Bank, p: Partner) {
  return exchange(bank, { holder: p.alice, credentials: [p.root], key: dpopKeyOfSigner(p.alice), nonce: await freshNonce(bank.app) });
}

const untrusted = { error: 'invalid_scope', code: 'ERR_INVALID_SCOPE', rejected: [{ action: 'call', resource: 'billing:refund', code: 'ERR_UNTRUSTED_ISSUER' }] };

describe('the token endpoint sees changes at once', () => {
  it('an accreditation, then its removal', async () => {
    const bank = await openBank();
    const p = await partner(bank, { trusted: false });
    expect((await aliceExchange(bank, p)).body).toMatchObject(untrusted);
    await accredit(bank.node, { issuer: p.acme.did, capabilities: ['call:billing:*'], maxDelegationDepth: 1 });
    expect((await aliceExchange(bank, p)).status).toBe(200);
    await removeRegistryEntry(bank.node, p.acme.did);
    expect((await aliceExchange(bank, p)).body).toMatchObject(untrusted);
    await bank.node.close();
  });

  it('an accreditation made by another process on the same data directory', async () => {
    const bank = await openBank();
    // A published trust list that does not name acme, read (and kept) by the refused exchange.
    await accredit(bank.node, { issuer: 'did:web:other.example', capabilities: ['call:billing:*'] });
    const p = await partner(bank, { trusted: false });
    expect((await aliceExchange(bank, p)).body).toMatchObject(untrusted);
    const cli = await openNode({ dataDir: bank.node.dataDir, clock: bank.clock });
    await accredit(cli, { issuer: p.acme.did, capabilities: ['call:billing:*'], maxDelegationDepth: 1 });
    await cli.close();
    // A commit in another process lands between two turns of this one's event loop: seen from the next turn.
    await new Promise((resolve) => setImmediate(resolve));
    expect((await aliceExchange(bank, p)).status).toBe(200);
    await bank.node.close();
  });

  it('the revocation of a credential the bank issued itself (its own status list)', async () => {
    const bank = await openBank();
    const agent = await createAgent(bank.node, { name: 'teller', owner: OWNER });
    const issued = await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
    const teller = await signerFor(bank.node, agent.did);
    const ask = async () =>
      exchange(bank, { holder: teller, credentials: [issued.jwt], key: dpopKeyOfSigner(teller), nonce: await freshNonce(bank.app), params: { resource: RESOURCE } });
    expect((await ask()).status).toBe(200);
    await changeStatus(bank.node, issued.id, 'revoke');
    expect((await ask()).body).toMatchObject({ error: 'invalid_grant', code: 'ERR_REVOKED' });
    await bank.node.close();
  });

  it('a retired key: the next token is signed by the newest key still active', async () => {
    const bank = await openBank();
    const p = await partner(bank);
    const did = bank.node.organization.did;
    expect(headerOf((await aliceExchange(bank, p)).body.access_token as string).kid).toBe(`${did}#key-1`);
    await bank.node.keys.generate(() => ({ kid: `${did}#key-2`, controller: did }));
    expect(headerOf((await aliceExchange(bank, p)).body.access_token as string).kid).toBe(`${did}#key-2`);
    await bank.node.store.setKeyStatus(`${did}#key-2`, 'retired');
    expect(headerOf((await aliceExchange(bank, p)).body.access_token as string).kid).toBe(`${did}#key-1`);
    await bank.node.close();
  });
});
