// Three organizations on loopback, federated as in registry/federation.example.json:
//   bank --recognizes (call:billing:*, close:billing:*, read:crm:*)--> payments --accredits--> support
//   payments --recognizes--> bank (a cycle)
// support's CustomerSupportAgent credential is checked by the bank.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { accredit, recognize, trustListUrl } from '../../src/node/registry.js';
import { verificationOptions } from '../../src/node/verify.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

interface Federation {
  trust: Record<string, { accredits: { org: string; capabilities: string[]; maxDelegationDepth: number }[]; recognizes: { org: string; hops: number; capabilities?: string[] }[] }>;
}
const federation = JSON.parse(readFileSync(new URL('../../registry/federation.example.json', import.meta.url), 'utf8')) as Federation;
const codes = (r: { errors: { code: string; claim?: string | undefined }[] }) => r.errors.map((e) => [e.code, e.claim]);

describe('federation over loopback HTTP', () => {
  const orgs: Record<string, RunningNode> = {};

  beforeAll(async () => {
    for (const name of ['bank', 'payments', 'support']) orgs[name] = await startNode(name);
    for (const [name, trust] of Object.entries(federation.trust)) {
      const self = orgs[name]!;
      for (const a of trust.accredits) await accredit(self.node, { issuer: orgs[a.org]!.did, capabilities: a.capabilities, maxDelegationDepth: a.maxDelegationDepth });
      for (const r of trust.recognizes) {
        const other = orgs[r.org]!;
        await recognize(self.node, { url: trustListUrl(other.node), issuer: other.did, hops: r.hops, ...(r.capabilities ? { capabilities: r.capabilities } : {}) });
      }
    }
    await createAgent(orgs.support!.node, { name: 'customer-support', owner: 'mailto:dana@helpdesk.example' });
  });
  afterAll(async () => {
    for (const o of Object.values(orgs)) await o.server.close();
  });

  it("trusts the support vendor's refund capability through the payments provider's list", async () => {
    const { jwt } = await issueToAgent(orgs.support!.node, { agent: 'customer-support', capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } }], delegation: { depth: 0, maxDepth: 1 } });
    const result = await verifyCapabilityCredential(jwt, verificationOptions(orgs.bank!.node));
    expect(result.errors).toEqual([]);
  });

  it('rejects, capability by capability, what the partner accredited beyond the bank’s bound', async () => {
    const { jwt } = await issueToAgent(orgs.support!.node, {
      agent: 'customer-support',
      capabilities: [
        { action: 'call', resource: 'billing:refund' },
        { action: 'write', resource: 'crm:ticket_updates', scope: 'own_tickets' },
      ],
    });
    const result = await verifyCapabilityCredential(jwt, verificationOptions(orgs.bank!.node));
    expect(codes(result)).toEqual([['ERR_UNTRUSTED_ISSUER', 'write:crm:ticket_updates']]);
    // The payments provider itself accredits it directly, so it trusts it.
    expect((await verifyCapabilityCredential(jwt, verificationOptions(orgs.payments!.node))).errors).toEqual([]);
  });

  it('rejects a credential from an issuer nobody on the path accredits', async () => {
    const mallory = generateEphemeralSigner();
    const { jwt } = await issueCapabilityCredential({
      issuer: mallory.did,
      signer: mallory,
      subject: { id: mallory.did, owner: 'mailto:mallory@evil.example', capabilities: [{ action: 'call', resource: 'billing:refund' }] },
    });
    expect(codes(await verifyCapabilityCredential(jwt, verificationOptions(orgs.bank!.node)))).toEqual([['ERR_UNTRUSTED_ISSUER', 'call:billing:refund']]);
  });

  it('rejects a root credential delegable deeper than its issuer is accredited for', async () => {
    const { jwt } = await issueToAgent(orgs.support!.node, { agent: 'customer-support', capabilities: [{ action: 'call', resource: 'billing:refund' }], delegation: { depth: 0, maxDepth: 3 } });
    expect(codes(await verifyCapabilityCredential(jwt, verificationOptions(orgs.bank!.node)))).toEqual([['ERR_UNTRUSTED_ISSUER', 'call:billing:refund']]);
  });

  it('answers trust registry queries over HTTP, with the path', async () => {
    const ask = async (body: unknown) =>
      (await fetch(`${orgs.bank!.url}/registry/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<Record<string, unknown>>;
    const yes = await ask({ entity: orgs.support!.did, authorization: 'call:billing:refund' });
    expect(yes).toMatchObject({ authorized: true });
    expect((yes.path as { type: string; url?: string; id?: string }[]).map((s) => s.url ?? s.id)).toEqual([
      trustListUrl(orgs.bank!.node),
      trustListUrl(orgs.payments!.node),
      orgs.support!.did,
    ]);
    expect(await ask({ entity: orgs.support!.did, authorization: 'write:crm:ticket_updates' })).toMatchObject({ authorized: false, reason: { code: 'ERR_UNTRUSTED_ISSUER' } });
    expect(await ask({ registry: orgs.bank!.did, recognized: orgs.payments!.did })).toMatchObject({ recognized: true });
    expect(await ask({ registry: orgs.bank!.did, recognized: orgs.support!.did })).toMatchObject({ recognized: false });
    const bad = await fetch(`${orgs.bank!.url}/registry/query`, { method: 'POST', body: '{"nothing":1}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('serves each signed trust list with an ETag', async () => {
    const res = await fetch(`${orgs.payments!.url}/registry/trust-list`);
    expect(res.headers.get('content-type')).toBe('application/vc+jwt');
    const etag = res.headers.get('etag')!;
    expect((await fetch(`${orgs.payments!.url}/registry/trust-list`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });
});
