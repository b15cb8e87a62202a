// bank's trust registry inside a Veramo agent, over the example federation
// (test/registry/fixtures): bank accredits acme for read:crm:* and
// call:support:*, and recognizes pay (hops 1), which recognizes ledger.
import { describe, expect, it } from 'vitest';
import type { Capability } from '../../src/credential/types.js';
import { alice } from '../fixtures.js';
import { acme, bank, federationResolver, ledger, listServer, mallory, pay, standard, standardRoutes } from '../registry/fixtures.js';
import { revocationEntry, signedList } from '../status/helpers.js';
import { codes, jwtOf, legateAgent, overJson, rejection } from './helpers.js';

const readCrm: Capability = { action: 'read', resource: 'crm:customer_records' };
const refund: Capability = { action: 'call', resource: 'billing:refund' };

async function bankAgent() {
  const server = listServer(await standardRoutes());
  const agent = legateAgent({
    plugin: {
      resolver: federationResolver(),
      trust: { self: bank.did, anchors: [{ url: bank.url, issuer: bank.did, hops: 2 }], fetch: server.fetch },
    },
  });
  return { agent, server };
}

describe('legateQueryTrustRegistry', () => {
  it('answers the authorization question with the path, or the reason', async () => {
    const { agent } = await bankAgent();
    const yes = await agent.legateQueryTrustRegistry({ entity: acme.did, authorization: 'read:crm:customer_records' });
    expect(yes).toEqual({
      entity: acme.did,
      authorization: 'read:crm:customer_records',
      authorized: true,
      path: [
        { type: 'list', url: bank.url, issuer: bank.did, hops: 2, version: 1 },
        { type: 'issuer', id: acme.did },
      ],
    });
    expect(overJson(yes)).toEqual(yes);
    const no = await agent.legateQueryTrustRegistry({ entity: mallory.did, authorization: 'call:billing:refund' });
    expect(no).toMatchObject({ authorized: false, reason: { code: 'ERR_UNTRUSTED_ISSUER' } });
    expect(await agent.legateQueryTrustRegistry({ entity: acme.did, authorization: 'read:crm:x', depth: 3 })).toMatchObject({ authorized: false, reason: { reason: 'depth' } });
  });

  it('answers the recognition question', async () => {
    const { agent } = await bankAgent();
    expect(await agent.legateQueryTrustRegistry({ registry: bank.did, recognized: ledger.did })).toMatchObject({
      recognized: true,
      path: [{ url: bank.url }, { url: pay.url, hops: 1 }, { url: ledger.url, hops: 0 }],
    });
    expect(await agent.legateQueryTrustRegistry({ registry: ledger.did, recognized: pay.did })).toMatchObject({ recognized: false, reason: { code: 'ERR_UNTRUSTED_ISSUER' } });
  });

  it('refuses a malformed question (ERR_MALFORMED) and a plugin without a registry (ERR_INVALID_ARGUMENT)', async () => {
    const { agent } = await bankAgent();
    expect(await rejection(agent.legateQueryTrustRegistry({ entity: acme.did, authorization: 'read' }))).toMatchObject({ code: 'ERR_MALFORMED', claim: 'authorization' });
    const untrusting = legateAgent();
    expect(await rejection(untrusting.legateQueryTrustRegistry({ entity: acme.did, authorization: 'read:crm:x' }))).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'trust' });
  });
});

describe("trust lists' own status", () => {
  it("a revoked trust list accredits no one, even when credentials' status is not checked", async () => {
    const LIST = 'https://bank.example/status/r-1';
    const answer = async (set: number[]) => {
      const routes = await standardRoutes({ bank: { ...standard.bank(), credentialStatus: [revocationEntry(3, LIST)] } });
      routes[LIST] = { body: await signedList({ url: LIST, issuer: bank.did, signer: bank.signer, set }) };
      const server = listServer(routes);
      const agent = legateAgent({
        plugin: {
          resolver: federationResolver(),
          checkStatus: false,
          status: { fetch: server.fetch },
          trust: { self: bank.did, anchors: [{ url: bank.url, issuer: bank.did, hops: 2 }], fetch: server.fetch },
        },
      });
      return agent.legateQueryTrustRegistry({ entity: acme.did, authorization: 'read:crm:customer_records' });
    };
    expect(await answer([])).toMatchObject({ authorized: true });
    expect(await answer([3])).toMatchObject({ authorized: false, reason: { code: 'ERR_UNTRUSTED_ISSUER' } });
  });
});

describe('issuer trust in verification', () => {
  it("verifies acme's credential for what bank accredits, and reports ERR_UNTRUSTED_ISSUER for the rest", async () => {
    const { agent } = await bankAgent();
    const trusted = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: { id: alice.did, owner: alice.owner, capabilities: [readCrm] } });
    expect(await agent.legateVerifyCapabilityCredential({ credential: jwtOf(trusted) })).toMatchObject({ verified: true, errors: [] });
    const mixed = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: { id: alice.did, owner: alice.owner, capabilities: [readCrm, refund] } });
    const result = await agent.legateVerifyCapabilityCredential({ credential: jwtOf(mixed) });
    expect(result.verified).toBe(false);
    expect(result.errors).toMatchObject([{ code: 'ERR_UNTRUSTED_ISSUER', claim: 'call:billing:refund' }]);
  });

  it('authorizes per capability: the trusted capability of a credential is usable, the untrusted one is not', async () => {
    const { agent } = await bankAgent();
    const mixed = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: { id: alice.did, owner: alice.owner, capabilities: [readCrm, refund] } });
    const chains = [[jwtOf(mixed)]];
    expect(await agent.legateAuthorize({ request: readCrm, chains, verifier: bank.did })).toMatchObject({ decision: 'allow', credentialId: mixed.id });
    const denied = await agent.legateAuthorize({ request: refund, chains, verifier: bank.did });
    expect(denied.decision).toBe('deny');
    expect(denied.reasons.map((r) => r.code)).toEqual(['ERR_UNTRUSTED_ISSUER']);
    expect(codes(denied)).toEqual(['ERR_UNTRUSTED_ISSUER']);
  });
});
